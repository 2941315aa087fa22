//! `GET /api/v1/audit`: a service's audit records, newest first, filtered by entity,
//! actor and period; JSON pages, or CSV for export. Admins, finance and quality read
//! every record; a dealer reads the records of its own entities only; other roles none.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Bool, Jsonb, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::RunQueryDsl;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::openapi::Conventions;
use crate::pagination::Page;
use crate::request::{period, wants_csv};
use crate::{Allowed, ApiError, DbConn};

crate::roles! {
    /// Who may read audit records (a dealer only its own entities').
    pub AuditReaders = [Admin, Finance, Quality, QualityLead, Dealer];
}

/// Registers `GET /audit` (under the service's `/api/v1`).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/audit", web::get().to(list));
}

/// The audit endpoint's part of every service's OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(list),
    components(schemas(AuditRecord, AuditPage)),
    tags((name = "audit", description = "Who changed what, when and why (docs/audit.md)")),
    // Merged into a document its own conventions were already applied to.
    modifiers(&Conventions)
)]
pub struct AuditDoc;

/// The largest CSV page: an export of a busy month comes in a few requests.
const MAX_CSV_ROWS: i64 = 10_000;

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only records of this entity type (`claim`, `order`, `part`, …).
    pub entity_type: Option<String>,
    /// Only records of this entity (with `entity_type`).
    pub entity_id: Option<String>,
    /// Only records of this actor: a user's subject, or the service whose event it was.
    pub actor: Option<String>,
    /// Records written at or after: a date (UTC) or an RFC 3339 timestamp.
    pub from: Option<String>,
    /// Records written before this timestamp, or on or before this date (UTC).
    pub to: Option<String>,
    /// Opaque position from a previous page's `next_cursor` (CSV: the `Next-Cursor` header).
    pub cursor: Option<String>,
    /// Page size: JSON 1 to 200 (default 50), CSV 1 to 10 000 (default 10 000).
    #[param(format = Int64, minimum = 0, maximum = 4294967295_u64)]
    pub limit: Option<u32>,
    /// `json` (default) or `csv`.
    #[param(inline, value_type = Option<crate::request::ReportFormat>)]
    pub format: Option<String>,
}

/// One audit record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, QueryableByName)]
pub struct AuditRecord {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    /// When the change was made (its transaction's start).
    #[diesel(sql_type = Timestamptz)]
    pub at: DateTime<Utc>,
    /// `user`, `event` (a consumed event) or `job` (the service's own job).
    #[diesel(sql_type = Text)]
    pub actor_kind: String,
    /// The user's subject, the service that produced the event, or the job.
    #[diesel(sql_type = Text)]
    pub actor: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub actor_role: Option<String>,
    /// The acting dealer, for a dealer's user.
    #[diesel(sql_type = Nullable<Text>)]
    pub actor_dealer: Option<String>,
    /// The consumed event, for an event.
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub event_id: Option<Uuid>,
    /// What was done: `claim.decided`, `order.placed`, …
    #[diesel(sql_type = Text)]
    pub action: String,
    #[diesel(sql_type = Text)]
    pub entity_type: String,
    #[diesel(sql_type = Text)]
    pub entity_id: String,
    /// The dealer the entity belongs to, if any.
    #[diesel(sql_type = Nullable<Text>)]
    pub entity_dealer: Option<String>,
    /// The fields changed: `{"status": {"before": "submitted", "after": "approved"}}`.
    #[diesel(sql_type = Jsonb)]
    #[schema(value_type = Object)]
    pub changes: serde_json::Value,
    #[diesel(sql_type = Nullable<Text>)]
    pub reason: Option<String>,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub correlation_id: Option<Uuid>,
    /// Whether the record is in the hash chain yet (within seconds of its commit).
    #[diesel(sql_type = Bool)]
    pub sealed: bool,
}

/// A page of audit records.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AuditPage {
    pub items: Vec<AuditRecord>,
    /// Pass as `cursor` to get the next (older) page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// The filters of one read, as the database gets them.
#[derive(Debug, Default)]
pub struct Filter {
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    pub actor: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// Only records of this dealer's entities.
    pub dealer: Option<String>,
    /// Only records older than this id (the cursor).
    pub before_id: Option<i64>,
}

/// Up to `limit` records matching `filter`, newest first.
pub async fn load(
    c: &mut diesel_async::AsyncPgConnection,
    filter: &Filter,
    limit: i64,
) -> diesel::QueryResult<Vec<AuditRecord>> {
    diesel::sql_query(
        "SELECT a.id, a.at, a.actor_kind, a.actor, a.actor_role, a.actor_dealer, a.event_id, \
         a.action, a.entity_type, a.entity_id, a.entity_dealer, a.changes, a.reason, \
         a.correlation_id, EXISTS (SELECT 1 FROM audit_chain c WHERE c.audit_id = a.id) AS sealed \
         FROM audit_log a \
         WHERE ($1::text IS NULL OR a.entity_type = $1) \
           AND ($2::text IS NULL OR a.entity_id = $2) \
           AND ($3::text IS NULL OR a.actor = $3) \
           AND ($4::timestamptz IS NULL OR a.at >= $4) \
           AND ($5::timestamptz IS NULL OR a.at < $5) \
           AND ($6::text IS NULL OR a.entity_dealer = $6) \
           AND ($7::bigint IS NULL OR a.id < $7) \
         ORDER BY a.id DESC LIMIT $8",
    )
    .bind::<Nullable<Text>, _>(&filter.entity_type)
    .bind::<Nullable<Text>, _>(&filter.entity_id)
    .bind::<Nullable<Text>, _>(&filter.actor)
    .bind::<Nullable<Timestamptz>, _>(filter.from)
    .bind::<Nullable<Timestamptz>, _>(filter.to)
    .bind::<Nullable<Text>, _>(&filter.dealer)
    .bind::<Nullable<BigInt>, _>(filter.before_id)
    .bind::<BigInt, _>(limit)
    .load(c)
    .await
}

