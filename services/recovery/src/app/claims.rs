//! Recovery claims to suppliers: drafting one from open lines of one supplier and
//! currency, editing its lines while draft, submitting it
//! (`recovery.recovery_claim_submitted`), and reading it with its lines and figures.
//! Every change locks the claim row first, and records the claim's entry and one per
//! line it moved (`super::trail`).

use aftersales_messaging::contracts::recovery::RecoveryClaimSubmitted;
use aftersales_messaging::{Envelope, outbox};
use aftersales_web::audit::{self, Entry};
use aftersales_web::{ApiError, Page};
use chrono::Utc;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::lines::{LineDetail, claimed_amount, with_responses};
use super::trail::{self, Lines};
use super::{Conn, claim_status};
use crate::db;
use crate::domain::claim::{Action, ClaimStatus, Origin};
use crate::domain::filing;
use crate::domain::ledger::Figures;
use crate::domain::line::LineStatus;
use crate::domain::money::cents;

/// A claim with its lines, what it claims and its reconciliation figures.
#[derive(Debug, Clone)]
pub struct ClaimDetail {
    pub claim: db::claims::Claim,
    /// Sum of the line amounts, to the cent.
    pub amount: Decimal,
    pub figures: Figures,
    pub lines: Vec<LineDetail>,
}

fn not_found(id: Uuid) -> ApiError {
    ApiError::not_found(format!("no recovery claim {id}"))
}

/// What the lines of a claim claim together.
fn total(lines: &[db::lines::Line]) -> Result<Decimal, ApiError> {
    lines.iter().map(claimed_amount).sum()
}

/// The claim locked for a change; 404 when unknown.
async fn lock(c: &mut Conn, id: Uuid) -> Result<db::claims::Claim, ApiError> {
    db::claims::lock(c, id).await?.ok_or_else(|| not_found(id))
}

/// One claim with its lines and figures; 404 when unknown.
pub async fn detail(c: &mut Conn, id: Uuid) -> Result<ClaimDetail, ApiError> {
    let claim = db::claims::find(c, id)
        .await?
        .ok_or_else(|| not_found(id))?;
    let lines = db::lines::of_claim(c, id).await?;
    let amount = cents(total(&lines)?);
    let figures = db::lines::figures_of_claims(c, &[id]).await?;
    let figures = Figures::of(&figures.iter().map(|f| f.line()).collect::<Vec<_>>());
    Ok(ClaimDetail {
        claim,
        amount,
        figures,
        lines: with_responses(c, lines).await?,
    })
}

/// A page of claims, newest first.
pub async fn list(
    c: &mut Conn,
    filter: &db::claims::ListFilter,
    limit: i64,
) -> Result<Page<ClaimDetail>, ApiError> {
    let rows = db::claims::list(c, filter, limit + 1).await?;
    let page = Page::from_rows(rows, limit, |claim| (claim.created_at, claim.id));
    let mut items = Vec::with_capacity(page.items.len());
    for claim in page.items {
        items.push(detail(c, claim.id).await?);
    }
    Ok(Page {
        items,
        next_cursor: page.next_cursor,
    })
}

/// The lines of claim `id` and what they claim together, as its entries show them.
async fn lines_of(c: &mut Conn, id: Uuid) -> Result<Lines, ApiError> {
    let lines = db::lines::of_claim(c, id).await?;
    Ok(Lines {
        ids: lines.iter().map(|l| l.id).collect(),
        amount: total(&lines)?,
    })
}

/// Puts `line_ids` into the draft `claim`; 422 naming the line that is unknown, of
/// another supplier or currency, not recoverable, or already in a claim. Each line it
/// took is added to `entries`.
async fn put_lines(
    c: &mut Conn,
    claim: &db::claims::Claim,
    line_ids: &[Uuid],
    entries: &mut Vec<Entry>,
) -> Result<(), ApiError> {
    for (i, id) in line_ids.iter().enumerate() {
        let field = format!("line_ids[{i}]");
        let line = db::lines::find(c, *id)
            .await?
            .ok_or_else(|| ApiError::invalid_field(&field, format!("no recovery line {id}")))?;
        if line.supplier_code != claim.supplier_code {
            return Err(ApiError::invalid_field(
                &field,
                format!(
                    "line {id} is of supplier {}, not {}",
                    line.supplier_code, claim.supplier_code
                ),
            ));
        }
        if line.currency != claim.currency {
            return Err(ApiError::invalid_field(
                &field,
                format!(
                    "currency_mismatch: line {id} is in {}, the claim in {}",
                    line.currency, claim.currency
                ),
            ));
        }
        if line.recovery_claim_id == Some(claim.id) {
            continue;
        }
        if !db::lines::batch(
            c,
            *id,
            claim.id,
            claim.supplier_code.as_str(),
            claim.currency.as_str(),
        )
        .await?
        {
            return Err(ApiError::invalid_field(
                &field,
                format!("line {id} is {}, not open", line.status.as_str()),
            ));
        }
        entries.push(trail::line_moved(
            "recovery_line.batched",
            *id,
            (LineStatus::Open, LineStatus::Batched),
            (None, Some(claim.id)),
        ));
    }
    Ok(())
}

