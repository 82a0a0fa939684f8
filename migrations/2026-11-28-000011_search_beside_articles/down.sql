DROP TRIGGER articles_forget_search ON articles;
DROP FUNCTION engfeed_forget_article_search();
DROP TRIGGER articles_search_document ON articles;
DROP FUNCTION engfeed_index_article();
ALTER TABLE articles
    ADD COLUMN search TSVECTOR GENERATED ALWAYS AS
        (to_tsvector('english', title || ' ' || summary)) STORED;
CREATE INDEX articles_live_search ON articles USING gin (search) WHERE deleted_at IS NULL;
DROP TABLE article_search;
DROP FUNCTION engfeed_search_document(TEXT, TEXT);
