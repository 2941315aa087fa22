//! Dealer master data: registering and changing a dealer, each change published as
//! `orders.dealer_upserted` and audited (`dealer.created`, `dealer.updated`, readable
//! by the dealer itself) in its transaction; reading dealers as the caller may.

use aftersales_messaging::contracts::orders::DealerUpserted;
use aftersales_web::{ApiError, Page};
use diesel_async::AsyncPgConnection;
use rust_decimal::Decimal;
use serde::Serialize;

use super::{Caller, Entry, Origin, enqueue};
use crate::db;
use crate::db::dealers::{Dealer, DealerFields, UpdateOutcome};
use crate::domain::Tier;

/// Registers dealer `code` (a taken code → 409).
pub async fn register(
    c: &mut AsyncPgConnection,
    code: &str,
    fields: &DealerFields,
    origin: &Origin,
) -> Result<Dealer, ApiError> {
    let Some(dealer) = db::dealers::insert(c, code, fields).await? else {
        return Err(ApiError::conflict(format!("dealer {code} already exists")));
    };
    publish(c, &dealer, origin).await?;
    let entry = Entry::new("dealer.created", "dealer", code)
        .of_dealer(code)
        .created(&DealerRecord::of(&dealer));
    origin.record(c, &[entry]).await?;
    Ok(dealer)
}

/// Replaces dealer `code`'s data; with `expected_version` (If-Match), a dealer at
/// another version → 412.
pub async fn update(
    c: &mut AsyncPgConnection,
    code: &str,
    fields: &DealerFields,
    expected_version: Option<i32>,
    origin: &Origin,
) -> Result<Dealer, ApiError> {
    // Locked first: the audit record's "before" is the row the update replaces.
    let Some(before) = db::dealers::lock(c, code).await? else {
        return Err(not_found(code));
    };
    match db::dealers::update(c, code, fields, expected_version).await? {
        UpdateOutcome::Updated(dealer) => {
            publish(c, &dealer, origin).await?;
            let entry = Entry::new("dealer.updated", "dealer", code)
                .of_dealer(code)
                .diff(&DealerRecord::of(&before), &DealerRecord::of(&dealer));
            origin.record(c, &[entry]).await?;
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

/// What a dealer record shows of a dealer: what an admin sets, and the version its
/// ETag carries.
#[derive(Serialize)]
struct DealerRecord<'a> {
    name: &'a str,
    tier: Tier,
    labor_rate: Decimal,
    currency: &'a str,
    home_warehouse: &'a str,
    active: bool,
    version: i32,
}

impl DealerRecord<'_> {
    fn of(dealer: &Dealer) -> DealerRecord<'_> {
        DealerRecord {
            name: &dealer.name,
            tier: dealer.tier,
            labor_rate: dealer.labor_rate,
            currency: dealer.currency.as_ref(),
            home_warehouse: dealer.home_warehouse.as_str(),
            active: dealer.active,
            version: dealer.version,
        }
    }
}

async fn publish(
    c: &mut AsyncPgConnection,
    dealer: &Dealer,
    origin: &Origin,
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
    enqueue(c, &event, origin).await?;
    Ok(())
}

fn not_found(code: &str) -> ApiError {
    ApiError::not_found(format!("no dealer {code}"))
}
