-- The `q=` filter: full-text search over title and summary. The document is computed once
-- per write into a stored column, not for every row a query looks at, and a GIN index over
-- live articles finds the matches of rare words without scanning the table.
ALTER TABLE articles
    ADD COLUMN search TSVECTOR GENERATED ALWAYS AS
        (to_tsvector('english', title || ' ' || summary)) STORED;
CREATE INDEX articles_live_search ON articles USING gin (search) WHERE deleted_at IS NULL;