/// An optional text filter: empty counts as absent; at most 200 characters.
fn text_filter(field: &str, value: &Option<String>) -> Result<Option<String>, ApiError> {
    match value.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) if v.chars().count() > 200 => Err(ApiError::invalid_field(
            field,
            "must be at most 200 characters",
        )),
        Some(v) => Ok(Some(v.to_owned())),
    }
}

/// The service's audit records, newest first (admin, finance, quality; a dealer sees
/// the records of its own orders, claims and other entities only).
#[utoipa::path(
    get, path = "/api/v1/audit", tag = "audit",
    params(AuditQuery),
    responses(
        (status = 200, description = "newest first; CSV with Accept: text/csv or ?format=csv (the next page's cursor in the Next-Cursor header)",
         content((AuditPage = "application/json"), (String = "text/csv"))),
        (status = 400, description = "a cursor that is not one of this list", body = crate::Problem),
        (status = 403, description = "a role that may not read the audit trail", body = crate::Problem),
        (status = 422, description = "bad date, to before from, or unknown format", body = crate::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn list(
    Allowed(who, ..): Allowed<AuditReaders>,
    req: HttpRequest,
    mut conn: DbConn,
    query: crate::Query<AuditQuery>,
) -> Result<HttpResponse, ApiError> {
    let as_csv = wants_csv(&req, query.format.as_deref())?;
    let (from, to) = period(query.from.as_deref(), query.to.as_deref())?;
    let page = crate::PageQuery {
        cursor: query.cursor.clone(),
        limit: query.limit,
    };
    let before_id: Option<i64> = page.position()?;
    let limit = if as_csv {
        query
            .limit
            .map_or(MAX_CSV_ROWS, |l| i64::from(l).clamp(1, MAX_CSV_ROWS))
    } else {
        page.limit()
    };
    let filter = Filter {
        entity_type: text_filter("entity_type", &query.entity_type)?,
        entity_id: text_filter("entity_id", &query.entity_id)?,
        actor: text_filter("actor", &query.actor)?,
        from,
        to,
        dealer: who.dealer_scope()?.map(str::to_owned),
        before_id,
    };
    let rows = load(&mut conn, &filter, limit + 1).await?;
    let page = Page::from_rows(rows, limit, |r| r.id);
    if as_csv {
        return csv(page);
    }
    Ok(HttpResponse::Ok().json(AuditPage {
        items: page.items,
        next_cursor: page.next_cursor,
    }))
}

fn csv(page: Page<AuditRecord>) -> Result<HttpResponse, ApiError> {
    let mut table = crate::csv::CsvTable::new(&[
        "id",
        "at",
        "actor_kind",
        "actor",
        "actor_role",
        "actor_dealer",
        "event_id",
        "action",
        "entity_type",
        "entity_id",
        "entity_dealer",
        "changes",
        "reason",
        "correlation_id",
        "sealed",
    ])?;
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let uuid = |v: &Option<Uuid>| v.map(|u| u.to_string()).unwrap_or_default();
    for r in &page.items {
        table.row([
            r.id.to_string(),
            r.at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            r.actor_kind.clone(),
            r.actor.clone(),
            text(&r.actor_role),
            text(&r.actor_dealer),
            uuid(&r.event_id),
            r.action.clone(),
            r.entity_type.clone(),
            r.entity_id.clone(),
            text(&r.entity_dealer),
            r.changes.to_string(),
            text(&r.reason),
            uuid(&r.correlation_id),
            r.sealed.to_string(),
        ])?;
    }
    let mut answer = table.into_response("audit")?;
    if let Some(next) = page.next_cursor {
        let value = actix_web::http::header::HeaderValue::from_str(&next)
            .map_err(|e| ApiError::internal(e.to_string()))?;
        answer.headers_mut().insert(
            actix_web::http::header::HeaderName::from_static("next-cursor"),
            value,
        );
    }
    Ok(answer)
}

/// Checks the cursor type stays what [`list`] writes (an id).
#[cfg(test)]
mod tests {
    use super::*;
    use crate::pagination::Cursor;

    #[test]
    fn a_cursor_is_the_last_id() {
        let c = Cursor::encode(&42_i64);
        assert_eq!(Cursor::decode::<i64>(&c).ok(), Some(42));
    }

    #[test]
    fn blank_filters_are_absent_and_long_ones_refused() {
        assert_eq!(text_filter("actor", &Some("  ".into())).ok(), Some(None));
        assert_eq!(
            text_filter("actor", &Some(" u1 ".into())).ok(),
            Some(Some("u1".into()))
        );
        assert!(text_filter("actor", &Some("x".repeat(201))).is_err());
    }
}
