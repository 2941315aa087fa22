//! The filing-deadline sweep (`domain::filing`): no recovery is lost to a missed
//! claim window without someone having been told.
//!
//! Each run is one transaction that, on `today`:
//! 1. forfeits the lines not yet submitted whose deadline has passed, taking them out
//!    of their drafts (under each draft's lock, as every change of a claim's lines);
//! 2. drafts one recovery claim per supplier and currency for the open lines at risk
//!    (origin `filing_deadline_sweep`), for finance to check and submit;
//! 3. announces every line newly at risk, in a draft of finance's or its own, once:
//!    `recovery.recovery_lines_at_risk`, one event per recovery claim, and
//!    `recovery.filing_deadline_near`, one notification per line (`notices`).
//!
//! Every statement is conditional on the status it changes and the lines are locked,
//! so two replicas sweeping at once do each thing once. What a run changed is recorded
//! by the job `filing_deadline_sweep` in the run's transaction: `recovery_line.forfeited`,
//! `recovery_claim.drafted` with a `recovery_line.batched` per line, and
//! `recovery_line.flagged_at_risk`.

use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;
use std::time::Duration;

use aftersales_messaging::contracts::recovery::{LineAtRisk, RecoveryLinesAtRisk};
use aftersales_messaging::{Envelope, outbox};
use aftersales_web::DbPool;
use aftersales_web::audit::{self, Entry};
use aftersales_web::notify;
use chrono::{NaiveDate, Utc};
use diesel_async::AsyncConnection;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::{Conn, trail};
use crate::db;
use crate::domain::claim::{ClaimStatus, Origin};
use crate::domain::filing::{self, LeadDays};
use crate::domain::line::LineStatus;

/// How often the sweep runs unless `FILING_SWEEP_SECONDS` says otherwise.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(300);

#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    #[error(transparent)]
    Db(#[from] aftersales_web::DbError),
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
    #[error("event: {0}")]
    Event(#[from] serde_json::Error),
    /// A stored line breaks the table's own checks: someone must look.
    #[error("{0}")]
    Broken(String),
}

/// What one run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Swept {
    /// Lines forfeited by this run.
    pub forfeited: Vec<Uuid>,
    /// Claims drafted by this run, with their lines.
    pub drafted: Vec<(Uuid, Vec<Uuid>)>,
    /// Lines announced at risk by this run.
    pub announced: Vec<Uuid>,
}

/// The sweep's settings, read once: `FILING_LEAD_DAYS` (default 14) and
/// `FILING_SWEEP_SECONDS` (default 300). An unreadable value keeps the default and is
/// logged.
pub fn settings() -> (LeadDays, Duration) {
    static SETTINGS: OnceLock<(LeadDays, Duration)> = OnceLock::new();
    *SETTINGS.get_or_init(settings_from_env)
}

fn settings_from_env() -> (LeadDays, Duration) {
    let read = |name: &str| {
        let value = std::env::var(name).ok()?;
        let parsed = value.trim().parse::<i64>().ok();
        if parsed.is_none() {
            tracing::error!(%name, %value, "not a whole number; using the default");
        }
        parsed
    };
    let lead = read("FILING_LEAD_DAYS")
        .and_then(|days| {
            LeadDays::parse(days)
                .inspect_err(|e| tracing::error!(days, "FILING_LEAD_DAYS {e}; using the default"))
                .ok()
        })
        .unwrap_or(LeadDays::DEFAULT);
    let interval = read("FILING_SWEEP_SECONDS")
        .and_then(|s| u64::try_from(s).ok().filter(|s| *s > 0))
        .map_or(DEFAULT_INTERVAL, Duration::from_secs);
    (lead, interval)
}

/// One run of the sweep on `today`, in one transaction.
pub async fn sweep(pool: &DbPool, lead: LeadDays, today: NaiveDate) -> Result<Swept, SweepError> {
    let mut conn = pool.get().await.map_err(aftersales_web::DbError::from)?;
    let origin = audit::Origin::job(trail::FILING_SWEEP, Some(Uuid::new_v4()));
    conn.transaction(async |c| {
        let mut entries = Vec::new();
        let forfeited = forfeit(c, today, &mut entries).await?;
        let through = filing::at_risk_through(today, lead);
        let drafted = draft(c, today, through, &mut entries).await?;
        let announced = announce(c, today, through, &origin, &mut entries).await?;
        origin.record(c, &entries).await?;
        Ok(Swept {
            forfeited,
            drafted,
            announced,
        })
    })
    .await
}

async fn forfeit(
    c: &mut Conn,
    today: NaiveDate,
    entries: &mut Vec<Entry>,
) -> Result<Vec<Uuid>, SweepError> {
    db::claims::lock_drafts_holding_overdue(c, today).await?;
    let overdue = db::lines::lock_overdue(c, today).await?;
    let ids: Vec<Uuid> = overdue.iter().map(|l| l.id).collect();
    let lines = db::lines::forfeit_overdue(c, &ids, today, Utc::now()).await?;
    for line in &lines {
        if let Some(before) = overdue.iter().find(|l| l.id == line.id) {
            entries.push(trail::line_forfeited(before, line));
        }
        tracing::warn!(
            line = %line.id, claim = %line.claim_number, supplier = %line.supplier_code,
            amount = ?line.amount, deadline = ?line.filing_deadline,
            "filing deadline passed before the line was submitted: forfeited"
        );
    }
    Ok(lines.into_iter().map(|l| l.id).collect())
}

