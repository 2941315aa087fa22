//! Recording, amending and ending a supplier agreement. Agreements of one supplier
//! never overlap (422 naming `valid_from`); the database enforces it too (the
//! migration's `agreements_no_overlap`). A line priced under an agreement keeps what
//! it was priced under: the terms change only while no line is, the validity only if
//! it still holds every priced line's decision (`domain::agreement::check_amendment`,
//! 409 otherwise). Whenever an agreement is recorded or its validity changes, the
//! supplier's lines kept `not_recoverable` for want of an agreement are assessed again
//! (`recovery.recovery_lines_reassessed`). Each change records `agreement.created`,
//! `.amended` or `.ended` and a `recovery_line.reassessed` per line it changed
//! (`super::trail`).

use aftersales_messaging::contracts::recovery::{ReassessedLine, RecoveryLinesReassessed};
use aftersales_messaging::{Envelope, outbox};
use aftersales_types::money::round_cents;
use aftersales_web::audit::{Entry, Origin};
use aftersales_web::{ApiError, Page};
use chrono::{NaiveDate, Utc};
use rust_decimal::Decimal;
use uuid::Uuid;

use super::{Conn, lines, trail};
use crate::db;
use crate::domain::SupplierCode;
use crate::domain::agreement::{self, Adjudicated, Validity};

/// A new agreement, its fields checked by the caller.
#[derive(Debug, Clone)]
pub struct NewAgreement {
    pub supplier_code: String,
    pub validity: Validity,
    pub parts_recovery_pct: Decimal,
    pub labor_recovery_pct: Decimal,
    pub handling_fee: Decimal,
    pub currency: String,
    pub claim_window_days: i32,
}

fn overlap(other: &db::agreements::Agreement) -> ApiError {
    let to = other
        .valid_to
        .map_or_else(|| "open-ended".to_owned(), |d| d.to_string());
    ApiError::invalid_field(
        "valid_from",
        format!(
            "overlaps agreement {} of supplier {} ({} to {to})",
            other.id, other.supplier_code, other.valid_from
        ),
    )
}

/// 422 if `validity` overlaps an agreement of `supplier` other than `except`.
async fn refuse_overlap(
    c: &mut Conn,
    supplier: &str,
    validity: &Validity,
    except: Option<Uuid>,
) -> Result<(), ApiError> {
    for other in &db::agreements::of_supplier(c, supplier).await? {
        if Some(other.id) != except
            && other
                .validity()
                .map_err(ApiError::internal)?
                .overlaps(validity)
        {
            return Err(overlap(other));
        }
    }
    Ok(())
}

fn refused_overlap(e: diesel::result::Error) -> ApiError {
    if db::is_overlap(&e) {
        ApiError::invalid_field("valid_from", "overlaps another agreement of the supplier")
    } else {
        ApiError::from(e)
    }
}

/// Records the agreement unless it overlaps another of the supplier, and assesses
/// again the supplier's lines that had no agreement.
pub async fn record(
    c: &mut Conn,
    new: NewAgreement,
    origin: &Origin,
) -> Result<db::agreements::Agreement, ApiError> {
    // The lock makes check-then-insert safe across replicas; the trigger behind it
    // refuses an overlap whatever path the row takes.
    db::agreements::lock_supplier(c, &new.supplier_code).await?;
    refuse_overlap(c, &new.supplier_code, &new.validity, None).await?;
    let row = db::agreements::Agreement {
        id: Uuid::now_v7(),
        supplier_code: new.supplier_code,
        valid_from: new.validity.from,
        valid_to: new.validity.to,
        parts_recovery_pct: new.parts_recovery_pct,
        labor_recovery_pct: new.labor_recovery_pct,
        handling_fee: round_cents(new.handling_fee),
        currency: new.currency,
        claim_window_days: new.claim_window_days,
        created_at: Utc::now(),
    };
    let row = db::agreements::insert(c, &row)
        .await
        .map_err(refused_overlap)?;
    let mut entries = vec![trail::agreement_created(&row)];
    reassess(c, &row, origin, &mut entries).await?;
    origin.record(c, &entries).await?;
    Ok(row)
}

/// An agreement's new validity and terms, checked by the caller.
#[derive(Debug, Clone)]
pub struct Amendment {
    pub validity: Validity,
    pub parts_recovery_pct: Decimal,
    pub labor_recovery_pct: Decimal,
    pub handling_fee: Decimal,
    pub currency: String,
    pub claim_window_days: i32,
}

/// Amends agreement `id` (404 when unknown): never overlapping another of the
/// supplier (422), never changing what a priced line was priced under (409).
pub async fn amend(
    c: &mut Conn,
    id: Uuid,
    amendment: Amendment,
    origin: &Origin,
) -> Result<db::agreements::Agreement, ApiError> {
    change(c, id, amendment, origin, "agreement.amended").await
}

