-- What each shipment carried per order line, and the event that reported it (the
-- timeline entry it caused has the same event id). Shipments recorded before this
-- keep their total quantity only.
ALTER TABLE order_shipments ADD COLUMN event_id UUID;

CREATE TABLE order_shipment_lines (
    shipment_id UUID    NOT NULL REFERENCES order_shipments (shipment_id) ON DELETE CASCADE,
    line_no     INTEGER NOT NULL,
    part_number TEXT    NOT NULL,
    qty         INTEGER NOT NULL CHECK (qty >= 0),
    PRIMARY KEY (shipment_id, line_no, part_number)
);
