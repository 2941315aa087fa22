DROP INDEX claims_by_return_deadline;
DROP INDEX claims_by_decided;
DROP TABLE order_shipments;
DROP TABLE placed_orders;
