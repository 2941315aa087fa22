//! Service campaigns (`domain::campaign`): recorded by admins; the units each affects,
//! per dealer, with whether their campaign claim is filed; completion per dealer and
//! overall; and what a campaign claim must be ([`check_claim`], called by
//! `submission::assess`).

use std::collections::BTreeMap;

use aftersales_web::audit::{Entry, Origin};
use aftersales_web::{ApiError, FieldError};
use chrono::{DateTime, NaiveDate, Utc};
use diesel_async::AsyncPgConnection;
use rust_decimal::Decimal;

use super::submission::NewClaim;
use crate::db;
use crate::db::campaigns::Campaign;
use crate::domain::campaign::{self, FixLabor, FixPart, Scope};

fn not_found(code: &str) -> ApiError {
    ApiError::not_found(format!("no campaign {code}"))
}

/// A campaign with its scope and fix read back into the rules' types.
#[derive(Debug, Clone)]
pub struct CampaignFile {
    pub campaign: Campaign,
    pub scope: Scope,
    pub parts: Vec<FixPart>,
    pub labor: Vec<FixLabor>,
}

impl CampaignFile {
    /// A stored row that breaks the rules is an internal error naming it.
    pub fn of(campaign: Campaign) -> Result<CampaignFile, ApiError> {
        let broken =
            |what: String| ApiError::internal(format!("campaign {}: {what}", campaign.code));
        let scope = Scope::parse(
            campaign.models.clone(),
            campaign.serial_from.clone().zip(campaign.serial_to.clone()),
            campaign.in_service_from.zip(campaign.in_service_to),
        )
        .map_err(|(f, m)| broken(format!("{f} {m}")))?;
        let parts = serde_json::from_value(campaign.fix_parts.clone())
            .map_err(|e| broken(e.to_string()))?;
        let labor = serde_json::from_value(campaign.fix_labor.clone())
            .map_err(|e| broken(e.to_string()))?;
        Ok(CampaignFile {
            campaign,
            scope,
            parts,
            labor,
        })
    }

    pub fn open_on(&self, day: NaiveDate) -> bool {
        self.campaign.valid_from <= day && day <= self.campaign.valid_to
    }
}

/// Records a campaign (409 when its code is taken).
pub async fn create(
    c: &mut AsyncPgConnection,
    origin: &Origin,
    row: Campaign,
) -> Result<CampaignFile, ApiError> {
    let code = row.code.clone();
    let row = db::campaigns::insert(c, &row)
        .await?
        .ok_or_else(|| ApiError::conflict(format!("campaign {code} exists already")))?;
    let entry = Entry::new("campaign.created", "campaign", &row.code).created(&row);
    origin.record(c, &[entry]).await?;
    CampaignFile::of(row)
}

pub async fn get(c: &mut AsyncPgConnection, code: &str) -> Result<CampaignFile, ApiError> {
    let row = db::campaigns::find(c, code)
        .await?
        .ok_or_else(|| not_found(code))?;
    CampaignFile::of(row)
}

pub async fn list(c: &mut AsyncPgConnection) -> Result<Vec<CampaignFile>, ApiError> {
    db::campaigns::list(c)
        .await?
        .into_iter()
        .map(CampaignFile::of)
        .collect()
}

/// A unit the campaign affects, and its campaign claim if filed (not rejected).
#[derive(Debug, Clone)]
pub struct AffectedUnit {
    pub unit: db::units::Unit,
    pub claim_number: Option<String>,
    /// When that claim was submitted.
    pub claimed_at: Option<DateTime<Utc>>,
}

