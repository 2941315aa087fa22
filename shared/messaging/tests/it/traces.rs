//! The W3C trace context from the transaction that enqueues an event, through the
//! outbox row, the relay's publish span and the message's AMQP headers, to the
//! consumer's process span and what its handler enqueues in turn.

use std::sync::{Arc, Mutex};

use aftersales_messaging::consumer::{Handler, HandlerError};
use aftersales_messaging::relay::BatchMode;
use aftersales_messaging::topology::inbox_queue;
use aftersales_messaging::trace_context::{self, TraceContext};
use aftersales_messaging::{Consumer, Envelope, MessagingMetrics, Relay, RelayConfig};
use aftersales_testkit::otlp::{self, Span};
use aftersales_testkit::{TestDb, TestVhost};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use lapin::options::BasicGetOptions;
use tracing::Instrument;

use crate::support::*;

/// Answers the first ping with a second one, enqueued in the inbox transaction.
#[derive(Clone, Default)]
struct Echo {
    seen: Arc<Mutex<Vec<u32>>>,
}

impl Handler for Echo {
    async fn handle(
        &self,
        conn: &mut AsyncPgConnection,
        event: &Envelope,
    ) -> Result<(), HandlerError> {
        let ping: Ping = aftersales_messaging::payload(event)?;
        self.seen.lock().unwrap().push(ping.n);
        if ping.n == 1 {
            let answer = Envelope::caused_by(event, SERVICE, &Ping { n: 2 })
                .map_err(|e| HandlerError::Reject(e.to_string()))?;
            aftersales_messaging::outbox::enqueue(conn, &answer).await?;
        }
        Ok(())
    }
}

#[derive(QueryableByName, Debug, PartialEq)]
struct Row {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    n: i32,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    traceparent: Option<String>,
}

async fn outbox_rows(pool: &aftersales_messaging::DbPool) -> Vec<Row> {
    let mut conn = pool.get().await.unwrap();
    diesel::sql_query(
        "SELECT (envelope->'payload'->>'n')::int AS n, traceparent FROM outbox ORDER BY id",
    )
    .load(&mut conn)
    .await
    .unwrap()
}

/// `(trace id, parent span id)` of a `traceparent` value.
fn ids(traceparent: &str) -> (String, String) {
    let parts: Vec<&str> = traceparent.split('-').collect();
    assert_eq!(parts.len(), 4, "{traceparent}");
    (parts[1].to_owned(), parts[2].to_owned())
}

fn named<'a>(spans: &'a [Span], name: &str) -> &'a Span {
    spans
        .iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no span {name} in {spans:#?}"))
}

/// Publishes one batch on `publish` and takes the message off the probe's inbox queue
/// through `get`.
async fn relay_one(
    relay: &Relay,
    publish: &lapin::Channel,
    get: &lapin::Channel,
) -> lapin::message::BasicGetMessage {
    assert_eq!(
        relay
            .publish_batch(publish, BatchMode::Normal)
            .await
            .unwrap(),
        1
    );
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let got = get
            .basic_get(
                inbox_queue(SERVICE).as_str().into(),
                BasicGetOptions { no_ack: false },
            )
            .await
            .unwrap();
        if let Some(message) = got {
            return message;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "nothing was published"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

// Current-thread runtime: the capturing subscriber is the thread's default, and every
// step runs on this thread.
#[tokio::test]
async fn the_trace_context_goes_through_outbox_broker_and_consumer_only_when_tracing_is_on() {
    let db = TestDb::new().await;
    let vhost = TestVhost::new().await;
    let pool = prepare_schema(&db.url()).await;
    let (_conn, channel) = amqp(&vhost.amqp_url()).await;
    topology().declare(&channel).await.unwrap();
    let relay = Relay::new(
        pool.clone(),
        &db.url(),
        &vhost.amqp_url(),
        topology(),
        RelayConfig::new(SERVICE),
        MessagingMetrics::unregistered(),
    );
    let (relay_conn, _) = amqp(&vhost.amqp_url()).await;
    let publish = relay.open_channel(&relay_conn).await.unwrap();
    let echo = Echo::default();
    let consumer = Consumer::new(
        pool.clone(),
        &vhost.amqp_url(),
        SERVICE,
        topology(),
        echo.clone(),
        MessagingMetrics::unregistered(),
    );
    let (capture, subscriber) = otlp::capture(SERVICE);
    let _default = tracing::subscriber::set_default(subscriber);

    // Off: a span, but tracing not enabled. Nothing is stored, nothing carried.
    trace_context::set_enabled(false);
    change_and_enqueue(&pool, 7, true)
        .instrument(tracing::info_span!("request"))
        .await;
    let message = relay_one(&relay, &publish, &channel).await;
    // (The broker may add headers of its own, `x-delivery-count`.)
    assert!(TraceContext::from_amqp(message.delivery.properties.headers().as_ref()).is_empty());
    message
        .delivery
        .acker
        .ack(Default::default())
        .await
        .unwrap();
    assert_eq!(
        outbox_rows(&pool).await,
        vec![Row {
            n: 7,
            traceparent: None
        }]
    );
    assert!(
        capture
            .spans()
            .iter()
            .all(|s| s.name != "publish test.ping")
    );

    // On: the request's context is stored with the row...
    trace_context::set_enabled(true);
    let request = tracing::info_span!("request");
    let request_context = TraceContext::of(&request);
    let (trace_id, request_id) = ids(request_context.traceparent.as_deref().unwrap());
    change_and_enqueue(&pool, 1, true)
        .instrument(request.clone())
        .await;
    drop(request);
    let stored = outbox_rows(&pool).await.pop().unwrap();
    assert_eq!(stored.n, 1);
    assert_eq!(
        ids(stored.traceparent.as_deref().unwrap()),
        (trace_id.clone(), request_id.clone())
    );

    // ...published in a publish span, a child of it, whose context the message carries...
    let message = relay_one(&relay, &publish, &channel).await;
    let carried = TraceContext::from_amqp(message.delivery.properties.headers().as_ref());
    let (carried_trace, publish_id) = ids(carried.traceparent.as_deref().unwrap());
    assert_eq!(carried_trace, trace_id);
    let spans = capture.spans();
    let publish = named(&spans, "publish test.ping");
    assert_eq!(
        (publish.kind, &publish.trace_id, &publish.span_id),
        ("producer", &trace_id, &publish_id)
    );
    assert_eq!(publish.parent_span_id.as_ref(), Some(&request_id));
    assert_eq!(publish.attribute("messaging.system"), Some("rabbitmq"));
    assert_eq!(
        publish.attribute("messaging.destination.name"),
        Some("test.ping")
    );

    // ...and the consumer handles it in a process span, a child of the publish span, in
    // which the handler's own event is enqueued.
    let outcome = consumer.process(message.delivery).await.unwrap();
    assert_eq!(outcome, aftersales_messaging::Outcome::Applied);
    assert_eq!(*echo.seen.lock().unwrap(), vec![1]);
    let spans = capture.spans();
    let process = named(&spans, "process test.ping");
    assert_eq!(process.kind, "consumer");
    assert_eq!(process.trace_id, trace_id);
    assert_eq!(process.parent_span_id.as_ref(), Some(&publish_id));
    assert_eq!(process.attribute("messaging.system"), Some("rabbitmq"));
    let answer = outbox_rows(&pool).await.pop().unwrap();
    assert_eq!(answer.n, 2);
    assert_eq!(
        ids(answer.traceparent.as_deref().unwrap()),
        (trace_id, process.span_id.clone())
    );
}
