//! `POST /parts/import`: parts and price lists from a CSV file, all or nothing (admin).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use aftersales_web::correlation::CorrelationId;
use aftersales_web::idempotency::KeyHeader;
use aftersales_web::{Allowed, ApiError, BodyLimit, FieldError, Keyed, Text};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Admins;
use crate::app::Cause;
use crate::app::import::{self as use_case, Outcome};
use crate::domain::import::{self, MAX_ERRORS, RowError};

/// Largest accepted file: some 100 000 rows, far above a supplier's price list.
pub const MAX_BODY: usize = 20 * 1024 * 1024;

pub fn configure(cfg: &mut web::ServiceConfig) {
    // Registered before `/parts/{part_number}`; the guard lets other methods fall
    // through to it, so a part numbered IMPORT stays readable.
    cfg.service(
        web::resource("/parts/import")
            .guard(actix_web::guard::Post())
            .app_data(BodyLimit(MAX_BODY))
            .route(web::post().to(import_parts)),
    );
}

/// What an import did.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ImportOut {
    /// Rows of the file.
    pub rows: usize,
    /// New parts.
    pub created: usize,
    /// Existing parts whose fields changed or that got a new price.
    pub updated: usize,
    /// Rows identical to the catalog (re-importing a file changes nothing).
    pub unchanged: usize,
    /// Price history entries added.
    pub prices_added: usize,
}

/// Import parts and their list prices from CSV (admin), all or nothing.
///
/// Body: `Content-Type: text/csv`, UTF-8, RFC 4180 quoting, at most 20 MB. The first
/// line names the columns, in any order: `part_number`, `description`, `category`,
/// `unit_of_measure` (default `EA`), `list_price` (up to 4 decimals, `12.50`),
/// `currency` (ISO 4217, default `EUR`; cannot change for an existing part),
/// `supplier_code` (an active supplier), `warranty_months` (0–240), `core` and
/// `returnable` (`true`/`false`, `yes`/`no`, `1`/`0`; empty is false),
/// `superseded_by` (a part in the catalog or in the file; no cycles), `effective_from`
/// (`2024-05-01` or RFC 3339; empty is now; a new part needs a price in force now).
/// Columns `unit_of_measure` … `effective_from` except `list_price`, `supplier_code` and
/// `warranty_months` may be left out.
///
/// A row creates the part or replaces its fields (its active flag is kept) and adds
/// its price to the history unless the history already says so; each changed part
/// publishes one `catalog.part_upserted`.
///
/// If any row is wrong nothing is written: 422 whose `errors` has one entry per bad
/// row and column, `field` = `line N: column` (N is the line where the row starts,
/// the header is line 1; `line N: row` for a wrong number of cells), at most 1000
/// entries. A body that is not readable CSV (not UTF-8, empty, no rows) is 400.
#[utoipa::path(post, path = "/api/v1/parts/import", tag = "import",
    params(KeyHeader),
    request_body(content = String, content_type = "text/csv",
        example = "part_number,description,category,unit_of_measure,list_price,currency,supplier_code,warranty_months,core,returnable,superseded_by,effective_from\nBP-1001,\"Brake pad, front\",brakes,EA,12.50,EUR,SUP1,24,false,true,,2024-05-01\n"),
    responses((status = 200, body = ImportOut), (status = 400, body = aftersales_web::Problem),
        (status = 403, body = aftersales_web::Problem), (status = 413, body = aftersales_web::Problem),
        (status = 422, body = aftersales_web::Problem)),
    security(("bearer" = [])))]
pub async fn import_parts(
    Allowed(who, ..): Allowed<Admins>,
    req: HttpRequest,
    corr: CorrelationId,
    keyed: Keyed,
    body: Text,
) -> Result<HttpResponse, ApiError> {
    if aftersales_web::body::media_type(&req).as_deref() != Some("text/csv") {
        return Err(ApiError::bad_request(
            "the body must be CSV (Content-Type: text/csv)",
        ));
    }
    let parsed = import::parse(&body).map_err(|e| ApiError::bad_request(e.0))?;
    let rows = parsed.rows.len() + parsed.errors.iter().filter(|e| e.line > 1).count();
    let request = ("parts/import", String::from_utf8_lossy(&body));
    let now = Utc::now();
    let answer = keyed
        .once(
            &who,
            &request,
            StatusCode::OK,
            async |c| match use_case::run(c, &parsed, now, &who.sub, Cause::request(&who, corr.0))
                .await?
            {
                Outcome::Imported { rows, summary: s } => Ok(ImportOut {
                    rows,
                    created: s.created,
                    updated: s.updated,
                    unchanged: s.unchanged,
                    prices_added: s.prices_added,
                }),
                Outcome::Rejected(errors) => Err(rejected(errors)),
            },
        )
        .await?;
    tracing::info!(rows, "parts import");
    Ok(answer.into_response())
}

/// The 422 naming every bad cell, by line.
fn rejected(mut errors: Vec<RowError>) -> ApiError {
    errors.sort_by_key(|e| e.line);
    let total = errors.len();
    let lines = {
        let mut l: Vec<u64> = errors.iter().map(|e| e.line).collect();
        l.dedup();
        l.len()
    };
    let detail = if total > MAX_ERRORS {
        format!(
            "nothing imported: {total} errors on {lines} lines; the first {MAX_ERRORS} are listed"
        )
    } else {
        format!("nothing imported: {total} errors on {lines} lines")
    };
    ApiError::Unprocessable {
        detail,
        errors: errors
            .into_iter()
            .take(MAX_ERRORS)
            .map(|e| FieldError::new(e.field(), e.message))
            .collect(),
    }
}
