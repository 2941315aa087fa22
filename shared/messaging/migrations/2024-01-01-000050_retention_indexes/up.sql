-- The retention job (`retention.rs`) deletes by age in batches; without these each
-- batch would scan the whole table.
CREATE INDEX inbox_received_at ON inbox (received_at);
CREATE INDEX outbox_published_at ON outbox (published_at) WHERE published_at IS NOT NULL;
