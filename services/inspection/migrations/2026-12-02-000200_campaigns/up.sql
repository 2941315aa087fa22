-- Service campaigns (recalls) (docs/rules.md, "Service campaigns"): the units a campaign
-- affects (models, and optionally a serial range and an in-service date range), the fix
-- (parts and labor operations) and the days it runs.
CREATE TABLE campaigns (
    code            TEXT PRIMARY KEY CHECK (code ~ '^[A-Z0-9][A-Z0-9-]{1,19}$'),
    title           TEXT        NOT NULL CHECK (title <> ''),
    models          TEXT[]      NOT NULL CHECK (cardinality(models) > 0),
    serial_from     TEXT,
    serial_to       TEXT,
    in_service_from DATE,
    in_service_to   DATE,
    -- [{"part_number": "P-200", "qty": 1}], [{"operation_code": "OP-1", "hours": "1.5"}]
    fix_parts       JSONB       NOT NULL,
    fix_labor       JSONB       NOT NULL,
    valid_from      DATE        NOT NULL,
    valid_to        DATE        NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK (valid_to >= valid_from),
    -- Serials compare byte by byte, as the service does, whatever the database's collation.
    CHECK ((serial_from IS NULL) = (serial_to IS NULL)
           AND (serial_from IS NULL OR serial_to COLLATE "C" >= serial_from COLLATE "C")),
    CHECK ((in_service_from IS NULL) = (in_service_to IS NULL)
           AND (in_service_from IS NULL OR in_service_to >= in_service_from))
);

-- A campaign claim: once per unit and campaign, unless rejected.
ALTER TABLE claims ADD COLUMN campaign_code TEXT REFERENCES campaigns (code);
ALTER TABLE claims ADD CONSTRAINT claims_campaign_or_goodwill
    CHECK (campaign_code IS NULL OR preauthorization_id IS NULL);
CREATE UNIQUE INDEX claims_one_per_unit_and_campaign ON claims (unit_serial, campaign_code)
    WHERE campaign_code IS NOT NULL AND status <> 'rejected'
      AND decision IS DISTINCT FROM 'rejected';
CREATE INDEX units_by_model ON units (model, serial);
