//! The audit trail: who changed what, when and why, in every service.
//!
//! Every state-changing request, and every consumed event that changes state, writes
//! its [`Entry`]s with [`Origin::record`] in the transaction of the change itself, so
//! that a change and its record commit or roll back together. The rows are
//! append-only (triggers refuse an update or a delete, and the runtime role holds
//! neither privilege), and [`chain`] seals them into a hash chain per service that
//! `cargo xtask audit verify` walks. [`api`] serves them at `GET /api/v1/audit`.
//!
//! docs/audit.md has the whole contract: the fields, who reads what, sealing,
//! verification, retention and export.

pub mod api;
mod batched;
pub mod chain;

pub use batched::Batched;

use std::collections::BTreeMap;

use aftersales_messaging::Envelope;
use diesel::QueryResult;
use diesel::sql_types::{Array, Jsonb, Nullable, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use crate::auth::{Principal, Role};

/// Who made a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// A signed-in user: the token's subject, role and, for a dealer, its dealer code.
    User {
        subject: String,
        role: Role,
        dealer: Option<String>,
    },
    /// A consumed event: the service that produced it and its id.
    Event { producer: String, event_id: Uuid },
    /// A job of the service itself (the price-day job, return deadlines).
    Job(&'static str),
}

impl Actor {
    fn kind(&self) -> &'static str {
        match self {
            Actor::User { .. } => "user",
            Actor::Event { .. } => "event",
            Actor::Job(_) => "job",
        }
    }

    fn name(&self) -> &str {
        match self {
            Actor::User { subject, .. } => subject,
            Actor::Event { producer, .. } => producer,
            Actor::Job(name) => name,
        }
    }
}

impl From<&Principal> for Actor {
    fn from(who: &Principal) -> Self {
        Actor::User {
            subject: who.sub.clone(),
            role: who.role,
            dealer: who.dealer_code.clone(),
        }
    }
}

impl From<&Envelope> for Actor {
    fn from(event: &Envelope) -> Self {
        Actor::Event {
            producer: event.producer.clone(),
            event_id: event.event_id,
        }
    }
}

/// An actor and the correlation id of the flow it acted in: what every entry of one
/// request or one event shares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub actor: Actor,
    pub correlation_id: Option<Uuid>,
}

impl Origin {
    /// A request of `who`, correlated by the request's id.
    pub fn request(who: &Principal, correlation_id: Uuid) -> Self {
        Origin {
            actor: who.into(),
            correlation_id: Some(correlation_id),
        }
    }

    /// A consumed event, correlated as the event is.
    pub fn event(event: &Envelope) -> Self {
        Origin {
            actor: event.into(),
            correlation_id: Some(event.correlation_id),
        }
    }

    /// A job of the service, correlated by `correlation_id` when it continues a flow.
    pub fn job(name: &'static str, correlation_id: Option<Uuid>) -> Self {
        Origin {
            actor: Actor::Job(name),
            correlation_id,
        }
    }

    /// Writes `entries` in the caller's transaction.
    pub async fn record(&self, c: &mut AsyncPgConnection, entries: &[Entry]) -> QueryResult<()> {
        record(c, entries.iter().map(|e| (self, e))).await
    }
}

/// One change of one entity.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// What was done, `<entity>.<verb>` in the past tense: `claim.decided`.
    pub action: &'static str,
    pub entity_type: &'static str,
    pub entity_id: String,
    /// The dealer the entity belongs to: that dealer may read the entry.
    pub entity_dealer: Option<String>,
    pub changes: Changes,
    pub reason: Option<String>,
}

impl Entry {
    pub fn new(action: &'static str, entity_type: &'static str, entity_id: impl ToString) -> Self {
        Entry {
            action,
            entity_type,
            entity_id: entity_id.to_string(),
            entity_dealer: None,
            changes: Changes::default(),
            reason: None,
        }
    }

    /// The entity belongs to `dealer`.
    pub fn of_dealer(mut self, dealer: impl ToString) -> Self {
        self.entity_dealer = Some(dealer.to_string());
        self
    }

    /// `field` went from `before` to `after` (kept only if they differ).
    pub fn change(mut self, field: &str, before: impl Serialize, after: impl Serialize) -> Self {
        self.changes = self.changes.change(field, before, after);
        self
    }

    /// Every field of `after` is new (a creation).
    pub fn created(mut self, after: &impl Serialize) -> Self {
        self.changes = Changes::diff(&Value::Null, after);
        self
    }