/// A new draft claim (`RC-000007`) of the supplier and currency of the first line,
/// holding `line_ids` (at least one).
pub async fn draft(
    c: &mut Conn,
    line_ids: &[Uuid],
    origin: &audit::Origin,
) -> Result<ClaimDetail, ApiError> {
    let first = *line_ids
        .first()
        .ok_or_else(|| ApiError::invalid_field("line_ids", "at least one line"))?;
    let line = db::lines::find(c, first).await?.ok_or_else(|| {
        ApiError::invalid_field("line_ids[0]", format!("no recovery line {first}"))
    })?;
    let claim = db::claims::Claim {
        id: Uuid::now_v7(),
        number: db::claims::next_number(c).await?,
        supplier_code: line.supplier_code,
        currency: line.currency,
        status: ClaimStatus::Draft,
        created_at: Utc::now(),
        submitted_at: None,
        responded_at: None,
        settled_at: None,
        origin: Origin::Finance,
    };
    db::claims::insert(c, &claim).await?;
    let mut moved = Vec::new();
    put_lines(c, &claim, line_ids, &mut moved).await?;
    let detail = detail(c, claim.id).await?;
    let held: Vec<Uuid> = detail.lines.iter().map(|l| l.line.id).collect();
    let mut entries = vec![trail::claim_drafted(&claim, &held, detail.amount)];
    entries.append(&mut moved);
    origin.record(c, &entries).await?;
    Ok(detail)
}

/// Adds open lines to a draft claim (otherwise 409). Lines in it already change
/// nothing; if none is new, nothing is recorded.
pub async fn add_lines(
    c: &mut Conn,
    id: Uuid,
    line_ids: &[Uuid],
    origin: &audit::Origin,
) -> Result<ClaimDetail, ApiError> {
    let claim = lock(c, id).await?;
    claim_status::check_allowed(&claim, Action::EditLines)?;
    let before = lines_of(c, id).await?;
    let mut moved = Vec::new();
    put_lines(c, &claim, line_ids, &mut moved).await?;
    if !moved.is_empty() {
        let after = lines_of(c, id).await?;
        let mut entries = vec![trail::claim_lines_changed(
            "recovery_claim.lines_added",
            id,
            &before,
            &after,
        )];
        entries.append(&mut moved);
        origin.record(c, &entries).await?;
    }
    detail(c, id).await
}

/// Takes a line out of a draft claim (otherwise 409); the line is open again. 404
/// when the line is not in the claim.
pub async fn remove_line(
    c: &mut Conn,
    id: Uuid,
    line: Uuid,
    origin: &audit::Origin,
) -> Result<ClaimDetail, ApiError> {
    let claim = lock(c, id).await?;
    claim_status::check_allowed(&claim, Action::EditLines)?;
    let before = lines_of(c, id).await?;
    if !db::lines::unbatch(c, line, id).await? {
        return Err(ApiError::not_found(format!(
            "line {line} is not in claim {}",
            claim.number
        )));
    }
    let after = lines_of(c, id).await?;
    origin
        .record(
            c,
            &[
                trail::claim_lines_changed("recovery_claim.line_removed", id, &before, &after),
                trail::line_moved(
                    "recovery_line.unbatched",
                    line,
                    (LineStatus::Batched, LineStatus::Open),
                    (Some(id), None),
                ),
            ],
        )
        .await?;
    detail(c, id).await
}

/// Submits a draft claim with lines (otherwise 409) and publishes
/// `recovery.recovery_claim_submitted`. A line whose filing deadline has passed
/// cannot be submitted (409 naming it): the supplier would refuse it.
pub async fn submit(
    c: &mut Conn,
    id: Uuid,
    origin: &audit::Origin,
) -> Result<ClaimDetail, ApiError> {
    let claim = lock(c, id).await?;
    let today = Utc::now().date_naive();
    let held = db::lines::of_claim(c, id).await?;
    if let Some(late) = held.iter().find(|l| {
        l.filing_deadline
            .is_some_and(|d| filing::days_left(d, today) < 0)
    }) {
        return Err(ApiError::conflict(format!(
            "{}: line {} ({}) is past its filing deadline {}; the supplier no longer \
             accepts it: take it out of the claim, then submit",
            claim.number,
            late.id,
            late.claim_number,
            late.filing_deadline
                .map(|d| d.to_string())
                .unwrap_or_default()
        )));
    }
    let next = claim_status::next(c, &claim, Action::Submit).await?;
    let at = Utc::now();
    db::claims::set_status(c, id, next, at).await?;
    db::lines::mark_claimed(c, id).await?;
    let lines = db::lines::of_claim(c, id).await?;
    let amount = cents(total(&lines)?);
    let event = RecoveryClaimSubmitted {
        recovery_claim_id: id,
        supplier_code: claim.supplier_code.clone(),
        amount,
        currency: claim.currency.clone(),
    };
    let envelope = Envelope::new(crate::NAME, &event, trail::correlation(origin))
        .map_err(ApiError::internal)?;
    outbox::enqueue(c, &envelope).await?;
    let mut entries: Vec<Entry> = trail::claim_moved(id, claim.status, next, at)
        .map(|e| e.change("claimed", cents(Decimal::ZERO), amount))
        .into_iter()
        .collect();
    for line in &lines {
        let before = held
            .iter()
            .find(|h| h.id == line.id)
            .map_or(LineStatus::Batched, |h| h.status);
        entries.push(trail::line_moved(
            "recovery_line.filed",
            line.id,
            (before, line.status),
            (Some(id), Some(id)),
        ));
    }
    origin.record(c, &entries).await?;
    detail(c, id).await
}
