//! The webhook deliverer every service runs: posts due deliveries, signed, and records
//! what the receiver answered.
//!
//! A round claims up to a batch of due deliveries with `FOR UPDATE SKIP LOCKED` and, in
//! the same statement, counts the attempt and leases them for [`Delivery::lease`]: the
//! claim commits before anything is posted, so no connection or lock is held while a
//! receiver takes its time, and replicas never post the same delivery at once. A 2xx
//! marks it delivered; anything else schedules the next attempt (backoff doubling from
//! one second up to an hour), and after the last attempt it is dead, kept for replay.
//! A crash after posting and before recording leaves the lease to expire: the delivery
//! is posted again, which is why receivers deduplicate by `webhook-id`.

use std::time::Duration;

use aftersales_messaging::Shutdown;
use chrono::{DateTime, Utc};
use diesel::QueryableByName;
use diesel::sql_types::{
    BigInt, Bool, Integer, Jsonb, Nullable, Text, Timestamptz, Uuid as SqlUuid,
};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use uuid::Uuid;

use super::signature::{self, Secret};
use crate::db::{DbError, DbPool};

/// How deliveries are paced; [`Delivery::default`] is what services run.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// Pause between rounds that found nothing due.
    pub poll: Duration,
    /// Deliveries claimed (and posted concurrently) per round.
    pub batch: i64,
    /// How long a receiver has to answer.
    pub timeout: Duration,
    /// How long a claimed delivery is left to its claimant before another may post it:
    /// longer than a post can take.
    pub lease: Duration,
    /// Attempts before a delivery is dead.
    pub max_attempts: i32,
    /// The first retry's delay; each next one doubles, up to `max_backoff`.
    pub first_backoff: Duration,
    pub max_backoff: Duration,
}

impl Default for Delivery {
    /// Twenty attempts over about nine hours: a receiver down overnight loses nothing.
    fn default() -> Self {
        Delivery {
            poll: Duration::from_millis(500),
            batch: 32,
            timeout: Duration::from_secs(10),
            lease: Duration::from_secs(30),
            max_attempts: 20,
            first_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(3600),
        }
    }
}

impl Delivery {
    /// The wait after failed attempt number `attempts` (1 for the first).
    pub fn backoff(&self, attempts: i32) -> Duration {
        let doublings = u32::try_from(attempts.saturating_sub(1))
            .unwrap_or(0)
            .min(30);
        self.first_backoff
            .saturating_mul(1 << doublings)
            .min(self.max_backoff)
    }
}

/// The body of every webhook.
#[derive(Debug, Clone, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct WebhookBody {
    /// The message id, also in `webhook-id`: the same on every attempt and replay.
    pub id: Uuid,
    /// The topic: `order.shipped`.
    #[serde(rename = "type")]
    pub topic: String,
    /// The service that sent it.
    pub service: String,
    pub created_at: DateTime<Utc>,
    pub dealer_code: Option<String>,
    pub entity_type: String,
    pub entity_id: String,
    pub summary: String,
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
    pub correlation_id: Option<Uuid>,
}

/// A claimed delivery with what posting it needs.
#[derive(Debug, QueryableByName)]
struct Due {
    #[diesel(sql_type = BigInt)]
    delivery_id: i64,
    #[diesel(sql_type = Integer)]
    attempts: i32,
    #[diesel(sql_type = Text)]
    url: String,
    #[diesel(sql_type = Text)]
    secret: String,
    #[diesel(sql_type = Nullable<Text>)]
    previous_secret: Option<String>,
    #[diesel(sql_type = Bool)]
    previous_valid: bool,
    #[diesel(sql_type = SqlUuid)]
    message_id: Uuid,
    #[diesel(sql_type = Text)]
    topic: String,
    #[diesel(sql_type = Nullable<Text>)]
    dealer_code: Option<String>,
    #[diesel(sql_type = Text)]
    entity_type: String,
    #[diesel(sql_type = Text)]
    entity_id: String,
    #[diesel(sql_type = Text)]
    summary: String,
    #[diesel(sql_type = Jsonb)]
    data: serde_json::Value,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    correlation_id: Option<Uuid>,
    #[diesel(sql_type = Timestamptz)]
    created_at: DateTime<Utc>,
}

