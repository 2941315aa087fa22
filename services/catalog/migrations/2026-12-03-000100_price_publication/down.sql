DROP INDEX part_prices_unpublished;
ALTER TABLE part_prices DROP COLUMN published_at;
