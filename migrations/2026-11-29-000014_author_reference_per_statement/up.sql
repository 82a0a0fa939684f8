-- Every article's author exists, checked once per statement instead of once per row.
--
-- The foreign key `articles.author_id -> authors.id` looked its author up and locked it
-- (FOR KEY SHARE) for every row written: a third of an import's database time for 100,000
-- new articles (docs/PERFORMANCE.md). These triggers keep the same guarantee with one
-- set-based check per statement, over the rows the statement wrote:
--
-- * writing articles locks their distinct authors FOR KEY SHARE, as the foreign key did,
--   then fails if any of them is missing;
-- * deleting an author (or truncating `authors`) fails while an article refers to it.
--
-- Concurrency is the foreign key's: a DELETE of an author waits for the transactions that
-- locked it, then (READ COMMITTED: each statement here takes a new snapshot) sees their
-- articles and fails; a write that meets an author deleted meanwhile finds it gone and
-- fails (REPEATABLE READ: a serialization failure). `tests/api/author_reference.rs` runs
-- both orders. The errors keep the constraint's name and SQLSTATE 23503.

CREATE FUNCTION engfeed_check_article_authors() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    missing BIGINT;
BEGIN
    PERFORM 1 FROM authors
     WHERE id IN (SELECT DISTINCT author_id FROM written WHERE author_id IS NOT NULL)
       FOR KEY SHARE;
    SELECT w.author_id INTO missing
      FROM written w
     WHERE w.author_id IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM authors a WHERE a.id = w.author_id)
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'insert or update on table "articles" violates foreign key constraint "articles_author_id_fkey"'
            USING ERRCODE = 'foreign_key_violation',
                  DETAIL = format('Key (author_id)=(%s) is not present in table "authors".', missing),
                  TABLE = 'articles', COLUMN = 'author_id',
                  CONSTRAINT = 'articles_author_id_fkey';
    END IF;
    RETURN NULL;
END;
$$;

CREATE FUNCTION engfeed_check_authors_unreferenced() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    orphaned BIGINT;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        SELECT author_id INTO orphaned FROM articles WHERE author_id IS NOT NULL LIMIT 1;
    ELSE
        SELECT g.id INTO orphaned
          FROM gone g
         WHERE NOT EXISTS (SELECT 1 FROM authors a WHERE a.id = g.id)
           AND EXISTS (SELECT 1 FROM articles r WHERE r.author_id = g.id)
         LIMIT 1;
    END IF;
    IF orphaned IS NOT NULL THEN
        RAISE EXCEPTION 'update or delete on table "authors" violates foreign key constraint "articles_author_id_fkey" on table "articles"'
            USING ERRCODE = 'foreign_key_violation',
                  DETAIL = format('Key (id)=(%s) is still referenced from table "articles".', orphaned),
                  TABLE = 'authors', CONSTRAINT = 'articles_author_id_fkey';
    END IF;
    RETURN NULL;
END;
$$;

-- A trigger with a transition table has one event and no column list (PostgreSQL's rule):
-- hence a trigger per event, and every UPDATE checks its rows, not only those whose
-- author changed; for an edit that keeps the author that is one locked lookup.
CREATE TRIGGER articles_author_exists_on_insert
    AFTER INSERT ON articles REFERENCING NEW TABLE AS written
    FOR EACH STATEMENT EXECUTE FUNCTION engfeed_check_article_authors();
CREATE TRIGGER articles_author_exists_on_update
    AFTER UPDATE ON articles REFERENCING NEW TABLE AS written
    FOR EACH STATEMENT EXECUTE FUNCTION engfeed_check_article_authors();
CREATE TRIGGER authors_unreferenced_on_delete
    AFTER DELETE ON authors REFERENCING OLD TABLE AS gone
    FOR EACH STATEMENT EXECUTE FUNCTION engfeed_check_authors_unreferenced();
CREATE TRIGGER authors_unreferenced_on_update
    AFTER UPDATE ON authors REFERENCING OLD TABLE AS gone
    FOR EACH STATEMENT EXECUTE FUNCTION engfeed_check_authors_unreferenced();
CREATE TRIGGER authors_unreferenced_on_truncate
    BEFORE TRUNCATE ON authors
    FOR EACH STATEMENT EXECUTE FUNCTION engfeed_check_authors_unreferenced();

ALTER TABLE articles DROP CONSTRAINT articles_author_id_fkey;
