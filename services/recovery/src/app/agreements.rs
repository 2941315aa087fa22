//! Recording a supplier agreement. Agreements of one supplier never overlap (422
//! naming `valid_from`); the database enforces it too (the migration's
//! `agreements_no_overlap`).

use aftersales_types::money::round_cents;
use aftersales_web::{ApiError, Page};
use chrono::{NaiveDate, Utc};
use rust_decimal::Decimal;
use uuid::Uuid;

use super::Conn;
use crate::db;
use crate::domain::agreement::Validity;

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

/// Records the agreement unless it overlaps another of the supplier.
pub async fn record(
    c: &mut Conn,
    new: NewAgreement,
) -> Result<db::agreements::Agreement, ApiError> {
    // The lock makes check-then-insert safe across replicas; the trigger behind it
    // refuses an overlap whatever path the row takes.
    db::agreements::lock_supplier(c, &new.supplier_code).await?;
    for other in &db::agreements::of_supplier(c, &new.supplier_code).await? {
        if other
            .validity()
            .map_err(ApiError::internal)?
            .overlaps(&new.validity)
        {
            return Err(overlap(other));
        }
    }
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
    db::agreements::insert(c, &row).await.map_err(|e| {
        if db::is_overlap(&e) {
            ApiError::invalid_field("valid_from", "overlaps another agreement of the supplier")
        } else {
            ApiError::from(e)
        }
    })
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
