DROP INDEX articles_live_recent, articles_live_beginner_recent,
    articles_live_intermediate_recent, articles_live_advanced_recent,
    articles_live_author_recent, articles_deleted_recent;
CREATE INDEX articles_live_recent ON articles (published_at DESC, id DESC)
    WHERE deleted_at IS NULL;
CREATE INDEX articles_live_beginner_recent ON articles (published_at DESC, id DESC)
    WHERE deleted_at IS NULL AND level = 'beginner';
CREATE INDEX articles_live_intermediate_recent ON articles (published_at DESC, id DESC)
    WHERE deleted_at IS NULL AND level = 'intermediate';
CREATE INDEX articles_live_advanced_recent ON articles (published_at DESC, id DESC)
    WHERE deleted_at IS NULL AND level = 'advanced';
CREATE INDEX articles_live_author_recent ON articles (author_id, published_at DESC, id DESC)
    WHERE deleted_at IS NULL;
CREATE INDEX articles_deleted_recent ON articles (deleted_at DESC, id DESC)
    WHERE deleted_at IS NOT NULL;
