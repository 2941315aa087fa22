ALTER TABLE outbox ALTER COLUMN created_at SET DEFAULT now();
