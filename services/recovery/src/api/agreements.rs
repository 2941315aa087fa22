//! `agreements`, `agreements/{id}`: supplier agreements (finance, admin). Agreements
//! of one supplier never overlap (422 naming `valid_from`); the database enforces it
//! too (see the migration's `agreements_no_overlap`).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use aftersales_types::{CalendarDate, DecimalString};
use aftersales_web::audit::Origin;
use aftersales_web::correlation::CorrelationId;
use aftersales_web::idempotency::KeyHeader;
use aftersales_web::{Allowed, ApiError, DbConn, Keyed, Page, PageQuery, Principal};
use chrono::{DateTime, NaiveDate, Utc};
use diesel_async::AsyncConnection;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::{Validate, ValidationError};

use super::common::FinanceStaff;
use super::common::{message, require_finance, valid_currency, valid_supplier};
use crate::app::agreements::{self, Amendment, NewAgreement};
use crate::db;
use crate::domain::agreement::Validity;
use crate::domain::money::{Percent, parse_amount};

fn valid_pct(value: &Decimal) -> Result<(), ValidationError> {
    Percent::parse(*value).map(drop).map_err(message)
}
fn valid_fee(value: &Decimal) -> Result<(), ValidationError> {
    parse_amount(*value).map(drop).map_err(message)
}

/// A new supplier agreement.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateAgreement {
    #[validate(custom(function = "valid_supplier"))]
    #[schema(example = "SUP1")]
    pub supplier_code: String,
    pub valid_from: CalendarDate,
    /// Last day in force (inclusive); open-ended when absent.
    #[serde(default)]
    pub valid_to: Option<CalendarDate>,
    /// 0 to 100, at most 2 decimals.
    #[validate(custom(function = "valid_pct"))]
    #[schema(example = "100")]
    pub parts_recovery_pct: DecimalString,
    #[validate(custom(function = "valid_pct"))]
    #[schema(example = "50")]
    pub labor_recovery_pct: DecimalString,
    /// Per claim, in `currency`; at least 0.
    #[validate(custom(function = "valid_fee"))]
    #[schema(example = "15.00")]
    pub handling_fee: DecimalString,
    #[validate(custom(function = "valid_currency"))]
    #[schema(example = "EUR")]
    pub currency: String,
    /// Days after the claim's decision within which the supplier accepts it.
    #[validate(range(min = 0, max = 3650))]
    pub claim_window_days: i32,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AgreementView {
    pub id: Uuid,
    pub supplier_code: String,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    #[schema(value_type = String, example = "100.00")]
    pub parts_recovery_pct: Decimal,
    #[schema(value_type = String, example = "50.00")]
    pub labor_recovery_pct: Decimal,
    #[schema(value_type = String, example = "15.00")]
    pub handling_fee: Decimal,
    pub currency: String,
    pub claim_window_days: i32,
    pub created_at: DateTime<Utc>,
}

fn view(a: db::agreements::Agreement) -> AgreementView {
    AgreementView {
        id: a.id,
        supplier_code: a.supplier_code,
        valid_from: a.valid_from,
        valid_to: a.valid_to,
        parts_recovery_pct: a.parts_recovery_pct,
        labor_recovery_pct: a.labor_recovery_pct,
        handling_fee: a.handling_fee,
        currency: a.currency,
        claim_window_days: a.claim_window_days,
        created_at: a.created_at,
    }
}

