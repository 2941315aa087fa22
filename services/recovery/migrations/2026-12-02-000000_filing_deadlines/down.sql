ALTER TABLE recovery_claims DROP COLUMN origin;
DROP INDEX recovery_lines_by_deadline;
DROP INDEX recovery_lines_unsubmitted_by_deadline;
ALTER TABLE recovery_lines DROP CONSTRAINT recovery_lines_forfeited;
ALTER TABLE recovery_lines DROP CONSTRAINT recovery_lines_in_a_claim;
ALTER TABLE recovery_lines ADD CONSTRAINT recovery_lines_check2 CHECK (
    (status IN ('open', 'not_recoverable')) = (recovery_claim_id IS NULL));
ALTER TABLE recovery_lines DROP CONSTRAINT recovery_lines_status_check;
ALTER TABLE recovery_lines ADD CONSTRAINT recovery_lines_status_check CHECK (status IN (
    'open', 'not_recoverable', 'batched', 'claimed', 'accepted', 'partially_accepted', 'rejected'));
ALTER TABLE recovery_lines DROP COLUMN forfeited_at;
ALTER TABLE recovery_lines DROP COLUMN at_risk_since;
ALTER TABLE recovery_lines DROP COLUMN filing_deadline;
