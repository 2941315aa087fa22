//! Goodwill pre-authorizations (`domain::goodwill`): a dealer requests one for its unit
//! and a failed part with an estimate; a quality lead approves it with a goodwill share
//! or rejects it with a reason, once; a claim filed under an approved one is covered at
//! that share ([`grant_for`], called by `submission::assess`).

use std::sync::OnceLock;

use aftersales_web::audit::{Entry, Origin};
use aftersales_web::{ApiError, Page, Principal, Role};
use chrono::{SubsecRound, Utc};
use rust_decimal::Decimal;
use uuid::Uuid;

use super::submission::NewClaim;
use crate::db;
use crate::db::preauthorizations::Preauthorization;
use crate::domain::goodwill::{DEFAULT_PREAUTHORIZATION_LIMIT, Grant, PreauthStatus, Share};
use crate::domain::{PartNumber, Serial};

/// The estimate above which a claim needs a pre-authorization: env
/// `PREAUTHORIZATION_LIMIT` (a decimal, read once), default 2000.00. An unreadable
/// value keeps the default and is logged.
pub fn preauthorization_limit() -> Decimal {
    static LIMIT: OnceLock<Decimal> = OnceLock::new();
    *LIMIT.get_or_init(|| {
        super::decimal_setting("PREAUTHORIZATION_LIMIT", DEFAULT_PREAUTHORIZATION_LIMIT)
    })
}

/// An audit entry of `action` on `p`: its dealer may read it.
fn entry(action: &'static str, p: &Preauthorization) -> Entry {
    Entry::new(action, "preauthorization", p.id).of_dealer(&p.dealer_code)
}

fn not_found(id: Uuid) -> ApiError {
    ApiError::not_found(format!("no pre-authorization {id}"))
}

/// 404 unless `who` may see `p` (a dealer sees only its own).
fn check_visible(who: &Principal, p: &Preauthorization) -> Result<(), ApiError> {
    if who.is(Role::Dealer) && who.dealer_code() != Some(p.dealer_code.as_str()) {
        return Err(not_found(p.id));
    }
    Ok(())
}

/// What a dealer asks for.
#[derive(Debug, Clone)]
pub struct Request {
    pub unit_serial: Serial,
    pub causal_part_number: PartNumber,
    pub description: String,
    pub estimate_parts: Decimal,
    pub estimate_labor: Decimal,
}

/// Records `dealer_code`'s request for its unit (404 for another dealer's unit; 422
/// naming an unknown part or an unknown or inactive dealer).
pub async fn request(
    c: &mut diesel_async::AsyncPgConnection,
    origin: &Origin,
    dealer_code: &str,
    r: Request,
) -> Result<Preauthorization, ApiError> {
    let unit = db::units::find(c, r.unit_serial.as_str())
        .await?
        .filter(|u| u.dealer_code == dealer_code)
        .ok_or_else(|| super::units::not_found(r.unit_serial.as_str()))?;
    if db::read_models::find_part(c, r.causal_part_number.as_str())
        .await?
        .is_none()
    {
        return Err(ApiError::invalid_field(
            "causal_part_number",
            format!("unknown part {}", r.causal_part_number),
        ));
    }
    let dealer = db::read_models::find_dealer(c, dealer_code)
        .await?
        .filter(|d| d.active)
        .ok_or_else(|| {
            ApiError::invalid_field(
                "dealer_code",
                format!("dealer {dealer_code} is not known to inspection or not active"),
            )
        })?;
    let row = Preauthorization {
        id: Uuid::now_v7(),
        number: db::preauthorizations::next_number(c).await?,
        dealer_code: dealer.dealer_code,
        unit_serial: unit.serial,
        causal_part_number: r.causal_part_number,
        description: r.description,
        estimate_parts: r.estimate_parts,
        estimate_labor: r.estimate_labor,
        currency: dealer.currency,
        status: PreauthStatus::Requested,
        goodwill_pct: None,
        decision_note: None,
        decided_by: None,
        decided_at: None,
        requested_at: Utc::now().trunc_subsecs(6),
    };
    db::preauthorizations::insert(c, &row).await?;
    let entry = entry("preauthorization.requested", &row).created(&row);
    origin.record(c, &[entry]).await?;
    Ok(row)
}

