//! Service campaigns, the units they affect and their claims.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use serde_json::Value;

use super::schema::{campaigns, claims, units};
use super::units::Unit;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = campaigns)]
pub struct Campaign {
    pub code: String,
    pub title: String,
    pub models: Vec<String>,
    pub serial_from: Option<String>,
    pub serial_to: Option<String>,
    pub in_service_from: Option<NaiveDate>,
    pub in_service_to: Option<NaiveDate>,
    /// `[FixPart]` as JSON.
    pub fix_parts: Value,
    /// `[FixLabor]` as JSON.
    pub fix_labor: Value,
    pub valid_from: NaiveDate,
    pub valid_to: NaiveDate,
    pub created_at: DateTime<Utc>,
}

/// Inserts the campaign unless its code is taken; `None` when it is.
pub async fn insert(conn: &mut AsyncPgConnection, c: &Campaign) -> QueryResult<Option<Campaign>> {
    diesel::insert_into(campaigns::table)
        .values(c)
        .on_conflict_do_nothing()
        .returning(Campaign::as_returning())
        .get_result(conn)
        .await
        .optional()
}

aftersales_web::row_by_key!(pub fn find(campaigns::table, &str) -> Campaign);

/// Every campaign, newest validity first.
pub async fn list(conn: &mut AsyncPgConnection) -> QueryResult<Vec<Campaign>> {
    campaigns::table
        .select(Campaign::as_select())
        .order((campaigns::valid_from.desc(), campaigns::code))
        .load(conn)
        .await
}

/// Units of the campaign's models (of one dealer if given), by serial: the rules
/// narrow them further (`domain::campaign::Scope::affects`).
pub async fn units_of_models(
    conn: &mut AsyncPgConnection,
    models: &[String],
    dealer: Option<&str>,
) -> QueryResult<Vec<Unit>> {
    let mut query = units::table
        .filter(units::model.eq_any(models.to_vec()))
        .order(units::serial)
        .select(Unit::as_select())
        .into_boxed();
    if let Some(dealer) = dealer {
        query = query.filter(units::dealer_code.eq(dealer.to_owned()));
    }
    query.load(conn).await
}

/// The number of `unit`'s claim under the campaign that was not rejected, if any (the
/// unique index `claims_one_per_unit_and_campaign` keeps it to one).
pub async fn claim_of_unit(
    conn: &mut AsyncPgConnection,
    code: &str,
    unit: &str,
) -> QueryResult<Option<String>> {
    claims::table
        .filter(claims::campaign_code.eq(code))
        .filter(claims::unit_serial.eq(unit))
        .filter(super::claims::not_rejected())
        .select(claims::number)
        .first(conn)
        .await
        .optional()
}

/// `(unit serial, claim number, submitted at)` of the campaign's claims that were not
/// rejected.
pub async fn claimed_units(
    conn: &mut AsyncPgConnection,
    code: &str,
) -> QueryResult<Vec<(String, String, DateTime<Utc>)>> {
    claims::table
        .filter(claims::campaign_code.eq(code))
        .filter(super::claims::not_rejected())
        .select((claims::unit_serial, claims::number, claims::submitted_at))
        .load(conn)
        .await
}
