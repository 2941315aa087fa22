//! `labor-operations`: flat-rate labor operations and their standard hours (admin
//! writes, every role reads).

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use aftersales_types::DecimalString;
use aftersales_web::audit::Origin;
use aftersales_web::correlation::CorrelationId;
use aftersales_web::idempotency::KeyHeader;
use aftersales_web::{Allowed, ApiError, DbConn, Keyed, Page, PageQuery, Principal};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::{Validate, ValidationError};

use super::Admins;
use super::common::{decimal_in, field, validation};
use crate::app;
use crate::db;
use crate::domain::OperationCode;

fn valid_code(value: &str) -> Result<(), ValidationError> {
    OperationCode::parse(value).map(drop).map_err(validation)
}
pub(crate) fn valid_hours(value: &Decimal) -> Result<(), ValidationError> {
    decimal_in(value, Decimal::new(1, 2), Decimal::from(999), 2)?;
    Ok(())
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateOperation {
    #[validate(custom(function = "valid_code"))]
    #[schema(example = "BRK-R01")]
    pub code: String,
    #[validate(length(min = 1, max = 200))]
    pub description: String,
    /// Flat-rate hours (decimal string, 0.01 to 999, 2 decimals).
    #[validate(custom(function = "valid_hours"))]
    #[schema(example = "1.50")]
    pub standard_hours: DecimalString,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OperationView {
    pub code: String,
    pub description: String,
    #[schema(value_type = String, example = "1.50")]
    pub standard_hours: Decimal,
    pub created_at: DateTime<Utc>,
}

fn view(o: db::labor::Operation) -> OperationView {
    OperationView {
        code: o.code,
        description: o.description,
        standard_hours: o.standard_hours,
        created_at: o.created_at,
    }
}

/// Creates a labor operation (admin). Accepts `Idempotency-Key`.
#[utoipa::path(
    post, path = "/api/v1/labor-operations", tag = "labor-operations",
    request_body = CreateOperation,
    params(KeyHeader),
    responses(
        (status = 201, description = "created", body = OperationView),
        (status = 403, description = "not an admin", body = aftersales_web::Problem),
        (status = 409, description = "the code is taken", body = aftersales_web::Problem),
        (status = 422, description = "invalid fields", body = aftersales_web::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn create_operation(
    Allowed(who, ..): Allowed<Admins>,
    correlation: CorrelationId,
    keyed: Keyed,
    body: aftersales_web::Json<CreateOperation>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    body.validate()?;
    let code = field("code", OperationCode::parse(&body.code))?;
    let request = ("POST /labor-operations", &body);
    let origin = Origin::request(&who, correlation.0);
    let answer = keyed
        .once(&who, &request, StatusCode::CREATED, async |c| {
            let hours = body.standard_hours.get();
            let op = app::labor::create(c, &origin, &code, &body.description, hours).await?;
            Ok(view(op))
        })
        .await?;
    Ok(answer.located("/api/v1/labor-operations", "code"))
}

/// Labor operations by code, paginated (every role).
#[utoipa::path(
    get, path = "/api/v1/labor-operations", tag = "labor-operations",
    params(PageQuery),
    responses(
        (status = 200, description = "a page of operations", body = inline(Page<OperationView>)),
        (status = 400, description = "bad cursor", body = aftersales_web::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn list_operations(
    _who: Principal,
    mut conn: DbConn,
    page: aftersales_web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let after: Option<String> = page.position()?;
    let limit = page.limit();
    let rows = db::labor::list(&mut conn, after.as_deref(), limit + 1).await?;
    let page = Page::from_rows(rows, limit, |o| o.code.clone()).map(view);
    Ok(HttpResponse::Ok().json(page))
}
