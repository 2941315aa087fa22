//! Notifications: the people a change concerns are told, by signed webhook and in the
//! console.
//!
//! A service declares its [`Topic`]s (what one may subscribe to, and which roles may).
//! Users subscribe through `POST /api/v1/subscriptions` ([`api`]), with a webhook URL
//! or for the console only; a dealer's subscriptions see only its own dealer's
//! notifications. A change that concerns someone calls [`emit`] in its own transaction:
//! one message and one delivery per matching subscription, or nothing at all when
//! nobody subscribed. Those rows are the notifications' outbox: the [`deliver`] job
//! posts each webhook after commit, signed ([`signature`]), retried with backoff until
//! the receiver answers 2xx, and kept as a dead letter the owner can replay after the
//! last attempt. Delivery is at least once; the message id in the `webhook-id` header
//! is what a receiver deduplicates by.
//!
//! docs/notifications.md has the contract: topics per service, the payload, the
//! headers and how to verify them, retries, dead letters and replay.

pub mod api;
pub mod dead_letters;
pub mod deliver;
pub mod signature;

use diesel::QueryResult;
use diesel::sql_types::{Array, Jsonb, Nullable, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde_json::Value;
use uuid::Uuid;

use crate::auth::Role;

/// A kind of notification a service sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Topic {
    /// `<entity>.<what happened>`: `order.shipped`.
    pub name: &'static str,
    /// What it tells, for the person choosing.
    pub description: &'static str,
    /// The roles that may subscribe to it; a dealer only to its own dealer's.
    pub roles: &'static [Role],
}

/// Every service may tell its admins about a message it could not process.
pub const DEAD_LETTER: Topic = Topic {
    name: "event.dead_lettered",
    description: "an event this service could not process was set aside as a dead letter",
    roles: &[Role::Admin],
};

/// The topics a service offers (its own and [`DEAD_LETTER`]), as the API reads them.
#[derive(Debug, Clone, Copy)]
pub struct Topics(pub &'static [Topic]);

impl Topics {
    /// The topic named `name`, if this service offers it.
    pub fn find(&self, name: &str) -> Option<Topic> {
        self.all().find(|t| t.name == name)
    }

    pub fn all(&self) -> impl Iterator<Item = Topic> + '_ {
        self.0.iter().copied().chain(std::iter::once(DEAD_LETTER))
    }
}

/// One notification about to be emitted.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    pub topic: &'static str,
    /// The dealer it concerns: only subscriptions for every dealer or for this one get it.
    pub dealer: Option<String>,
    pub entity_type: &'static str,
    pub entity_id: String,
    /// One line for a person: "Order 0193… shipped: 3 units, DHL 123".
    pub summary: String,
    /// What a machine needs: ids, quantities, dates.
    pub data: Value,
}

impl Notice {
    pub fn new(
        topic: &Topic,
        entity_type: &'static str,
        entity_id: impl ToString,
        summary: impl Into<String>,
    ) -> Self {
        Notice {
            topic: topic.name,
            dealer: None,
            entity_type,
            entity_id: entity_id.to_string(),
            summary: summary.into(),
            data: Value::Object(Default::default()),
        }
    }

    /// It concerns `dealer`.
    pub fn of_dealer(mut self, dealer: impl ToString) -> Self {
        self.dealer = Some(dealer.to_string());
        self
    }

    pub fn with_data(mut self, data: Value) -> Self {
        self.data = data;
        self
    }
}

