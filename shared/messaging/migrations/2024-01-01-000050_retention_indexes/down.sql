DROP INDEX outbox_published_at;
DROP INDEX inbox_received_at;
