//! The notifications' endpoints, the same in every service (under `/api/v1`):
//!
//! - `GET /notifications/topics`: what the caller may subscribe to here;
//! - `GET|POST /subscriptions`, `DELETE /subscriptions/{id}`,
//!   `POST /subscriptions/{id}/rotate-secret`: the caller's own subscriptions;
//! - `GET /subscriptions/{id}/deliveries?status=dead`, and
//!   `POST /subscriptions/{id}/deliveries/{delivery}/replay`: what was sent, the dead
//!   letters, and sending one again;
//! - `GET /notifications`, `GET /notifications/unread-count`,
//!   `POST /notifications/{id}/read`, `POST /notifications/read-all`: the console's list.
//!
//! Every signed-in role may subscribe to the topics its role may read; a dealer only to
//! its own dealer's notifications. A subscription is its owner's (the token's subject):
//! nobody else sees it, except an admin, who may read, replay and delete any.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Duration, Utc};
use diesel::QueryableByName;
use diesel::sql_types::{
    Array, BigInt, Bool, Integer, Jsonb, Nullable, Text, Timestamptz, Uuid as SqlUuid,
};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::signature::Secret;
use super::{Topic, Topics};
use crate::auth::{Principal, Role};
use crate::openapi::Conventions;
use crate::pagination::Page;
use crate::{Allowed, ApiError, DbConn, Json, PageQuery};

crate::roles! {
    /// Everyone signed in: each topic says which roles may subscribe to it.
    pub SignedIn = [Dealer, Warehouse, Quality, QualityLead, Finance, Admin];
}

/// How long a rotated secret still signs deliveries beside the new one.
pub const ROTATION_OVERLAP_HOURS: i64 = 24;
/// Subscriptions one user may hold in one service.
pub const MAX_SUBSCRIPTIONS: i64 = 50;
const MAX_URL_LEN: usize = 2000;

/// Registers the endpoints; `topics` are the service's.
pub fn configure(cfg: &mut web::ServiceConfig, topics: Topics) {
    cfg.app_data(web::Data::new(topics))
        .route("/notifications/topics", web::get().to(list_topics))
        .route("/notifications", web::get().to(list_notifications))
        .route("/notifications/unread-count", web::get().to(unread_count))
        .route("/notifications/read-all", web::post().to(read_all))
        .route("/notifications/{id}/read", web::post().to(mark_read))
        .route("/subscriptions", web::get().to(list_subscriptions))
        .route("/subscriptions", web::post().to(subscribe))
        .route("/subscriptions/{id}", web::delete().to(unsubscribe))
        .route(
            "/subscriptions/{id}/rotate-secret",
            web::post().to(rotate_secret),
        )
        .route(
            "/subscriptions/{id}/deliveries",
            web::get().to(list_deliveries),
        )
        .route(
            "/subscriptions/{id}/deliveries/{delivery}/replay",
            web::post().to(replay),
        );
}

/// The notifications' part of every service's OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(list_topics, list_notifications, unread_count, read_all, mark_read,
          list_subscriptions, subscribe, unsubscribe, rotate_secret, list_deliveries, replay),
    components(schemas(TopicView, NewSubscription, SubscriptionView, RotatedSecret,
                       DeliveryView, DeliveryPage, NotificationView, NotificationPage,
                       UnreadCount, super::deliver::WebhookBody)),
    tags((name = "notifications", description = "Subscriptions, signed webhooks and the console's notifications (docs/notifications.md)")),
    modifiers(&Conventions)
)]
pub struct NotifyDoc;

/// A topic one may subscribe to.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TopicView {
    pub name: String,
    pub description: String,
}

/// What to subscribe to, and where to deliver it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSubscription {
    /// One to twenty topic names of this service (`GET /notifications/topics`).
    pub topics: Vec<String>,
    /// An http(s) URL to post signed webhooks to; absent: in the console only.
    pub url: Option<String>,
    /// Only this dealer's notifications. A dealer's subscription is always for its
    /// own dealer (absent means its own; another dealer's is refused); staff may leave
    /// it out for every dealer's.
    pub dealer_code: Option<String>,
}

