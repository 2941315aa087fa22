//! HTTP handlers and request/response types, under `/api/v1`.
//!
//! Who may do what (DESIGN.md, invariant 4): a dealer registers and reads only its
//! own units and files and reads only its own claims (another dealer's answers 404);
//! admins manage policies and labor operations; quality and quality_lead receive,
//! inspect, decide and dispose (a decision above the approval limit needs
//! quality_lead); quality, quality_lead, finance and admins read every claim.

pub mod campaigns;
pub mod claims;
mod common;
pub mod inspect;
pub mod labor;
pub mod limits;
pub mod policies;
pub mod preauthorizations;
pub mod reports;
pub mod units;
pub mod views;

use actix_web::web;
use aftersales_web::openapi::Conventions;
use utoipa::OpenApi;

aftersales_web::roles! {
    /// Admins keep policies and labor operations.
    pub Admins = [Admin];
    /// Only dealers file (and preview) claims.
    pub Dealers = [Dealer];
    /// Dealers register their units; admins anyone's.
    pub DealersAndAdmins = [Dealer, Admin];
    /// Quality staff inspect returned parts and decide claims.
    pub Inspectors = [Quality, QualityLead];
    /// Quality leads and admins set an inspector's own approval limit.
    pub LimitSetters = [QualityLead, Admin];
    /// Quality leads decide goodwill pre-authorizations.
    pub QualityLeads = [QualityLead];
    /// Who reads pre-authorizations: a dealer its own, the rest all.
    pub PreauthReaders = [Dealer, Quality, QualityLead, Admin];
    /// Who reads campaigns: a dealer its own units, the rest all.
    pub CampaignReaders = [Dealer, Quality, QualityLead, Admin];
    /// Who reads dealer scorecards: a dealer its own, quality and admins all.
    pub ScorecardReaders = [Dealer, Quality, QualityLead, Admin];
}

#[derive(OpenApi)]
#[openapi(
    info(title = "aftersales inspection", description = "Warranty claims and old-part inspection: unit registrations, warranty policies, labor operations, claims, old-part receipt, findings, decisions and disposition.\n\nA claim that fails a check at submission is stored as `rejected` with every reason code that applies and answered 201; input that cannot make a claim is a 422 naming the field. Reason codes (one vocabulary): see the `ReasonCode` schema."),
    paths(
        units::register_unit,
        units::list_units,
        units::get_unit,
        policies::create_policy,
        policies::update_policy,
        policies::list_policies,
        labor::create_operation,
        labor::list_operations,
        claims::create_claim,
        claims::preview_claim,
        claims::list_claims,
        claims::get_claim,
        inspect::part_receipt,
        inspect::findings,
        inspect::decision,
        inspect::disposition,
        inspect::approval_limit,
        limits::list_limits,
        limits::set_limit,
        limits::remove_limit,
        preauthorizations::request_preauthorization,
        preauthorizations::list_preauthorizations,
        preauthorizations::get_preauthorization,
        preauthorizations::approve_preauthorization,
        preauthorizations::reject_preauthorization,
        campaigns::create_campaign,
        campaigns::list_campaigns,
        campaigns::get_campaign,
        campaigns::campaign_units,
        campaigns::campaign_completion,
        reports::claims_report,
        reports::top_failing_parts,
        reports::dealer_scorecards,
    ),
    components(schemas(
        crate::domain::ReasonCode,
        crate::domain::ClaimStatus,
        crate::domain::Verdict,
        crate::domain::goodwill::PreauthStatus,
    )),
    modifiers(&Conventions)
)]
pub struct ApiDoc;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/units")
            .route(web::post().to(units::register_unit))
            .route(web::get().to(units::list_units)),
    )
    .service(web::resource("/units/{serial}").route(web::get().to(units::get_unit)))
    .service(
        web::resource("/policies")
            .route(web::post().to(policies::create_policy))
            .route(web::get().to(policies::list_policies)),
    )
    .service(web::resource("/policies/{id}").route(web::put().to(policies::update_policy)))
    .service(
        web::resource("/labor-operations")
            .route(web::post().to(labor::create_operation))
            .route(web::get().to(labor::list_operations)),
    )
    .service(
        web::resource("/claims")
            .route(web::post().to(claims::create_claim))
            .route(web::get().to(claims::list_claims)),
    )
    .service(web::resource("/claims/preview").route(web::post().to(claims::preview_claim)))
    .service(web::resource("/claims/{id}").route(web::get().to(claims::get_claim)))
    .service(
        web::resource("/claims/{id}/part-receipt").route(web::post().to(inspect::part_receipt)),
    )
    .service(web::resource("/claims/{id}/findings").route(web::post().to(inspect::findings)))
    .service(web::resource("/claims/{id}/decision").route(web::post().to(inspect::decision)))
    .service(web::resource("/claims/{id}/disposition").route(web::post().to(inspect::disposition)))
    .service(web::resource("/approval-limit").route(web::get().to(inspect::approval_limit)))
    .service(web::resource("/approval-limits").route(web::get().to(limits::list_limits)))
    .service(
        web::resource("/preauthorizations")
            .route(web::post().to(preauthorizations::request_preauthorization))
            .route(web::get().to(preauthorizations::list_preauthorizations)),
    )
    .service(
        web::resource("/campaigns")
            .route(web::post().to(campaigns::create_campaign))
            .route(web::get().to(campaigns::list_campaigns)),
    )
    .service(web::resource("/campaigns/{code}").route(web::get().to(campaigns::get_campaign)))
    .service(
        web::resource("/campaigns/{code}/units").route(web::get().to(campaigns::campaign_units)),
    )
    .service(
        web::resource("/campaigns/{code}/completion")
            .route(web::get().to(campaigns::campaign_completion)),
    )
    .service(
        web::resource("/preauthorizations/{id}")
            .route(web::get().to(preauthorizations::get_preauthorization)),
    )
    .service(
        web::resource("/preauthorizations/{id}/approve")
            .route(web::post().to(preauthorizations::approve_preauthorization)),
    )
    .service(
        web::resource("/preauthorizations/{id}/reject")
            .route(web::post().to(preauthorizations::reject_preauthorization)),
    )
    .service(
        web::resource("/approval-limits/{subject}")
            .route(web::put().to(limits::set_limit))
            .route(web::delete().to(limits::remove_limit)),
    )
    .service(web::resource("/reports/claims").route(web::get().to(reports::claims_report)))
    .service(
        web::resource("/reports/top-failing-parts")
            .route(web::get().to(reports::top_failing_parts)),
    )
    .service(
        web::resource("/reports/dealer-scorecards")
            .route(web::get().to(reports::dealer_scorecards)),
    );
}
