DROP TABLE order_shipment_lines;
ALTER TABLE order_shipments DROP COLUMN event_id;