/// A subscription.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, QueryableByName)]
pub struct SubscriptionView {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = Array<Text>)]
    pub topics: Vec<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub url: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub dealer_code: Option<String>,
    /// The subscriber (the token's subject).
    #[diesel(sql_type = Text)]
    pub owner: String,
    #[diesel(sql_type = Timestamptz)]
    pub created_at: DateTime<Utc>,
    /// The signing secret: only in the answer that created the subscription. Keep it:
    /// it is never shown again (rotate it to get a new one).
    #[diesel(sql_type = Nullable<Text>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

/// A new signing secret.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RotatedSecret {
    pub secret: String,
    /// Until then deliveries carry a signature with the previous secret too.
    pub previous_valid_until: DateTime<Utc>,
}

/// One delivery of one notification to one subscription.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, QueryableByName)]
pub struct DeliveryView {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    /// The notification's id (the webhook's `webhook-id`).
    #[diesel(sql_type = SqlUuid)]
    pub message_id: Uuid,
    #[diesel(sql_type = Text)]
    pub topic: String,
    #[diesel(sql_type = Text)]
    pub summary: String,
    /// `pending`, `delivered`, `dead` (every attempt failed: replay it), or `console`.
    #[diesel(sql_type = Text)]
    pub status: String,
    #[diesel(sql_type = Integer)]
    pub attempts: i32,
    /// When the next attempt is due, while pending.
    #[diesel(sql_type = Timestamptz)]
    pub next_attempt_at: DateTime<Utc>,
    /// What the receiver answered to the last failed attempt.
    #[diesel(sql_type = Nullable<Text>)]
    pub last_error: Option<String>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub delivered_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Timestamptz)]
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DeliveryPage {
    pub items: Vec<DeliveryView>,
    pub next_cursor: Option<String>,
}

