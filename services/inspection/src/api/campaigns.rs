//! `campaigns`: service campaigns (recalls). Admins record them; dealers see the units
//! of theirs a campaign affects and file a campaign claim per unit (`campaign_code` on
//! `POST /claims`); quality, quality leads and admins see every dealer's units and the
//! completion per dealer and overall (`domain::campaign`).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use aftersales_types::{CalendarDate, DecimalString};
use aftersales_web::audit::Origin;
use aftersales_web::correlation::CorrelationId;
use aftersales_web::idempotency::KeyHeader;
use aftersales_web::{Allowed, ApiError, DbConn, FieldError, Keyed};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::common::dealer_of;
use super::{Admins, CampaignReaders};
use crate::app::campaigns::{self, AffectedUnit, CampaignFile, Completion};
use crate::db;
use crate::domain::campaign::{FixLabor, FixPart, Scope};
use crate::domain::line_qty;

#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FixPartInput {
    #[validate(length(min = 1, max = 40))]
    pub part_number: String,
    #[validate(range(min = 1, max = 10_000))]
    pub qty: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FixLaborInput {
    #[validate(length(min = 1, max = 40))]
    pub operation_code: String,
    #[schema(example = "1.5")]
    pub hours: DecimalString,
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCampaign {
    /// 2 to 20 of A–Z, 0–9 and `-`, e.g. `RC-2026-04`.
    #[schema(example = "RC-2026-04")]
    pub code: String,
    #[validate(length(min = 1, max = 400))]
    pub title: String,
    /// The models affected (at least one).
    #[validate(length(min = 1, max = 100))]
    pub models: Vec<String>,
    /// An inclusive range of serials (both or neither).
    #[serde(default)]
    pub serial_from: Option<String>,
    #[serde(default)]
    pub serial_to: Option<String>,
    /// An inclusive range of in-service dates (both or neither).
    #[serde(default)]
    pub in_service_from: Option<CalendarDate>,
    #[serde(default)]
    pub in_service_to: Option<CalendarDate>,
    /// The fix: parts, with the most one unit takes.
    #[validate(length(min = 1, max = 50), nested)]
    pub parts: Vec<FixPartInput>,
    /// The fix: labor operations, with the most hours one unit takes.
    #[validate(length(max = 50), nested)]
    #[serde(default)]
    pub labor: Vec<FixLaborInput>,
    /// The days repairs count for the campaign, inclusive.
    pub valid_from: CalendarDate,
    pub valid_to: CalendarDate,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CampaignView {
    pub code: String,
    pub title: String,
    pub models: Vec<String>,
    pub serial_from: Option<String>,
    pub serial_to: Option<String>,
    pub in_service_from: Option<NaiveDate>,
    pub in_service_to: Option<NaiveDate>,
    pub parts: Vec<FixPart>,
    pub labor: Vec<FixLabor>,
    pub valid_from: NaiveDate,
    pub valid_to: NaiveDate,
    pub created_at: DateTime<Utc>,
}

impl From<CampaignFile> for CampaignView {
    fn from(f: CampaignFile) -> Self {
        let c = f.campaign;
        CampaignView {
            code: c.code,
            title: c.title,
            models: c.models,
            serial_from: c.serial_from,
            serial_to: c.serial_to,
            in_service_from: c.in_service_from,
            in_service_to: c.in_service_to,
            parts: f.parts,
            labor: f.labor,
            valid_from: c.valid_from,
            valid_to: c.valid_to,
            created_at: c.created_at,
        }
    }
}

fn both<T>(from: Option<T>, to: Option<T>, field: &str) -> Result<Option<(T, T)>, ApiError> {
    match (from, to) {
        (Some(f), Some(t)) => Ok(Some((f, t))),
        (None, None) => Ok(None),
        _ => Err(ApiError::invalid_field(
            field,
            "give both ends of the range, or neither",
        )),
    }
}

/// The campaign as a row: its code, scope, dates and fix checked, its parts and
/// operations known to inspection (422 naming the field otherwise).
async fn campaign_row(
    c: &mut diesel_async::AsyncPgConnection,
    body: &CreateCampaign,
) -> Result<db::campaigns::Campaign, ApiError> {
    let code_ok = body.code.len() >= 2
        && body.code.len() <= 20
        && body
            .code
            .chars()
            .all(|ch| ch.is_ascii_uppercase() || ch.is_ascii_digit() || ch == '-')
        && !body.code.starts_with('-');
    if !code_ok {
        return Err(ApiError::invalid_field(
            "code",
            "must be 2 to 20 of A-Z, 0-9 and '-', not starting with '-'",
        ));
    }
    let serials = both(
        body.serial_from.clone(),
        body.serial_to.clone(),
        "serial_to",
    )?;
    let in_service = both(
        body.in_service_from.map(CalendarDate::get),
        body.in_service_to.map(CalendarDate::get),
        "in_service_to",
    )?;
    let scope = Scope::parse(body.models.clone(), serials.clone(), in_service)
        .map_err(|(f, m)| ApiError::invalid_field(f, m))?;
    if body.valid_to.get() < body.valid_from.get() {
        return Err(ApiError::invalid_field(
            "valid_to",
            "must not be before valid_from",
        ));
    }
    let mut errors = Vec::new();
    let numbers: Vec<String> = body.parts.iter().map(|p| p.part_number.clone()).collect();
    let known = db::read_models::find_parts(c, &numbers).await?;
    let mut parts = Vec::new();
    for (i, p) in body.parts.iter().enumerate() {
        if !known
            .iter()
            .any(|k| k.part_number.as_str() == p.part_number)
        {
            errors.push(FieldError::new(
                format!("parts[{i}].part_number"),
                format!("unknown part {}", p.part_number),
            ));
        }
        let qty = line_qty(p.qty)
            .map_err(|e| ApiError::invalid_field(format!("parts[{i}].qty"), e.into_message()))?;
        parts.push(FixPart {
            part_number: p.part_number.clone(),
            qty: qty.get(),
        });
    }
    let codes: Vec<String> = body
        .labor
        .iter()
        .map(|l| l.operation_code.clone())
        .collect();
    let operations = db::labor::find_many(c, &codes).await?;
    let mut labor = Vec::new();
    for (i, l) in body.labor.iter().enumerate() {
        if !operations.iter().any(|o| o.code == l.operation_code) {
            errors.push(FieldError::new(
                format!("labor[{i}].operation_code"),
                format!("unknown labor operation {}", l.operation_code),
            ));
        }
        let hours = l.hours.get();
        if hours <= Decimal::ZERO || hours > Decimal::from(100) || hours.normalize().scale() > 2 {
            errors.push(FieldError::new(
                format!("labor[{i}].hours"),
                "must be more than 0 and at most 100, with at most 2 decimals",
            ));
        }
        labor.push(FixLabor {
            operation_code: l.operation_code.clone(),
            hours,
        });
    }
    if let Some(first) = errors.first() {
        let detail = format!("{}: {}", first.field, first.message);
        return Err(ApiError::Unprocessable { detail, errors });
    }
    Ok(db::campaigns::Campaign {
        code: body.code.clone(),
        title: body.title.clone(),
        models: scope.models,
        serial_from: serials.as_ref().map(|s| s.0.clone()),
        serial_to: serials.map(|s| s.1),
        in_service_from: in_service.map(|d| d.0),
        in_service_to: in_service.map(|d| d.1),
        fix_parts: serde_json::to_value(&parts).map_err(ApiError::internal)?,
        fix_labor: serde_json::to_value(&labor).map_err(ApiError::internal)?,
        valid_from: body.valid_from.get(),
        valid_to: body.valid_to.get(),
        created_at: Utc::now(),
    })
}

/// Records a service campaign (admins). Accepts `Idempotency-Key`.
#[utoipa::path(
    post, path = "/api/v1/campaigns", tag = "campaigns",
    request_body = CreateCampaign,
    params(KeyHeader),
    responses(
        (status = 201, description = "recorded", body = CampaignView),
        (status = 403, description = "not an admin", body = aftersales_web::Problem),
        (status = 409, description = "the code is taken", body = aftersales_web::Problem),
        (status = 422, description = "names the field: code, empty models, half a range, a range the wrong way round, valid_to before valid_from, unknown parts or operations, quantities or hours out of range", body = aftersales_web::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn create_campaign(
    Allowed(who, ..): Allowed<Admins>,
    correlation: CorrelationId,
    keyed: Keyed,
    body: aftersales_web::Json<CreateCampaign>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    body.validate()?;
    let request = ("POST /campaigns", &body);
    let origin = Origin::request(&who, correlation.0);
    let answer = keyed
        .once(&who, &request, StatusCode::CREATED, async |c| {
            let row = campaign_row(c, &body).await?;
            campaigns::create(c, &origin, row)
                .await
                .map(CampaignView::from)
        })
        .await?;
    Ok(answer.located("/api/v1/campaigns", "code"))
}

/// Every campaign, newest first (dealers, quality, quality leads, admins).
#[utoipa::path(
    get, path = "/api/v1/campaigns", tag = "campaigns",
    responses(
        (status = 200, description = "the campaigns", body = Vec<CampaignView>),
        (status = 403, description = "warehouse or finance", body = aftersales_web::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn list_campaigns(
    Allowed(_who, ..): Allowed<CampaignReaders>,
    mut conn: DbConn,
) -> Result<HttpResponse, ApiError> {
    let all = campaigns::list(&mut conn).await?;
    Ok(HttpResponse::Ok().json(all.into_iter().map(CampaignView::from).collect::<Vec<_>>()))
}

/// One campaign.
#[utoipa::path(
    get, path = "/api/v1/campaigns/{code}", tag = "campaigns",
    params(("code" = String, Path)),
    responses(
        (status = 200, description = "the campaign", body = CampaignView),
        (status = 403, description = "warehouse or finance", body = aftersales_web::Problem),
        (status = 404, description = "unknown", body = aftersales_web::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn get_campaign(
    Allowed(_who, ..): Allowed<CampaignReaders>,
    mut conn: DbConn,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let file = campaigns::get(&mut conn, &path.into_inner()).await?;
    Ok(HttpResponse::Ok().json(CampaignView::from(file)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DealerFilter {
    /// Only this dealer's (a dealer always sees only its own).
    pub dealer: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AffectedUnitView {
    pub serial: String,
    pub dealer_code: String,
    pub model: String,
    pub in_service_date: NaiveDate,
    /// The unit's campaign claim (not rejected), once filed.
    pub claim_number: Option<String>,
}

impl From<AffectedUnit> for AffectedUnitView {
    fn from(a: AffectedUnit) -> Self {
        AffectedUnitView {
            serial: a.unit.serial,
            dealer_code: a.unit.dealer_code,
            model: a.unit.model,
            in_service_date: a.unit.in_service_date,
            claim_number: a.claim_number,
        }
    }
}

/// The units a campaign affects, by serial, with their campaign claim once filed: a
/// dealer its own; quality, quality leads and admins all (or one dealer's).
#[utoipa::path(
    get, path = "/api/v1/campaigns/{code}/units", tag = "campaigns",
    params(("code" = String, Path), DealerFilter),
    responses(
        (status = 200, description = "the affected units", body = Vec<AffectedUnitView>),
        (status = 403, description = "warehouse or finance", body = aftersales_web::Problem),
        (status = 404, description = "unknown campaign", body = aftersales_web::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn campaign_units(
    Allowed(who, ..): Allowed<CampaignReaders>,
    mut conn: DbConn,
    path: web::Path<String>,
    filter: aftersales_web::Query<DealerFilter>,
) -> Result<HttpResponse, ApiError> {
    let dealer = dealer_of(&who, filter.dealer.as_deref())?;
    let file = campaigns::get(&mut conn, &path.into_inner()).await?;
    let units = campaigns::affected_units(&mut conn, &file, dealer.as_deref()).await?;
    Ok(HttpResponse::Ok().json(
        units
            .into_iter()
            .map(AffectedUnitView::from)
            .collect::<Vec<_>>(),
    ))
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CompletionRow {
    /// The dealer, or `null` on the overall row.
    pub dealer_code: Option<String>,
    pub affected: u64,
    /// Affected units with a campaign claim (not rejected).
    pub completed: u64,
    /// completed / affected, 4 decimals; null when nothing is affected.
    #[schema(value_type = Option<String>, example = "0.7500")]
    pub completion_rate: Option<Decimal>,
}

impl From<Completion> for CompletionRow {
    fn from(c: Completion) -> Self {
        CompletionRow {
            dealer_code: c.dealer,
            affected: c.affected,
            completed: c.completed,
            completion_rate: c.rate,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CompletionReport {
    pub campaign_code: String,
    pub dealers: Vec<CompletionRow>,
    /// Over the dealers listed.
    pub overall: CompletionRow,
}

/// A campaign's completion per dealer and overall: a dealer only its own.
#[utoipa::path(
    get, path = "/api/v1/campaigns/{code}/completion", tag = "campaigns",
    params(("code" = String, Path), DealerFilter),
    responses(
        (status = 200, description = "completion per dealer and overall", body = CompletionReport),
        (status = 403, description = "warehouse or finance", body = aftersales_web::Problem),
        (status = 404, description = "unknown campaign", body = aftersales_web::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn campaign_completion(
    Allowed(who, ..): Allowed<CampaignReaders>,
    mut conn: DbConn,
    path: web::Path<String>,
    filter: aftersales_web::Query<DealerFilter>,
) -> Result<HttpResponse, ApiError> {
    let dealer = dealer_of(&who, filter.dealer.as_deref())?;
    let file = campaigns::get(&mut conn, &path.into_inner()).await?;
    let units = campaigns::affected_units(&mut conn, &file, dealer.as_deref()).await?;
    let (dealers, overall) = campaigns::completion(&units);
    Ok(HttpResponse::Ok().json(CompletionReport {
        campaign_code: file.campaign.code,
        dealers: dealers.into_iter().map(CompletionRow::from).collect(),
        overall: overall.into(),
    }))
}