/// [`amend`], recorded as `action`.
async fn change(
    c: &mut Conn,
    id: Uuid,
    amendment: Amendment,
    origin: &Origin,
    action: &'static str,
) -> Result<db::agreements::Agreement, ApiError> {
    let current = find(c, id).await?;
    db::agreements::lock_supplier(c, &current.supplier_code).await?;
    // Read again under the lock: another writer may have changed it meanwhile.
    let current = find(c, id).await?;
    let amended = db::agreements::Agreement {
        valid_from: amendment.validity.from,
        valid_to: amendment.validity.to,
        parts_recovery_pct: amendment.parts_recovery_pct,
        labor_recovery_pct: amendment.labor_recovery_pct,
        handling_fee: round_cents(amendment.handling_fee),
        currency: amendment.currency,
        claim_window_days: amendment.claim_window_days,
        ..current.clone()
    };
    let priced: Vec<NaiveDate> = db::lines::decided_under(c, id)
        .await?
        .iter()
        .map(|at| at.date_naive())
        .collect();
    let (before, after) = (
        current.to_domain().map_err(ApiError::internal)?,
        amended.to_domain().map_err(ApiError::internal)?,
    );
    agreement::check_amendment(&before, &after, &priced)
        .map_err(|e| ApiError::conflict(format!("agreement {id}: {e}")))?;
    refuse_overlap(c, &current.supplier_code, &amendment.validity, Some(id)).await?;
    let row = db::agreements::update(c, &amended)
        .await
        .map_err(refused_overlap)?;
    let mut entries: Vec<Entry> = trail::agreement_changed(action, &current, &row)
        .into_iter()
        .collect();
    reassess(c, &row, origin, &mut entries).await?;
    origin.record(c, &entries).await?;
    Ok(row)
}

/// Ends agreement `id` on `valid_to` (its last day in force): an amendment of its
/// validity alone.
pub async fn end(
    c: &mut Conn,
    id: Uuid,
    valid_to: NaiveDate,
    origin: &Origin,
) -> Result<db::agreements::Agreement, ApiError> {
    // Locked before reading: the amendment is built from the terms as they stand.
    let supplier = find(c, id).await?.supplier_code;
    db::agreements::lock_supplier(c, &supplier).await?;
    let current = find(c, id).await?;
    let validity = Validity::parse(current.valid_from, Some(valid_to)).map_err(|_| {
        ApiError::invalid_field(
            "valid_to",
            format!("must not be before valid_from ({})", current.valid_from),
        )
    })?;
    let amendment = Amendment {
        validity,
        parts_recovery_pct: current.parts_recovery_pct,
        labor_recovery_pct: current.labor_recovery_pct,
        handling_fee: current.handling_fee,
        currency: current.currency,
        claim_window_days: current.claim_window_days,
    };
    change(c, id, amendment, origin, "agreement.ended").await
}

/// Assesses again the lines of `agreement`'s supplier kept `not_recoverable` for want
/// of an agreement; those an agreement now covers change, are announced in one
/// `recovery.recovery_lines_reassessed` and added to `entries`.
async fn reassess(
    c: &mut Conn,
    agreement: &db::agreements::Agreement,
    origin: &Origin,
    entries: &mut Vec<Entry>,
) -> Result<(), ApiError> {
    let waiting = db::lines::lock_without_agreement(c, &agreement.supplier_code).await?;
    if waiting.is_empty() {
        return Ok(());
    }
    let agreements = lines::agreements_of(c, &agreement.supplier_code)
        .await
        .map_err(|e| ApiError::internal(e.to_string()))?;
    let today = Utc::now().date_naive();
    let mut changed = Vec::new();
    for before in waiting {
        let claim = Adjudicated {
            parts: before.parts_amount,
            labor: before.labor_amount,
            currency: before.currency.clone(),
            decided_on: before.decided_at.date_naive(),
        };
        let p = lines::pricing(&claim, &agreements, today);
        if p.agreement_id.is_none() {
            continue;
        }
        let line = db::lines::reassess(
            c,
            before.id,
            p.agreement_id,
            p.status,
            p.amount,
            p.reason,
            p.filing_deadline,
        )
        .await?;
        tracing::info!(line = %line.id, claim = %line.claim_number, status = line.status.as_str(),
            "line without an agreement assessed again");
        entries.push(trail::line_reassessed(&before, &line));
        changed.push(ReassessedLine {
            line_id: line.id,
            claim_number: line.claim_number,
            status: line.status.as_str().to_owned(),
            amount: line.amount,
            reason: line.reason.map(|r| r.as_str().to_owned()),
        });
    }
    if changed.is_empty() {
        return Ok(());
    }
    let event = RecoveryLinesReassessed {
        agreement_id: agreement.id,
        supplier_code: SupplierCode::parse(&agreement.supplier_code)
            .map_err(|e| ApiError::internal(e.into_message()))?,
        lines: changed,
    };
    let envelope = Envelope::new(crate::NAME, &event, trail::correlation(origin))
        .map_err(ApiError::internal)?;
    outbox::enqueue(c, &envelope).await?;
    Ok(())
}

/// One agreement; 404 when unknown.
pub async fn find(c: &mut Conn, id: Uuid) -> Result<db::agreements::Agreement, ApiError> {
    db::agreements::find(c, id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no agreement {id}")))
}

/// A page of agreements by supplier and start, after `(supplier, valid_from, id)`.
pub async fn list(
    c: &mut Conn,
    supplier: Option<&str>,
    after: Option<(String, NaiveDate, Uuid)>,
    limit: i64,
) -> Result<Page<db::agreements::Agreement>, ApiError> {
    let rows = db::agreements::list(c, supplier, after, limit + 1).await?;
    Ok(Page::from_rows(rows, limit, |a| {
        (a.supplier_code.clone(), a.valid_from, a.id)
    }))
}