/// Claims up to `batch` due deliveries: counts the attempt and leases them.
async fn claim(c: &mut AsyncPgConnection, pace: &Delivery) -> diesel::QueryResult<Vec<Due>> {
    diesel::sql_query(
        "UPDATE notify_delivery d \
         SET attempts = d.attempts + 1, \
             next_attempt_at = clock_timestamp() + make_interval(secs => $2) \
         FROM notify_subscription s, notify_message m \
         WHERE d.id IN (SELECT id FROM notify_delivery \
                        WHERE status = 'pending' AND next_attempt_at <= clock_timestamp() \
                        ORDER BY next_attempt_at, id LIMIT $1 FOR UPDATE SKIP LOCKED) \
           AND s.id = d.subscription_id AND m.id = d.message_id AND s.url IS NOT NULL \
         RETURNING d.id AS delivery_id, d.attempts, s.url, s.secret, s.previous_secret, \
                   coalesce(s.previous_until > now(), false) AS previous_valid, \
                   m.id AS message_id, m.topic, m.dealer_code, m.entity_type, m.entity_id, \
                   m.summary, m.data, m.correlation_id, m.created_at",
    )
    .bind::<BigInt, _>(pace.batch)
    .bind::<diesel::sql_types::Double, _>(pace.lease.as_secs_f64())
    .load(c)
    .await
}

/// What a receiver answered to one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Delivered,
    Failed(String),
}

async fn record(
    c: &mut AsyncPgConnection,
    pace: &Delivery,
    due: &Due,
    outcome: &Outcome,
) -> diesel::QueryResult<()> {
    let updated = match outcome {
        Outcome::Delivered => diesel::sql_query(
            "UPDATE notify_delivery SET status = 'delivered', delivered_at = clock_timestamp(), \
                 last_error = NULL WHERE id = $1 AND status = 'pending'",
        )
        .bind::<BigInt, _>(due.delivery_id)
        .execute(c)
        .await,
        Outcome::Failed(error) => {
            let dead = due.attempts >= pace.max_attempts;
            diesel::sql_query(
                "UPDATE notify_delivery SET last_error = $2, \
                 status = CASE WHEN $3 THEN 'dead' ELSE status END, \
                 next_attempt_at = clock_timestamp() + make_interval(secs => $4) \
                 WHERE id = $1 AND status = 'pending'",
            )
            .bind::<BigInt, _>(due.delivery_id)
            .bind::<Text, _>(error.chars().take(500).collect::<String>())
            .bind::<Bool, _>(dead)
            .bind::<diesel::sql_types::Double, _>(pace.backoff(due.attempts).as_secs_f64())
            .execute(c)
            .await
        }
    };
    updated.map(drop)
}

/// Posts one delivery and says how it went.
async fn post(client: &reqwest::Client, service: &str, due: &Due) -> Outcome {
    let body = WebhookBody {
        id: due.message_id,
        topic: due.topic.clone(),
        service: service.to_owned(),
        created_at: due.created_at,
        dealer_code: due.dealer_code.clone(),
        entity_type: due.entity_type.clone(),
        entity_id: due.entity_id.clone(),
        summary: due.summary.clone(),
        data: due.data.clone(),
        correlation_id: due.correlation_id,
    };
    let (bytes, secrets) = match (serde_json::to_vec(&body), signing_secrets(due)) {
        (Ok(bytes), Ok(secrets)) => (bytes, secrets),
        (Err(e), _) => return Outcome::Failed(format!("the body cannot be written: {e}")),
        (_, Err(e)) => return Outcome::Failed(format!("the subscription's secret: {e}")),
    };
    let id = due.message_id.to_string();
    let timestamp = Utc::now().timestamp();
    let answer = client
        .post(&due.url)
        .header("content-type", "application/json")
        .header("webhook-id", &id)
        .header("webhook-timestamp", timestamp.to_string())
        .header(
            "webhook-signature",
            signature::header(&secrets, &id, timestamp, &bytes),
        )
        .body(bytes)
        .send()
        .await;
    match answer {
        Ok(r) if r.status().is_success() => Outcome::Delivered,
        Ok(r) => Outcome::Failed(format!("the receiver answered {}", r.status())),
        Err(e) => Outcome::Failed(format!("the receiver could not be reached: {e}")),
    }
}