/// A quality lead's decision: approve with a share, or reject with a reason.
#[derive(Debug, Clone)]
pub enum Verdict {
    Approve { share: Share, note: Option<String> },
    Reject { reason: String },
}

/// Decides request `id` (404 when unknown; 409 once decided).
pub async fn decide(
    c: &mut diesel_async::AsyncPgConnection,
    who: &Principal,
    origin: &Origin,
    id: Uuid,
    verdict: Verdict,
) -> Result<Preauthorization, ApiError> {
    let current = db::preauthorizations::lock(c, id)
        .await?
        .ok_or_else(|| not_found(id))?;
    let approve = matches!(verdict, Verdict::Approve { .. });
    let status = current
        .status
        .decide(approve)
        .map_err(|e| ApiError::conflict(format!("{}: {e}", current.number)))?;
    let (pct, note) = match &verdict {
        Verdict::Approve { share, note } => (Some(share.pct()), note.as_deref()),
        Verdict::Reject { reason } => (None, Some(reason.as_str())),
    };
    let at = Utc::now().trunc_subsecs(6);
    let decided = db::preauthorizations::decide(c, id, status, pct, note, &who.sub, at).await?;
    // The approval's note or the rejection's reason is why.
    let action = if approve {
        "preauthorization.approved"
    } else {
        "preauthorization.rejected"
    };
    let entry = entry(action, &current)
        .diff(&current, &decided)
        .because(note.unwrap_or_default());
    origin.record(c, &[entry]).await?;
    Ok(decided)
}

/// One pre-authorization if `who` may see it.
pub async fn get(
    c: &mut diesel_async::AsyncPgConnection,
    who: &Principal,
    id: Uuid,
) -> Result<Preauthorization, ApiError> {
    let p = db::preauthorizations::find(c, id)
        .await?
        .ok_or_else(|| not_found(id))?;
    check_visible(who, &p)?;
    Ok(p)
}

/// A page, newest first.
pub async fn list(
    c: &mut diesel_async::AsyncPgConnection,
    filter: &db::preauthorizations::ListFilter,
    limit: i64,
) -> Result<Page<Preauthorization>, ApiError> {
    let rows = db::preauthorizations::list(c, filter, limit + 1).await?;
    Ok(Page::from_rows(rows, limit, |p| (p.requested_at, p.id)))
}

/// What an approved pre-authorization grants `claim` of `dealer_code`, locked so that
/// two claims cannot both use it: 422 naming `preauthorization_id` when it is not the
/// dealer's, not approved, for another unit or part, or used by another claim.
pub async fn grant_for(
    c: &mut diesel_async::AsyncPgConnection,
    id: Uuid,
    dealer_code: &str,
    claim: &NewClaim,
) -> Result<Grant, ApiError> {
    let invalid = |message: String| ApiError::invalid_field("preauthorization_id", message);
    let p = db::preauthorizations::lock(c, id)
        .await?
        .filter(|p| p.dealer_code.as_str() == dealer_code)
        .ok_or_else(|| invalid(format!("no pre-authorization {id} of dealer {dealer_code}")))?;
    let share = match (p.status, p.goodwill_pct) {
        (PreauthStatus::Approved, Some(pct)) => Share::parse(pct).map_err(ApiError::internal)?,
        (PreauthStatus::Rejected, _) => {
            return Err(invalid(format!(
                "{} was rejected: {}",
                p.number,
                p.decision_note.unwrap_or_default()
            )));
        }
        _ => {
            return Err(invalid(format!(
                "{} is not approved yet; file the claim once a quality lead has approved it",
                p.number
            )));
        }
    };
    if p.unit_serial != claim.unit_serial.as_str()
        || p.causal_part_number != claim.causal_part_number
    {
        return Err(invalid(format!(
            "{} was given for unit {} and part {}",
            p.number, p.unit_serial, p.causal_part_number
        )));
    }
    if let Some(number) = db::preauthorizations::claimed_by(c, id).await? {
        return Err(invalid(format!(
            "{} is already used by claim {number}",
            p.number
        )));
    }
    Ok(Grant {
        share,
        estimate: p.estimate_parts + p.estimate_labor,
    })
}
