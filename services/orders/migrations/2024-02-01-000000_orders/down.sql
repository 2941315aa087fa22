DROP TABLE order_shipments;
DROP TABLE order_timeline;
DROP TABLE order_lines;
DROP TABLE orders;
DROP SEQUENCE order_number_seq;
DROP TABLE price_book;
DROP TABLE dealers;
