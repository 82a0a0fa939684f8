-- What the last import wrote to an article, as one SHA-256 digest that engfeed computes from
-- the catalogue item (see `import_digest` in `src/db/import.rs`): a re-import that computes
-- the same digest for an item knows the article is as that item would leave it, without
-- fetching any of its fields. NULL: unknown, and the import compares field by field.
ALTER TABLE articles ADD COLUMN import_digest BYTEA;

-- The digest stays truthful by being forgotten: any write that changes what an import sets
-- (the admin API, an author's deletion, plain SQL) and does not set a new digest itself
-- makes it NULL. Only the import sets it.
CREATE FUNCTION engfeed_forget_import_digest() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.import_digest IS NOT DISTINCT FROM OLD.import_digest
       AND (NEW.public_id, NEW.import_key, NEW.title, NEW.summary, NEW.content_html, NEW.url,
            NEW.author_id, NEW.level, NEW.read_minutes, NEW.includes_code, NEW.has_summary,
            NEW.source, NEW.published_at, NEW.updated_at, NEW.deleted_at)
           IS DISTINCT FROM
           (OLD.public_id, OLD.import_key, OLD.title, OLD.summary, OLD.content_html, OLD.url,
            OLD.author_id, OLD.level, OLD.read_minutes, OLD.includes_code, OLD.has_summary,
            OLD.source, OLD.published_at, OLD.updated_at, OLD.deleted_at)
    THEN
        NEW.import_digest := NULL;
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER articles_forget_import_digest
    BEFORE UPDATE ON articles
    FOR EACH ROW
    WHEN (OLD.import_digest IS NOT NULL)
    EXECUTE FUNCTION engfeed_forget_import_digest();
