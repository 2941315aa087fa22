//! `agreements`, `agreements/{id}`: supplier agreements (finance, admin). Agreements
//! of one supplier never overlap (422 naming `valid_from`); the database enforces it
//! too (see the migration's `agreements_no_overlap`).

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpResponse, web};
use aftersales_web::idempotency::{self, Claim};
use aftersales_web::{ApiError, DbPool, MaybeIdempotencyKey, Page, PageQuery, Principal};
use chrono::{DateTime, NaiveDate, Utc};
use diesel_async::AsyncConnection;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::{Validate, ValidationError};

use super::common::{self, require_finance};
use crate::db;
use crate::domain::agreement::{Agreement, Terms, Validity};
use crate::domain::money::{Percent, parse_amount};
use crate::domain::{Currency, SupplierCode};

fn message(e: impl Into<std::borrow::Cow<'static, str>>) -> ValidationError {
    ValidationError::new("invalid").with_message(e.into())
}
fn valid_supplier(value: &str) -> Result<(), ValidationError> {
    SupplierCode::parse(value)
        .map(drop)
        .map_err(|e| message(e.into_message()))
}
fn valid_currency(value: &str) -> Result<(), ValidationError> {
    Currency::parse(value)
        .map(drop)
        .map_err(|e| message(e.into_message()))
}
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
    pub valid_from: NaiveDate,
    /// Last day in force (inclusive); open-ended when absent.
    #[serde(default)]
    pub valid_to: Option<NaiveDate>,
    /// 0 to 100, at most 2 decimals.
    #[validate(custom(function = "valid_pct"))]
    #[schema(value_type = String, example = "100")]
    pub parts_recovery_pct: Decimal,
    #[validate(custom(function = "valid_pct"))]
    #[schema(value_type = String, example = "50")]
    pub labor_recovery_pct: Decimal,
    /// Per claim, in `currency`; at least 0.
    #[validate(custom(function = "valid_fee"))]
    #[schema(value_type = String, example = "15.00")]
    pub handling_fee: Decimal,
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

/// A stored agreement as the rules need it (an error only if the row breaks the
/// table's own checks).
pub fn domain_of(a: &db::agreements::Agreement) -> Result<Agreement<Uuid>, String> {
    let broken = |what: String| format!("agreement {}: {what}", a.id);
    Ok(Agreement {
        id: a.id,
        validity: Validity::parse(a.valid_from, a.valid_to).map_err(broken)?,
        terms: Terms {
            parts_pct: Percent::parse(a.parts_recovery_pct).map_err(broken)?,
            labor_pct: Percent::parse(a.labor_recovery_pct).map_err(broken)?,
            handling_fee: a.handling_fee,
            currency: Currency::parse(&a.currency).map_err(|e| broken(e.into_message()))?,
            claim_window_days: u32::try_from(a.claim_window_days)
                .map_err(|_| broken("negative claim window".into()))?,
        },
    })
}

fn overlap(other: &db::agreements::Agreement) -> ApiError {
    let to = other
        .valid_to
        .map_or_else(|| "open-ended".to_owned(), |d| d.to_string());
    ApiError::invalid_field(
        "valid_from",
        format!(
            "overlaps agreement {} of supplier {} ({} to {to})",
            other.id, other.supplier_code, other.valid_from
        ),
    )
}

/// Records a supplier agreement (finance, admin). Accepts `Idempotency-Key`.
#[utoipa::path(
    post, path = "/api/v1/agreements", tag = "agreements",
    request_body = CreateAgreement,
    params(("Idempotency-Key" = Option<String>, Header, description = "repeat-safe creation")),
    responses(
        (status = 201, description = "created", body = AgreementView),
        (status = 403, description = "not finance or admin", body = aftersales_web::Problem),
        (status = 422, description = "invalid fields (percentages outside 0–100, negative fee, valid_to before valid_from), or overlapping another agreement of the supplier (`valid_from`)", body = aftersales_web::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn create_agreement(
    who: Principal,
    pool: web::Data<DbPool>,
    key: MaybeIdempotencyKey,
    body: web::Json<CreateAgreement>,
) -> Result<HttpResponse, ApiError> {
    require_finance(&who)?;
    let body = body.into_inner();
    body.validate()?;
    let validity = Validity::parse(body.valid_from, body.valid_to)
        .map_err(|e| ApiError::invalid_field("valid_to", e))?;
    let hash = idempotency::request_hash(&("POST /agreements", &body));
    let key = key.into_inner();
    let mut conn = common::conn(&pool).await?;
    let result = conn
        .transaction(async |c| {
            if let Some(key) = &key
                && let Claim::Replay { status, body } =
                    idempotency::claim(c, &who.sub, key, &hash).await?
            {
                return Ok::<_, ApiError>((status, body));
            }
            // The lock makes check-then-insert safe across replicas; the trigger
            // behind it refuses an overlap whatever path the row takes.
            db::agreements::lock_supplier(c, &body.supplier_code).await?;
            let existing = db::agreements::of_supplier(c, &body.supplier_code).await?;
            for other in &existing {
                let theirs = Validity::parse(other.valid_from, other.valid_to)
                    .map_err(ApiError::internal)?;
                if theirs.overlaps(&validity) {
                    return Err(overlap(other));
                }
            }
            let row = db::agreements::Agreement {
                id: Uuid::now_v7(),
                supplier_code: body.supplier_code.clone(),
                valid_from: body.valid_from,
                valid_to: body.valid_to,
                parts_recovery_pct: body.parts_recovery_pct,
                labor_recovery_pct: body.labor_recovery_pct,
                handling_fee: aftersales_types::money::round_cents(body.handling_fee),
                currency: body.currency.clone(),
                claim_window_days: body.claim_window_days,
                created_at: Utc::now(),
            };
            let stored = db::agreements::insert(c, &row).await.map_err(|e| {
                if db::is_overlap(&e) {
                    ApiError::invalid_field(
                        "valid_from",
                        "overlaps another agreement of the supplier",
                    )
                } else {
                    ApiError::from(e)
                }
            })?;
            let json = serde_json::to_value(view(stored)).map_err(ApiError::internal)?;
            if let Some(key) = &key {
                idempotency::complete(c, &who.sub, key, 201, &json).await?;
            }
            Ok((201, json))
        })
        .await?;
    let (status, json) = result;
    let status = StatusCode::from_u16(status).map_err(ApiError::internal)?;
    let mut resp = HttpResponse::build(status);
    if let Some(id) = json.get("id").and_then(serde_json::Value::as_str) {
        resp.insert_header((header::LOCATION, format!("/api/v1/agreements/{id}")));
    }
    Ok(resp.json(json))
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
    pool: web::Data<DbPool>,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    require_finance(&who)?;
    let id = path.into_inner();
    let mut conn = common::conn(&pool).await?;
    let a = db::agreements::find(&mut conn, id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no agreement {id}")))?;
    Ok(HttpResponse::Ok().json(view(a)))
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
    pool: web::Data<DbPool>,
    page: web::Query<PageQuery>,
    filter: web::Query<AgreementFilter>,
) -> Result<HttpResponse, ApiError> {
    require_finance(&who)?;
    let after: Option<(String, NaiveDate, Uuid)> = page.position()?;
    let limit = page.limit();
    let mut conn = common::conn(&pool).await?;
    let rows =
        db::agreements::list(&mut conn, filter.supplier.as_deref(), after, limit + 1).await?;
    let page = Page::from_rows(rows, limit, |a| {
        (a.supplier_code.clone(), a.valid_from, a.id)
    });
    Ok(HttpResponse::Ok().json(page.map(view)))
}
