-- Idempotency keys of creating requests. Unqualified: the connection's search_path
-- selects the service's schema.
CREATE TABLE idempotency_keys (
    principal       TEXT        NOT NULL,
    key             TEXT        NOT NULL,
    request_hash    BYTEA       NOT NULL,
    response_status SMALLINT,
    response_body   JSONB,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (principal, key)
);

-- Purging old keys scans by age.
CREATE INDEX idempotency_keys_created_at_idx ON idempotency_keys (created_at);
