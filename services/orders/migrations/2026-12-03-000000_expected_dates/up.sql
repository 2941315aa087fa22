-- When a backordered line's units are expected: the expected date of the earliest open
-- purchase order that serves them, as catalog's newest allocation said. NULL when the
-- line has nothing backordered or nothing on order covers it.
ALTER TABLE order_lines ADD COLUMN expected_date DATE;
