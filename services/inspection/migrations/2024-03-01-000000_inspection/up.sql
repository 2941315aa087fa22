-- Catalog's parts as `catalog.part_upserted` last described them (read model).
-- `updated_at` is the event's occurred_at: an older event never overwrites a newer one.
CREATE TABLE parts (
    part_number     TEXT PRIMARY KEY,
    description     TEXT           NOT NULL,
    category        TEXT           NOT NULL,
    list_price      NUMERIC(14, 4) NOT NULL CHECK (list_price >= 0),
    currency        TEXT           NOT NULL,
    supplier_code   TEXT           NOT NULL,
    warranty_months INTEGER        NOT NULL,
    core            BOOLEAN        NOT NULL,
    returnable      BOOLEAN        NOT NULL,
    active          BOOLEAN        NOT NULL,
    updated_at      TIMESTAMPTZ    NOT NULL
);

-- Dealers as `orders.dealer_upserted` last described them (read model).
CREATE TABLE dealers (
    dealer_code TEXT PRIMARY KEY,
    name        TEXT           NOT NULL,
    labor_rate  NUMERIC(14, 4) NOT NULL CHECK (labor_rate >= 0),
    currency    TEXT           NOT NULL,
    active      BOOLEAN        NOT NULL,
    updated_at  TIMESTAMPTZ    NOT NULL
);

