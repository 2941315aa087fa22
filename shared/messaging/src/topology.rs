//! Exchanges and queues (DESIGN.md, "Messaging"): one topic exchange for events, one
//! quorum inbox queue per consuming service, dead letters to `<service>.dead`.
//!
//! Every service declares the whole topology at start, not only its own queue, so an
//! event published before its consumer ever ran still has a queue to land in.

use lapin::options::{ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions};
use lapin::types::{AMQPValue, FieldTable};
use lapin::{Channel, ExchangeKind};

pub const EVENTS_EXCHANGE: &str = "aftersales.events";
pub const DEAD_EXCHANGE: &str = "aftersales.dead";

/// Deliveries of one message before the broker dead-letters it. Queue arguments must
/// agree between every declarer, so this is one constant, not a setting.
pub const DELIVERY_LIMIT: u32 = 5;

pub fn inbox_queue(service: &str) -> String {
    format!("{service}.inbox")
}

pub fn dead_queue(service: &str) -> String {
    format!("{service}.dead")
}

/// Messages ready in `queue` (not counting those delivered and not yet acked), by a
/// passive declare; an error if the queue does not exist (which closes `channel`).
pub async fn ready_messages(channel: &Channel, queue: &str) -> lapin::Result<u32> {
    let passive = QueueDeclareOptions {
        passive: true,
        ..QueueDeclareOptions::default()
    };
    let q = channel
        .queue_declare(queue.into(), passive, FieldTable::default())
        .await?;
    Ok(q.message_count())
}

/// A consuming service and the event types routed to its inbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    pub service: String,
    pub event_types: Vec<String>,
}

impl Subscription {
    pub fn new(service: &str, event_types: &[&str]) -> Self {
        Subscription {
            service: service.to_owned(),
            event_types: event_types.iter().map(|t| (*t).to_owned()).collect(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Topology {
    pub subscriptions: Vec<Subscription>,
    pub delivery_limit: u32,
}

impl Topology {
    pub fn new(subscriptions: Vec<Subscription>) -> Self {
        Topology {
            subscriptions,
            delivery_limit: DELIVERY_LIMIT,
        }
    }

    pub fn subscription(&self, service: &str) -> Option<&Subscription> {
        self.subscriptions.iter().find(|s| s.service == service)
    }

    /// Declares exchanges, queues and bindings; idempotent, safe from every replica.
    pub async fn declare(&self, channel: &Channel) -> lapin::Result<()> {
        let durable = ExchangeDeclareOptions {
            durable: true,
            ..ExchangeDeclareOptions::default()
        };
        channel
            .exchange_declare(
                EVENTS_EXCHANGE.into(),
                ExchangeKind::Topic,
                durable,
                FieldTable::default(),
            )
            .await?;
        channel
            .exchange_declare(
                DEAD_EXCHANGE.into(),
                ExchangeKind::Direct,
                durable,
                FieldTable::default(),
            )
            .await?;
        for sub in &self.subscriptions {
            self.declare_subscription(channel, sub).await?;
        }
        Ok(())
    }

    async fn declare_subscription(
        &self,
        channel: &Channel,
        sub: &Subscription,
    ) -> lapin::Result<()> {
        let queue_options = QueueDeclareOptions {
            durable: true,
            ..QueueDeclareOptions::default()
        };
        let dead = dead_queue(&sub.service);
        channel
            .queue_declare(dead.as_str().into(), queue_options, quorum_args())
            .await?;
        channel
            .queue_bind(
                dead.as_str().into(),
                DEAD_EXCHANGE.into(),
                sub.service.as_str().into(),
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await?;

        let inbox = inbox_queue(&sub.service);
        let mut args = quorum_args();
        args.insert(
            "x-delivery-limit".into(),
            AMQPValue::LongUInt(self.delivery_limit),
        );
        args.insert(
            "x-dead-letter-exchange".into(),
            AMQPValue::LongString(DEAD_EXCHANGE.into()),
        );
        args.insert(
            "x-dead-letter-routing-key".into(),
            AMQPValue::LongString(sub.service.as_str().into()),
        );
        channel
            .queue_declare(inbox.as_str().into(), queue_options, args)
            .await?;
        for event_type in &sub.event_types {
            channel
                .queue_bind(
                    inbox.as_str().into(),
                    EVENTS_EXCHANGE.into(),
                    event_type.as_str().into(),
                    QueueBindOptions::default(),
                    FieldTable::default(),
                )
                .await?;
        }
        Ok(())
    }
}

fn quorum_args() -> FieldTable {
    let mut args = FieldTable::default();
    args.insert(
        "x-queue-type".into(),
        AMQPValue::LongString("quorum".into()),
    );
    args
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_names_follow_the_design() {
        assert_eq!(inbox_queue("catalog"), "catalog.inbox");
        assert_eq!(dead_queue("catalog"), "catalog.dead");
    }
}
