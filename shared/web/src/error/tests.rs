//! The whole mapping, through a real actix app.

use super::*;
use actix_web::dev::ServiceResponse;
use actix_web::http::header;
use actix_web::test as actix_test;
use actix_web::web;
use actix_web::{App, body::to_bytes};
use serde_json::{Value, json};
use validator::Validate;

#[derive(Debug, Deserialize, Serialize, Validate)]
struct Line {
    #[validate(range(min = 1, message = "must be at least 1"))]
    qty: i32,
}

#[derive(Debug, Deserialize, Serialize, Validate)]
struct Order {
    #[validate(length(min = 1, max = 10))]
    dealer: String,
    #[validate(nested)]
    lines: Vec<Line>,
}

crate::roles! {
    Admins = [Admin];
}

async fn create(
    _: crate::Allowed<Admins>,
    body: crate::Json<Order>,
) -> Result<HttpResponse, ApiError> {
    body.validate()?;
    Ok(HttpResponse::Created().json(body.into_inner()))
}

async fn by_id(id: web::Path<uuid::Uuid>) -> String {
    id.to_string()
}

#[derive(Debug, Deserialize)]
struct Q {
    #[allow(dead_code, reason = "only its parsing is under test")]
    limit: u32,
}

async fn query(_q: web::Query<Q>) -> &'static str {
    "ok"
}

macro_rules! app {
    () => {
        actix_test::init_service(
            App::new()
                .app_data(web::Data::new(crate::JwtKeys::new(SECRET)))
                .app_data(query_config())
                .app_data(path_config())
                .route("/orders", web::post().to(create))
                .route("/orders/{id}", web::get().to(by_id))
                .route("/q", web::get().to(query))
                .service(
                    web::resource("/only-get")
                        .route(web::get().to(|| async { "ok" }))
                        .default_service(method_not_allowed()),
                )
                .default_service(default_service()),
        )
        .await
    };
}

async fn problem_of<B: actix_web::body::MessageBody>(
    resp: ServiceResponse<B>,
) -> (StatusCode, Value) {
    let status = resp.status();
    let content_type = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    assert_eq!(content_type.as_deref(), Some(PROBLEM_CONTENT_TYPE));
    let body = to_bytes(resp.into_body()).await.ok().unwrap();
    let value: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(value["status"], json!(status.as_u16()));
    (status, value)
}

/// Bodies are read only from a caller with a valid token (crate::body).
const SECRET: &str = "error-test-secret";

fn post_json(body: &str) -> actix_test::TestRequest {
    let token =
        crate::JwtKeys::new(SECRET).mint("u", crate::Role::Admin, None, chrono::Duration::hours(1));
    actix_test::TestRequest::post()
        .uri("/orders")
        .insert_header((header::CONTENT_TYPE, "application/json"))
        .insert_header((header::AUTHORIZATION, format!("Bearer {token}")))
        .set_payload(body.to_owned())
}

#[actix_web::test]
async fn malformed_json_is_400() {
    let app = app!();
    let resp = actix_test::call_service(&app, post_json("{\"dealer\": ").to_request()).await;
    let (status, body) = problem_of(resp).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["type"], "https://aftersales.dev/problems/bad-request");
    assert_eq!(body["title"], "Bad Request");

    let resp = actix_test::call_service(&app, post_json("not json").to_request()).await;
    assert_eq!(problem_of(resp).await.0, StatusCode::BAD_REQUEST);
}

