-- Bulk imports spent most of their time on text search: computing `articles.search` (a
-- generated to_tsvector of title and summary) and adding it to a GIN index cost about
-- nine times what COPYing the same rows into a bare table costs (docs/PERFORMANCE.md).
-- The document now lives beside the article, in `article_search`, one row per article:
--   * an ordinary write (the admin API, psql) computes it at once, in the trigger below;
--   * an import only adds the row with `search` NULL (pending), and the search indexer
--     of `engfeed serve` fills it in, in batches, after the import has committed;
--   * `q=` matches a pending article by computing its document on the fly, so what a
--     search finds is the same before and after the indexer has been: indexing changes
--     how fast a search is, never what it finds, and moves no catalogue clock.
CREATE FUNCTION engfeed_search_document(title TEXT, summary TEXT) RETURNS TSVECTOR
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN to_tsvector('english', title || ' ' || summary);

-- No foreign key: a per-row check would cost an import as much as an index; the delete
-- trigger below removes the rows of deleted articles instead.
CREATE TABLE article_search (
    article_id BIGINT PRIMARY KEY,
    -- NULL until the search indexer has computed it.
    search     TSVECTOR
);
INSERT INTO article_search (article_id, search) SELECT id, search FROM articles;
CREATE INDEX article_search_words ON article_search USING gin (search)
    WHERE search IS NOT NULL;
-- What the indexer has left to do, and what `q=` matches on the fly.
CREATE INDEX article_search_pending ON article_search (article_id) WHERE search IS NULL;

DROP INDEX articles_live_search;
ALTER TABLE articles DROP COLUMN search;

-- Writes that do not defer it (everything but an import) index the article at once.
CREATE FUNCTION engfeed_index_article() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO article_search (article_id, search)
    VALUES (NEW.id, engfeed_search_document(NEW.title, NEW.summary))
    ON CONFLICT (article_id) DO UPDATE SET search = EXCLUDED.search;
    RETURN NULL;
END;
$$;
CREATE TRIGGER articles_search_document
    AFTER INSERT OR UPDATE OF title, summary ON articles
    FOR EACH ROW
    WHEN (coalesce(current_setting('engfeed.defer_search', true), '') <> 'on')
    EXECUTE FUNCTION engfeed_index_article();

CREATE FUNCTION engfeed_forget_article_search() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM article_search WHERE article_id IN (SELECT id FROM gone);
    RETURN NULL;
END;
$$;
CREATE TRIGGER articles_forget_search
    AFTER DELETE ON articles
    REFERENCING OLD TABLE AS gone
    FOR EACH STATEMENT EXECUTE FUNCTION engfeed_forget_article_search();