fn signing_secrets(due: &Due) -> Result<Vec<Secret>, signature::SignatureError> {
    let mut secrets = vec![Secret::parse(&due.secret)?];
    if let (Some(previous), true) = (&due.previous_secret, due.previous_valid) {
        secrets.push(Secret::parse(previous)?);
    }
    Ok(secrets)
}

/// One round: claims what is due, posts it concurrently and records each answer.
/// Returns how many deliveries were attempted.
pub async fn round(
    pool: &DbPool,
    client: &reqwest::Client,
    service: &str,
    pace: &Delivery,
) -> Result<usize, DbError> {
    let due = {
        let mut c = pool.get().await?;
        claim(&mut c, pace).await?
    };
    if due.is_empty() {
        return Ok(0);
    }
    let outcomes =
        futures_util::future::join_all(due.iter().map(|d| post(client, service, d))).await;
    let mut c = pool.get().await?;
    for (d, outcome) in due.iter().zip(&outcomes) {
        if let Outcome::Failed(error) = outcome {
            tracing::warn!(delivery = d.delivery_id, attempt = d.attempts, topic = %d.topic, %error, "webhook not delivered");
        }
        record(&mut c, pace, d, outcome).await?;
    }
    Ok(due.len())
}

/// The HTTP client deliveries go out on.
pub fn client(pace: &Delivery) -> Result<reqwest::Client, reqwest::Error> {
    crate::http_client::builder()
        .timeout(pace.timeout)
        // A receiver's redirect is an answer, not an instruction to post elsewhere.
        .redirect(reqwest::redirect::Policy::none())
        .build()
}

/// Delivers until `shutdown`: a round, then another at once while rounds find work,
/// else after `pace.poll`.
pub async fn run(pool: DbPool, service: &'static str, pace: Delivery, mut shutdown: Shutdown) {
    let client = match client(&pace) {
        Ok(client) => client,
        Err(e) => {
            tracing::error!(error = %e, "no HTTP client for webhooks: none will be delivered");
            return;
        }
    };
    loop {
        let found = tokio::select! {
            r = round(&pool, &client, service, &pace) => r,
            _ = shutdown.wait() => return,
        };
        let pause = match found {
            Ok(n) if n as i64 >= pace.batch => Duration::ZERO,
            Ok(_) => pace.poll,
            Err(e) => {
                tracing::warn!(error = %e, "webhook round failed; retrying");
                pace.poll
            }
        };
        tokio::select! {
            _ = tokio::time::sleep(pause) => {}
            _ = shutdown.wait() => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_the_first_delay_up_to_the_cap() {
        let pace = Delivery::default();
        let secs: Vec<u64> = (1..=20).map(|a| pace.backoff(a).as_secs()).collect();
        assert_eq!(&secs[..5], &[1, 2, 4, 8, 16]);
        assert!(secs[12..].iter().all(|s| *s == 3600));
        assert_eq!(pace.backoff(0), Duration::from_secs(1));
        assert_eq!(pace.backoff(i32::MAX), Duration::from_secs(3600));
        // The waits between the attempts span a night, not minutes.
        let total: u64 = (1..pace.max_attempts)
            .map(|a| pace.backoff(a).as_secs())
            .sum();
        assert!((8 * 3600..10 * 3600).contains(&total), "{total}");
    }
}
