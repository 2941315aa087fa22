//! `policies`, `policies/{id}`: warranty policies per part category, overridable per
//! part (admin). Everyone may read them: knowing which items are covered is the point.
//! A change applies to claims submitted afterwards; decided claims keep what they were
//! decided with.

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use aftersales_web::audit::Origin;
use aftersales_web::correlation::CorrelationId;
use aftersales_web::idempotency::KeyHeader;
use aftersales_web::{Allowed, ApiError, DbConn, Keyed, Page, PageQuery, Principal};
use chrono::{DateTime, Utc};
use diesel_async::AsyncConnection;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::{Validate, ValidationError};

use super::Admins;
use super::common::{etag, field, if_match, validation};
use crate::app;
use crate::app::policies::Scope;
use crate::db;
use crate::domain::PartNumber;

fn valid_part(value: &str) -> Result<(), ValidationError> {
    PartNumber::parse(value).map(drop).map_err(validation)
}

/// The terms of a policy.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyTerms {
    /// Coverage from the unit's in-service date, in calendar months.
    #[validate(range(min = 0, max = 600))]
    pub warranty_months: i32,
    /// Covered at or below this absolute reading (km or hours); null: no limit.
    #[validate(range(min = 0, max = 1_000_000_000))]
    #[serde(default)]
    pub usage_limit: Option<i64>,
    /// A core part failing within these months of in-service must be replaced.
    #[validate(range(min = 0, max = 600))]
    pub core_replace_only_months: i32,
    /// Days after the repair within which the claim must be submitted.
    #[validate(range(min = 0, max = 3650))]
    pub submission_window_days: i32,
    /// The failed part must be returned (when catalog marks it returnable).
    pub return_required: bool,
    /// Days after submission by which the part must be received.
    #[validate(range(min = 0, max = 3650))]
    pub return_deadline_days: i32,
}

/// A new policy: exactly one of `category` or `part_number`.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePolicy {
    #[validate(length(min = 1, max = 100))]
    #[serde(default)]
    pub category: Option<String>,
    #[validate(custom(function = "valid_part"))]
    #[serde(default)]
    pub part_number: Option<String>,
    #[validate(nested)]
    pub terms: PolicyTerms,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PolicyView {
    pub id: Uuid,
    pub category: Option<String>,
    pub part_number: Option<String>,
    pub warranty_months: i32,
    pub usage_limit: Option<i64>,
    pub core_replace_only_months: i32,
    pub submission_window_days: i32,
    pub return_required: bool,
    pub return_deadline_days: i32,
    /// Also the `ETag`; send it back in `If-Match` to update.
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn view(p: db::policies::Policy) -> PolicyView {
    PolicyView {
        id: p.id,
        category: p.category,
        part_number: p.part_number,
        warranty_months: p.warranty_months,
        usage_limit: p.usage_limit,
        core_replace_only_months: p.core_replace_only_months,
        submission_window_days: p.submission_window_days,
        return_required: p.return_required,
        return_deadline_days: p.return_deadline_days,
        version: p.version,
        created_at: p.created_at,
        updated_at: p.updated_at,
    }
}

fn terms(t: &PolicyTerms) -> db::policies::Terms {
    db::policies::Terms {
        warranty_months: t.warranty_months,
        usage_limit: t.usage_limit,
        core_replace_only_months: t.core_replace_only_months,
        submission_window_days: t.submission_window_days,
        return_required: t.return_required,
        return_deadline_days: t.return_deadline_days,
    }
}

/// Creates a policy for a category or a part (admin). Accepts `Idempotency-Key`.
#[utoipa::path(
    post, path = "/api/v1/policies", tag = "policies",
    request_body = CreatePolicy,
    params(KeyHeader),
    responses(
        (status = 201, description = "created; ETag header", body = PolicyView),
        (status = 403, description = "not an admin", body = aftersales_web::Problem),
        (status = 409, description = "the category or part has a policy already", body = aftersales_web::Problem),
        (status = 422, description = "invalid fields; not exactly one of category and part_number", body = aftersales_web::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn create_policy(
    Allowed(who, ..): Allowed<Admins>,
    correlation: CorrelationId,
    keyed: Keyed,
    body: aftersales_web::Json<CreatePolicy>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    body.validate()?;
    let scope = match (&body.category, &body.part_number) {
        (Some(category), None) => Scope::Category(category.clone()),
        (None, Some(part)) => Scope::Part(field("part_number", PartNumber::parse(part))?),
        _ => {
            return Err(ApiError::invalid_field(
                "category",
                "give exactly one of category and part_number",
            ));
        }
    };
    let request = ("POST /policies", &body);
    let origin = Origin::request(&who, correlation.0);
    let answer = keyed
        .once(&who, &request, StatusCode::CREATED, async |c| {
            Ok(view(
                app::policies::create(c, &origin, &scope, &terms(&body.terms)).await?,
            ))
        })
        .await?;
    let version = answer
        .body
        .get("version")
        .and_then(serde_json::Value::as_i64);
    let mut resp = answer.located("/api/v1/policies", "id");
    if let Some(v) = version.and_then(|v| i32::try_from(v).ok())
        && let Ok(value) = header::HeaderValue::from_str(&etag(v))
    {
        resp.headers_mut().insert(header::ETAG, value);
    }
    Ok(resp)
}

/// Replaces a policy's terms (admin). With `If-Match`, a stale version → 412.
#[utoipa::path(
    put, path = "/api/v1/policies/{id}", tag = "policies",
    request_body = PolicyTerms,
    params(
        ("id" = Uuid, Path),
        ("If-Match" = Option<String>, Header, description = "the ETag last read; stale → 412"),
    ),
    responses(
        (status = 200, description = "updated; new ETag", body = PolicyView),
        (status = 403, description = "not an admin", body = aftersales_web::Problem),
        (status = 404, description = "no such policy", body = aftersales_web::Problem),
        (status = 412, description = "If-Match is stale", body = aftersales_web::Problem),
        (status = 422, description = "invalid fields", body = aftersales_web::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn update_policy(
    Allowed(who, ..): Allowed<Admins>,
    correlation: CorrelationId,
    req: HttpRequest,
    body: aftersales_web::Json<PolicyTerms>,
    mut conn: DbConn,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let expected = if_match(req.headers())?;
    let body = body.into_inner();
    body.validate()?;
    let origin = Origin::request(&who, correlation.0);
    let terms = terms(&body);
    let policy = conn
        .transaction(async |c| app::policies::update(c, &origin, id, &terms, expected).await)
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag(policy.version)))
        .json(view(policy)))
}

/// Policies, paginated (every role).
#[utoipa::path(
    get, path = "/api/v1/policies", tag = "policies",
    params(PageQuery),
    responses(
        (status = 200, description = "a page of policies", body = inline(Page<PolicyView>)),
        (status = 400, description = "bad cursor", body = aftersales_web::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn list_policies(
    _who: Principal,
    mut conn: DbConn,
    page: aftersales_web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let after: Option<Uuid> = page.position()?;
    let limit = page.limit();
    let rows = db::policies::list(&mut conn, after, limit + 1).await?;
    let page = Page::from_rows(rows, limit, |p| p.id).map(view);
    Ok(HttpResponse::Ok().json(page))
}
