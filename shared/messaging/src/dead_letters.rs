//! Dead letters: messages a service could not apply within the delivery limit wait in
//! `<service>.dead` until an admin looks at them and replays them once the cause is
//! fixed. Replaying is safe: the consumer's inbox skips what was applied meanwhile.

use lapin::Confirmation;
use lapin::options::{
    BasicAckOptions, BasicGetOptions, BasicNackOptions, BasicPublishOptions, ConfirmSelectOptions,
};
use lapin::types::AMQPValue;
use lapin::{BasicProperties, Channel};
use serde::Serialize;

use crate::envelope::Envelope;
use crate::topology::{EVENTS_EXCHANGE, dead_queue};

#[derive(Debug, Clone, Serialize)]
pub struct DeadLetter {
    pub event_id: Option<uuid::Uuid>,
    pub event_type: Option<String>,
    /// Why the broker dead-lettered it (`delivery_limit`, `rejected`, ...).
    pub reason: Option<String>,
    pub body: String,
}

#[derive(Debug, thiserror::Error)]
pub enum DeadLetterError {
    #[error("broker: {0}")]
    Broker(#[from] lapin::Error),
    #[error("broker refused the replayed message")]
    Nacked,
}

/// Reads up to `limit` dead letters of `service` without removing them.
pub async fn list(
    channel: &Channel,
    service: &str,
    limit: usize,
) -> Result<Vec<DeadLetter>, DeadLetterError> {
    let queue = dead_queue(service);
    let mut seen = Vec::new();
    let mut tags = Vec::new();
    while seen.len() < limit {
        let Some(message) = channel
            .basic_get(queue.as_str().into(), BasicGetOptions { no_ack: false })
            .await?
        else {
            break;
        };
        seen.push(describe(
            &message.delivery.data,
            &message.delivery.properties,
        ));
        tags.push(message.delivery.acker);
    }
    // Hand every message back; they were only looked at.
    for acker in tags {
        acker
            .nack(BasicNackOptions {
                multiple: false,
                requeue: true,
            })
            .await?;
    }
    Ok(seen)
}

/// Moves up to `limit` dead letters of `service` back onto the events exchange under
/// their event type. Returns how many were replayed.
pub async fn replay(
    channel: &Channel,
    service: &str,
    limit: usize,
) -> Result<usize, DeadLetterError> {
    channel
        .confirm_select(ConfirmSelectOptions::default())
        .await?;
    let queue = dead_queue(service);
    let mut replayed = 0;
    while replayed < limit {
        let Some(message) = channel
            .basic_get(queue.as_str().into(), BasicGetOptions { no_ack: false })
            .await?
        else {
            break;
        };
        let delivery = message.delivery;
        let letter = describe(&delivery.data, &delivery.properties);
        let Some(routing_key) = letter.event_type else {
            // Not an envelope: replaying cannot help; leave it for a human.
            delivery
                .acker
                .nack(BasicNackOptions {
                    multiple: false,
                    requeue: true,
                })
                .await?;
            break;
        };
        // Only to the dead service's own inbox would be ideal, but a topic exchange
        // routes by type; the other consumers' inboxes skip what they have seen.
        let properties = BasicProperties::default()
            .with_content_type("application/json".into())
            .with_delivery_mode(2)
            .with_type(routing_key.as_str().into());
        let confirm = channel
            .basic_publish(
                EVENTS_EXCHANGE.into(),
                routing_key.as_str().into(),
                BasicPublishOptions::default(),
                &delivery.data,
                properties,
            )
            .await?
            .await?;
        if !matches!(confirm, Confirmation::Ack(_)) {
            return Err(DeadLetterError::Nacked);
        }
        delivery.acker.ack(BasicAckOptions::default()).await?;
        replayed += 1;
    }
    Ok(replayed)
}

fn describe(data: &[u8], properties: &BasicProperties) -> DeadLetter {
    let envelope = Envelope::from_bytes(data).ok();
    DeadLetter {
        event_id: envelope.as_ref().map(|e| e.event_id),
        event_type: envelope.map(|e| e.event_type),
        reason: death_reason(properties),
        body: String::from_utf8_lossy(data).into_owned(),
    }
}

fn death_reason(properties: &BasicProperties) -> Option<String> {
    let headers = properties.headers().as_ref()?;
    let AMQPValue::FieldArray(deaths) = headers.inner().get("x-death")? else {
        return None;
    };
    let AMQPValue::FieldTable(first) = deaths.as_slice().first()? else {
        return None;
    };
    match first.inner().get("reason")? {
        AMQPValue::LongString(s) => Some(s.to_string()),
        AMQPValue::ShortString(s) => Some(s.to_string()),
        _ => None,
    }
}