async fn draft(
    c: &mut Conn,
    today: NaiveDate,
    through: NaiveDate,
    entries: &mut Vec<Entry>,
) -> Result<Vec<(Uuid, Vec<Uuid>)>, SweepError> {
    let due = db::lines::lock_open_due(c, today, through).await?;
    let amounts: HashMap<Uuid, Decimal> =
        due.iter().filter_map(|l| Some((l.id, l.amount?))).collect();
    let due = due
        .into_iter()
        .map(|l| {
            let deadline = l.filing_deadline.ok_or_else(|| {
                SweepError::Broken(format!("line {} is due without a deadline", l.id))
            })?;
            Ok((l.id, l.supplier_code, l.currency, deadline))
        })
        .collect::<Result<Vec<_>, SweepError>>()?;
    let mut drafted = Vec::new();
    for d in filing::drafts(due) {
        let claim = db::claims::Claim {
            id: Uuid::now_v7(),
            number: db::claims::next_number(c).await?,
            supplier_code: d.supplier,
            currency: d.currency,
            status: ClaimStatus::Draft,
            created_at: Utc::now(),
            submitted_at: None,
            responded_at: None,
            settled_at: None,
            origin: Origin::FilingDeadlineSweep,
        };
        db::claims::insert(c, &claim).await?;
        // The lines are locked and open: all of them are taken.
        db::lines::batch_many(c, &d.lines, claim.id).await?;
        let amount = d.lines.iter().filter_map(|id| amounts.get(id)).sum();
        entries.push(trail::claim_drafted(&claim, &d.lines, amount));
        entries.extend(d.lines.iter().map(|line| {
            trail::line_moved(
                "recovery_line.batched",
                *line,
                (LineStatus::Open, LineStatus::Batched),
                (None, Some(claim.id)),
            )
        }));
        tracing::info!(claim = %claim.number, supplier = %claim.supplier_code, lines = d.lines.len(),
            "drafted a recovery claim for lines near their filing deadline");
        drafted.push((claim.id, d.lines));
    }
    Ok(drafted)
}

async fn announce(
    c: &mut Conn,
    today: NaiveDate,
    through: NaiveDate,
    origin: &audit::Origin,
    entries: &mut Vec<Entry>,
) -> Result<Vec<Uuid>, SweepError> {
    let lines = db::lines::announce_at_risk(c, today, through, Utc::now()).await?;
    let ids = lines.iter().map(|l| l.id).collect();
    entries.extend(lines.iter().map(|l| trail::line_at_risk(l, today)));
    let mut by_claim: BTreeMap<Uuid, Vec<db::lines::Line>> = BTreeMap::new();
    for line in lines {
        // Open lines at risk were all drafted above: each is in a claim now.
        let claim = line.recovery_claim_id.ok_or_else(|| {
            SweepError::Broken(format!("line {} is at risk in no claim", line.id))
        })?;
        by_claim.entry(claim).or_default().push(line);
    }
    let mut notices = Vec::new();
    for (id, lines) in by_claim {
        let claim = db::claims::find(c, id)
            .await?
            .ok_or_else(|| SweepError::Broken(format!("line's claim {id} is missing")))?;
        let event = RecoveryLinesAtRisk {
            recovery_claim_id: claim.id,
            recovery_claim_number: claim.number.clone(),
            supplier_code: claim.supplier_code.clone(),
            currency: claim.currency.clone(),
            drafted_by_sweep: claim.origin == Origin::FilingDeadlineSweep,
            lines: lines
                .into_iter()
                .map(|l| {
                    Ok(LineAtRisk {
                        line_id: l.id,
                        claim_number: l.claim_number,
                        amount: l.amount.ok_or_else(|| {
                            SweepError::Broken(format!("line {} has no amount", l.id))
                        })?,
                        filing_deadline: l.filing_deadline.ok_or_else(|| {
                            SweepError::Broken(format!("line {} has no deadline", l.id))
                        })?,
                    })
                })
                .collect::<Result<_, SweepError>>()?,
        };
        notices.extend(
            event
                .lines
                .iter()
                .map(|l| super::notices::filing_deadline_near(&claim, l, today)),
        );
        outbox::enqueue(
            c,
            &Envelope::new(crate::NAME, &event, trail::correlation(origin))?,
        )
        .await?;
    }
    notify::emit(c, origin.correlation_id, &notices).await?;
    Ok(ids)
}

/// Sweeps every `interval` until the task is dropped; errors are logged and the next
/// run tries again.
pub async fn run_forever(pool: DbPool, lead: LeadDays, interval: Duration) {
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        match sweep(&pool, lead, Utc::now().date_naive()).await {
            Ok(s) if s != Swept::default() => tracing::info!(
                forfeited = s.forfeited.len(),
                drafted = s.drafted.len(),
                announced = s.announced.len(),
                "filing-deadline sweep"
            ),
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(error = %e, "filing-deadline sweep failed; retrying at the next tick")
            }
        }
    }
}
