-- Goodwill pre-authorizations (docs/rules.md, "Pre-authorization"): a dealer asks before
-- a repair outside coverage or above the estimate limit; a quality lead approves it with
-- a goodwill share or rejects it with a reason.
CREATE SEQUENCE preauthorization_number_seq;

CREATE TABLE preauthorizations (
    id                 UUID PRIMARY KEY,
    number             TEXT           NOT NULL UNIQUE,
    dealer_code        TEXT           NOT NULL,
    unit_serial        TEXT           NOT NULL,
    causal_part_number TEXT           NOT NULL,
    description        TEXT           NOT NULL CHECK (description <> ''),
    estimate_parts     NUMERIC(14, 2) NOT NULL CHECK (estimate_parts >= 0),
    estimate_labor     NUMERIC(14, 2) NOT NULL CHECK (estimate_labor >= 0),
    currency           TEXT           NOT NULL,
    status             TEXT           NOT NULL CHECK (status IN ('requested', 'approved', 'rejected')),
    goodwill_pct       NUMERIC(5, 2)  CHECK (goodwill_pct BETWEEN 0 AND 100),
    decision_note      TEXT,
    decided_by         TEXT,
    decided_at         TIMESTAMPTZ,
    requested_at       TIMESTAMPTZ    NOT NULL,
    CHECK ((status = 'approved') = (goodwill_pct IS NOT NULL)),
    CHECK ((status = 'requested') = (decided_at IS NULL)),
    CHECK (status <> 'rejected' OR decision_note IS NOT NULL)
);

CREATE INDEX preauthorizations_by_dealer ON preauthorizations (dealer_code, requested_at, id);
CREATE INDEX preauthorizations_by_time ON preauthorizations (requested_at, id);

-- A claim filed under a pre-authorization: covered at its goodwill share, with the
-- coverage checks it waived. One claim per pre-authorization, unless that claim was
-- rejected (a rejected claim does not use it up), at submission or by an inspector (a
-- claim rejected by an inspector stays rejected once closed).
ALTER TABLE claims ADD COLUMN preauthorization_id UUID REFERENCES preauthorizations (id);
ALTER TABLE claims ADD COLUMN goodwill_pct NUMERIC(5, 2) CHECK (goodwill_pct BETWEEN 0 AND 100);
ALTER TABLE claims ADD COLUMN waived_reasons TEXT[] NOT NULL DEFAULT '{}';
ALTER TABLE claims ADD CONSTRAINT claims_goodwill_with_preauthorization
    CHECK ((preauthorization_id IS NULL) = (goodwill_pct IS NULL));
CREATE UNIQUE INDEX claims_one_per_preauthorization ON claims (preauthorization_id)
    WHERE status <> 'rejected' AND decision IS DISTINCT FROM 'rejected';
