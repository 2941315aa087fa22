DROP TABLE cancelled_orders;
DROP TABLE order_shipment_lines;
DROP TABLE placed_order_lines;
