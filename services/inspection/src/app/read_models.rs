//! Other services' facts as inspection keeps them: catalog's parts and orders'
//! dealers, each upsert keeping the `occurred_at` of the event that wrote it (an
//! older event arriving late changes nothing, so reordering is harmless).

use aftersales_messaging::HandlerError;
use aftersales_messaging::contracts::{catalog, orders};
use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use rust_decimal::Decimal;

use crate::db;
use crate::domain::pricing::round_price;

/// Keeps `part` as of `occurred_at`; a part that cannot be priced is rejected.
pub async fn record_part(
    conn: &mut AsyncPgConnection,
    part: catalog::PartUpserted,
    occurred_at: DateTime<Utc>,
) -> Result<(), HandlerError> {
    if part.list_price < Decimal::ZERO {
        return Err(HandlerError::Reject("negative list price".into()));
    }
    db::read_models::upsert_part(
        conn,
        &db::read_models::Part {
            part_number: part.part_number,
            description: part.description,
            category: part.category,
            // NUMERIC(14,4): a finer price is rounded the way every price is.
            list_price: round_price(part.list_price),
            currency: part.currency,
            supplier_code: part.supplier_code,
            warranty_months: part.warranty_months,
            core: part.core,
            returnable: part.returnable,
            active: part.active,
            updated_at: occurred_at,
        },
    )
    .await?;
    Ok(())
}

/// Keeps `dealer` as of `occurred_at`; a dealer whose labor cannot be priced is rejected.
pub async fn record_dealer(
    conn: &mut AsyncPgConnection,
    dealer: orders::DealerUpserted,
    occurred_at: DateTime<Utc>,
) -> Result<(), HandlerError> {
    if dealer.labor_rate < Decimal::ZERO {
        return Err(HandlerError::Reject("negative labor rate".into()));
    }
    db::read_models::upsert_dealer(
        conn,
        &db::read_models::Dealer {
            dealer_code: dealer.dealer_code,
            name: dealer.name,
            labor_rate: round_price(dealer.labor_rate),
            currency: dealer.currency,
            active: dealer.active,
            updated_at: occurred_at,
        },
    )
    .await?;
    Ok(())
}
