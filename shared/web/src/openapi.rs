//! OpenAPI helpers: `GET /openapi.json`, `GET /docs` (Swagger UI, its assets vendored
//! into the binary by `utoipa-swagger-ui`'s `vendored` feature, so nothing is fetched
//! at build or run time) and the bearer JWT security scheme.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use utoipa::Modify;
use utoipa::openapi::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa_swagger_ui::SwaggerUi;

/// Name of the security scheme; use it in `#[utoipa::path(security(("bearer" = [])))]`.
pub const BEARER: &str = "bearer";

/// Adds the `bearer` JWT security scheme to the document:
/// `#[openapi(modifiers(&SecurityAddon))]`.
pub struct SecurityAddon;

impl Modify for SecurityAddon {
    fn modify(&self, openapi: &mut OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            BEARER,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "A JWT signed by the platform, `Authorization: Bearer <token>`",
                    ))
                    .build(),
            ),
        );
    }
}

/// Registers `GET /openapi.json` and the interactive docs at `GET /docs` (and
/// `/docs/`, where its assets live).
pub fn docs(cfg: &mut web::ServiceConfig, api: OpenApi) {
    cfg.route("/docs", web::get().to(docs_index))
        .service(SwaggerUi::new("/docs/{_:.*}").url("/openapi.json", api));
}

/// The UI's index page served at `/docs` itself: its asset links are relative, so a
/// `<base>` pins them under `/docs/` instead of a redirect.
async fn docs_index() -> HttpResponse {
    let config = std::sync::Arc::new(utoipa_swagger_ui::Config::from("/openapi.json"));
    match utoipa_swagger_ui::serve("index.html", config) {
        Ok(Some(file)) => {
            let html = String::from_utf8_lossy(&file.bytes).replacen(
                "<head>",
                r#"<head><base href="/docs/">"#,
                1,
            );
            HttpResponse::Ok()
                .content_type(file.content_type)
                .body(html)
        }
        _ => HttpResponse::Found()
            .insert_header((header::LOCATION, "/docs/"))
            .finish(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::App;
    use actix_web::http::StatusCode;
    use actix_web::test as actix_test;

    #[derive(utoipa::OpenApi)]
    #[openapi(
        info(title = "test"),
        components(schemas(crate::Problem, crate::Page<crate::FieldError>)),
        modifiers(&SecurityAddon)
    )]
    struct Api;

    #[actix_web::test]
    async fn serves_spec_and_docs() {
        use utoipa::OpenApi as _;
        let app = actix_test::init_service(App::new().configure(|c| docs(c, Api::openapi()))).await;

        let resp = actix_test::call_service(
            &app,
            actix_test::TestRequest::get()
                .uri("/openapi.json")
                .to_request(),
        )
        .await;
        assert_eq!(resp.status(), StatusCode::OK);
        let spec: serde_json::Value = actix_test::read_body_json(resp).await;
        assert_eq!(
            spec["components"]["securitySchemes"]["bearer"]["scheme"],
            "bearer"
        );
        assert!(spec["components"]["schemas"]["Problem"].is_object());
        let schemas = spec["components"]["schemas"].as_object().unwrap();
        assert!(schemas.keys().any(|k| k.starts_with("Page")), "{schemas:?}");

        let resp = actix_test::call_service(
            &app,
            actix_test::TestRequest::get().uri("/docs").to_request(),
        )
        .await;
        assert_eq!(resp.status(), StatusCode::OK);
        let html = String::from_utf8_lossy(&actix_test::read_body(resp).await).into_owned();
        assert!(html.contains(r#"<base href="/docs/">"#), "{html}");

        let resp = actix_test::call_service(
            &app,
            actix_test::TestRequest::get().uri("/docs/").to_request(),
        )
        .await;
        assert_eq!(resp.status(), StatusCode::OK);
        let html = String::from_utf8_lossy(&actix_test::read_body(resp).await).into_owned();
        assert!(html.contains("<html"), "{html}");
        assert!(
            !html.contains("://cdn"),
            "the page must not load assets from elsewhere"
        );

        // The UI's script is served from the binary itself.
        let resp = actix_test::call_service(
            &app,
            actix_test::TestRequest::get()
                .uri("/docs/swagger-ui-bundle.js")
                .to_request(),
        )
        .await;
        assert_eq!(resp.status(), StatusCode::OK);
        assert!(actix_test::read_body(resp).await.len() > 100_000);
    }
}
