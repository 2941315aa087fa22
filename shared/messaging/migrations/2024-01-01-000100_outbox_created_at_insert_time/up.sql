-- An outbox row is written at the end of its transaction, just before the commit; its
-- insert time is when the event became true, where now() would be the transaction's
-- start (the latency stages of `cargo xtask bench` are timed from it).
ALTER TABLE outbox ALTER COLUMN created_at SET DEFAULT clock_timestamp();