#[actix_web::test]
async fn wrong_content_type_is_400() {
    let app = app!();
    let req = post_json("{}")
        .insert_header((header::CONTENT_TYPE, "text/plain"))
        .to_request();
    let (status, _) = problem_of(actix_test::call_service(&app, req).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[actix_web::test]
async fn missing_field_is_422_naming_it() {
    let app = app!();
    let resp = actix_test::call_service(&app, post_json(r#"{"lines": []}"#).to_request()).await;
    let (status, body) = problem_of(resp).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["errors"][0]["field"], "dealer");
}

#[actix_web::test]
async fn wrong_type_is_422() {
    let app = app!();
    let resp = actix_test::call_service(
        &app,
        post_json(r#"{"dealer": 5, "lines": []}"#).to_request(),
    )
    .await;
    let (status, body) = problem_of(resp).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // A wrong type names its field now, as a missing or unknown one always did (the
    // body extractor tracks the path; before, serde's message named no field).
    assert_eq!(body["errors"][0]["field"], "dealer", "{body}");
}

#[actix_web::test]
async fn validation_lists_nested_fields() {
    let app = app!();
    let resp = actix_test::call_service(
        &app,
        post_json(r#"{"dealer": "", "lines": [{"qty": 1}, {"qty": 0}]}"#).to_request(),
    )
    .await;
    let (status, body) = problem_of(resp).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["type"], "https://aftersales.dev/problems/validation");
    let errors = body["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 2);
    assert_eq!(errors[0]["field"], "dealer");
    assert!(errors[0]["message"].as_str().unwrap().contains("length"));
    assert_eq!(errors[1]["field"], "lines[1].qty");
    assert_eq!(errors[1]["message"], "must be at least 1");
}

#[actix_web::test]
async fn valid_body_passes() {
    let app = app!();
    let resp = actix_test::call_service(
        &app,
        post_json(r#"{"dealer": "D1", "lines": [{"qty": 2}]}"#).to_request(),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::CREATED);
}

#[actix_web::test]
async fn unknown_route_is_404_problem() {
    let app = app!();
    let req = actix_test::TestRequest::get().uri("/nope").to_request();
    let (status, body) = problem_of(actix_test::call_service(&app, req).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["type"], "https://aftersales.dev/problems/not-found");
}

#[actix_web::test]
async fn wrong_method_is_405_problem() {
    let app = app!();
    let req = actix_test::TestRequest::delete()
        .uri("/only-get")
        .to_request();
    let (status, _) = problem_of(actix_test::call_service(&app, req).await).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
}

#[actix_web::test]
async fn bad_path_is_404_and_bad_query_is_400() {
    let app = app!();
    let req = actix_test::TestRequest::get()
        .uri("/orders/not-a-uuid")
        .to_request();
    assert_eq!(
        problem_of(actix_test::call_service(&app, req).await)
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    let req = actix_test::TestRequest::get()
        .uri("/q?limit=abc")
        .to_request();
    assert_eq!(
        problem_of(actix_test::call_service(&app, req).await)
            .await
            .0,
        StatusCode::BAD_REQUEST
    );
}

#[actix_web::test]
async fn internal_hides_cause_and_unauthorized_has_challenge() {
    let resp = ApiError::internal("db password is hunter2").error_response();
    assert_eq!(resp.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let body = to_bytes(resp.into_body()).await.unwrap();
    assert!(!String::from_utf8_lossy(&body).contains("hunter2"));

    let resp = ApiError::unauthorized("no token").error_response();
    assert_eq!(
        resp.headers().get(header::WWW_AUTHENTICATE).unwrap(),
        "Bearer"
    );
}

#[actix_web::test]
async fn fallback_turns_bare_errors_into_problems_and_leaves_json_alone() {
    let app = actix_test::init_service(
        App::new()
            .wrap(problem_fallback())
            .service(web::resource("/r").route(web::get().to(|| async { "ok" })))
            .route(
                "/text-error",
                web::get().to(|| async { HttpResponse::PayloadTooLarge().body("too big") }),
            )
            .route(
                "/json-503",
                web::get().to(|| async {
                    HttpResponse::ServiceUnavailable().json(serde_json::json!({"status": "x"}))
                }),
            )
            .route(
                "/api-error",
                web::get().to(|| async { Err::<HttpResponse, _>(ApiError::conflict("c")) }),
            ),
    )
    .await;

    let req = actix_test::TestRequest::post().uri("/r").to_request();
    let (status, body) = problem_of(actix_test::call_service(&app, req).await).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(
        body["type"],
        "https://aftersales.dev/problems/method-not-allowed"
    );

    let req = actix_test::TestRequest::get()
        .uri("/text-error")
        .to_request();
    let (status, body) = problem_of(actix_test::call_service(&app, req).await).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        body["type"],
        "https://aftersales.dev/problems/payload-too-large"
    );

    let req = actix_test::TestRequest::get().uri("/nowhere").to_request();
    let (status, _) = problem_of(actix_test::call_service(&app, req).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let req = actix_test::TestRequest::get()
        .uri("/api-error")
        .to_request();
    let (status, body) = problem_of(actix_test::call_service(&app, req).await).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["detail"], "c");

    let req = actix_test::TestRequest::get().uri("/json-503").to_request();
    let resp = actix_test::call_service(&app, req).await;
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: Value = actix_test::read_body_json(resp).await;
    assert_eq!(body, serde_json::json!({"status": "x"}));
}

#[test]
fn diesel_not_found_maps_to_404_outages_to_503_others_to_500() {
    let e: ApiError = diesel::result::Error::NotFound.into();
    assert_eq!(e.status_code(), StatusCode::NOT_FOUND);
    let restarting = diesel::result::Error::DatabaseError(
        diesel::result::DatabaseErrorKind::Unknown,
        Box::new("terminating connection due to administrator command".to_owned()),
    );
    let e: ApiError = restarting.into();
    assert_eq!(e.status_code(), StatusCode::SERVICE_UNAVAILABLE);
    let e: ApiError = diesel::result::Error::RollbackTransaction.into();
    assert_eq!(e.status_code(), StatusCode::INTERNAL_SERVER_ERROR);
}

#[test]
fn cause_chain_walks_sources() {
    let e = ApiError::internal(std::io::Error::other("disk"));
    assert_eq!(cause_chain(&e), "internal error: disk");
}

#[test]
fn a_not_found_does_not_send_a_long_input_back() {
    let long = "P".repeat(10_000);
    let problem = ApiError::not_found(format!("part {long} not found")).problem();
    assert_eq!(problem.status, 404);
    assert!(problem.detail.starts_with("part PPP"), "{}", problem.detail);
    assert!(
        problem.detail.chars().count() <= 201,
        "{}",
        problem.detail.len()
    );
    let short = ApiError::not_found("part A not found").problem();
    assert_eq!(short.detail, "part A not found");
}
