-- Each tier's parts discount over time (docs/rules.md, "Order pricing"): an order is
-- priced with its dealer's tier's discount in force when it is placed, the entry with
-- the latest `effective_from` not after that moment, and keeps it on its lines
-- (`order_lines.discount_pct`, `unit_net_price`). Entries are only ever added, never
-- changed or removed, and never from a moment already passed (the API refuses it), so
-- no order placed is contradicted by the history. One entry per tier and moment.
CREATE TABLE tier_discounts (
    tier           TEXT          NOT NULL CHECK (tier IN ('standard', 'silver', 'gold', 'platinum')),
    effective_from TIMESTAMPTZ   NOT NULL,
    discount_pct   NUMERIC(5, 2) NOT NULL CHECK (discount_pct >= 0 AND discount_pct <= 100),
    created_by     TEXT          NOT NULL,
    created_at     TIMESTAMPTZ   NOT NULL DEFAULT now(),
    PRIMARY KEY (tier, effective_from)
);

-- The discounts the code fixed until now, in force since the epoch: every order placed
-- before this migration was priced with them.
INSERT INTO tier_discounts (tier, effective_from, discount_pct, created_by) VALUES
    ('standard', 'epoch', 0, 'system'),
    ('silver', 'epoch', 5, 'system'),
    ('gold', 'epoch', 10, 'system'),
    ('platinum', 'epoch', 15, 'system');
