-- Transactional outbox: rows are written in the same transaction as the state change
-- they announce, and published by the relay after commit.
CREATE TABLE outbox (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id     UUID        NOT NULL UNIQUE,
    event_type   TEXT        NOT NULL,
    envelope     JSONB       NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    published_at TIMESTAMPTZ
);

-- The relay only ever scans unpublished rows; keep that scan independent of history.
CREATE INDEX outbox_unpublished ON outbox (id) WHERE published_at IS NULL;

-- One notification per inserting statement wakes the relay. The channel carries the
-- schema name so that services (or tests) sharing a database do not wake each other.
CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('outbox_' || TG_TABLE_SCHEMA, '');
    RETURN NULL;
END
$$;

CREATE TRIGGER outbox_notify AFTER INSERT ON outbox
    FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify();

-- Inbox: the ids of consumed events, committed with the handler's effects, so a
-- redelivered event is recognised and skipped.
CREATE TABLE inbox (
    event_id    UUID PRIMARY KEY,
    event_type  TEXT        NOT NULL,
    producer    TEXT        NOT NULL,
    received_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
