-- Bumped by every change; an article's ETag, so two admins never overwrite each other.
ALTER TABLE articles ADD COLUMN version BIGINT NOT NULL DEFAULT 1;

-- Bearer tokens for /api/v1. Only a SHA-256 hash is kept; the token is shown once.
CREATE TABLE api_tokens (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    token_hash BYTEA NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    revoked_at TIMESTAMPTZ
);

-- A POST sent again with the same Idempotency-Key replays its first response. The row is
-- claimed before the request runs (response_status NULL: in progress), so two copies of a
-- request sent at once cannot both run.
CREATE TABLE idempotency_keys (
    token_id         BIGINT NOT NULL REFERENCES api_tokens (id),
    key              TEXT NOT NULL,
    request_hash     BYTEA NOT NULL,
    response_status  SMALLINT,
    response_headers JSONB,
    response_body    BYTEA,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (token_id, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

-- Every change through the API: who, when, what, and the version it replaced.
CREATE TABLE audit_log (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    token_id   BIGINT REFERENCES api_tokens (id),
    at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    action     TEXT NOT NULL,
    article_id BIGINT REFERENCES articles (id),
    author_id  BIGINT REFERENCES authors (id),
    previous   JSONB,
    current    JSONB
);
CREATE INDEX audit_log_article ON audit_log (article_id, at);
