//! `approval-limits`, `approval-limits/{subject}`: an inspector's own approval limit,
//! set by a quality lead or an admin. Without one, an inspector decides within the
//! service's default (env `APPROVAL_LIMIT`).

use actix_web::{HttpResponse, web};
use aftersales_types::DecimalString;
use aftersales_web::audit::Origin;
use aftersales_web::correlation::CorrelationId;
use aftersales_web::{Allowed, ApiError, DbConn, Page, PageQuery};
use chrono::{DateTime, Utc};
use diesel_async::AsyncConnection;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::{Validate, ValidationError};

use super::LimitSetters;
use super::common::decimal_in;
use crate::app;
use crate::db::{self, approval_limits::ApprovalLimit};

fn valid_limit(value: &Decimal) -> Result<(), ValidationError> {
    decimal_in(value, Decimal::ZERO, Decimal::from(1_000_000_000_i64), 2)
}

/// Subjects are the `sub` of the inspector's token.
fn subject(path: web::Path<String>) -> Result<String, ApiError> {
    let subject = path.into_inner();
    if subject.trim().is_empty() || subject.len() > 200 {
        return Err(ApiError::bad_parameter(
            "subject",
            "must be the inspector's user id (the `sub` of their token), 1 to 200 characters",
        ));
    }
    Ok(subject)
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetApprovalLimit {
    /// Approved totals above it need a quality lead; 0 to 1 000 000 000, 2 decimals.
    #[validate(custom(function = "valid_limit"))]
    #[schema(example = "2500.00")]
    pub approval_limit: DecimalString,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ApprovalLimitEntry {
    /// The inspector (`sub` of their token).
    pub subject: String,
    #[schema(value_type = String, example = "2500.00")]
    pub approval_limit: Decimal,
    /// Who set it.
    pub set_by: String,
    pub updated_at: DateTime<Utc>,
}

impl From<ApprovalLimit> for ApprovalLimitEntry {
    fn from(l: ApprovalLimit) -> Self {
        ApprovalLimitEntry {
            subject: l.subject,
            approval_limit: l.approval_limit,
            set_by: l.set_by,
            updated_at: l.updated_at,
        }
    }
}

/// Inspectors' own approval limits by subject, paginated (quality_lead, admin).
#[utoipa::path(
    get, path = "/api/v1/approval-limits", tag = "inspection",
    params(PageQuery),
    responses(
        (status = 200, description = "a page of limits", body = inline(Page<ApprovalLimitEntry>)),
        (status = 400, description = "bad cursor", body = aftersales_web::Problem),
        (status = 403, description = "not quality_lead or admin", body = aftersales_web::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn list_limits(
    Allowed(_who, ..): Allowed<LimitSetters>,
    mut conn: DbConn,
    page: aftersales_web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let after = page.position::<String>()?;
    let limit = page.limit();
    let rows = db::approval_limits::list(&mut conn, after.as_deref(), limit + 1).await?;
    let page = Page::from_rows(rows, limit, |l| l.subject.clone());
    Ok(HttpResponse::Ok().json(page.map(ApprovalLimitEntry::from)))
}

/// Sets an inspector's own approval limit (quality_lead, admin); it applies to their
/// next decision.
#[utoipa::path(
    put, path = "/api/v1/approval-limits/{subject}", tag = "inspection",
    params(("subject" = String, Path, description = "the inspector's user id (`sub`)")),
    request_body = SetApprovalLimit,
    responses(
        (status = 200, description = "set", body = ApprovalLimitEntry),
        (status = 400, description = "bad subject", body = aftersales_web::Problem),
        (status = 403, description = "not quality_lead or admin", body = aftersales_web::Problem),
        (status = 422, description = "a limit outside 0 to 1 000 000 000 or with more than 2 decimals", body = aftersales_web::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn set_limit(
    Allowed(who, ..): Allowed<LimitSetters>,
    correlation: CorrelationId,
    mut conn: DbConn,
    path: web::Path<String>,
    body: aftersales_web::Json<SetApprovalLimit>,
) -> Result<HttpResponse, ApiError> {
    let subject = subject(path)?;
    let body = body.into_inner();
    body.validate()?;
    let origin = Origin::request(&who, correlation.0);
    let limit = body.approval_limit.get();
    let row = conn
        .transaction(async |c| app::limits::set(c, &origin, subject, limit, &who.sub).await)
        .await?;
    Ok(HttpResponse::Ok().json(ApprovalLimitEntry::from(row)))
}

/// Removes an inspector's own limit (quality_lead, admin): the default applies again.
#[utoipa::path(
    delete, path = "/api/v1/approval-limits/{subject}", tag = "inspection",
    params(("subject" = String, Path, description = "the inspector's user id (`sub`)")),
    responses(
        (status = 204, description = "removed"),
        (status = 403, description = "not quality_lead or admin", body = aftersales_web::Problem),
        (status = 404, description = "the inspector has no limit of their own", body = aftersales_web::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn remove_limit(
    Allowed(who, ..): Allowed<LimitSetters>,
    correlation: CorrelationId,
    mut conn: DbConn,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let subject = subject(path)?;
    let origin = Origin::request(&who, correlation.0);
    conn.transaction(async |c| app::limits::remove(c, &origin, &subject).await)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
