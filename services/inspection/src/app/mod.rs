//! The use cases: each loads what it needs (`db`), decides with the pure rules
//! (`domain`), persists (`db`) and enqueues the events of the change (outbox), in the
//! caller's transaction. `api` and `events` only parse, call one of these and map the
//! result.
//!
//! Where things are decided:
//! - a claim is priced, checked and numbered: [`submission::submit`];
//! - the returned part arrives, findings are recorded, the part is disposed of:
//!   [`inspection`];
//! - a claim is decided, and who may decide above the approval limit:
//!   [`decision::decide`] (rule: `domain::approval`);
//! - an overdue part rejects its claim: [`deadline::reject_overdue_returns`]; a part
//!   due soon is reminded of: [`deadline::remind_due_returns`] (rule: `domain::returns`);
//! - what inspection notifies subscribers of (claim decided, awaiting its part, part
//!   return due, part received): [`notices`];
//! - goodwill pre-authorizations, and what one grants a claim: [`preauthorizations`]
//!   (rule: `domain::goodwill`);
//! - service campaigns, the units they affect, completion, and what a campaign claim
//!   may hold: [`campaigns`] (rule: `domain::campaign`);
//! - dealer scorecards (the station assessment): [`scorecards`] (rule:
//!   `domain::scorecard`);
//! - other services' parts, dealers, order placements and shipments are kept:
//!   [`read_models`];
//! - units, policies, labor operations and inspectors' own approval limits: [`units`],
//!   [`policies`], [`labor`], [`limits`].
//!
//! Every change is written to the audit trail in its own transaction, next to the
//! writes: a use case takes the [`Origin`] of the change (a request's user, a consumed
//! event, the return-deadline job), built by its caller, and records its entries with
//! one `Origin::record` call. A request refused, an idempotent replay (whose work does
//! not run) and a duplicate event (skipped by the inbox) therefore record nothing.

pub mod campaigns;
pub mod claims;
pub mod deadline;
pub mod decision;
pub mod inspection;
pub mod labor;
pub mod limits;
pub mod notices;
pub mod policies;
pub mod preauthorizations;
pub mod read_models;
pub mod scorecards;
pub mod submission;
pub mod units;

use aftersales_messaging::{Envelope, Event, outbox};
use aftersales_web::ApiError;
use aftersales_web::audit::Origin;
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

/// Enqueues `event` in the outbox, in the transaction of the change it reports and in
/// the flow of `origin` (a new flow when the origin starts one).
async fn publish<E: Event>(
    c: &mut AsyncPgConnection,
    event: &E,
    origin: &Origin,
) -> Result<(), ApiError> {
    let correlation = origin.correlation_id.unwrap_or_else(Uuid::new_v4);
    let envelope = Envelope::new(crate::NAME, event, correlation).map_err(ApiError::internal)?;
    outbox::enqueue(c, &envelope).await?;
    Ok(())
}

/// A non-negative decimal setting from env `name`, else `default`. An unreadable value
/// keeps the default and is logged, so a typo never loosens a limit.
fn decimal_setting(name: &str, default: rust_decimal::Decimal) -> rust_decimal::Decimal {
    match std::env::var(name) {
        Ok(v) => match v.trim().parse::<rust_decimal::Decimal>() {
            Ok(d) if d >= rust_decimal::Decimal::ZERO => d,
            _ => {
                tracing::error!(%name, value = %v, "not a non-negative decimal; using the default");
                default
            }
        },
        Err(_) => default,
    }
}
