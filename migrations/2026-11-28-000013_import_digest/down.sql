DROP TRIGGER articles_forget_import_digest ON articles;
DROP FUNCTION engfeed_forget_import_digest();
ALTER TABLE articles DROP COLUMN import_digest;