    /// The fields that differ between `before` and `after` (an update).
    pub fn diff(mut self, before: &impl Serialize, after: &impl Serialize) -> Self {
        self.changes = Changes::diff(before, after);
        self
    }

    /// Why, as the user or the rule gave it.
    pub fn because(mut self, reason: impl ToString) -> Self {
        let reason = reason.to_string();
        self.reason = (!reason.is_empty()).then_some(reason);
        self
    }
}

/// The fields an entry changed: `{"field": {"before": …, "after": …}}`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Changes(BTreeMap<String, Value>);

impl Changes {
    /// With `field` going from `before` to `after`, unless they are equal.
    pub fn change(mut self, field: &str, before: impl Serialize, after: impl Serialize) -> Self {
        let (before, after) = (to_value(&before), to_value(&after));
        if before != after {
            self.0.insert(
                field.to_owned(),
                serde_json::json!({ "before": before, "after": after }),
            );
        }
        self
    }

    /// The top-level fields of two serialized values that differ (a field missing on
    /// one side counts as null there). A value that is not an object is one field, `value`.
    pub fn diff(before: &impl Serialize, after: &impl Serialize) -> Self {
        let fields = |v: Value| match v {
            Value::Object(map) => map.into_iter().collect::<BTreeMap<_, _>>(),
            Value::Null => BTreeMap::new(),
            other => BTreeMap::from([("value".to_owned(), other)]),
        };
        let (mut before, after) = (fields(to_value(before)), fields(to_value(after)));
        let mut changes = Changes::default();
        for (field, after) in after {
            let before = before.remove(&field).unwrap_or(Value::Null);
            changes = changes.change(&field, before, after);
        }
        for (field, before) in before {
            changes = changes.change(&field, before, Value::Null);
        }
        changes
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn to_json(&self) -> Value {
        Value::Object(self.0.clone().into_iter().collect())
    }
}

/// A value as JSON; a type whose `Serialize` fails (a map with non-string keys) is a
/// bug of ours, recorded as its error rather than lost.
fn to_value(v: &impl Serialize) -> Value {
    serde_json::to_value(v).unwrap_or_else(|e| Value::String(format!("unserializable: {e}")))
}

/// The statement's head: the columns every insert of records names, in bind order.
macro_rules! insert_records {
    ($rows:literal) => {
        concat!(
            "INSERT INTO audit_log (actor_kind, actor, actor_role, actor_dealer, event_id, \
             action, entity_type, entity_id, entity_dealer, changes, reason, correlation_id) ",
            $rows
        )
    };
}

/// Writes entries, each with its own origin (a batch of orders of several dealers),
/// in one statement, in the caller's transaction; inside a consumed batch, at its end
/// with the records of the batch's other events ([`Batched`]).
pub async fn record<'a>(
    c: &mut AsyncPgConnection,
    entries: impl IntoIterator<Item = (&'a Origin, &'a Entry)>,
) -> QueryResult<()> {
    match batched::gather(entries.into_iter().collect()) {
        Ok(()) => Ok(()),
        Err(entries) => insert(c, entries).await,
    }
}

