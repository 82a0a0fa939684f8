DROP TABLE audit_log;
DROP TABLE idempotency_keys;
DROP TABLE api_tokens;
ALTER TABLE articles DROP COLUMN version;
