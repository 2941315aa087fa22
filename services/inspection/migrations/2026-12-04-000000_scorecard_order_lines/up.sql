-- The dealer scorecard's 24 h fill rate by request (docs/rules.md, "Dealer
-- scorecards"): an order line is one request, and units the dealer cancelled are not
-- asked for. Inspection keeps each order's lines (`orders.order_placed`), what each
-- shipment carried per line (`catalog.shipment_dispatched`) and which orders the
-- dealer cancelled (`orders.order_cancelled`), each written once as the event tells
-- it; any of them may arrive first, they are joined when read. Orders and shipments
-- kept before this have no lines: an order without lines counts as one request of all
-- its units, and a shipment's units not on a line of its order fill the order's lines
-- in line order (`domain::scorecard::order_fill`).
CREATE TABLE placed_order_lines (
    order_id UUID    NOT NULL REFERENCES placed_orders (order_id) ON DELETE CASCADE,
    line_no  INTEGER NOT NULL,
    qty      BIGINT  NOT NULL CHECK (qty > 0),
    PRIMARY KEY (order_id, line_no)
);

CREATE TABLE order_shipment_lines (
    shipment_id UUID    NOT NULL REFERENCES order_shipments (shipment_id) ON DELETE CASCADE,
    line_no     INTEGER NOT NULL,
    -- Units of the line in the shipment, over every part number it carried for it.
    qty         BIGINT  NOT NULL CHECK (qty >= 0),
    PRIMARY KEY (shipment_id, line_no)
);

CREATE TABLE cancelled_orders (
    order_id     UUID PRIMARY KEY,
    -- When the dealer cancelled (the event's occurred_at).
    cancelled_at TIMESTAMPTZ NOT NULL
);
