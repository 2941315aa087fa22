-- Dealers. The tier names the discount (see `domain::tier`): the same for every
-- dealer of the tier. `version` backs the ETag of optimistic concurrency.
CREATE TABLE dealers (
    code           TEXT PRIMARY KEY,
    name           TEXT           NOT NULL,
    tier           TEXT           NOT NULL CHECK (tier IN ('standard', 'silver', 'gold', 'platinum')),
    labor_rate     NUMERIC(14, 4) NOT NULL CHECK (labor_rate >= 0),
    currency       TEXT           NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    home_warehouse TEXT           NOT NULL,
    active         BOOLEAN        NOT NULL DEFAULT TRUE,
    version        INTEGER        NOT NULL DEFAULT 1,
    created_at     TIMESTAMPTZ    NOT NULL DEFAULT now(),
    updated_at     TIMESTAMPTZ    NOT NULL DEFAULT now()
);

-- The local price book: catalog's parts as `catalog.part_upserted` last described them.
CREATE TABLE price_book (
    part_number   TEXT PRIMARY KEY,
    description   TEXT           NOT NULL,
    list_price    NUMERIC(14, 4) NOT NULL CHECK (list_price >= 0),
    currency      TEXT           NOT NULL,
    active        BOOLEAN        NOT NULL,
    superseded_by TEXT,
    updated_at    TIMESTAMPTZ    NOT NULL DEFAULT now()
);

-- Human order numbers (ORD-000123): unique, not necessarily gap-free.
CREATE SEQUENCE order_number_seq;

CREATE TABLE orders (
    id                         UUID PRIMARY KEY,
    number                     TEXT           NOT NULL UNIQUE,
    dealer_code                TEXT           NOT NULL REFERENCES dealers (code),
    warehouse                  TEXT           NOT NULL,
    priority                   TEXT           NOT NULL CHECK (priority IN ('stock', 'emergency')),
    status                     TEXT           NOT NULL CHECK (status IN (
        'submitted', 'reserved', 'partially_reserved', 'backordered',
        'partially_shipped', 'shipped', 'cancel_requested', 'cancelled')),
    currency                   TEXT           NOT NULL,
    total                      NUMERIC(14, 2) NOT NULL,
    -- The newest catalog allocation applied; 0 = none yet.
    allocation_version         BIGINT         NOT NULL DEFAULT 0,
    -- The oldest allocation seen (catalog's answer to the placement), for fill rate.
    initial_allocation_version BIGINT,
    cancel_requested_at        TIMESTAMPTZ,
    placed_at                  TIMESTAMPTZ    NOT NULL,
    updated_at                 TIMESTAMPTZ    NOT NULL DEFAULT now()
);

CREATE INDEX orders_by_placed ON orders (placed_at DESC, id DESC);
CREATE INDEX orders_by_dealer ON orders (dealer_code, placed_at DESC, id DESC);

CREATE TABLE order_lines (
    order_id             UUID           NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    line_no              INTEGER        NOT NULL CHECK (line_no > 0),
    part_number          TEXT           NOT NULL,
    reserved_part_number TEXT,
    qty                  INTEGER        NOT NULL CHECK (qty > 0),
    unit_list_price      NUMERIC(14, 4) NOT NULL,
    discount_pct         NUMERIC(5, 2)  NOT NULL,
    unit_net_price       NUMERIC(14, 4) NOT NULL,
    line_total           NUMERIC(14, 2) NOT NULL,
    reserved             INTEGER        NOT NULL DEFAULT 0 CHECK (reserved >= 0),
    backordered          INTEGER        NOT NULL DEFAULT 0 CHECK (backordered >= 0),
    shipped              INTEGER        NOT NULL DEFAULT 0 CHECK (shipped >= 0),
    released             INTEGER        NOT NULL DEFAULT 0 CHECK (released >= 0),
    -- Reserved by catalog's first allocation (fill rate); NULL until it arrives.
    initial_reserved     INTEGER,
    PRIMARY KEY (order_id, line_no),
    -- Invariant 2 once allocated; all zero before the first allocation.
    CHECK (reserved + backordered + shipped + released IN (0, qty))
);

-- Every status change of an order and the event that caused it.
CREATE TABLE order_timeline (
    id                 BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id           UUID        NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    at                 TIMESTAMPTZ NOT NULL DEFAULT now(),
    from_status        TEXT,
    to_status          TEXT        NOT NULL,
    event_id           UUID        NOT NULL,
    event_type         TEXT        NOT NULL,
    allocation_version BIGINT
);

CREATE INDEX order_timeline_by_order ON order_timeline (order_id, id);

-- Shipments catalog reported, whatever their allocation version: the fill rate
-- counts what left within 24 h of placement.
CREATE TABLE order_shipments (
    shipment_id   UUID PRIMARY KEY,
    order_id      UUID        NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    dispatched_at TIMESTAMPTZ NOT NULL,
    qty           INTEGER     NOT NULL CHECK (qty >= 0),
    carrier       TEXT        NOT NULL,
    tracking_ref  TEXT        NOT NULL
);

CREATE INDEX order_shipments_by_order ON order_shipments (order_id);
