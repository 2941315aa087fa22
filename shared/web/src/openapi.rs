//! OpenAPI helpers: `GET /openapi.json`, `GET /docs` (Swagger UI, its assets vendored
//! into the binary by `utoipa-swagger-ui`'s `vendored` feature, so nothing is fetched
//! at build or run time), the bearer JWT security scheme and the error responses
//! every operation shares.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::response::Response;
use utoipa::openapi::schema::Ref;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Content, OpenApi, RefOr};
use utoipa::{Modify, PartialSchema, ToSchema};
use utoipa_swagger_ui::SwaggerUi;

use crate::error::{PROBLEM_CONTENT_TYPE, Problem};

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

/// Documents the error answers that come from the shared layer rather than from a
/// handler, on every operation they can come from, so that a handler's
/// `responses(..)` lists only its own outcomes and the document still tells the
/// whole truth (`cargo xtask fuzz` holds it to that):
///
/// - every 4xx/5xx body is `application/problem+json` (utoipa documents a handler's
///   `body = Problem` as `application/json`);
/// - 401 where the bearer token is required (missing, malformed or expired);
/// - 400 where there is a query, a body or a header parameter other than `If-Match`:
///   a query that does not parse, a body that is not JSON or not sent as JSON, a
///   malformed `Idempotency-Key` or cursor;
/// - 422 where there is a JSON body (well-formed JSON that does not fit its type) or an
///   `Idempotency-Key` (the key was used before with another request);
/// - 404 where the path has parameters: one that does not parse names nothing.
///
/// `#[openapi(modifiers(&SecurityAddon, &ProblemResponses))]`
pub struct ProblemResponses;

impl Modify for ProblemResponses {
    fn modify(&self, openapi: &mut OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        if !components.schemas.contains_key(Problem::name().as_ref()) {
            let mut schemas = vec![(Problem::name().into_owned(), Problem::schema())];
            Problem::schemas(&mut schemas);
            components.schemas.extend(schemas);
        }
        let secured_by_default = openapi.security.as_ref().is_some_and(|s| requires_auth(s));
        for item in openapi.paths.paths.values_mut() {
            let path_params = item
                .parameters
                .iter()
                .flatten()
                .any(|p| matches!(p.parameter_in, ParameterIn::Path));
            for op in [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.options,
                &mut item.head,
                &mut item.patch,
                &mut item.trace,
            ]
            .into_iter()
            .flatten()
            {
                document_errors(op, secured_by_default, path_params);
            }
        }
    }
}

/// What every service's document has: [`SecurityAddon`] and [`ProblemResponses`]
/// (which also adds the `Problem` and `FieldError` schemas):
/// `#[openapi(modifiers(&Conventions))]`.
pub struct Conventions;

impl Modify for Conventions {
    fn modify(&self, openapi: &mut OpenApi) {
        SecurityAddon.modify(openapi);
        ProblemResponses.modify(openapi);
    }
}

/// Whether a `security` list demands a credential (an empty requirement, `{}`,
/// makes it optional).
fn requires_auth(requirements: &[utoipa::openapi::security::SecurityRequirement]) -> bool {
    !requirements.is_empty()
        && requirements.iter().all(|r| {
            serde_json::to_value(r).is_ok_and(|v| v.as_object().is_some_and(|o| !o.is_empty()))
        })
}

fn document_errors(op: &mut Operation, secured_by_default: bool, path_params: bool) {
    for (status, response) in op.responses.responses.iter_mut() {
        if let (true, RefOr::T(response)) = (is_error(status), response)
            && !response.content.contains_key(PROBLEM_CONTENT_TYPE)
            && let Some(content) = response.content.shift_remove("application/json")
        {
            response
                .content
                .insert(PROBLEM_CONTENT_TYPE.to_owned(), content);
        }
    }
    let params = op.parameters.iter().flatten();
    let (mut query_or_header, mut in_path, mut keyed) = (false, path_params, false);
    for p in params {
        if matches!(p.parameter_in, ParameterIn::Header)
            && p.name.eq_ignore_ascii_case(crate::idempotency::HEADER)
        {
            keyed = true;
        }
        match p.parameter_in {
            // An `If-Match` that names no version of ours is a stale one: 412.
            ParameterIn::Header if p.name.eq_ignore_ascii_case("if-match") => {}
            ParameterIn::Query | ParameterIn::Header | ParameterIn::Cookie => {
                query_or_header = true
            }
            ParameterIn::Path => in_path = true,
        }
    }
    let json_body = op
        .request_body
        .as_ref()
        .is_some_and(|b| b.content.keys().any(|k| k.contains("json")));
    let secured = match &op.security {
        Some(requirements) => requires_auth(requirements),
        None => secured_by_default,
    };
    let shared = [
        (
            secured,
            "401",
            "no bearer token, or one that is malformed, badly signed or expired",
        ),
        (
            query_or_header || op.request_body.is_some(),
            "400",
            "malformed request: a query that does not parse or holds a NUL character, a \
             body that is not JSON or not sent as JSON, a malformed `Idempotency-Key` or \
             cursor",
        ),
        (
            json_body,
            "422",
            "the body is well-formed JSON but does not fit: missing or unknown fields, \
             wrong types, invalid values (`errors` names them); or the `Idempotency-Key` \
             was used before with another request",
        ),
        (
            keyed,
            "422",
            "the `Idempotency-Key` was used before with another request",
        ),
        (
            in_path,
            "404",
            "nothing at this path (or nothing the caller may see)",
        ),
    ];
    for (applies, status, description) in shared {
        if applies && !op.responses.responses.contains_key(status) {
            op.responses
                .responses
                .insert(status.to_owned(), RefOr::T(problem_response(description)));
        }
    }
}

