//! The use cases, one file per area: each loads what it needs (`db`), decides with the
//! rules (`domain`), persists (`db`) and enqueues its events (outbox), in the caller's
//! transaction. `api` and `events` call these and nothing below them.
//!
//! - `agreements`: record a supplier agreement (never overlapping another).
//! - `lines`: how a recovery line is priced from an adjudicated claim; reading lines.
//! - `claims`: draft a recovery claim from open lines, edit its lines, submit it.
//! - `filing`: the filing-deadline sweep: forfeit overdue lines, draft claims for
//!   lines at risk, announce them.
//! - `notices`: what recovery notifies subscribers of (a line near its filing deadline).
//! - `responses`: record the supplier's answer per line.
//! - `claim_status`: the claim's next status after an action, and its settlement.
//! - `allocation`: a payment spread over outstanding accepted amounts.
//! - `credit_memos`, `write_offs`: what the supplier paid and what finance gave up.
//! - `parts`: catalog's part facts, as the last event described them.
//! - `reports`: reconciliation and aging, summed per supplier and per currency.
//! - `trail`: the audit entries of every change above, recorded once per transaction.

pub mod agreements;
pub mod allocation;
pub mod claim_status;
pub mod claims;
pub mod credit_memos;
pub mod filing;
pub mod lines;
pub mod notices;
pub mod parts;
pub mod reports;
pub mod responses;
pub mod trail;
pub mod write_offs;

/// The connection a use case runs on (inside the caller's transaction).
pub type Conn = diesel_async::AsyncPgConnection;
