//! HTTP handlers and request/response types, under `/api/v1`: each parses the
//! request, checks the role, calls one use case of `app` (through
//! `idempotency::once` where a key applies) and maps the result to its view. A
//! change is handed the request's audit `Origin` (the user and the correlation id),
//! under which `app` records it.
//!
//! Only finance and admins reach this API (any other role → 403).

pub mod agreements;
pub mod claims;
mod common;
pub mod lines;
pub mod payments;
pub mod reports;
pub mod responses;

use actix_web::web;
use aftersales_web::openapi::Conventions;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(title = "aftersales recovery", description = "Supplier claim recovery: supplier agreements, recovery lines, recovery claims to suppliers, supplier responses, credit memos, write-offs, reconciliation and aging."),
    paths(
        agreements::create_agreement,
        agreements::list_agreements,
        agreements::get_agreement,
        agreements::amend_agreement,
        agreements::end_agreement,
        lines::list_lines,
        lines::get_line,
        claims::create_claim,
        claims::list_claims,
        claims::get_claim,
        claims::add_claim_lines,
        claims::remove_claim_line,
        claims::submit_claim,
        responses::record_responses,
        payments::create_credit_memo,
        payments::list_credit_memos,
        payments::create_write_off,
        payments::list_write_offs,
        reports::reconciliation,
        reports::aging,
        reports::filing_deadlines,
    ),
    components(schemas(
        crate::domain::line::LineStatus,
        crate::domain::agreement::NotRecoverable,
        crate::domain::ledger::Outcome,
        crate::domain::claim::ClaimStatus,
        crate::domain::claim::Origin,
        lines::LineSort,
    )),
    modifiers(&Conventions)
)]
pub struct ApiDoc;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/agreements")
            .route(web::post().to(agreements::create_agreement))
            .route(web::get().to(agreements::list_agreements)),
    )
    .service(
        web::resource("/agreements/{id}")
            .route(web::get().to(agreements::get_agreement))
            .route(web::put().to(agreements::amend_agreement)),
    )
    .service(web::resource("/agreements/{id}/end").route(web::post().to(agreements::end_agreement)))
    .service(web::resource("/recovery-lines").route(web::get().to(lines::list_lines)))
    .service(web::resource("/recovery-lines/{id}").route(web::get().to(lines::get_line)))
    .service(
        web::resource("/recovery-claims")
            .route(web::post().to(claims::create_claim))
            .route(web::get().to(claims::list_claims)),
    )
    .service(web::resource("/recovery-claims/{id}").route(web::get().to(claims::get_claim)))
    .service(
        web::resource("/recovery-claims/{id}/lines").route(web::post().to(claims::add_claim_lines)),
    )
    .service(
        web::resource("/recovery-claims/{id}/lines/{line_id}")
            .route(web::delete().to(claims::remove_claim_line)),
    )
    .service(
        web::resource("/recovery-claims/{id}/submit").route(web::post().to(claims::submit_claim)),
    )
    .service(
        web::resource("/recovery-claims/{id}/responses")
            .route(web::post().to(responses::record_responses)),
    )
    .service(
        web::resource("/credit-memos")
            .route(web::post().to(payments::create_credit_memo))
            .route(web::get().to(payments::list_credit_memos)),
    )
    .service(
        web::resource("/write-offs")
            .route(web::post().to(payments::create_write_off))
            .route(web::get().to(payments::list_write_offs)),
    )
    .service(web::resource("/reports/reconciliation").route(web::get().to(reports::reconciliation)))
    .service(web::resource("/reports/aging").route(web::get().to(reports::aging)))
    .service(
        web::resource("/reports/filing-deadlines").route(web::get().to(reports::filing_deadlines)),
    );
}
