//! A payment (credit memo or write-off) spread over the outstanding accepted amounts
//! of locked claims, oldest claim first (`domain::ledger::allocate`), never beyond
//! them (422 naming `amount`); every claim it touched moves on, and settles when
//! nothing is outstanding.

use aftersales_web::ApiError;
use aftersales_web::audit::{Entry, Origin};
use rust_decimal::Decimal;
use uuid::Uuid;

use super::{Conn, claim_status};
use crate::db;
use crate::domain::claim::Action;
use crate::domain::ledger::allocate;

/// One part of a payment on one line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Share {
    pub line_id: Uuid,
    pub recovery_claim_id: Uuid,
    pub amount: Decimal,
}

/// Where the payment goes.
#[derive(Debug, Clone, Copy)]
pub enum Payment {
    CreditMemo(Uuid),
    WriteOff(Uuid),
}

impl Payment {
    /// `(credit_memo_id, write_off_id)` of its allocations.
    fn columns(self) -> (Option<Uuid>, Option<Uuid>) {
        match self {
            Payment::CreditMemo(id) => (Some(id), None),
            Payment::WriteOff(id) => (None, Some(id)),
        }
    }
}

/// What is outstanding on the claims (locked by the caller), summed.
pub async fn outstanding(c: &mut Conn, claims: &[Uuid]) -> Result<Decimal, ApiError> {
    let figures = db::lines::figures_of_claims(c, claims).await?;
    Ok(figures.iter().map(|f| f.line().outstanding()).sum())
}

/// Allocates `amount` of `payment` over the outstanding accepted amounts of `claims`
/// (locked by the caller), records the shares and moves every touched claim on (its
/// entries added to `entries`).
pub async fn pay(
    c: &mut Conn,
    payment: Payment,
    claims: &[Uuid],
    amount: Decimal,
    origin: &Origin,
    entries: &mut Vec<Entry>,
) -> Result<Vec<Share>, ApiError> {
    let figures = db::lines::figures_of_claims(c, claims).await?;
    let owed: Vec<((Uuid, Uuid), Decimal)> = figures
        .iter()
        .map(|f| ((f.line_id, f.recovery_claim_id), f.line().outstanding()))
        .collect();
    let shares: Vec<Share> = allocate(amount, &owed)
        .map_err(|e| {
            ApiError::invalid_field(
                "amount",
                format!("{e}: a payment never exceeds the accepted amounts still outstanding"),
            )
        })?
        .into_iter()
        .map(|((line_id, recovery_claim_id), amount)| Share {
            line_id,
            recovery_claim_id,
            amount,
        })
        .collect();
    let rows: Vec<(Uuid, Decimal)> = shares.iter().map(|s| (s.line_id, s.amount)).collect();
    let (memo, write_off) = payment.columns();
    db::payments::allocate(c, memo, write_off, &rows).await?;
    let mut touched: Vec<Uuid> = shares.iter().map(|s| s.recovery_claim_id).collect();
    touched.sort();
    touched.dedup();
    for id in touched {
        let claim = db::claims::find(c, id)
            .await?
            .ok_or_else(|| ApiError::internal(format!("claim {id} vanished")))?;
        claim_status::advance(c, &claim, Action::Pay, origin, entries).await?;
    }
    Ok(shares)
}

/// The recorded shares of a payment.
pub async fn shares_of(c: &mut Conn, payment: Payment) -> Result<Vec<Share>, ApiError> {
    let (memo, write_off) = payment.columns();
    db::payments::allocations_of(c, memo, write_off)
        .await?
        .into_iter()
        .map(|(a, claim)| {
            // Payments go only to lines of submitted claims, which never leave them.
            let recovery_claim_id = claim.ok_or_else(|| {
                ApiError::internal(format!(
                    "allocation {} is on line {}, which is in no recovery claim",
                    a.id, a.line_id
                ))
            })?;
            Ok(Share {
                line_id: a.line_id,
                recovery_claim_id,
                amount: a.amount,
            })
        })
        .collect()
}
