-- The part-return reminder (`claim.part_return_due`, docs/notifications.md): one row
-- per claim reminded that its failed part is due back within the window
-- (`domain::returns`). The return-deadline job inserts it in the transaction that
-- writes the notification, ON CONFLICT DO NOTHING: a claim is reminded once, whichever
-- replica sweeps.
CREATE TABLE claim_return_reminders (
    claim_id        UUID        PRIMARY KEY REFERENCES claims (id) ON DELETE CASCADE,
    -- The deadline the reminder named.
    return_deadline TIMESTAMPTZ NOT NULL,
    reminded_at     TIMESTAMPTZ NOT NULL
);