/// Writes `notices` for every subscription they match, in the caller's transaction, in
/// one statement: a message only where some subscription matches, and one delivery
/// per subscription (pending for a webhook, `console` otherwise).
///
/// Call it where the change is known to be new (as the audit record is written): a
/// redelivered event or a replayed request that changes nothing notifies nobody.
pub async fn emit(
    c: &mut AsyncPgConnection,
    correlation_id: Option<Uuid>,
    notices: &[Notice],
) -> QueryResult<usize> {
    if notices.is_empty() {
        return Ok(0);
    }
    let ids: Vec<Uuid> = notices.iter().map(|_| Uuid::now_v7()).collect();
    let topic: Vec<&str> = notices.iter().map(|n| n.topic).collect();
    let dealer: Vec<Option<&str>> = notices.iter().map(|n| n.dealer.as_deref()).collect();
    let entity_type: Vec<&str> = notices.iter().map(|n| n.entity_type).collect();
    let entity_id: Vec<&str> = notices.iter().map(|n| n.entity_id.as_str()).collect();
    let summary: Vec<&str> = notices.iter().map(|n| n.summary.as_str()).collect();
    let data: Vec<&Value> = notices.iter().map(|n| &n.data).collect();
    // The referencing deliveries are checked at the end of the statement, when the
    // messages inserted beside them are visible.
    crate::db::prepared(
        "WITH input AS ( \
           SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], \
                                $6::text[], $7::jsonb[]) \
             AS t(id, topic, dealer_code, entity_type, entity_id, summary, data)), \
         matched AS ( \
           SELECT i.id AS message_id, s.id AS subscription_id, s.url IS NULL AS console \
           FROM input i JOIN notify_subscription s \
             ON s.topics @> ARRAY[i.topic] \
            AND (s.dealer_code IS NULL OR s.dealer_code = i.dealer_code)), \
         messages AS ( \
           INSERT INTO notify_message (id, topic, dealer_code, entity_type, entity_id, summary, \
                                       data, correlation_id) \
           SELECT i.id, i.topic, i.dealer_code, i.entity_type, i.entity_id, i.summary, i.data, $8 \
           FROM input i WHERE i.id IN (SELECT message_id FROM matched) \
           RETURNING id) \
         INSERT INTO notify_delivery (message_id, subscription_id, status) \
         SELECT m.message_id, m.subscription_id, \
                CASE WHEN m.console THEN 'console' ELSE 'pending' END \
         FROM matched m JOIN messages ON messages.id = m.message_id",
    )
    .bind::<Array<SqlUuid>, _>(ids)
    .bind::<Array<Text>, _>(topic)
    .bind::<Array<Nullable<Text>>, _>(dealer)
    .bind::<Array<Text>, _>(entity_type)
    .bind::<Array<Text>, _>(entity_id)
    .bind::<Array<Text>, _>(summary)
    .bind::<Array<Jsonb>, _>(data)
    .bind::<Nullable<SqlUuid>, _>(correlation_id)
    .execute(c)
    .await
}

/// Deletes up to `batch` notifications created before `cutoff`, with their deliveries,
/// except those still being delivered (the retention job, `NOTIFICATION_RETENTION`).
pub async fn prune(
    c: &mut AsyncPgConnection,
    cutoff: chrono::DateTime<chrono::Utc>,
    batch: i64,
) -> QueryResult<usize> {
    diesel::sql_query(
        "DELETE FROM notify_message WHERE id IN ( \
           SELECT m.id FROM notify_message m WHERE m.created_at < $1 \
             AND NOT EXISTS (SELECT 1 FROM notify_delivery d \
                             WHERE d.message_id = m.id AND d.status = 'pending') \
           ORDER BY m.created_at LIMIT $2 FOR UPDATE SKIP LOCKED)",
    )
    .bind::<diesel::sql_types::Timestamptz, _>(cutoff)
    .bind::<diesel::sql_types::BigInt, _>(batch)
    .execute(c)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHIPPED: Topic = Topic {
        name: "order.shipped",
        description: "an order of yours was shipped",
        roles: &[Role::Dealer, Role::Admin],
    };

    #[test]
    fn every_service_offers_dead_letters_besides_its_own_topics() {
        let topics = Topics(&[SHIPPED]);
        assert_eq!(topics.find("order.shipped"), Some(SHIPPED));
        assert_eq!(topics.find("event.dead_lettered"), Some(DEAD_LETTER));
        assert_eq!(topics.find("claim.decided"), None);
        assert_eq!(topics.all().count(), 2);
    }

    #[test]
    fn a_notice_names_its_dealer_and_data() {
        let n = Notice::new(&SHIPPED, "order", 7, "Order 7 shipped")
            .of_dealer("D001")
            .with_data(serde_json::json!({"qty": 3}));
        assert_eq!(n.topic, "order.shipped");
        assert_eq!(n.dealer.as_deref(), Some("D001"));
        assert_eq!(n.entity_id, "7");
        assert_eq!(n.data["qty"], 3);
    }
}
