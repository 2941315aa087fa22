-- An inspector's own approval limit (docs/rules.md, "Approval limit"): above it, only a
-- quality lead decides. Without a row, the service's default (env APPROVAL_LIMIT).
CREATE TABLE approval_limits (
    subject        TEXT           PRIMARY KEY CHECK (subject <> ''),
    approval_limit NUMERIC(14, 2) NOT NULL CHECK (approval_limit >= 0),
    set_by         TEXT           NOT NULL,
    updated_at     TIMESTAMPTZ    NOT NULL DEFAULT now()
);
