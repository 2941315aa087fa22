ALTER TABLE transfers DROP COLUMN expected_date;