-- Sold units registered for warranty by their dealer.
CREATE TABLE units (
    serial          TEXT PRIMARY KEY,
    dealer_code     TEXT        NOT NULL,
    model           TEXT        NOT NULL,
    in_service_date DATE        NOT NULL,
    usage_at_sale   BIGINT      NOT NULL CHECK (usage_at_sale >= 0),
    usage_unit      TEXT        NOT NULL CHECK (usage_unit IN ('km', 'hours')),
    registered_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE INDEX units_by_dealer ON units (dealer_code, serial);

-- Warranty policies: one per part category, overridable per part (exactly one scope).
CREATE TABLE policies (
    id                       UUID PRIMARY KEY,
    category                 TEXT,
    part_number              TEXT,
    warranty_months          INTEGER     NOT NULL CHECK (warranty_months >= 0),
    usage_limit              BIGINT CHECK (usage_limit >= 0),
    core_replace_only_months INTEGER     NOT NULL CHECK (core_replace_only_months >= 0),
    submission_window_days   INTEGER     NOT NULL CHECK (submission_window_days >= 0),
    return_required          BOOLEAN     NOT NULL,
    return_deadline_days     INTEGER     NOT NULL CHECK (return_deadline_days >= 0),
    version                  INTEGER     NOT NULL DEFAULT 1,
    created_at               TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at               TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK ((category IS NULL) <> (part_number IS NULL))
);

CREATE UNIQUE INDEX policies_by_category ON policies (category) WHERE category IS NOT NULL;
CREATE UNIQUE INDEX policies_by_part ON policies (part_number) WHERE part_number IS NOT NULL;

-- Flat-rate labor operations.
CREATE TABLE labor_operations (
    code           TEXT PRIMARY KEY,
    description    TEXT          NOT NULL,
    standard_hours NUMERIC(8, 2) NOT NULL CHECK (standard_hours > 0),
    created_at     TIMESTAMPTZ   NOT NULL DEFAULT now()
);

-- Human claim numbers (WC-000045): unique, not necessarily gap-free.
CREATE SEQUENCE claim_number_seq;

-- A warranty claim: its identity, status and amounts. Its checks, amounts and return
-- deadline are fixed at submission, so a later policy change never changes it.
-- Total = parts_amount + labor_amount.
CREATE TABLE claims (
    id                 UUID PRIMARY KEY,
    number             TEXT           NOT NULL UNIQUE,
    dealer_code        TEXT           NOT NULL,
    unit_serial        TEXT           NOT NULL REFERENCES units (serial),
    causal_part_number TEXT           NOT NULL,
    -- The causal part's supplier (catalog) at submission.
    supplier_code      TEXT           NOT NULL,
    status             TEXT           NOT NULL CHECK (status IN (
        'submitted', 'awaiting_part', 'part_received', 'under_inspection',
        'approved', 'partially_approved', 'rejected', 'closed')),
    -- The inspector's verdict; NULL when rejected at submission or by the deadline job.
    decision           TEXT CHECK (decision IN ('approved', 'partially_approved', 'rejected')),
    reasons            TEXT[]         NOT NULL DEFAULT '{}',
    currency           TEXT           NOT NULL,
    parts_amount       NUMERIC(14, 2) NOT NULL,
    labor_amount       NUMERIC(14, 2) NOT NULL,
    return_required    BOOLEAN        NOT NULL,
    return_deadline    TIMESTAMPTZ,
    submitted_at       TIMESTAMPTZ    NOT NULL,
    decided_at         TIMESTAMPTZ
);

-- What the dealer reported (1:1 with claims).
CREATE TABLE claim_details (
    claim_id         UUID PRIMARY KEY REFERENCES claims (id) ON DELETE CASCADE,
    failure_date     DATE   NOT NULL,
    repair_date      DATE   NOT NULL CHECK (repair_date >= failure_date),
    usage_at_failure BIGINT NOT NULL CHECK (usage_at_failure >= 0),
    complaint        TEXT   NOT NULL,
    cause            TEXT   NOT NULL,
    correction       TEXT   NOT NULL
);

-- Old-part receipt, findings, approved amounts and disposition (1:1 with claims,
-- empty until quality acts).
CREATE TABLE claim_inspections (
    claim_id              UUID PRIMARY KEY REFERENCES claims (id) ON DELETE CASCADE,
    received_at           TIMESTAMPTZ,
    receipt_warehouse     TEXT,
    receipt_quantity      INTEGER CHECK (receipt_quantity > 0),
    failure_mode          TEXT,
    cause_code            TEXT CHECK (cause_code IN ('supplier_defect', 'assembly_defect', 'misuse', 'no_fault_found')),
    responsible_supplier  TEXT,
    approved_parts_amount NUMERIC(14, 2),
    approved_labor_amount NUMERIC(14, 2),
    decided_by            TEXT,
    disposition           TEXT CHECK (disposition IN ('scrap', 'return_to_supplier')),
    disposed_at           TIMESTAMPTZ,
    updated_at            TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE INDEX claims_by_submitted ON claims (submitted_at DESC, id DESC);
CREATE INDEX claims_by_dealer ON claims (dealer_code, submitted_at DESC, id DESC);
CREATE INDEX claims_by_unit_part ON claims (unit_serial, causal_part_number);
-- What the return-deadline job scans.
CREATE INDEX claims_awaiting_part ON claims (return_deadline) WHERE status = 'awaiting_part';

CREATE TABLE claim_part_lines (
    claim_id    UUID           NOT NULL REFERENCES claims (id) ON DELETE CASCADE,
    line_no     INTEGER        NOT NULL CHECK (line_no > 0),
    part_number TEXT           NOT NULL,
    qty         INTEGER        NOT NULL CHECK (qty > 0),
    unit_price  NUMERIC(14, 4) NOT NULL,
    currency    TEXT           NOT NULL,
    amount      NUMERIC(14, 2) NOT NULL,
    PRIMARY KEY (claim_id, line_no)
);

CREATE TABLE claim_labor_lines (
    claim_id       UUID           NOT NULL REFERENCES claims (id) ON DELETE CASCADE,
    line_no        INTEGER        NOT NULL CHECK (line_no > 0),
    operation_code TEXT           NOT NULL REFERENCES labor_operations (code),
    claimed_hours  NUMERIC(8, 2)  NOT NULL CHECK (claimed_hours > 0),
    standard_hours NUMERIC(8, 2)  NOT NULL,
    paid_hours     NUMERIC(8, 2)  NOT NULL,
    rate           NUMERIC(14, 4) NOT NULL,
    amount         NUMERIC(14, 2) NOT NULL,
    PRIMARY KEY (claim_id, line_no)
);
