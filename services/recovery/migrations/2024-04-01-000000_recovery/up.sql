-- Parts as catalog last described them (`catalog.part_upserted`): the supplier of a
-- part, for finance to read next to a line.
CREATE TABLE parts (
    part_number   TEXT PRIMARY KEY,
    description   TEXT        NOT NULL,
    supplier_code TEXT        NOT NULL,
    active        BOOLEAN     NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);

-- Supplier agreements. Validity is a range of days, `valid_to` inclusive, open-ended
-- when NULL.
CREATE TABLE agreements (
    id                 UUID PRIMARY KEY,
    supplier_code      TEXT           NOT NULL,
    valid_from         DATE           NOT NULL,
    valid_to           DATE,
    parts_recovery_pct NUMERIC(5, 2)  NOT NULL CHECK (parts_recovery_pct BETWEEN 0 AND 100),
    labor_recovery_pct NUMERIC(5, 2)  NOT NULL CHECK (labor_recovery_pct BETWEEN 0 AND 100),
    handling_fee       NUMERIC(14, 2) NOT NULL CHECK (handling_fee >= 0),
    currency           TEXT           NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    claim_window_days  INTEGER        NOT NULL CHECK (claim_window_days >= 0),
    created_at         TIMESTAMPTZ    NOT NULL DEFAULT now(),
    CHECK (valid_to IS NULL OR valid_to >= valid_from)
);

CREATE INDEX agreements_by_supplier ON agreements (supplier_code, valid_from);

-- No two agreements of one supplier overlap. An exclusion constraint would need the
-- btree_gist extension, which the service role may not create (it has no CREATE on
-- the database); this trigger enforces the same rule. The per-supplier advisory lock
-- serialises concurrent writers of one supplier, and under READ COMMITTED the check
-- after the lock sees what the previous writer committed.
CREATE FUNCTION agreements_no_overlap() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(84, hashtext(NEW.supplier_code));
    IF EXISTS (
        SELECT 1 FROM agreements a
        WHERE a.supplier_code = NEW.supplier_code
          AND a.id <> NEW.id
          AND daterange(a.valid_from, a.valid_to, '[]')
              && daterange(NEW.valid_from, NEW.valid_to, '[]')
    ) THEN
        RAISE EXCEPTION 'agreement of supplier % overlaps another', NEW.supplier_code
            USING ERRCODE = 'exclusion_violation', CONSTRAINT = 'agreements_no_overlap';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER agreements_no_overlap BEFORE INSERT OR UPDATE ON agreements
    FOR EACH ROW EXECUTE FUNCTION agreements_no_overlap();

-- Human recovery claim numbers (RC-000007): unique, not necessarily gap-free.
CREATE SEQUENCE recovery_claim_number_seq;

CREATE TABLE recovery_claims (
    id            UUID PRIMARY KEY,
    number        TEXT           NOT NULL UNIQUE,
    supplier_code TEXT           NOT NULL,
    currency      TEXT           NOT NULL,
    status        TEXT           NOT NULL CHECK (status IN ('draft', 'submitted', 'responded', 'settled')),
    created_at    TIMESTAMPTZ    NOT NULL DEFAULT now(),
    submitted_at  TIMESTAMPTZ,
    responded_at  TIMESTAMPTZ,
    settled_at    TIMESTAMPTZ,
    CHECK ((status = 'draft') = (submitted_at IS NULL))
);

CREATE INDEX recovery_claims_by_supplier ON recovery_claims (supplier_code, created_at, id);

-- One line per adjudicated supplier-defect claim (unique `claim_id`: a redelivered
-- or replayed event creates nothing twice). A line that cannot be charged back is
-- kept as `not_recoverable` with its reason.
CREATE TABLE recovery_lines (
    id                 UUID PRIMARY KEY,
    claim_id           UUID           NOT NULL UNIQUE,
    claim_number       TEXT           NOT NULL,
    supplier_code      TEXT           NOT NULL,
    causal_part_number TEXT           NOT NULL,
    decision           TEXT           NOT NULL,
    decided_at         TIMESTAMPTZ    NOT NULL,
    parts_amount       NUMERIC(14, 2) NOT NULL,
    labor_amount       NUMERIC(14, 2) NOT NULL,
    currency           TEXT           NOT NULL,
    agreement_id       UUID REFERENCES agreements (id),
    amount             NUMERIC(14, 2) CHECK (amount >= 0),
    status             TEXT           NOT NULL CHECK (status IN (
        'open', 'not_recoverable', 'batched', 'claimed', 'accepted', 'partially_accepted', 'rejected')),
    reason             TEXT CHECK (reason IN ('no_agreement', 'currency_mismatch', 'claim_window_passed')),
    recovery_claim_id  UUID REFERENCES recovery_claims (id),
    created_at         TIMESTAMPTZ    NOT NULL DEFAULT now(),
    CHECK ((status = 'not_recoverable') = (reason IS NOT NULL)),
    CHECK ((status = 'not_recoverable') = (amount IS NULL)),
    CHECK ((status IN ('open', 'not_recoverable')) = (recovery_claim_id IS NULL))
);

CREATE INDEX recovery_lines_by_status ON recovery_lines (status, created_at, id);
CREATE INDEX recovery_lines_by_claim ON recovery_lines (recovery_claim_id);

-- The supplier's answer on a claimed line: at most one.
CREATE TABLE line_responses (
    line_id         UUID PRIMARY KEY REFERENCES recovery_lines (id),
    outcome         TEXT           NOT NULL CHECK (outcome IN ('accepted', 'partially_accepted', 'rejected')),
    accepted_amount NUMERIC(14, 2) NOT NULL CHECK (accepted_amount >= 0),
    reason          TEXT,
    responded_at    TIMESTAMPTZ    NOT NULL DEFAULT now(),
    CHECK (outcome <> 'rejected' OR (accepted_amount = 0 AND reason IS NOT NULL))
);

CREATE TABLE credit_memos (
    id            UUID PRIMARY KEY,
    supplier_code TEXT           NOT NULL,
    reference     TEXT           NOT NULL,
    memo_date     DATE           NOT NULL,
    amount        NUMERIC(14, 2) NOT NULL CHECK (amount > 0),
    currency      TEXT           NOT NULL,
    created_at    TIMESTAMPTZ    NOT NULL DEFAULT now(),
    UNIQUE (supplier_code, reference)
);

CREATE TABLE write_offs (
    id                UUID PRIMARY KEY,
    recovery_claim_id UUID           NOT NULL REFERENCES recovery_claims (id),
    amount            NUMERIC(14, 2) NOT NULL CHECK (amount > 0),
    reason            TEXT           NOT NULL CHECK (reason <> ''),
    created_at        TIMESTAMPTZ    NOT NULL DEFAULT now()
);

-- What a credit memo or a write-off paid on which accepted line.
CREATE TABLE allocations (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    line_id        UUID           NOT NULL REFERENCES recovery_lines (id),
    credit_memo_id UUID REFERENCES credit_memos (id),
    write_off_id   UUID REFERENCES write_offs (id),
    amount         NUMERIC(14, 2) NOT NULL CHECK (amount > 0),
    CHECK ((credit_memo_id IS NULL) <> (write_off_id IS NULL))
);

CREATE INDEX allocations_by_line ON allocations (line_id);
