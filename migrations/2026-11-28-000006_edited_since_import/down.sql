ALTER TABLE articles DROP COLUMN edited_since_import;
