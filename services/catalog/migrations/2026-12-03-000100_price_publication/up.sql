-- A list price that takes effect later is published (catalog.part_upserted) on its day
-- by a scheduled job; published_at says it was. Prices already in force when they
-- were added were published then; a future price whose day has passed since is left
-- unpublished, so the job publishes it now.
ALTER TABLE part_prices ADD COLUMN published_at TIMESTAMPTZ;
UPDATE part_prices SET published_at = created_at WHERE effective_from <= created_at;
CREATE INDEX part_prices_unpublished ON part_prices (effective_from) WHERE published_at IS NULL;
