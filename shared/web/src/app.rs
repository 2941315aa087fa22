//! The routes every service exposes besides its API.
//!
//! ```ignore
//! let metrics = web::Data::new(Metrics::new("orders"));
//! App::new()
//!     .app_data(query_config())
//!     .app_data(path_config())
//!     .app_data(web::Data::new(TokenVerifier::from_config(&cfg.auth, cfg.token_max_lifetime)?))
//!     .wrap(metrics.middleware())
//!     .configure(|c| common(c, readiness.clone(), metrics.clone(), ApiDoc::openapi()))
//!     .service(web::scope("/api/v1").configure(api::configure))
//!     .default_service(default_service())
//! ```

use actix_web::web;
use utoipa::openapi::OpenApi;

use crate::health::{self, Readiness};
use crate::metrics::{self, Metrics};
use crate::openapi;

/// Registers `/health/live`, `/health/ready`, `/metrics`, `/openapi.json` and `/docs`,
/// and makes `metrics` available as app data.
pub fn common(
    cfg: &mut web::ServiceConfig,
    readiness: Readiness,
    metrics: web::Data<Metrics>,
    api: OpenApi,
) {
    cfg.app_data(metrics.clone());
    health::configure(cfg, readiness);
    metrics::configure(cfg, metrics);
    openapi::docs(cfg, api);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::default_service;
    use actix_web::http::StatusCode;
    use actix_web::test as actix_test;
    use actix_web::{App, HttpResponse};

    #[actix_web::test]
    async fn a_service_app_wires_up() {
        let metrics = web::Data::new(Metrics::new("catalog"));
        let readiness = Readiness::new().with("database", || async { Ok(()) });
        let api = utoipa::openapi::OpenApiBuilder::new().build();
        let app = actix_test::init_service(
            App::new()
                .wrap(metrics.middleware())
                .configure(|c| common(c, readiness, metrics.clone(), api))
                .service(web::scope("/api/v1").route(
                    "/parts",
                    web::get().to(|| async { HttpResponse::Ok().finish() }),
                ))
                .default_service(default_service()),
        )
        .await;

        for (uri, status) in [
            ("/health/live", StatusCode::OK),
            ("/health/ready", StatusCode::OK),
            ("/openapi.json", StatusCode::OK),
            ("/docs/", StatusCode::OK),
            ("/api/v1/parts", StatusCode::OK),
            ("/api/v1/nope", StatusCode::NOT_FOUND),
            ("/metrics", StatusCode::OK),
        ] {
            let resp = actix_test::call_service(
                &app,
                actix_test::TestRequest::get().uri(uri).to_request(),
            )
            .await;
            assert_eq!(resp.status(), status, "{uri}");
        }
        let text = metrics.render().unwrap();
        assert!(text.contains(r#"route="/api/v1/parts""#), "{text}");
    }
}
