-- Dealer scorecards (docs/rules.md, "Dealer scorecards"). The 24 h fill rate is
-- measured on orders' placements and catalog's shipments, kept here as the events
-- tell them (`orders.order_placed`, `catalog.shipment_dispatched`), the same way the
-- orders service measures it. Either may arrive first: they are joined when read.
CREATE TABLE placed_orders (
    order_id    UUID PRIMARY KEY,
    dealer_code TEXT        NOT NULL,
    placed_at   TIMESTAMPTZ NOT NULL,
    -- Units ordered over all lines.
    ordered     BIGINT      NOT NULL CHECK (ordered > 0)
);

CREATE INDEX placed_orders_by_placed ON placed_orders (placed_at, dealer_code);

CREATE TABLE order_shipments (
    shipment_id   UUID PRIMARY KEY,
    order_id      UUID        NOT NULL,
    -- When catalog dispatched it (the event's occurred_at).
    dispatched_at TIMESTAMPTZ NOT NULL,
    qty           BIGINT      NOT NULL CHECK (qty >= 0)
);

CREATE INDEX order_shipments_by_order ON order_shipments (order_id);

-- The scorecard reads claims by the month they were decided and by the month their
-- part was due back.
CREATE INDEX claims_by_decided ON claims (decided_at) WHERE decided_at IS NOT NULL;
CREATE INDEX claims_by_return_deadline ON claims (return_deadline) WHERE return_required;
