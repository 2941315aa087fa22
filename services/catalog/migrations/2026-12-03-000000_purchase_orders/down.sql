DROP INDEX order_allocations_demand;
ALTER TABLE allocation_lines DROP CONSTRAINT allocation_lines_expected_only_backordered;
ALTER TABLE allocation_lines DROP COLUMN expected_date;
DROP TABLE purchase_order_receipts;
DROP TABLE purchase_order_lines;
DROP TABLE purchase_orders;
DROP SEQUENCE purchase_order_number_seq;
