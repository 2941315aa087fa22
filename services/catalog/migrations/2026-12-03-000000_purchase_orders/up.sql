-- Purchase orders to suppliers, receipts posted against their lines, and the expected
-- date of each backordered allocation line (from the open purchase orders).

CREATE SEQUENCE purchase_order_number_seq;

CREATE TABLE purchase_orders (
    id              UUID PRIMARY KEY,
    number          TEXT NOT NULL UNIQUE,
    supplier_code   TEXT NOT NULL REFERENCES suppliers (code),
    warehouse_code  TEXT NOT NULL REFERENCES warehouses (code),
    currency        TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('draft', 'sent', 'partially_received',
                        'received', 'cancelled')),
    created_by      TEXT NOT NULL,
    version         INTEGER NOT NULL DEFAULT 1,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX purchase_orders_supplier ON purchase_orders (supplier_code, id);
CREATE INDEX purchase_orders_open ON purchase_orders (warehouse_code, id)
    WHERE status IN ('sent', 'partially_received');

CREATE TABLE purchase_order_lines (
    purchase_order_id  UUID NOT NULL REFERENCES purchase_orders (id),
    line_no            INTEGER NOT NULL CHECK (line_no > 0),
    part_number        TEXT NOT NULL REFERENCES parts (part_number),
    qty                INTEGER NOT NULL CHECK (qty > 0),
    received           INTEGER NOT NULL DEFAULT 0 CHECK (received >= 0),
    unit_price         NUMERIC(14, 4) NOT NULL CHECK (unit_price > 0),
    expected_date      DATE NOT NULL,
    PRIMARY KEY (purchase_order_id, line_no),
    UNIQUE (purchase_order_id, part_number)
);
CREATE INDEX purchase_order_lines_part ON purchase_order_lines (part_number, purchase_order_id);

-- A warehouse's demand over a window (replenishment).
CREATE INDEX order_allocations_demand ON order_allocations (warehouse_code, placed_at);

-- Each receipt posted against a line; an over-receipt carries the warehouse's reason.
CREATE TABLE purchase_order_receipts (
    id                   UUID PRIMARY KEY,
    purchase_order_id    UUID NOT NULL,
    line_no              INTEGER NOT NULL,
    qty                  INTEGER NOT NULL CHECK (qty > 0),
    over_receipt         INTEGER NOT NULL DEFAULT 0 CHECK (over_receipt >= 0),
    over_receipt_reason  TEXT,
    delivery_note        TEXT,
    actor                TEXT NOT NULL,
    created_at           TIMESTAMPTZ NOT NULL DEFAULT now(),
    FOREIGN KEY (purchase_order_id, line_no) REFERENCES purchase_order_lines (purchase_order_id, line_no),
    CHECK (over_receipt = 0 OR over_receipt_reason IS NOT NULL)
);
CREATE INDEX purchase_order_receipts_line ON purchase_order_receipts (purchase_order_id, line_no, id);

ALTER TABLE allocation_lines ADD COLUMN expected_date DATE;
ALTER TABLE allocation_lines ADD CONSTRAINT allocation_lines_expected_only_backordered
    CHECK (expected_date IS NULL OR backordered > 0);
