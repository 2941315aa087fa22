//! Traces across the services and the broker: orders and catalog as real processes,
//! exporting over OTLP to the harness's receiver. One order placed with a caller's
//! `traceparent` is one trace from the dealer's POST to "reserved": orders → broker →
//! catalog → broker → orders.

use std::collections::{BTreeSet, HashSet};
use std::time::Duration;

use aftersales_messaging::contracts::event_types::{ORDER_PLACED, STOCK_RESERVED};
use aftersales_testkit::otlp::{OtlpReceiver, Span};
use aftersales_web::Role;
use serde_json::{Value, json};

use crate::order_flow::Flow;

/// The variables for both services: the default service names (`orders`, `catalog`)
/// are what the resource must show, so `OTEL_SERVICE_NAME` is left out.
fn otel_env(receiver: &OtlpReceiver) -> Vec<(&'static str, String)> {
    vec![
        (
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            receiver.endpoint().to_owned(),
        ),
        ("OTEL_TRACES_SAMPLER", "parentbased_always_on".to_owned()),
        // Batches every 100 ms rather than 5 s: the test waits for them.
        ("OTEL_BSP_SCHEDULE_DELAY", "100".to_owned()),
    ]
}

async fn start(env: &[(&'static str, String)]) -> Flow {
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    Flow::start_with(&env).await
}

/// Places an order of one P-100 for D001 as a caller whose span is `caller` in trace
/// `trace_id`; returns the order's id once it is reserved.
async fn place_traced(flow: &Flow, trace_id: &str, caller: &str) -> String {
    let res = flow
        .http
        .post(flow.orders.url("/api/v1/orders"))
        .bearer_auth(flow.token(Role::Dealer, Some("D001")))
        .header("traceparent", format!("00-{trace_id}-{caller}-01"))
        .json(&json!({"priority": "stock", "lines": [{"part_number": "P-100", "qty": 1}]}))
        .send()
        .await
        .expect("place order");
    let status = res.status().as_u16();
    let order: Value = res.json().await.unwrap_or(Value::Null);
    assert_eq!(status, 201, "{order}");
    let id = order["id"].as_str().expect("order id").to_owned();
    flow.wait_status("D001", &id, "reserved").await;
    id
}

/// The spans of one order's trace, once they are all there: the order's server span
/// under the caller's, the publish and process span of each event, each under the one
/// before.
struct OrderTrace {
    post: Span,
    /// The chain after the POST: orders publishes `orders.order_placed`, catalog
    /// processes it and publishes `catalog.stock_reserved`, orders processes that.
    chain: [Span; 4],
}

fn child<'a>(spans: &'a [Span], parent: &Span, service: &str, name: &str) -> Option<&'a Span> {
    spans.iter().find(|s| {
        s.parent_span_id.as_deref() == Some(parent.span_id.as_str())
            && s.service == service
            && s.name == name
    })
}

fn order_trace(spans: &[Span], caller: &str) -> Option<OrderTrace> {
    let post = spans.iter().find(|s| {
        s.service == "orders"
            && s.name == "POST /api/v1/orders"
            && s.parent_span_id.as_deref() == Some(caller)
    })?;
    let placed = child(spans, post, "orders", &format!("publish {ORDER_PLACED}"))?;
    let processed = child(spans, placed, "catalog", &format!("process {ORDER_PLACED}"))?;
    let reserved = child(
        spans,
        processed,
        "catalog",
        &format!("publish {STOCK_RESERVED}"),
    )?;
    let applied = child(
        spans,
        reserved,
        "orders",
        &format!("process {STOCK_RESERVED}"),
    )?;
    Some(OrderTrace {
        post: post.clone(),
        chain: [placed, processed, reserved, applied].map(Clone::clone),
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn one_order_is_one_trace_across_orders_the_broker_and_catalog() {
    let receiver = OtlpReceiver::start();
    let flow = start(&otel_env(&receiver)).await;
    let trace_id = uuid::Uuid::new_v4().simple().to_string();
    let caller = &uuid::Uuid::new_v4().simple().to_string()[..16];
    place_traced(&flow, &trace_id, caller).await;

    let mut found = None;
    let complete = aftersales_e2e::eventually(Duration::from_secs(30), || {
        found = order_trace(&receiver.trace(&trace_id), caller);
        let done = found.is_some();
        async move { done }
    })
    .await;
    let spans = receiver.trace(&trace_id);
    assert!(
        complete,
        "the order's trace never became complete: {spans:#?}"
    );
    let OrderTrace { post, chain } = found.expect("complete");

    assert_eq!(post.kind, "server");
    assert_eq!(post.attribute("http.route"), Some("/api/v1/orders"));
    assert_eq!(post.attribute("http.response.status_code"), Some("201"));
    for (span, kind, destination) in [
        (&chain[0], "producer", ORDER_PLACED),
        (&chain[1], "consumer", ORDER_PLACED),
        (&chain[2], "producer", STOCK_RESERVED),
        (&chain[3], "consumer", STOCK_RESERVED),
    ] {
        assert_eq!(span.kind, kind, "{span:?}");
        assert_eq!(span.attribute("messaging.system"), Some("rabbitmq"));
        assert_eq!(
            span.attribute("messaging.destination.name"),
            Some(destination)
        );
    }
    // One trace, both services, and a whole tree: every span's parent is in the trace
    // but the POST's, which is the caller's.
    let services: BTreeSet<&str> = spans.iter().map(|s| s.service.as_str()).collect();
    assert_eq!(services, BTreeSet::from(["catalog", "orders"]));
    let ids: HashSet<&str> = spans.iter().map(|s| s.span_id.as_str()).collect();
    let roots: Vec<&Span> = spans
        .iter()
        .filter(|s| {
            s.parent_span_id
                .as_deref()
                .is_none_or(|parent| !ids.contains(parent))
        })
        .collect();
    assert_eq!(roots, vec![&post], "{spans:#?}");
    eprintln!(
        "trace {trace_id}: {} spans from {services:?}: {:?}",
        spans.len(),
        spans.iter().map(|s| s.name.as_str()).collect::<Vec<_>>()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn with_the_sdk_disabled_nothing_is_exported_even_to_a_configured_endpoint() {
    let receiver = OtlpReceiver::start();
    let mut env = otel_env(&receiver);
    env.push(("OTEL_SDK_DISABLED", "true".to_owned()));
    let mut flow = start(&env).await;
    let trace_id = uuid::Uuid::new_v4().simple().to_string();
    place_traced(&flow, &trace_id, "00f067aa0ba902b7").await;
    // A graceful stop flushes whatever an exporter would hold.
    flow.orders.terminate();
    flow.catalog.terminate();
    assert_eq!(receiver.spans(), Vec::new());
}
