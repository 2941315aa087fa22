-- Notifications (aftersales_web::notify). Unqualified: the connection's search_path
-- selects the service's schema.
--
-- A change that concerns someone writes a notify_message, and one notify_delivery per
-- subscription it matches, in the change's own transaction: the tables are the
-- notifications' outbox, so a notification exists exactly when its change committed.
-- The deliverer posts the webhook deliveries after commit; in-console deliveries are
-- read by their owner.
CREATE TABLE notify_subscription (
    id              UUID        PRIMARY KEY,
    -- The user who registered it (the token's subject): the only one who sees, changes
    -- or reads it.
    owner           TEXT        NOT NULL,
    owner_role      TEXT        NOT NULL,
    -- Only notifications of this dealer; NULL: every dealer's (staff only: a dealer's
    -- subscription always names its own code).
    dealer_code     TEXT,
    topics          TEXT[]      NOT NULL CHECK (cardinality(topics) > 0),
    -- Where webhooks go; NULL: in the console only.
    url             TEXT,
    -- The HMAC key, and the one it replaced while the receiver moves to the new one.
    secret          TEXT,
    previous_secret TEXT,
    previous_until  TIMESTAMPTZ,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK ((url IS NULL) = (secret IS NULL))
);

CREATE INDEX notify_subscription_owner_idx ON notify_subscription (owner, created_at);
CREATE INDEX notify_subscription_topics_idx ON notify_subscription USING gin (topics);

CREATE TABLE notify_message (
    -- v7: sorts by creation, the order lists and receivers see.
    id             UUID        PRIMARY KEY,
    topic          TEXT        NOT NULL,
    dealer_code    TEXT,
    entity_type    TEXT        NOT NULL,
    entity_id      TEXT        NOT NULL,
    -- One line a person reads: "Order … shipped: 3 units by DHL (tracking …)".
    summary        TEXT        NOT NULL,
    data           JSONB       NOT NULL DEFAULT '{}',
    correlation_id UUID,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE notify_delivery (
    id              BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    message_id      UUID        NOT NULL REFERENCES notify_message (id) ON DELETE CASCADE,
    subscription_id UUID        NOT NULL REFERENCES notify_subscription (id) ON DELETE CASCADE,
    -- pending → delivered, or dead after the last attempt (replay makes it pending
    -- again); console: nothing to post, the owner reads it in the console.
    status          TEXT        NOT NULL CHECK (status IN ('pending', 'delivered', 'dead', 'console')),
    attempts        INTEGER     NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_error      TEXT,
    delivered_at    TIMESTAMPTZ,
    read_at         TIMESTAMPTZ,
    UNIQUE (message_id, subscription_id)
);

-- What the deliverer claims: due webhook deliveries.
CREATE INDEX notify_delivery_due_idx ON notify_delivery (next_attempt_at) WHERE status = 'pending';
CREATE INDEX notify_delivery_subscription_idx ON notify_delivery (subscription_id, id);

-- The depth of the service's dead-letter queue when last told: a rise above it is
-- notified once, by whichever replica sees it first (the row is locked while deciding).
CREATE TABLE notify_dead_letter_watch (
    one   BOOLEAN PRIMARY KEY DEFAULT true CHECK (one),
    depth INTEGER NOT NULL
);
INSERT INTO notify_dead_letter_watch (depth) VALUES (0);