/// Records a supplier agreement (finance, admin). Accepts `Idempotency-Key`.
#[utoipa::path(
    post, path = "/api/v1/agreements", tag = "agreements",
    request_body = CreateAgreement,
    params(KeyHeader),
    responses(
        (status = 201, description = "created", body = AgreementView),
        (status = 403, description = "not finance or admin", body = aftersales_web::Problem),
        (status = 422, description = "invalid fields (percentages outside 0–100, negative fee, valid_to before valid_from), or overlapping another agreement of the supplier (`valid_from`)", body = aftersales_web::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn create_agreement(
    Allowed(who, ..): Allowed<FinanceStaff>,
    correlation: CorrelationId,
    keyed: Keyed,
    body: aftersales_web::Json<CreateAgreement>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    body.validate()?;
    let validity = Validity::parse(body.valid_from.get(), body.valid_to.map(CalendarDate::get))
        .map_err(|e| ApiError::invalid_field("valid_to", e))?;
    let new = NewAgreement {
        supplier_code: body.supplier_code.clone(),
        validity,
        parts_recovery_pct: body.parts_recovery_pct.get(),
        labor_recovery_pct: body.labor_recovery_pct.get(),
        handling_fee: body.handling_fee.get(),
        currency: body.currency.clone(),
        claim_window_days: body.claim_window_days,
    };
    let request = ("POST /agreements", &body);
    let origin = Origin::request(&who, correlation.0);
    let answer = keyed
        .once(&who, &request, StatusCode::CREATED, async |c| {
            agreements::record(c, new, &origin).await.map(view)
        })
        .await?;
    Ok(answer.located("/api/v1/agreements", "id"))
}

/// An agreement's validity and terms, all of them, as they are to be.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AmendAgreement {
    pub valid_from: CalendarDate,
    /// Last day in force (inclusive); open-ended when absent.
    #[serde(default)]
    pub valid_to: Option<CalendarDate>,
    #[validate(custom(function = "valid_pct"))]
    #[schema(example = "100")]
    pub parts_recovery_pct: DecimalString,
    #[validate(custom(function = "valid_pct"))]
    #[schema(example = "50")]
    pub labor_recovery_pct: DecimalString,
    #[validate(custom(function = "valid_fee"))]
    #[schema(example = "15.00")]
    pub handling_fee: DecimalString,
    #[validate(custom(function = "valid_currency"))]
    #[schema(example = "EUR")]
    pub currency: String,
    #[validate(range(min = 0, max = 3650))]
    pub claim_window_days: i32,
}

/// Amends an agreement (finance, admin): its terms only while no recovery line was
/// priced under it, its validity only if it still holds every such line's decision
/// date (409 otherwise: end it and record a new one). Lines of the supplier without
/// an agreement are assessed again.
#[utoipa::path(
    put, path = "/api/v1/agreements/{id}", tag = "agreements",
    request_body = AmendAgreement,
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "amended", body = AgreementView),
        (status = 403, description = "not finance or admin", body = aftersales_web::Problem),
        (status = 404, description = "unknown", body = aftersales_web::Problem),
        (status = 409, description = "changes what a priced line was priced under", body = aftersales_web::Problem),
        (status = 422, description = "invalid fields, or overlapping another agreement of the supplier (`valid_from`)", body = aftersales_web::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn amend_agreement(
    // The role is checked before the body is read: another role learns nothing.
    Allowed(who, ..): Allowed<FinanceStaff>,
    correlation: CorrelationId,
    mut conn: DbConn,
    path: web::Path<Uuid>,
    body: aftersales_web::Json<AmendAgreement>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    body.validate()?;
    let validity = Validity::parse(body.valid_from.get(), body.valid_to.map(CalendarDate::get))
        .map_err(|e| ApiError::invalid_field("valid_to", e))?;
    let amendment = Amendment {
        validity,
        parts_recovery_pct: body.parts_recovery_pct.get(),
        labor_recovery_pct: body.labor_recovery_pct.get(),
        handling_fee: body.handling_fee.get(),
        currency: body.currency,
        claim_window_days: body.claim_window_days,
    };
    let id = path.into_inner();
    let origin = Origin::request(&who, correlation.0);
    let row = conn
        .transaction(async |c| agreements::amend(c, id, amendment, &origin).await)
        .await?;
    Ok(HttpResponse::Ok().json(view(row)))
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EndAgreement {
    /// The agreement's last day in force.
    pub valid_to: CalendarDate,
}

/// Ends an agreement on `valid_to` (finance, admin): 409 if a line priced under it
/// was decided after that day.
#[utoipa::path(
    post, path = "/api/v1/agreements/{id}/end", tag = "agreements",
    request_body = EndAgreement,
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "ended", body = AgreementView),
        (status = 403, description = "not finance or admin", body = aftersales_web::Problem),
        (status = 404, description = "unknown", body = aftersales_web::Problem),
        (status = 409, description = "a line priced under it was decided after valid_to", body = aftersales_web::Problem),
        (status = 422, description = "valid_to before valid_from", body = aftersales_web::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn end_agreement(
    // The role is checked before the body is read: another role learns nothing.
    Allowed(who, ..): Allowed<FinanceStaff>,
    correlation: CorrelationId,
    mut conn: DbConn,
    path: web::Path<Uuid>,
    body: aftersales_web::Json<EndAgreement>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let valid_to = body.into_inner().valid_to.get();
    let origin = Origin::request(&who, correlation.0);
    let row = conn
        .transaction(async |c| agreements::end(c, id, valid_to, &origin).await)
        .await?;
    Ok(HttpResponse::Ok().json(view(row)))
}

/// One agreement.
#[utoipa::path(
    get, path = "/api/v1/agreements/{id}", tag = "agreements",
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "the agreement", body = AgreementView),
        (status = 403, description = "not finance or admin", body = aftersales_web::Problem),
        (status = 404, description = "unknown", body = aftersales_web::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn get_agreement(
    who: Principal,
    mut conn: DbConn,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    require_finance(&who)?;
    let agreement = agreements::find(&mut conn, path.into_inner()).await?;
    Ok(HttpResponse::Ok().json(view(agreement)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AgreementFilter {
    /// Only this supplier's agreements.
    pub supplier: Option<String>,
}

/// Agreements by supplier and start date, paginated.
#[utoipa::path(
    get, path = "/api/v1/agreements", tag = "agreements",
    params(PageQuery, AgreementFilter),
    responses(
        (status = 200, description = "a page of agreements", body = inline(Page<AgreementView>)),
        (status = 400, description = "bad cursor", body = aftersales_web::Problem),
        (status = 403, description = "not finance or admin", body = aftersales_web::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn list_agreements(
    who: Principal,
    mut conn: DbConn,
    page: aftersales_web::Query<PageQuery>,
    filter: aftersales_web::Query<AgreementFilter>,
) -> Result<HttpResponse, ApiError> {
    require_finance(&who)?;
    // A cursor is only base64 of JSON: a forged one may carry any date.
    let after = page
        .position::<(String, CalendarDate, Uuid)>()?
        .map(|(supplier, from, id)| (supplier, from.get(), id));
    let page = agreements::list(&mut conn, filter.supplier.as_deref(), after, page.limit()).await?;
    Ok(HttpResponse::Ok().json(page.map(view)))
}
