-- Catalog master data, stock, the stock ledger, order allocations, shipments and
-- transfers. Stock invariants are also CHECK constraints so no code path can break them.

CREATE TABLE suppliers (
    code        TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    active      BOOLEAN NOT NULL DEFAULT TRUE,
    version     INTEGER NOT NULL DEFAULT 1,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE parts (
    part_number      TEXT PRIMARY KEY,
    description      TEXT NOT NULL,
    category         TEXT NOT NULL,
    unit_of_measure  TEXT NOT NULL,
    currency         TEXT NOT NULL,
    supplier_code    TEXT NOT NULL REFERENCES suppliers (code),
    warranty_months  INTEGER NOT NULL CHECK (warranty_months >= 0),
    core             BOOLEAN NOT NULL,
    returnable       BOOLEAN NOT NULL,
    superseded_by    TEXT REFERENCES parts (part_number),
    active           BOOLEAN NOT NULL DEFAULT TRUE,
    version          INTEGER NOT NULL DEFAULT 1,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK (superseded_by IS NULL OR superseded_by <> part_number)
);
CREATE INDEX parts_supplier ON parts (supplier_code, part_number);
CREATE INDEX parts_category ON parts (category, part_number);

CREATE TABLE part_prices (
    id              BIGSERIAL PRIMARY KEY,
    part_number     TEXT NOT NULL REFERENCES parts (part_number),
    price           NUMERIC(14, 4) NOT NULL CHECK (price > 0),
    currency        TEXT NOT NULL,
    effective_from  TIMESTAMPTZ NOT NULL,
    created_by      TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (part_number, effective_from)
);

CREATE TABLE warehouses (
    code        TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('central', 'regional')),
    active      BOOLEAN NOT NULL DEFAULT TRUE,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE stock_levels (
    warehouse_code  TEXT NOT NULL REFERENCES warehouses (code),
    part_number     TEXT NOT NULL REFERENCES parts (part_number),
    on_hand         INTEGER NOT NULL DEFAULT 0,
    reserved        INTEGER NOT NULL DEFAULT 0,
    quarantined     INTEGER NOT NULL DEFAULT 0,
    reorder_point   INTEGER NOT NULL DEFAULT 0 CHECK (reorder_point >= 0),
    reorder_qty     INTEGER NOT NULL DEFAULT 0 CHECK (reorder_qty >= 0),
    bin             TEXT,
    low_alerted     BOOLEAN NOT NULL DEFAULT TRUE,
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (warehouse_code, part_number),
    -- Invariant 1; quarantined units are on hand but never reservable.
    CHECK (reserved >= 0 AND quarantined >= 0 AND reserved + quarantined <= on_hand)
);

CREATE TABLE stock_movements (
    id              BIGSERIAL PRIMARY KEY,
    warehouse_code  TEXT NOT NULL,
    part_number     TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('receipt', 'adjustment', 'count_variance',
                        'transfer_out', 'transfer_in', 'shipment', 'quarantine_in', 'quarantine_out')),
    qty             INTEGER NOT NULL CHECK (qty <> 0),
    reason_code     TEXT,
    reference       TEXT NOT NULL,
    actor           TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    FOREIGN KEY (warehouse_code, part_number) REFERENCES stock_levels (warehouse_code, part_number)
);
CREATE INDEX stock_movements_level ON stock_movements (warehouse_code, part_number, id);

-- The ledger is append-only: history is corrected by a new movement, never rewritten.
CREATE FUNCTION stock_movements_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'stock_movements is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER stock_movements_append_only BEFORE UPDATE OR DELETE ON stock_movements
    FOR EACH ROW EXECUTE FUNCTION stock_movements_append_only();

CREATE TABLE cycle_counts (
    id              UUID PRIMARY KEY,
    warehouse_code  TEXT NOT NULL,
    part_number     TEXT NOT NULL,
    counted         INTEGER NOT NULL CHECK (counted >= 0),
    expected        INTEGER NOT NULL,
    variance        INTEGER NOT NULL,
    actor           TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    FOREIGN KEY (warehouse_code, part_number) REFERENCES stock_levels (warehouse_code, part_number)
);

CREATE TABLE order_allocations (
    order_id        UUID PRIMARY KEY,
    order_number    TEXT NOT NULL,
    dealer_code     TEXT NOT NULL,
    warehouse_code  TEXT NOT NULL REFERENCES warehouses (code),
    priority        TEXT NOT NULL CHECK (priority IN ('stock', 'emergency')),
    placed_at       TIMESTAMPTZ NOT NULL,
    version         BIGINT NOT NULL,
    cancelled       BOOLEAN NOT NULL DEFAULT FALSE,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE allocation_lines (
    order_id              UUID NOT NULL REFERENCES order_allocations (order_id),
    line_no               INTEGER NOT NULL,
    part_number           TEXT NOT NULL,
    reserved_part_number  TEXT NOT NULL REFERENCES parts (part_number),
    ordered               INTEGER NOT NULL CHECK (ordered > 0),
    reserved              INTEGER NOT NULL CHECK (reserved >= 0),
    backordered           INTEGER NOT NULL CHECK (backordered >= 0),
    shipped               INTEGER NOT NULL CHECK (shipped >= 0),
    released              INTEGER NOT NULL CHECK (released >= 0),
    PRIMARY KEY (order_id, line_no),
    -- Invariant 2: every ordered unit is in exactly one state.
    CHECK (reserved + backordered + shipped + released = ordered)
);
CREATE INDEX allocation_lines_backorders ON allocation_lines (reserved_part_number)
    WHERE backordered > 0;

-- A cancellation that arrived before its order: the order meets it on arrival.
CREATE TABLE order_tombstones (
    order_id     UUID PRIMARY KEY,
    received_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE shipments (
    id              UUID PRIMARY KEY,
    order_id        UUID NOT NULL REFERENCES order_allocations (order_id),
    warehouse_code  TEXT NOT NULL,
    carrier         TEXT NOT NULL,
    tracking_ref    TEXT NOT NULL,
    actor           TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE shipment_lines (
    shipment_id  UUID NOT NULL REFERENCES shipments (id),
    line_no      INTEGER NOT NULL,
    part_number  TEXT NOT NULL,
    qty          INTEGER NOT NULL CHECK (qty > 0),
    PRIMARY KEY (shipment_id, line_no)
);

CREATE TABLE transfers (
    id              UUID PRIMARY KEY,
    from_warehouse  TEXT NOT NULL REFERENCES warehouses (code),
    to_warehouse    TEXT NOT NULL REFERENCES warehouses (code),
    part_number     TEXT NOT NULL REFERENCES parts (part_number),
    qty             INTEGER NOT NULL CHECK (qty > 0),
    status          TEXT NOT NULL CHECK (status IN ('requested', 'in_transit', 'received', 'cancelled')),
    requested_by    TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK (from_warehouse <> to_warehouse)
);
