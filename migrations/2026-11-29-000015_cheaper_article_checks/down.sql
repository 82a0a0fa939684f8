ALTER TABLE articles
    DROP CONSTRAINT articles_url_check,
    ADD CONSTRAINT articles_url_check CHECK (url ~ '^https?://'),
    DROP CONSTRAINT articles_title_check,
    ADD CONSTRAINT articles_title_check CHECK (length(title) BETWEEN 1 AND 300),
    DROP CONSTRAINT articles_summary_check,
    ADD CONSTRAINT articles_summary_check CHECK (length(summary) <= 10000),
    DROP CONSTRAINT articles_source_check,
    ADD CONSTRAINT articles_source_check CHECK (length(source) BETWEEN 1 AND 200);
