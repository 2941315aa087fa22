//! Registering sold units for warranty: a dealer registers its own, an admin for any
//! dealer; a serial is unique across all dealers.

use aftersales_web::audit::{Entry, Origin};
use aftersales_web::{ApiError, Principal, Role};
use chrono::{NaiveDate, SubsecRound, Utc};
use diesel_async::AsyncPgConnection;

use crate::db;
use crate::domain::{DealerCode, Serial, UsageUnit};

pub fn not_found(serial: &str) -> ApiError {
    ApiError::not_found(format!("no unit {serial}"))
}

/// 404 unless the caller may see `unit` (a dealer sees only its own).
pub fn check_visible(who: &Principal, unit: &db::units::Unit) -> Result<(), ApiError> {
    if who.is(Role::Dealer) && who.dealer_code() != Some(unit.dealer_code.as_str()) {
        return Err(not_found(&unit.serial));
    }
    Ok(())
}

/// The dealer a new unit belongs to: a dealer's own (it may not name another), or
/// the one an admin names.
pub fn owner(who: &Principal, requested: Option<&DealerCode>) -> Result<String, ApiError> {
    if who.is(Role::Dealer) {
        let own = who.own_dealer()?;
        if requested.is_some_and(|c| c.as_str() != own) {
            return Err(ApiError::forbidden(
                "a dealer registers units only for itself",
            ));
        }
        Ok(own.to_owned())
    } else {
        requested.map(DealerCode::to_string).ok_or_else(|| {
            ApiError::invalid_field("dealer_code", "required when an admin registers a unit")
        })
    }
}

/// A sold unit to register.
#[derive(Debug, Clone)]
pub struct NewUnit {
    pub serial: Serial,
    pub model: String,
    pub in_service_date: NaiveDate,
    pub usage_at_sale: i64,
    pub usage_unit: UsageUnit,
}

/// Registers `unit` for `dealer_code`; 409 when the serial is taken.
pub async fn register(
    c: &mut AsyncPgConnection,
    origin: &Origin,
    dealer_code: &str,
    unit: &NewUnit,
) -> Result<db::units::Unit, ApiError> {
    if unit.in_service_date > Utc::now().date_naive() {
        return Err(ApiError::invalid_field(
            "in_service_date",
            "must not be in the future",
        ));
    }
    let row = db::units::Unit {
        serial: unit.serial.to_string(),
        dealer_code: dealer_code.to_owned(),
        model: unit.model.clone(),
        in_service_date: unit.in_service_date,
        usage_at_sale: unit.usage_at_sale,
        usage_unit: unit.usage_unit,
        registered_at: Utc::now().trunc_subsecs(6),
    };
    let row = db::units::insert(c, &row)
        .await?
        .ok_or_else(|| ApiError::conflict(format!("unit {} is registered already", unit.serial)))?;
    let entry = Entry::new("unit.registered", "unit", &row.serial)
        .of_dealer(&row.dealer_code)
        .created(&row);
    origin.record(c, &[entry]).await?;
    Ok(row)
}
