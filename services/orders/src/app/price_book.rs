//! The local price book: kept from catalog's `catalog.part_upserted`, read to price a
//! part with a dealer's tier's discount in force now (never a call to catalog). A
//! part event that changes what the book holds is audited as `price_book.updated`;
//! one that changes nothing the book keeps (catalog republishes a part for fields
//! orders does not hold), or arrives after a newer one, writes no record.

use aftersales_messaging::HandlerError;
use aftersales_web::ApiError;
use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use rust_decimal::Decimal;
use serde::Serialize;

use super::{Caller, Cause, Entry};
use crate::db;
use crate::domain::pricing::round_price;
use crate::domain::{Currency, PartNumber, Tier};

/// A part as catalog published it, already parsed.
#[derive(Debug, Clone)]
pub struct PublishedPart {
    pub part_number: PartNumber,
    pub description: String,
    pub list_price: Decimal,
    pub currency: Currency,
    pub active: bool,
    pub superseded_by: Option<PartNumber>,
    /// When catalog changed it: an older event delivered late changes nothing.
    pub changed_at: DateTime<Utc>,
}

/// Stores the part's price book row (a negative list price is rejected).
pub async fn apply_part(
    c: &mut AsyncPgConnection,
    part: PublishedPart,
    cause: &Cause<'_>,
) -> Result<(), HandlerError> {
    if part.list_price < Decimal::ZERO {
        return Err(HandlerError::Reject("negative list price".into()));
    }
    // NUMERIC(14,4): a finer price is rounded the way every price is.
    let list_price = round_price(part.list_price);
    let row = db::price_book::Part {
        part_number: part.part_number.to_string(),
        description: part.description,
        list_price,
        currency: part.currency,
        active: part.active,
        superseded_by: part.superseded_by.map(PartNumber::into_inner),
        updated_at: part.changed_at,
    };
    let before = db::price_book::lock(c, &row.part_number).await?;
    if !db::price_book::upsert(c, &row).await? {
        return Ok(());
    }
    let entry = Entry::new("price_book.updated", "price_book", &row.part_number)
        .diff(&before.as_ref().map(BookRecord::of), &BookRecord::of(&row));
    if !entry.changes.is_empty() {
        cause.origin.record(c, &[entry]).await?;
    }
    Ok(())
}

/// What the price book keeps of a part, as its audit record shows it.
#[derive(Serialize)]
struct BookRecord<'a> {
    description: &'a str,
    /// At the 4 decimals the book stores, so that a price sent as `9.5` is not told
    /// apart from the `9.5000` stored.
    list_price: Decimal,
    currency: &'a str,
    active: bool,
    superseded_by: Option<&'a str>,
}

impl BookRecord<'_> {
    fn of(part: &db::price_book::Part) -> BookRecord<'_> {
        let mut list_price = part.list_price;
        list_price.rescale(4);
        BookRecord {
            description: &part.description,
            list_price,
            currency: part.currency.as_ref(),
            active: part.active,
            superseded_by: part.superseded_by.as_deref(),
        }
    }
}

/// A part's price book row, the tier to price it for and that tier's discount in force
/// now (in percent): a dealer's own tier (its dealer must be registered: 422), for
/// staff `tier` or `standard`.
pub async fn price_for(
    c: &mut AsyncPgConnection,
    caller: &Caller,
    part_number: &PartNumber,
    tier: Option<Tier>,
) -> Result<(db::price_book::Part, Tier, Decimal), ApiError> {
    let tier = match caller {
        Caller::Dealer(code) => {
            db::dealers::find(c, code)
                .await?
                .ok_or_else(|| {
                    ApiError::invalid_field(
                        "dealer_code",
                        format!("dealer {code} is not registered"),
                    )
                })?
                .tier
        }
        Caller::Staff => tier.unwrap_or(Tier::Standard),
    };
    let part = db::price_book::find(c, part_number.as_str())
        .await?
        .ok_or_else(|| {
            ApiError::not_found(format!("part {part_number} is not in the price book"))
        })?;
    let (discounts, now) = super::tiers::in_force_now(c).await?;
    let discount_pct = super::tiers::discount_of(&discounts, tier, now)?;
    Ok((part, tier, discount_pct))
}