/// The units the campaign affects (of one dealer if given), by serial.
pub async fn affected_units(
    c: &mut AsyncPgConnection,
    file: &CampaignFile,
    dealer: Option<&str>,
) -> Result<Vec<AffectedUnit>, ApiError> {
    let units = db::campaigns::units_of_models(c, &file.scope.models, dealer).await?;
    let claimed: BTreeMap<String, (String, DateTime<Utc>)> =
        db::campaigns::claimed_units(c, &file.campaign.code)
            .await?
            .into_iter()
            .map(|(serial, number, at)| (serial, (number, at)))
            .collect();
    Ok(units
        .into_iter()
        .filter(|u| file.scope.affects(&u.model, &u.serial, u.in_service_date))
        .map(|unit| {
            let claim = claimed.get(&unit.serial);
            AffectedUnit {
                claim_number: claim.map(|(number, _)| number.clone()),
                claimed_at: claim.map(|(_, at)| *at),
                unit,
            }
        })
        .collect())
}

/// Affected and completed units of one dealer (or overall: `dealer` `None`).
#[derive(Debug, Clone, PartialEq)]
pub struct Completion {
    pub dealer: Option<String>,
    pub affected: u64,
    pub completed: u64,
    pub rate: Option<Decimal>,
}

/// Completion per dealer (by dealer code), then overall.
pub fn completion(units: &[AffectedUnit]) -> (Vec<Completion>, Completion) {
    let mut per: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
    for u in units {
        let e = per.entry(u.unit.dealer_code.as_str()).or_default();
        e.0 += 1;
        e.1 += u64::from(u.claim_number.is_some());
    }
    let row = |dealer: Option<String>, (affected, completed): (u64, u64)| Completion {
        dealer,
        affected,
        completed,
        rate: campaign::completion_rate(affected, completed),
    };
    let total = per.values().fold((0, 0), |(a, d), (x, y)| (a + x, d + y));
    let dealers = per
        .into_iter()
        .map(|(d, counts)| row(Some(d.to_owned()), counts))
        .collect();
    (dealers, row(None, total))
}

/// A campaign claim must name an open campaign that affects its unit, hold only the
/// fix (its causal part among the fix's parts) and not be a goodwill claim too: 422
/// naming the field otherwise.
pub async fn check_claim(
    c: &mut AsyncPgConnection,
    code: &str,
    unit: &db::units::Unit,
    claim: &NewClaim,
) -> Result<(), ApiError> {
    let invalid = |field: &str, message: String| ApiError::invalid_field(field, message);
    let file = match db::campaigns::find(c, code).await? {
        Some(row) => CampaignFile::of(row)?,
        None => return Err(invalid("campaign_code", format!("no campaign {code}"))),
    };
    if claim.preauthorization_id.is_some() {
        return Err(invalid(
            "preauthorization_id",
            "a claim is filed under a campaign or a pre-authorization, not both".into(),
        ));
    }
    if !file.open_on(claim.repair_date) {
        return Err(invalid(
            "repair_date",
            format!(
                "campaign {code} runs from {} to {}",
                file.campaign.valid_from, file.campaign.valid_to
            ),
        ));
    }
    if !file
        .scope
        .affects(&unit.model, &unit.serial, unit.in_service_date)
    {
        return Err(invalid(
            "unit_serial",
            format!("unit {} is not affected by campaign {code}", unit.serial),
        ));
    }
    let causal = claim.causal_part_number.as_str();
    let mut errors: Vec<FieldError> = Vec::new();
    if !file.parts.iter().any(|p| p.part_number == causal) {
        errors.push(FieldError::new(
            "causal_part_number",
            format!("{causal} is not part of campaign {code}'s fix"),
        ));
    }
    let parts: Vec<(&str, i32)> = claim
        .parts
        .iter()
        .map(|p| (p.part_number.as_str(), p.qty.get()))
        .collect();
    let labor: Vec<(&str, Decimal)> = claim
        .labor
        .iter()
        .map(|l| (l.operation_code.as_str(), l.hours))
        .collect();
    errors.extend(
        campaign::outside_the_fix(&file.parts, &file.labor, &parts, &labor)
            .into_iter()
            .map(|(f, m)| FieldError::new(f, m)),
    );
    if errors.is_empty() {
        return Ok(());
    }
    let detail = format!(
        "the claim is outside campaign {code}: {}",
        errors[0].message
    );
    Err(ApiError::Unprocessable { detail, errors })
}
