//! A webhook receiver on loopback, for the notifications' tests: it records every
//! delivery (headers and body) and can be taken down and brought back on the same
//! address (an outage the deliverer must ride out), or made to answer 503.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use aftersales_web::notify::signature::Secret;
use aftersales_web::service::{Listening, listen};

/// One delivery as the receiver got it.
#[derive(Debug, Clone)]
pub struct Received {
    pub id: String,
    pub timestamp: String,
    pub signature: String,
    pub body: Vec<u8>,
}

impl Received {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap()
    }

    /// Whether `secret` signed it (with the receiver's clock now).
    pub fn verifies(&self, secret: &str) -> bool {
        let secret = Secret::parse(secret).unwrap();
        secret
            .verify(
                &self.id,
                &self.timestamp,
                &self.signature,
                &self.body,
                chrono::Utc::now().timestamp(),
            )
            .is_ok()
    }
}

#[derive(Default)]
struct State {
    received: Mutex<Vec<Received>>,
    failing: AtomicBool,
}

/// The receiver: `url()` is where to subscribe.
pub struct WebhookReceiver {
    addr: SocketAddr,
    state: Arc<State>,
    running: Option<Listening>,
}

impl WebhookReceiver {
    /// Listening on a free loopback port.
    pub async fn start() -> Self {
        let mut receiver = WebhookReceiver {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            state: Arc::default(),
            running: None,
        };
        receiver.up().await;
        receiver
    }

    pub fn url(&self) -> String {
        format!("http://{}/hooks", self.addr)
    }

    /// Back on the same address after [`WebhookReceiver::down`].
    pub async fn up(&mut self) {
        if self.running.is_some() {
            return;
        }
        // The port was ours a moment ago: a restart may find it in TIME_WAIT for a
        // moment (actix sets SO_REUSEADDR, so only a live listener holds it).
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        let listening = loop {
            let state = self.state.clone();
            let server = HttpServer::new(move || {
                App::new()
                    .app_data(web::Data::from(state.clone()))
                    .app_data(web::PayloadConfig::new(1 << 20))
                    .route("/hooks", web::post().to(receive))
            })
            .workers(1);
            match listen(server, self.addr) {
                Ok(l) => break l,
                Err(e) if std::time::Instant::now() < deadline => {
                    eprintln!("webhook receiver: {e}; binding again");
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
                Err(e) => panic!("webhook receiver cannot listen on {}: {e}", self.addr),
            }
        };
        self.addr = listening.addr;
        self.running = Some(listening);
    }

    /// Stops listening: deliveries meet a refused connection until [`WebhookReceiver::up`].
    pub async fn down(&mut self) {
        if let Some(running) = self.running.take() {
            running.handle.stop(false).await;
            let _ = running.task.await;
        }
    }

    /// While failing, every delivery is answered 503 (and still recorded as attempted).
    pub fn set_failing(&self, failing: bool) {
        self.state.failing.store(failing, Ordering::SeqCst);
    }

    /// Every delivery accepted with a 2xx, in arrival order.
    pub fn received(&self) -> Vec<Received> {
        self.state.received.lock().unwrap().clone()
    }

    /// The distinct ids accepted, and how many deliveries repeated one.
    pub fn ids(&self) -> (std::collections::BTreeSet<String>, usize) {
        let received = self.received();
        let ids: std::collections::BTreeSet<String> =
            received.iter().map(|r| r.id.clone()).collect();
        let repeats = received.len() - ids.len();
        (ids, repeats)
    }
}

async fn receive(state: web::Data<State>, req: HttpRequest, body: web::Bytes) -> HttpResponse {
    if state.failing.load(Ordering::SeqCst) {
        return HttpResponse::ServiceUnavailable().finish();
    }
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    state.received.lock().unwrap().push(Received {
        id: header("webhook-id"),
        timestamp: header("webhook-timestamp"),
        signature: header("webhook-signature"),
        body: body.to_vec(),
    });
    HttpResponse::NoContent().finish()
}