/// The statement of [`record`]: every entry, now.
async fn insert<'a>(
    c: &mut AsyncPgConnection,
    entries: impl IntoIterator<Item = (&'a Origin, &'a Entry)>,
) -> QueryResult<()> {
    let mut rows: Vec<Row<'a>> = entries.into_iter().map(Row::from).collect();
    let statement = match rows.len() {
        0 => return Ok(()),
        // Most changes write one record: a plain row, without twelve one-element
        // arrays to build, send and take apart again.
        1 => {
            let r = rows.remove(0);
            crate::db::prepared(insert_records!(
                "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
            ))
            .bind::<Text, _>(r.actor_kind)
            .bind::<Text, _>(r.actor)
            .bind::<Nullable<Text>, _>(r.actor_role)
            .bind::<Nullable<Text>, _>(r.actor_dealer)
            .bind::<Nullable<SqlUuid>, _>(r.event_id)
            .bind::<Text, _>(r.action)
            .bind::<Text, _>(r.entity_type)
            .bind::<Text, _>(r.entity_id)
            .bind::<Nullable<Text>, _>(r.entity_dealer)
            .bind::<Jsonb, _>(r.changes)
            .bind::<Nullable<Text>, _>(r.reason)
            .bind::<Nullable<SqlUuid>, _>(r.correlation_id)
        }
        _ => {
            let changes: Vec<Value> = rows.iter_mut().map(|r| r.changes.take()).collect();
            crate::db::prepared(insert_records!(
                "SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], \
                 $5::uuid[], $6::text[], $7::text[], $8::text[], $9::text[], $10::jsonb[], \
                 $11::text[], $12::uuid[])"
            ))
            .bind::<Array<Text>, _>(column(&rows, |r| r.actor_kind))
            .bind::<Array<Text>, _>(column(&rows, |r| r.actor))
            .bind::<Array<Nullable<Text>>, _>(column(&rows, |r| r.actor_role))
            .bind::<Array<Nullable<Text>>, _>(column(&rows, |r| r.actor_dealer))
            .bind::<Array<Nullable<SqlUuid>>, _>(column(&rows, |r| r.event_id))
            .bind::<Array<Text>, _>(column(&rows, |r| r.action))
            .bind::<Array<Text>, _>(column(&rows, |r| r.entity_type))
            .bind::<Array<Text>, _>(column(&rows, |r| r.entity_id))
            .bind::<Array<Nullable<Text>>, _>(column(&rows, |r| r.entity_dealer))
            .bind::<Array<Jsonb>, _>(changes)
            .bind::<Array<Nullable<Text>>, _>(column(&rows, |r| r.reason))
            .bind::<Array<Nullable<SqlUuid>>, _>(column(&rows, |r| r.correlation_id))
        }
    };
    statement.execute(c).await.map(drop)
}

/// One column of a multi-row insert.
fn column<'a, T>(rows: &[Row<'a>], field: impl Fn(&Row<'a>) -> T) -> Vec<T> {
    rows.iter().map(field).collect()
}

/// One record's columns, in the statement's order.
struct Row<'a> {
    actor_kind: &'static str,
    actor: &'a str,
    actor_role: Option<&'static str>,
    actor_dealer: Option<&'a str>,
    event_id: Option<Uuid>,
    action: &'static str,
    entity_type: &'static str,
    entity_id: &'a str,
    entity_dealer: Option<&'a str>,
    changes: Value,
    reason: Option<&'a str>,
    correlation_id: Option<Uuid>,
}

impl<'a> From<(&'a Origin, &'a Entry)> for Row<'a> {
    fn from((origin, entry): (&'a Origin, &'a Entry)) -> Self {
        let actor = &origin.actor;
        let (actor_role, actor_dealer, event_id) = match actor {
            Actor::User { role, dealer, .. } => (Some(role.as_str()), dealer.as_deref(), None),
            Actor::Event { event_id, .. } => (None, None, Some(*event_id)),
            Actor::Job(_) => (None, None, None),
        };
        Row {
            actor_kind: actor.kind(),
            actor: actor.name(),
            actor_role,
            actor_dealer,
            event_id,
            action: entry.action,
            entity_type: entry.entity_type,
            entity_id: &entry.entity_id,
            entity_dealer: entry.entity_dealer.as_deref(),
            changes: entry.changes.to_json(),
            reason: entry.reason.as_deref(),
            correlation_id: origin.correlation_id,
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_change_to_the_same_value_is_not_recorded() {
        let c = Changes::default()
            .change("status", "submitted", "approved")
            .change("amount", "10.00", "10.00");
        assert_eq!(
            c.to_json(),
            json!({"status": {"before": "submitted", "after": "approved"}})
        );
    }

    #[test]
    fn a_diff_names_changed_added_and_removed_fields() {
        let before = json!({"name": "Filter", "price": "9.50", "note": "old"});
        let after = json!({"name": "Filter", "price": "9.90", "weight": 2});
        assert_eq!(
            Changes::diff(&before, &after).to_json(),
            json!({
                "price": {"before": "9.50", "after": "9.90"},
                "weight": {"before": null, "after": 2},
                "note": {"before": "old", "after": null},
            })
        );
    }

    #[test]
    fn a_creation_records_every_field_as_new() {
        let e = Entry::new("part.created", "part", "P-1").created(&json!({"name": "Filter"}));
        assert_eq!(
            e.changes.to_json(),
            json!({"name": {"before": null, "after": "Filter"}})
        );
    }

    #[test]
    fn an_empty_reason_is_none() {
        assert_eq!(Entry::new("a.b", "a", 1).because("").reason, None);
        assert_eq!(
            Entry::new("a.b", "a", 1)
                .because("damaged")
                .reason
                .as_deref(),
            Some("damaged")
        );
    }
}
