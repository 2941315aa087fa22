//! A stand-in service that answers with what it received, so a test sees exactly
//! what the console forwarded (method, path, query, headers, body). Its answers carry
//! the headers of the API contract: problem+json for `…/problem`, and
//! `Idempotent-Replayed: true` when an `Idempotency-Key` came.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use serde_json::json;

pub struct Echo {
    pub url: String,
    pub received: Arc<AtomicUsize>,
    server: actix_web::dev::ServerHandle,
}

impl Echo {
    pub async fn start() -> Echo {
        let (listener, url) = crate::listener();
        let received = Arc::new(AtomicUsize::new(0));
        let count = received.clone();
        let server = HttpServer::new(move || {
            let count = count.clone();
            App::new().default_service(web::to(move |req: HttpRequest, body: web::Bytes| {
                count.fetch_add(1, Ordering::SeqCst);
                async move { answer(req, body) }
            }))
        })
        .listen(listener)
        .unwrap()
        .workers(1)
        .run();
        let handle = crate::spawn(server);
        Echo {
            url,
            received,
            server: handle,
        }
    }

    pub fn count(&self) -> usize {
        self.received.load(Ordering::SeqCst)
    }

    pub async fn stop(self) {
        self.server.stop(false).await;
    }
}

fn answer(req: HttpRequest, body: web::Bytes) -> HttpResponse {
    if req.path().ends_with("/problem") {
        return HttpResponse::UnprocessableEntity()
            .content_type("application/problem+json")
            .json(json!({"type": "https://aftersales.dev/problems/validation", "status": 422,
                          "errors": [{"field": "lines[0].qty", "message": "must be between 1 and 100000"}]}));
    }
    let headers: serde_json::Map<String, serde_json::Value> = req
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), json!(v.to_str().unwrap_or_default())))
        .collect();
    let mut response = HttpResponse::Created();
    if req.headers().contains_key("idempotency-key") {
        response.insert_header(("idempotent-replayed", "true"));
    }
    // `…/located-elsewhere` and `…/located-absolute` answer with other kinds of
    // `Location` than the usual path of the created resource.
    let location = if req.path().ends_with("/located-elsewhere") {
        "https://elsewhere.example/api/v1/x".to_owned()
    } else if req.path().ends_with("/located-absolute") {
        format!(
            "http://{}/api/v1/orders/2?x=1",
            req.connection_info().host()
        )
    } else {
        "/api/v1/orders/1".to_owned()
    };
    response
        .insert_header(("location", location))
        .insert_header(("x-internal-secret", "stays here"))
        .json(json!({
            "method": req.method().as_str(),
            "path": req.path(),
            "query": req.query_string(),
            "headers": headers,
            "body": String::from_utf8_lossy(&body),
        }))
}
