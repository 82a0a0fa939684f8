DROP INDEX articles_live_search;
ALTER TABLE articles DROP COLUMN search;
