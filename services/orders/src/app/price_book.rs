//! The local price book: kept from catalog's `catalog.part_upserted`, read to price a
//! part with a dealer's tier's discount in force now (never a call to catalog).

use aftersales_messaging::HandlerError;
use aftersales_web::ApiError;
use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use rust_decimal::Decimal;

use super::Caller;
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
) -> Result<(), HandlerError> {
    if part.list_price < Decimal::ZERO {
        return Err(HandlerError::Reject("negative list price".into()));
    }
    // NUMERIC(14,4): a finer price is rounded the way every price is.
    let list_price = round_price(part.list_price);
    db::price_book::upsert(
        c,
        &db::price_book::Part {
            part_number: part.part_number.to_string(),
            description: part.description,
            list_price,
            currency: part.currency,
            active: part.active,
            superseded_by: part.superseded_by.map(PartNumber::into_inner),
            updated_at: part.changed_at,
        },
    )
    .await?;
    Ok(())
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