fn is_error(status: &str) -> bool {
    status.starts_with('4') || status.starts_with('5')
}

fn problem_response(description: &str) -> Response {
    let mut response = Response::new(description);
    response.content.insert(
        PROBLEM_CONTENT_TYPE.to_owned(),
        Content::new(Some(Ref::from_schema_name(Problem::name()))),
    );
    response
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

    #[derive(serde::Deserialize, utoipa::ToSchema)]
    #[allow(dead_code, reason = "only its schema is under test")]
    struct Thing {
        name: String,
    }

    #[utoipa::path(
        post, path = "/things/{id}",
        params(("id" = uuid::Uuid, Path)),
        request_body = Thing,
        responses(
            (status = 201, description = "made"),
            (status = 409, description = "exists", body = crate::Problem),
        ),
        security(("bearer" = []))
    )]
    #[allow(dead_code, reason = "only its OpenAPI description is under test")]
    fn make_thing() {}

    #[utoipa::path(get, path = "/open", responses((status = 200, description = "ok")))]
    #[allow(dead_code, reason = "only its OpenAPI description is under test")]
    fn open() {}

    #[utoipa::path(
        post, path = "/things/{id}/archive",
        params(("id" = uuid::Uuid, Path), crate::idempotency::KeyHeader),
        responses((status = 200, description = "archived")),
        security(("bearer" = []))
    )]
    #[allow(dead_code, reason = "only its OpenAPI description is under test")]
    fn archive_thing() {}

    #[derive(utoipa::OpenApi)]
    #[openapi(
        paths(make_thing, open, archive_thing),
        modifiers(&Conventions)
    )]
    struct Things;

    #[test]
    fn every_operation_documents_the_shared_errors_as_problem_json() {
        use utoipa::OpenApi as _;
        let spec = serde_json::to_value(Things::openapi()).unwrap();
        let op = &spec["paths"]["/things/{id}"]["post"]["responses"];
        for status in ["400", "401", "404", "409", "422"] {
            let content = op[status]["content"].as_object().unwrap();
            assert_eq!(
                content.keys().collect::<Vec<_>>(),
                ["application/problem+json"],
                "{status}"
            );
            assert_eq!(
                content["application/problem+json"]["schema"]["$ref"],
                "#/components/schemas/Problem",
                "{status}"
            );
        }
        assert_eq!(op["409"]["description"], "exists");
        assert!(op["201"]["content"].is_null());
        // No credential, no body, no parameter: nothing shared can go wrong.
        let open = spec["paths"]["/open"]["get"]["responses"]
            .as_object()
            .unwrap();
        assert_eq!(open.keys().collect::<Vec<_>>(), ["200"]);
        // An action with a key but no body: a key reused with another request is 422.
        let archive = &spec["paths"]["/things/{id}/archive"]["post"]["responses"];
        assert!(
            archive["422"]["description"]
                .as_str()
                .unwrap()
                .contains("Idempotency-Key"),
            "{archive}"
        );
        assert!(archive["400"].is_object(), "{archive}");
        let key = &spec["paths"]["/things/{id}/archive"]["post"]["parameters"][1];
        assert_eq!(key["name"], "Idempotency-Key", "{key}");
        assert_eq!(key["in"], "header", "{key}");
        assert_eq!(key["required"], false, "{key}");
        assert_eq!(key["schema"]["maxLength"], 255, "{key}");
        assert!(spec["components"]["schemas"]["Problem"].is_object());
        assert!(spec["components"]["schemas"]["FieldError"].is_object());
    }

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
