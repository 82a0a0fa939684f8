DROP TRIGGER authors_catalogue_changed ON authors;
DROP TRIGGER articles_catalogue_changed ON articles;
DROP FUNCTION engfeed_catalogue_changed();
ALTER TABLE site DROP COLUMN catalogue_changed_by, DROP COLUMN catalogue_changed_at;
