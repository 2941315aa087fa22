//! Prometheus collectors of the relay and the consumer, registered into the
//! service's registry so `/metrics` shows them beside the HTTP figures.

use prometheus::{IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry};

#[derive(Clone)]
pub struct MessagingMetrics {
    pub outbox_backlog: IntGauge,
    pub published: IntCounter,
    pub consumed: IntCounterVec,
    pub queue_messages: IntGaugeVec,
}

impl MessagingMetrics {
    pub fn new(registry: &Registry) -> prometheus::Result<Self> {
        let metrics = MessagingMetrics {
            outbox_backlog: IntGauge::new(
                "outbox_backlog",
                "Outbox rows written but not yet confirmed by the broker",
            )?,
            published: IntCounter::new(
                "outbox_published_total",
                "Outbox rows published and confirmed by the broker",
            )?,
            consumed: IntCounterVec::new(
                Opts::new(
                    "inbox_messages_total",
                    "Consumed messages by outcome (applied, duplicate, retried, rejected, forged)",
                ),
                &["outcome"],
            )?,
            queue_messages: IntGaugeVec::new(
                Opts::new(
                    "queue_messages",
                    "Messages waiting in the service's queues: the inbox (consumer lag) and the dead-letter queue",
                ),
                &["queue"],
            )?,
        };
        registry.register(Box::new(metrics.outbox_backlog.clone()))?;
        registry.register(Box::new(metrics.published.clone()))?;
        registry.register(Box::new(metrics.consumed.clone()))?;
        registry.register(Box::new(metrics.queue_messages.clone()))?;
        Ok(metrics)
    }

    /// Collectors registered nowhere, for components run without a service around them.
    pub fn unregistered() -> Self {
        // Registering into a fresh registry cannot collide.
        Self::new(&Registry::new()).unwrap_or_else(|_| unreachable!())
    }
}
