//! Dealer master data: registering and changing a dealer, each change published as
//! `orders.dealer_upserted` in its transaction; reading dealers as the caller may.

use aftersales_messaging::contracts::orders::DealerUpserted;
use aftersales_web::{ApiError, Page};
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::{Caller, enqueue};
use crate::db;
use crate::db::dealers::{Dealer, DealerFields, UpdateOutcome};

/// Registers dealer `code` (a taken code → 409).
pub async fn register(
    c: &mut AsyncPgConnection,
    code: &str,
    fields: &DealerFields,
    correlation: Uuid,
) -> Result<Dealer, ApiError> {
    let Some(dealer) = db::dealers::insert(c, code, fields).await? else {
        return Err(ApiError::conflict(format!("dealer {code} already exists")));
    };
    publish(c, &dealer, correlation).await?;
    Ok(dealer)
}

/// Replaces dealer `code`'s data; with `expected_version` (If-Match), a dealer at
/// another version → 412.
pub async fn update(
    c: &mut AsyncPgConnection,
    code: &str,
    fields: &DealerFields,
    expected_version: Option<i32>,
    correlation: Uuid,
) -> Result<Dealer, ApiError> {
    match db::dealers::update(c, code, fields, expected_version).await? {
        UpdateOutcome::Updated(dealer) => {
            publish(c, &dealer, correlation).await?;
            Ok(dealer)
        }
        UpdateOutcome::NotFound => Err(not_found(code)),
        UpdateOutcome::Stale => Err(ApiError::precondition_failed(
            "the dealer changed since it was read (If-Match is stale)",
        )),
    }
}

/// One dealer: a dealer only itself (another → 404, like an unknown one).
pub async fn get(
    c: &mut AsyncPgConnection,
    caller: &Caller,
    code: &str,
) -> Result<Dealer, ApiError> {
    if !caller.may_see(code) {
        return Err(not_found(code));
    }
    db::dealers::find(c, code)
        .await?
        .ok_or_else(|| not_found(code))
}

/// A page of dealers by code, after the code `after`.
pub async fn list(
    c: &mut AsyncPgConnection,
    after: Option<&str>,
    active: Option<bool>,
    limit: i64,
) -> Result<Page<Dealer>, ApiError> {
    let rows = db::dealers::list(c, after, active, limit + 1).await?;
    Ok(Page::from_rows(rows, limit, |d| d.code.clone()))
}

async fn publish(
    c: &mut AsyncPgConnection,
    dealer: &Dealer,
    correlation: Uuid,
) -> Result<(), ApiError> {
    let event = DealerUpserted {
        dealer_code: dealer.code.clone(),
        name: dealer.name.clone(),
        tier: dealer.tier.as_str().to_owned(),
        labor_rate: dealer.labor_rate,
        currency: dealer.currency.clone(),
        home_warehouse: dealer.home_warehouse.clone(),
        active: dealer.active,
    };
    enqueue(c, &event, correlation).await?;
    Ok(())
}

fn not_found(code: &str) -> ApiError {
    ApiError::not_found(format!("no dealer {code}"))
}
