-- When a transfer's units are expected at its destination: with one, a transfer in
-- transit dates the backorders there like an open purchase order.
ALTER TABLE transfers ADD COLUMN expected_date DATE;
