-- One row: the identity of this installation. Feed ids are derived from it, so they
-- stay the same when the service moves to another host name.
CREATE TABLE site (
    singleton  BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (singleton),
    site_id    UUID NOT NULL DEFAULT gen_random_uuid(),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
INSERT INTO site DEFAULT VALUES;

CREATE TABLE authors (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 200),
    slug       TEXT NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE articles (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- The permanent public identity: feed item id (urn:uuid:...) and permalink.
    public_id     UUID NOT NULL UNIQUE DEFAULT gen_random_uuid(),
    -- How a catalogue import recognises this article again (its URL, else source and title).
    import_key    TEXT UNIQUE,
    title         TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    summary       TEXT NOT NULL CHECK (length(summary) <= 10000),
    content_html  TEXT,
    url           TEXT CHECK (url ~ '^https?://'),
    author_id     BIGINT REFERENCES authors (id),
    level         TEXT NOT NULL CHECK (level IN ('beginner', 'intermediate', 'advanced')),
    read_minutes  INTEGER CHECK (read_minutes BETWEEN 1 AND 600),
    includes_code BOOLEAN NOT NULL,
    has_summary   BOOLEAN NOT NULL,
    source        TEXT NOT NULL CHECK (length(source) BETWEEN 1 AND 200),
    published_at  TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    deleted_at    TIMESTAMPTZ
);

-- Feed queries: live articles, newest first, `ORDER BY published_at DESC, id DESC LIMIT n`.
-- Partial indexes hold only live rows, so a scan reads exactly the rows it returns.
CREATE INDEX articles_live_recent ON articles (published_at DESC, id DESC)
    WHERE deleted_at IS NULL;
-- One index per level rather than one led by `level`: the planner judges an index by the
-- physical correlation of its first column, and `level` has almost none, so it preferred
-- filtering `articles_live_recent` (reading about three rows per row returned).
CREATE INDEX articles_live_beginner_recent ON articles (published_at DESC, id DESC)
    WHERE deleted_at IS NULL AND level = 'beginner';
CREATE INDEX articles_live_intermediate_recent ON articles (published_at DESC, id DESC)
    WHERE deleted_at IS NULL AND level = 'intermediate';
CREATE INDEX articles_live_advanced_recent ON articles (published_at DESC, id DESC)
    WHERE deleted_at IS NULL AND level = 'advanced';
CREATE INDEX articles_live_author_recent ON articles (author_id, published_at DESC, id DESC)
    WHERE deleted_at IS NULL;