/// A notification in the console.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, QueryableByName)]
pub struct NotificationView {
    /// What `POST /notifications/{id}/read` takes.
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = SqlUuid)]
    pub message_id: Uuid,
    #[diesel(sql_type = Text)]
    pub topic: String,
    #[diesel(sql_type = Text)]
    pub summary: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub dealer_code: Option<String>,
    #[diesel(sql_type = Text)]
    pub entity_type: String,
    #[diesel(sql_type = Text)]
    pub entity_id: String,
    #[diesel(sql_type = Jsonb)]
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
    #[diesel(sql_type = Timestamptz)]
    pub created_at: DateTime<Utc>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub read_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct NotificationPage {
    pub items: Vec<NotificationView>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UnreadCount {
    pub unread: i64,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NotificationQuery {
    /// Only the unread ones.
    pub unread: Option<bool>,
    /// Opaque position from a previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// Page size, default 50; a value outside 1 to 200 counts as the nearer of the two.
    #[param(format = Int64, minimum = 0, maximum = 4294967295_u64)]
    pub limit: Option<u32>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveryQuery {
    /// Only deliveries in this state: `pending`, `delivered`, `dead` (the dead letters).
    pub status: Option<String>,
    pub cursor: Option<String>,
    #[param(format = Int64, minimum = 0, maximum = 4294967295_u64)]
    pub limit: Option<u32>,
}

fn may_subscribe(topic: &Topic, who: &Principal) -> bool {
    topic.roles.contains(&who.role)
}

/// The topics of this service the caller may subscribe to.
#[utoipa::path(
    get, path = "/api/v1/notifications/topics", tag = "notifications",
    responses((status = 200, description = "the caller's role's topics", body = Vec<TopicView>)),
    security(("bearer" = []))
)]
pub async fn list_topics(
    Allowed(who, ..): Allowed<SignedIn>,
    topics: web::Data<Topics>,
) -> HttpResponse {
    let views: Vec<TopicView> = topics
        .all()
        .filter(|t| may_subscribe(t, &who))
        .map(|t| TopicView {
            name: t.name.to_owned(),
            description: t.description.to_owned(),
        })
        .collect();
    HttpResponse::Ok().json(views)
}

/// A subscription's request checked: the topics known and allowed, the URL one we
/// post to, the dealer the caller may watch.
#[derive(Debug)]
struct Checked {
    topics: Vec<String>,
    url: Option<String>,
    dealer_code: Option<String>,
}

fn check(body: NewSubscription, who: &Principal, topics: &Topics) -> Result<Checked, ApiError> {
    if body.topics.is_empty() || body.topics.len() > 20 {
        return Err(ApiError::invalid_field(
            "topics",
            "name one to twenty topics",
        ));
    }
    let mut names = Vec::with_capacity(body.topics.len());
    for name in &body.topics {
        let Some(topic) = topics.find(name.trim()) else {
            let known: Vec<&str> = topics.all().map(|t| t.name).collect();
            return Err(ApiError::invalid_field(
                "topics",
                format!(
                    "{name:?} is not a topic of this service; its topics are {}",
                    known.join(", ")
                ),
            ));
        };
        if !may_subscribe(&topic, who) {
            return Err(ApiError::forbidden(format!(
                "a {} may not subscribe to {}",
                who.role.as_str(),
                topic.name
            )));
        }
        if !names.contains(&topic.name.to_owned()) {
            names.push(topic.name.to_owned());
        }
    }
    let url = body.url.map(|u| check_url(u.trim())).transpose()?;
    let dealer_code = match (who.dealer_scope()?, body.dealer_code) {
        (Some(own), None) => Some(own.to_owned()),
        (Some(own), Some(asked)) if asked.trim() == own => Some(own.to_owned()),
        (Some(_), Some(_)) => {
            return Err(ApiError::forbidden(
                "a dealer may subscribe only to its own dealer's notifications: leave out \
                 dealer_code or give your own",
            ));
        }
        (None, Some(asked)) => Some(
            aftersales_types::DealerCode::parse(asked.trim())
                .map_err(|e| ApiError::invalid_field("dealer_code", e.to_string()))?
                .to_string(),
        ),
        (None, None) => None,
    };
    Ok(Checked {
        topics: names,
        url,
        dealer_code,
    })
}

fn check_url(url: &str) -> Result<String, ApiError> {
    let invalid = |why: &str| ApiError::invalid_field("url", why.to_owned());
    if url.len() > MAX_URL_LEN {
        return Err(invalid("must be at most 2000 characters"));
    }
    let parsed =
        reqwest::Url::parse(url).map_err(|e| invalid(&format!("is not an absolute URL: {e}")))?;
    if !matches!(parsed.scheme(), "https" | "http") || parsed.host_str().is_none() {
        return Err(invalid("must be an http or https URL with a host"));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(invalid(
            "must not carry credentials: the signature proves the sender",
        ));
    }
    Ok(parsed.to_string())
}

const SUBSCRIPTION_COLUMNS: &str = "id, topics, url, dealer_code, owner, created_at";

/// Subscribes the caller. With a `url`, the answer holds the signing secret, shown this
/// once.
#[utoipa::path(
    post, path = "/api/v1/subscriptions", tag = "notifications",
    request_body = NewSubscription,
    responses(
        (status = 201, description = "subscribed; `secret` is shown only here", body = SubscriptionView),
        (status = 403, description = "a topic the role may not have, or another dealer's notifications", body = crate::Problem),
        (status = 409, description = "the caller holds the most subscriptions one may", body = crate::Problem),
        (status = 422, description = "unknown topic, bad URL or dealer code", body = crate::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn subscribe(
    Allowed(who, ..): Allowed<SignedIn>,
    topics: web::Data<Topics>,
    mut conn: DbConn,
    body: Json<NewSubscription>,
) -> Result<HttpResponse, ApiError> {
    let checked = check(body.into_inner(), &who, &topics)?;
    let secret = match &checked.url {
        Some(_) => Some(Secret::generate().map_err(ApiError::internal)?.expose()),
        None => None,
    };
    let created: Option<SubscriptionView> = diesel::sql_query(format!(
        "INSERT INTO notify_subscription (id, owner, owner_role, dealer_code, topics, url, secret) \
         SELECT $1, $2, $3, $4, $5, $6, $7 \
         WHERE (SELECT count(*) FROM notify_subscription WHERE owner = $2) < $8 \
         RETURNING {SUBSCRIPTION_COLUMNS}, secret"
    ))
    .bind::<SqlUuid, _>(Uuid::now_v7())
    .bind::<Text, _>(&who.sub)
    .bind::<Text, _>(who.role.as_str())
    .bind::<Nullable<Text>, _>(&checked.dealer_code)
    .bind::<Array<Text>, _>(&checked.topics)
    .bind::<Nullable<Text>, _>(&checked.url)
    .bind::<Nullable<Text>, _>(&secret)
    .bind::<BigInt, _>(MAX_SUBSCRIPTIONS)
    .get_result(&mut conn)
    .await
    .map(Some)
    .or_else(none_if_not_found)?;
    let Some(created) = created else {
        return Err(ApiError::conflict(format!(
            "you hold {MAX_SUBSCRIPTIONS} subscriptions in this service, the most one may: \
             delete one first, or put several topics in one"
        )));
    };
    Ok(HttpResponse::Created().json(created))
}

fn none_if_not_found<T>(e: diesel::result::Error) -> Result<Option<T>, diesel::result::Error> {
    match e {
        diesel::result::Error::NotFound => Ok(None),
        e => Err(e),
    }
}

/// The caller's subscriptions in this service, newest first.
#[utoipa::path(
    get, path = "/api/v1/subscriptions", tag = "notifications",
    responses((status = 200, description = "the caller's subscriptions (never their secrets)", body = Vec<SubscriptionView>)),
    security(("bearer" = []))
)]
pub async fn list_subscriptions(
    Allowed(who, ..): Allowed<SignedIn>,
    mut conn: DbConn,
) -> Result<HttpResponse, ApiError> {
    let rows: Vec<SubscriptionView> = diesel::sql_query(format!(
        "SELECT {SUBSCRIPTION_COLUMNS}, NULL::text AS secret FROM notify_subscription \
         WHERE owner = $1 ORDER BY created_at DESC, id DESC"
    ))
    .bind::<Text, _>(&who.sub)
    .load(&mut conn)
    .await?;
    Ok(HttpResponse::Ok().json(rows))
}

/// The subscription `id` if the caller owns it (or is an admin); 404 otherwise, the
/// same whether it exists or not.
async fn owned(c: &mut AsyncPgConnection, who: &Principal, id: Uuid) -> Result<(), ApiError> {
    let found: Option<SubscriptionView> = diesel::sql_query(format!(
        "SELECT {SUBSCRIPTION_COLUMNS}, NULL::text AS secret FROM notify_subscription \
         WHERE id = $1 AND (owner = $2 OR $3)"
    ))
    .bind::<SqlUuid, _>(id)
    .bind::<Text, _>(&who.sub)
    .bind::<Bool, _>(who.is(Role::Admin))
    .get_result(c)
    .await
    .map(Some)
    .or_else(none_if_not_found)?;
    found
        .map(drop)
        .ok_or_else(|| ApiError::not_found(format!("you have no subscription {id}")))
}

/// Ends a subscription; what it had not delivered yet is dropped with it.
#[utoipa::path(
    delete, path = "/api/v1/subscriptions/{id}", tag = "notifications",
    params(("id" = Uuid, Path)),
    responses(
        (status = 204, description = "unsubscribed"),
        (status = 404, description = "not a subscription of the caller's", body = crate::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn unsubscribe(
    Allowed(who, ..): Allowed<SignedIn>,
    mut conn: DbConn,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    owned(&mut conn, &who, *id).await?;
    diesel::sql_query("DELETE FROM notify_subscription WHERE id = $1")
        .bind::<SqlUuid, _>(*id)
        .execute(&mut conn)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A new signing secret; the previous one still signs beside it for 24 hours, so the
/// receiver can switch without losing a delivery.
#[utoipa::path(
    post, path = "/api/v1/subscriptions/{id}/rotate-secret", tag = "notifications",
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "the new secret, shown only here", body = RotatedSecret),
        (status = 404, description = "not a subscription of the caller's", body = crate::Problem),
        (status = 409, description = "a console-only subscription has no secret", body = crate::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn rotate_secret(
    Allowed(who, ..): Allowed<SignedIn>,
    mut conn: DbConn,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    owned(&mut conn, &who, *id).await?;
    let secret = Secret::generate().map_err(ApiError::internal)?.expose();
    let until = Utc::now() + Duration::hours(ROTATION_OVERLAP_HOURS);
    let rotated = diesel::sql_query(
        "UPDATE notify_subscription SET previous_secret = secret, previous_until = $3, secret = $2 \
         WHERE id = $1 AND url IS NOT NULL",
    )
    .bind::<SqlUuid, _>(*id)
    .bind::<Text, _>(&secret)
    .bind::<Timestamptz, _>(until)
    .execute(&mut conn)
    .await?;
    if rotated == 0 {
        return Err(ApiError::conflict(
            "this subscription delivers to the console only and has no secret",
        ));
    }
    Ok(HttpResponse::Ok().json(RotatedSecret {
        secret,
        previous_valid_until: until,
    }))
}

const DELIVERY_COLUMNS: &str = "d.id, d.message_id, m.topic, m.summary, d.status, d.attempts, \
     d.next_attempt_at, d.last_error, d.delivered_at, m.created_at";

/// A subscription's deliveries, newest first; `?status=dead` is its dead letters.
#[utoipa::path(
    get, path = "/api/v1/subscriptions/{id}/deliveries", tag = "notifications",
    params(("id" = Uuid, Path), DeliveryQuery),
    responses(
        (status = 200, description = "newest first", body = DeliveryPage),
        (status = 400, description = "a cursor that is not one of this list", body = crate::Problem),
        (status = 404, description = "not a subscription of the caller's", body = crate::Problem),
        (status = 422, description = "unknown status", body = crate::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn list_deliveries(
    Allowed(who, ..): Allowed<SignedIn>,
    mut conn: DbConn,
    id: web::Path<Uuid>,
    query: crate::Query<DeliveryQuery>,
) -> Result<HttpResponse, ApiError> {
    let status = match query.status.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(s @ ("pending" | "delivered" | "dead" | "console")) => Some(s.to_owned()),
        Some(_) => {
            return Err(ApiError::invalid_field(
                "status",
                "must be pending, delivered, dead or console",
            ));
        }
    };
    owned(&mut conn, &who, *id).await?;
    let page = PageQuery {
        cursor: query.cursor.clone(),
        limit: query.limit,
    };
    let before: Option<i64> = page.position()?;
    let limit = page.limit();
    let rows: Vec<DeliveryView> = diesel::sql_query(format!(
        "SELECT {DELIVERY_COLUMNS} FROM notify_delivery d JOIN notify_message m ON m.id = d.message_id \
         WHERE d.subscription_id = $1 AND ($2::text IS NULL OR d.status = $2) \
           AND ($3::bigint IS NULL OR d.id < $3) \
         ORDER BY d.id DESC LIMIT $4"
    ))
    .bind::<SqlUuid, _>(*id)
    .bind::<Nullable<Text>, _>(&status)
    .bind::<Nullable<BigInt>, _>(before)
    .bind::<BigInt, _>(limit + 1)
    .load(&mut conn)
    .await?;
    let page = Page::from_rows(rows, limit, |r| r.id);
    Ok(HttpResponse::Ok().json(DeliveryPage {
        items: page.items,
        next_cursor: page.next_cursor,
    }))
}

/// Sends a delivery again (a dead letter, or one the receiver lost): pending now, its
/// attempts counted from zero, with the same message id.
#[utoipa::path(
    post, path = "/api/v1/subscriptions/{id}/deliveries/{delivery}/replay", tag = "notifications",
    params(("id" = Uuid, Path), ("delivery" = i64, Path)),
    responses(
        (status = 202, description = "queued for delivery", body = DeliveryView),
        (status = 404, description = "not a delivery of a subscription of the caller's", body = crate::Problem),
        (status = 409, description = "still pending, or a console delivery", body = crate::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn replay(
    Allowed(who, ..): Allowed<SignedIn>,
    mut conn: DbConn,
    path: web::Path<(Uuid, i64)>,
) -> Result<HttpResponse, ApiError> {
    let (id, delivery) = path.into_inner();
    owned(&mut conn, &who, id).await?;
    let replayed: Option<DeliveryView> = diesel::sql_query(format!(
        "WITH d AS (UPDATE notify_delivery SET status = 'pending', attempts = 0, \
                      next_attempt_at = now(), last_error = NULL, delivered_at = NULL \
                    WHERE id = $1 AND subscription_id = $2 AND status IN ('dead', 'delivered') \
                    RETURNING *) \
         SELECT {DELIVERY_COLUMNS} FROM d JOIN notify_message m ON m.id = d.message_id"
    ))
    .bind::<BigInt, _>(delivery)
    .bind::<SqlUuid, _>(id)
    .get_result(&mut conn)
    .await
    .map(Some)
    .or_else(none_if_not_found)?;
    if let Some(view) = replayed {
        return Ok(HttpResponse::Accepted().json(view));
    }
    let status: Option<Status> = diesel::sql_query(
        "SELECT status FROM notify_delivery WHERE id = $1 AND subscription_id = $2",
    )
    .bind::<BigInt, _>(delivery)
    .bind::<SqlUuid, _>(id)
    .get_result(&mut conn)
    .await
    .map(Some)
    .or_else(none_if_not_found)?;
    Err(match status {
        None => ApiError::not_found(format!("subscription {id} has no delivery {delivery}")),
        Some(s) if s.status == "pending" => {
            ApiError::conflict("this delivery is still pending: it will be attempted again")
        }
        Some(_) => ApiError::conflict("a console notification is not delivered anywhere"),
    })
}

#[derive(QueryableByName)]
struct Status {
    #[diesel(sql_type = Text)]
    status: String,
}

/// The caller's notifications from every subscription of theirs in this service,
/// newest first.
#[utoipa::path(
    get, path = "/api/v1/notifications", tag = "notifications",
    params(NotificationQuery),
    responses(
        (status = 200, description = "newest first", body = NotificationPage),
        (status = 400, description = "a cursor that is not one of this list", body = crate::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn list_notifications(
    Allowed(who, ..): Allowed<SignedIn>,
    mut conn: DbConn,
    query: crate::Query<NotificationQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = PageQuery {
        cursor: query.cursor.clone(),
        limit: query.limit,
    };
    let before: Option<i64> = page.position()?;
    let limit = page.limit();
    let rows: Vec<NotificationView> = diesel::sql_query(
        "SELECT d.id, m.id AS message_id, m.topic, m.summary, m.dealer_code, m.entity_type, \
                m.entity_id, m.data, m.created_at, d.read_at \
         FROM notify_delivery d \
         JOIN notify_subscription s ON s.id = d.subscription_id \
         JOIN notify_message m ON m.id = d.message_id \
         WHERE s.owner = $1 AND (NOT $2 OR d.read_at IS NULL) \
           AND ($3::bigint IS NULL OR d.id < $3) \
         ORDER BY d.id DESC LIMIT $4",
    )
    .bind::<Text, _>(&who.sub)
    .bind::<Bool, _>(query.unread.unwrap_or(false))
    .bind::<Nullable<BigInt>, _>(before)
    .bind::<BigInt, _>(limit + 1)
    .load(&mut conn)
    .await?;
    let page = Page::from_rows(rows, limit, |r| r.id);
    Ok(HttpResponse::Ok().json(NotificationPage {
        items: page.items,
        next_cursor: page.next_cursor,
    }))
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// How many of the caller's notifications in this service are unread.
#[utoipa::path(
    get, path = "/api/v1/notifications/unread-count", tag = "notifications",
    responses((status = 200, description = "the unread count", body = UnreadCount)),
    security(("bearer" = []))
)]
pub async fn unread_count(
    Allowed(who, ..): Allowed<SignedIn>,
    mut conn: DbConn,
) -> Result<HttpResponse, ApiError> {
    let count: Count = diesel::sql_query(
        "SELECT count(*) AS n FROM notify_delivery d \
         JOIN notify_subscription s ON s.id = d.subscription_id \
         WHERE s.owner = $1 AND d.read_at IS NULL",
    )
    .bind::<Text, _>(&who.sub)
    .get_result(&mut conn)
    .await?;
    Ok(HttpResponse::Ok().json(UnreadCount { unread: count.n }))
}

/// Marks one of the caller's notifications read.
#[utoipa::path(
    post, path = "/api/v1/notifications/{id}/read", tag = "notifications",
    params(("id" = i64, Path)),
    responses(
        (status = 204, description = "read"),
        (status = 404, description = "not a notification of the caller's", body = crate::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn mark_read(
    Allowed(who, ..): Allowed<SignedIn>,
    mut conn: DbConn,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let marked = diesel::sql_query(
        "UPDATE notify_delivery d SET read_at = coalesce(d.read_at, now()) \
         FROM notify_subscription s WHERE d.id = $1 AND s.id = d.subscription_id AND s.owner = $2",
    )
    .bind::<BigInt, _>(*id)
    .bind::<Text, _>(&who.sub)
    .execute(&mut conn)
    .await?;
    if marked == 0 {
        return Err(ApiError::not_found(format!(
            "you have no notification {id}"
        )));
    }
    Ok(HttpResponse::NoContent().finish())
}

/// Marks every notification of the caller's in this service read.
#[utoipa::path(
    post, path = "/api/v1/notifications/read-all", tag = "notifications",
    responses((status = 204, description = "all read")),
    security(("bearer" = []))
)]
pub async fn read_all(
    Allowed(who, ..): Allowed<SignedIn>,
    mut conn: DbConn,
) -> Result<HttpResponse, ApiError> {
    diesel::sql_query(
        "UPDATE notify_delivery d SET read_at = now() FROM notify_subscription s \
         WHERE s.id = d.subscription_id AND s.owner = $1 AND d.read_at IS NULL",
    )
    .bind::<Text, _>(&who.sub)
    .execute(&mut conn)
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHIPPED: Topic = Topic {
        name: "order.shipped",
        description: "shipped",
        roles: &[Role::Dealer, Role::Admin],
    };
    const TOPICS: Topics = Topics(&[SHIPPED]);

    fn dealer(code: &str) -> Principal {
        Principal {
            sub: format!("u-{code}"),
            role: Role::Dealer,
            dealer_code: Some(code.to_owned()),
        }
    }

    fn body(topics: &[&str], url: Option<&str>, dealer: Option<&str>) -> NewSubscription {
        NewSubscription {
            topics: topics.iter().map(|t| (*t).to_owned()).collect(),
            url: url.map(str::to_owned),
            dealer_code: dealer.map(str::to_owned),
        }
    }

    #[test]
    fn a_dealer_subscribes_to_its_own_dealer_only() {
        let who = dealer("D001");
        let own = check(body(&["order.shipped"], None, None), &who, &TOPICS).unwrap();
        assert_eq!(own.dealer_code.as_deref(), Some("D001"));
        let named = check(body(&["order.shipped"], None, Some("D001")), &who, &TOPICS).unwrap();
        assert_eq!(named.dealer_code.as_deref(), Some("D001"));
        let other = check(body(&["order.shipped"], None, Some("D002")), &who, &TOPICS);
        assert!(matches!(other, Err(ApiError::Forbidden(_))), "{other:?}");
    }

    #[test]
    fn topics_must_be_known_and_allowed_for_the_role() {
        let who = dealer("D001");
        let unknown = check(body(&["claim.decided"], None, None), &who, &TOPICS);
        assert!(
            matches!(unknown, Err(ApiError::Unprocessable { .. })),
            "{unknown:?}"
        );
        let admin_only = check(body(&["event.dead_lettered"], None, None), &who, &TOPICS);
        assert!(
            matches!(admin_only, Err(ApiError::Forbidden(_))),
            "{admin_only:?}"
        );
        let none = check(body(&[], None, None), &who, &TOPICS);
        assert!(none.is_err());
        let twice = check(
            body(&["order.shipped", "order.shipped"], None, None),
            &who,
            &TOPICS,
        )
        .unwrap();
        assert_eq!(twice.topics, vec!["order.shipped"]);
    }

    #[test]
    fn a_webhook_url_is_http_or_https_with_a_host_and_no_credentials() {
        assert!(check_url("https://erp.dealer.example/hooks/aftersales").is_ok());
        assert!(check_url("http://127.0.0.1:9000/hook").is_ok());
        for bad in [
            "ftp://x.example/",
            "/relative",
            "https://user:pw@x.example/",
            "mailto:a@b.c",
        ] {
            assert!(check_url(bad).is_err(), "{bad}");
        }
        assert!(check_url(&format!("https://x.example/{}", "a".repeat(2000))).is_err());
    }

    #[test]
    fn staff_may_watch_every_dealer_or_a_valid_one() {
        let admin = Principal {
            sub: "admin".into(),
            role: Role::Admin,
            dealer_code: None,
        };
        let all = check(body(&["order.shipped"], None, None), &admin, &TOPICS).unwrap();
        assert_eq!(all.dealer_code, None);
        let bad = check(
            body(&["order.shipped"], None, Some("not a code")),
            &admin,
            &TOPICS,
        );
        assert!(
            matches!(bad, Err(ApiError::Unprocessable { .. })),
            "{bad:?}"
        );
    }
}
