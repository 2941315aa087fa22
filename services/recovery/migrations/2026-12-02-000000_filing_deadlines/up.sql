-- Filing deadlines (docs/rules.md, "Filing deadlines"): the last day a supplier still
-- accepts a claim for a line is stored on the line, so lines sort and sweep by it.
ALTER TABLE recovery_lines ADD COLUMN filing_deadline DATE;
UPDATE recovery_lines l
SET filing_deadline = (l.decided_at AT TIME ZONE 'UTC')::date + a.claim_window_days
FROM agreements a
WHERE a.id = l.agreement_id;

-- When the sweep announced the line at risk (once), and when it was forfeited.
ALTER TABLE recovery_lines ADD COLUMN at_risk_since TIMESTAMPTZ;
ALTER TABLE recovery_lines ADD COLUMN forfeited_at TIMESTAMPTZ;

-- `forfeited`: was recoverable, but its deadline passed before it was submitted. It
-- keeps its amount (what was lost) and is in no claim.
ALTER TABLE recovery_lines DROP CONSTRAINT recovery_lines_status_check;
ALTER TABLE recovery_lines ADD CONSTRAINT recovery_lines_status_check CHECK (status IN (
    'open', 'not_recoverable', 'batched', 'claimed', 'accepted', 'partially_accepted',
    'rejected', 'forfeited'));
ALTER TABLE recovery_lines DROP CONSTRAINT recovery_lines_check2;
ALTER TABLE recovery_lines ADD CONSTRAINT recovery_lines_in_a_claim CHECK (
    (status IN ('open', 'not_recoverable', 'forfeited')) = (recovery_claim_id IS NULL));
ALTER TABLE recovery_lines ADD CONSTRAINT recovery_lines_forfeited CHECK (
    (status = 'forfeited') = (forfeited_at IS NOT NULL));

-- The sweep's reads: lines not yet submitted, by deadline.
CREATE INDEX recovery_lines_unsubmitted_by_deadline ON recovery_lines (filing_deadline, id)
    WHERE status IN ('open', 'batched');
-- The list sorted by days left.
CREATE INDEX recovery_lines_by_deadline ON recovery_lines (filing_deadline, id);

-- Who drafted a claim: finance, or the filing-deadline sweep.
ALTER TABLE recovery_claims ADD COLUMN origin TEXT NOT NULL DEFAULT 'finance'
    CHECK (origin IN ('finance', 'filing_deadline_sweep'));
