ALTER TABLE order_lines DROP COLUMN expected_date;
