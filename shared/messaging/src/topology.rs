//! Exchanges and queues (DESIGN.md, "Messaging"): one topic exchange for events, one
//! quorum inbox queue per consuming service, dead letters to `<service>.dead`.
//!
//! Whoever provisions the broker (the Messaging Topology Operator in Kubernetes,
//! `cargo xtask up` and the testkit locally) declares the whole topology as an
//! administrator ([`Topology::declare`]), so an event published before its consumer
//! ever ran still has a queue to land in. A service connects as its own user, which
//! may configure only its own queues ([`crate::permissions`]): it checks that the
//! exchanges exist and declares again only its own queues and bindings
//! ([`Topology::declare_as`]).

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
    /// Which event types each service consumes (routed to its inbox).
    pub subscriptions: Vec<Subscription>,
    /// Which event types each service produces: the only producer believed for each.
    pub producers: Vec<Subscription>,
    pub delivery_limit: u32,
}

impl Topology {
    /// A topology with no producers yet: every envelope is refused until
    /// [`Topology::with_producers`] names who may produce what.
    pub fn new(subscriptions: Vec<Subscription>) -> Self {
        Topology {
            subscriptions,
            producers: Vec::new(),
            delivery_limit: DELIVERY_LIMIT,
        }
    }

    pub fn with_producers(mut self, producers: Vec<Subscription>) -> Self {
        self.producers = producers;
        self
    }

    pub fn subscription(&self, service: &str) -> Option<&Subscription> {
        self.subscriptions.iter().find(|s| s.service == service)
    }

    /// The event types `service` produces (empty when it produces none).
    pub fn produced_by(&self, service: &str) -> &[String] {
        self.producers
            .iter()
            .find(|p| p.service == service)
            .map_or(&[], |p| p.event_types.as_slice())
    }

    /// The one service that produces `event_type`, if the topology names one.
    pub fn producer_of(&self, event_type: &str) -> Option<&str> {
        self.producers
            .iter()
            .find(|p| p.event_types.iter().any(|t| t == event_type))
            .map(|p| p.service.as_str())
    }

    /// Declares exchanges, queues and bindings of every service; idempotent. Needs a
    /// user that may configure everything: the provisioning's, not a service's.
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
            self.declare_queues(channel, sub).await?;
            let dead = dead_queue(&sub.service);
            channel
                .queue_bind(
                    dead.as_str().into(),
                    DEAD_EXCHANGE.into(),
                    sub.service.as_str().into(),
                    QueueBindOptions::default(),
                    FieldTable::default(),
                )
                .await?;
        }
        Ok(())
    }

    /// What a service declares as its own user: the exchanges passively (a missing
    /// one is an error that names the provisioning, and closes `channel`), then its
    /// own dead-letter queue, inbox and the inbox's bindings. The dead-letter queue's
    /// binding to [`DEAD_EXCHANGE`] is the provisioning's: binding from that exchange
    /// would let a service bind its queue to another's dead letters.
    pub async fn declare_as(&self, channel: &Channel, service: &str) -> lapin::Result<()> {
        let passive = ExchangeDeclareOptions {
            passive: true,
            ..ExchangeDeclareOptions::default()
        };
        for (exchange, kind) in [
            (EVENTS_EXCHANGE, ExchangeKind::Topic),
            (DEAD_EXCHANGE, ExchangeKind::Direct),
        ] {
            if let Err(err) = channel
                .exchange_declare(exchange.into(), kind, passive, FieldTable::default())
                .await
            {
                tracing::error!(
                    exchange,
                    error = %err,
                    "the exchange is missing: the broker's topology is provisioned by the \
                     deployment (k8s/base/dependencies, `cargo xtask up`), not by a service"
                );
                return Err(err);
            }
        }
        match self.subscription(service) {
            Some(sub) => self.declare_queues(channel, sub).await,
            None => Ok(()),
        }
    }

    /// `sub`'s dead-letter queue and inbox, and the inbox's bindings.
    async fn declare_queues(&self, channel: &Channel, sub: &Subscription) -> lapin::Result<()> {
        let queue_options = QueueDeclareOptions {
            durable: true,
            ..QueueDeclareOptions::default()
        };
        let dead = dead_queue(&sub.service);
        channel
            .queue_declare(dead.as_str().into(), queue_options, quorum_args())
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
