DROP INDEX articles_deleted_recent;
