//! The hash chain over a service's audit records: sealing, verification, pruning.
//!
//! Each link of `audit_chain` holds SHA-256 over the previous link's hash and the
//! record's content ([`digest`]), so a record changed or deleted after it was sealed,
//! a link removed, or a record slipped in behind the sealed ones is found by walking
//! the chain ([`verify`]).
//!
//! Writers never touch the chain: the [`run`] job seals records a moment after they
//! commit, so that no request waits for another to take the chain's head. It seals only
//! records of transactions older than every transaction still running (the snapshot's
//! `xmin`), in (transaction, id) order: a record can then never commit behind one
//! already sealed, and the order is the same whichever replica seals. Replicas take
//! turns through a transaction-scoped advisory lock.

use std::time::Duration;

use aftersales_messaging::Shutdown;
use chrono::{DateTime, Utc};
use diesel::sql_types::{Array, BigInt, Binary, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel::{OptionalExtension as _, QueryableByName};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::db::DbPool;

/// The hash the first link points back to.
pub const GENESIS: [u8; 32] = [0; 32];

/// Records sealed per transaction: a backlog is sealed in rounds this size, each short.
const BATCH: i64 = 1000;

/// How often the job looks for records to seal.
pub const SEAL_INTERVAL: Duration = Duration::from_secs(1);

/// One audit record as it is hashed.
#[derive(Debug, Clone, PartialEq, QueryableByName)]
pub struct Sealable {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = BigInt)]
    pub tx: i64,
    #[diesel(sql_type = Timestamptz)]
    pub at: DateTime<Utc>,
    #[diesel(sql_type = Text)]
    pub actor_kind: String,
    #[diesel(sql_type = Text)]
    pub actor: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub actor_role: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub actor_dealer: Option<String>,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub event_id: Option<Uuid>,
    #[diesel(sql_type = Text)]
    pub action: String,
    #[diesel(sql_type = Text)]
    pub entity_type: String,
    #[diesel(sql_type = Text)]
    pub entity_id: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub entity_dealer: Option<String>,
    /// The `jsonb` as PostgreSQL writes it (keys in its own fixed order).
    #[diesel(sql_type = Text)]
    pub changes: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub reason: Option<String>,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub correlation_id: Option<Uuid>,
}

/// The columns of [`Sealable`], from `audit_log` aliased `a`.
const SEALABLE: &str = "a.id, a.tx::text::bigint AS tx, a.at, a.actor_kind, a.actor, a.actor_role, \
     a.actor_dealer, a.event_id, a.action, a.entity_type, a.entity_id, a.entity_dealer, \
     a.changes::text AS changes, a.reason, a.correlation_id";

/// SHA-256 over `prev` and every field of `row`, each field length-prefixed (or marked
/// absent) so that no two different records encode alike.
pub fn digest(prev: &[u8], row: &Sealable) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(prev);
    h.update(row.id.to_be_bytes());
    h.update(row.tx.to_be_bytes());
    h.update(row.at.timestamp_micros().to_be_bytes());
    let mut text = |field: Option<&str>| match field {
        None => h.update([0]),
        Some(s) => {
            h.update([1]);
            h.update((s.len() as u64).to_be_bytes());
            h.update(s.as_bytes());
        }
    };
    text(Some(&row.actor_kind));
    text(Some(&row.actor));
    text(row.actor_role.as_deref());
    text(row.actor_dealer.as_deref());
    text(row.event_id.map(|u| u.to_string()).as_deref());
    text(Some(&row.action));
    text(Some(&row.entity_type));
    text(Some(&row.entity_id));
    text(row.entity_dealer.as_deref());
    text(Some(&row.changes));
    text(row.reason.as_deref());
    text(row.correlation_id.map(|u| u.to_string()).as_deref());
    h.finalize().into()
}

/// The last link: where sealing resumes.
#[derive(Debug, Clone, QueryableByName)]
struct Head {
    #[diesel(sql_type = BigInt)]
    position: i64,
    #[diesel(sql_type = BigInt)]
    audit_tx: i64,
    #[diesel(sql_type = BigInt)]
    audit_id: i64,
    #[diesel(sql_type = Binary)]
    hash: Vec<u8>,
}

/// Seals the records that can be sealed now, in rounds of [`BATCH`]; returns how many.
/// Another replica sealing at the same moment makes this call seal nothing.
pub async fn seal(c: &mut AsyncPgConnection) -> diesel::QueryResult<u64> {
    let mut sealed = 0;
    loop {
        let round = c.transaction(async |c| seal_round(c).await).await?;
        sealed += round;
        if round < BATCH as u64 {
            return Ok(sealed);
        }
    }
}

#[derive(QueryableByName)]
struct Locked {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    locked: bool,
}

async fn seal_round(c: &mut AsyncPgConnection) -> diesel::QueryResult<u64> {
    let lock: Locked = diesel::sql_query(
        "SELECT pg_try_advisory_xact_lock(hashtext(current_schema() || '.audit_chain')) AS locked",
    )
    .get_result(c)
    .await?;
    if !lock.locked {
        return Ok(0);
    }
    let head: Option<Head> = diesel::sql_query(
        "SELECT position, audit_tx::text::bigint AS audit_tx, audit_id, hash \
         FROM audit_chain ORDER BY position DESC LIMIT 1",
    )
    .get_result(c)
    .await
    .optional()?;
    let (mut position, mut prev, after_tx, after_id) = match head {
        Some(h) => (h.position, h.hash, h.audit_tx, h.audit_id),
        None => (0, GENESIS.to_vec(), 0, 0),
    };
    let rows: Vec<Sealable> = diesel::sql_query(format!(
        "SELECT {SEALABLE} FROM audit_log a \
         WHERE (a.tx, a.id) > ($1::text::xid8, $2) \
           AND a.tx < pg_snapshot_xmin(pg_current_snapshot()) \
         ORDER BY a.tx, a.id LIMIT $3"
    ))
    .bind::<Text, _>(after_tx.to_string())
    .bind::<BigInt, _>(after_id)
    .bind::<BigInt, _>(BATCH)
    .load(c)
    .await?;
    if rows.is_empty() {
        return Ok(0);
    }
    let (mut positions, mut ids, mut txs, mut prevs, mut hashes) =
        (vec![], vec![], vec![], vec![], vec![]);
    for row in &rows {
        position += 1;
        let hash = digest(&prev, row).to_vec();
        positions.push(position);
        ids.push(row.id);
        txs.push(row.tx.to_string());
        prevs.push(std::mem::replace(&mut prev, hash.clone()));
        hashes.push(hash);
    }
    diesel::sql_query(
        "INSERT INTO audit_chain (position, audit_id, audit_tx, prev_hash, hash) \
         SELECT p, i, t::xid8, ph, h FROM unnest($1::bigint[], $2::bigint[], $3::text[], \
         $4::bytea[], $5::bytea[]) AS u(p, i, t, ph, h)",
    )
    .bind::<Array<BigInt>, _>(positions)
    .bind::<Array<BigInt>, _>(ids)
    .bind::<Array<Text>, _>(txs)
    .bind::<Array<Binary>, _>(prevs)
    .bind::<Array<Binary>, _>(hashes)
    .execute(c)
    .await?;
    Ok(rows.len() as u64)
}

/// Seals every [`SEAL_INTERVAL`] until `shutdown`; a failed round is logged and tried
/// again on the next tick (the records wait unsealed, nothing is lost).
pub async fn run(pool: DbPool, mut shutdown: Shutdown) {
    let mut tick = tokio::time::interval(SEAL_INTERVAL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = shutdown.wait() => return,
        }
        let round = async {
            let mut c = pool.get().await.map_err(|e| e.to_string())?;
            seal(&mut c).await.map_err(|e| e.to_string())
        };
        match round.await {
            Ok(0) => {}
            Ok(n) => tracing::debug!(sealed = n, "audit records sealed"),
            Err(error) => tracing::warn!(%error, "sealing audit records failed; retrying"),
        }
    }
}

/// What a walk of an intact chain found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// Links walked.
    pub links: u64,
    /// The first position walked (1, or the anchor's after pruning).
    pub first_position: i64,
    /// The last link's hash, hex: note it somewhere else to prove later that the
    /// chain up to here was not rewritten as a whole.
    pub head: String,
    /// Records committed but not sealed yet (the job seals them within seconds).
    pub unsealed: u64,
}

/// The first broken link of a chain.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Broken {
    #[error("link {position} is missing (the chain jumps from {} to {found})", position - 1)]
    Gap { position: i64, found: i64 },
    #[error("link {position} does not point back to link {}'s hash: a link before it was changed or removed", position - 1)]
    Link { position: i64 },
    #[error("link {position}: audit record {audit_id} was deleted after it was sealed")]
    Deleted { position: i64, audit_id: i64 },
    #[error("link {position}: audit record {audit_id} was changed after it was sealed")]
    Changed { position: i64, audit_id: i64 },
    #[error(
        "audit record {audit_id} is not in the chain although records after it are: it was added behind the seal"
    )]
    Unchained { audit_id: i64 },
}

#[derive(QueryableByName)]
struct Link {
    #[diesel(sql_type = BigInt)]
    position: i64,
    #[diesel(sql_type = BigInt)]
    audit_id: i64,
    #[diesel(sql_type = BigInt)]
    audit_tx: i64,
    #[diesel(sql_type = Binary)]
    prev_hash: Vec<u8>,
    #[diesel(sql_type = Binary)]
    hash: Vec<u8>,
}

#[derive(QueryableByName)]
struct Anchor {
    #[diesel(sql_type = BigInt)]
    position: i64,
    #[diesel(sql_type = Binary)]
    prev_hash: Vec<u8>,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// Walks the whole chain from its start (the latest pruning's anchor, or the genesis)
/// and names the first broken link. Errors only when the database cannot be read.
pub async fn verify(c: &mut AsyncPgConnection) -> diesel::QueryResult<Result<Verified, Broken>> {
    let anchor: Option<Anchor> = diesel::sql_query(
        "SELECT position, prev_hash FROM audit_anchor ORDER BY position DESC LIMIT 1",
    )
    .get_result(c)
    .await
    .optional()?;
    let (first_position, mut prev) = match anchor {
        Some(a) => (a.position, a.prev_hash),
        None => (1, GENESIS.to_vec()),
    };
    let mut expected = first_position;
    let mut last: Option<(i64, i64)> = None;
    loop {
        let links: Vec<Link> = diesel::sql_query(
            "SELECT position, audit_id, audit_tx::text::bigint AS audit_tx, prev_hash, hash \
             FROM audit_chain WHERE position >= $1 ORDER BY position LIMIT $2",
        )
        .bind::<BigInt, _>(expected)
        .bind::<BigInt, _>(BATCH)
        .load(c)
        .await?;
        if links.is_empty() {
            break;
        }
        let ids: Vec<i64> = links.iter().map(|l| l.audit_id).collect();
        let rows: Vec<Sealable> = diesel::sql_query(format!(
            "SELECT {SEALABLE} FROM audit_log a WHERE a.id = ANY($1)"
        ))
        .bind::<Array<BigInt>, _>(&ids)
        .load(c)
        .await?;
        let rows: std::collections::HashMap<i64, Sealable> =
            rows.into_iter().map(|r| (r.id, r)).collect();
        for link in &links {
            let position = link.position;
            if position != expected {
                return Ok(Err(Broken::Gap {
                    position: expected,
                    found: position,
                }));
            }
            if link.prev_hash != prev {
                return Ok(Err(Broken::Link { position }));
            }
            let Some(row) = rows.get(&link.audit_id) else {
                return Ok(Err(Broken::Deleted {
                    position,
                    audit_id: link.audit_id,
                }));
            };
            if row.tx != link.audit_tx || digest(&prev, row).as_slice() != link.hash.as_slice() {
                return Ok(Err(Broken::Changed {
                    position,
                    audit_id: link.audit_id,
                }));
            }
            prev.clone_from(&link.hash);
            last = Some((link.audit_tx, link.audit_id));
            expected += 1;
        }
    }
    let (tx, id) = last.unwrap_or((0, 0));
    let behind: Option<Id> = diesel::sql_query(
        "SELECT a.id FROM audit_log a \
         WHERE (a.tx, a.id) <= ($1::text::xid8, $2) \
           AND NOT EXISTS (SELECT 1 FROM audit_chain c WHERE c.audit_id = a.id) \
         ORDER BY a.tx, a.id LIMIT 1",
    )
    .bind::<Text, _>(tx.to_string())
    .bind::<BigInt, _>(id)
    .get_result(c)
    .await
    .optional()?;
    if let Some(Id { id }) = behind {
        return Ok(Err(Broken::Unchained { audit_id: id }));
    }
    let unsealed: Count = diesel::sql_query(
        "SELECT count(*) AS n FROM audit_log a WHERE (a.tx, a.id) > ($1::text::xid8, $2)",
    )
    .bind::<Text, _>(tx.to_string())
    .bind::<BigInt, _>(id)
    .get_result(c)
    .await?;
    Ok(Ok(Verified {
        links: u64::try_from(expected - first_position).unwrap_or(0),
        first_position,
        head: hex(&prev),
        unsealed: u64::try_from(unsealed.n).unwrap_or(0),
    }))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What a pruning removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pruned {
    pub records: u64,
    /// The first position kept, now the chain's anchor.
    pub anchor: i64,
}

/// Deletes the sealed records written before `before`, always keeping the last link,
/// and anchors the chain at the first link kept. Only the tables' owner may (the
/// schema's migrating role): the append-only triggers refuse anyone else.
pub async fn prune(
    c: &mut AsyncPgConnection,
    before: DateTime<Utc>,
) -> diesel::QueryResult<Option<Pruned>> {
    c.transaction(async |c| {
        diesel::sql_query("SET LOCAL aftersales.audit_prune = 'on'")
            .execute(c)
            .await?;
        // The same lock as the sealer: no link is added while the anchor is chosen.
        diesel::sql_query(
            "SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.audit_chain'))",
        )
        .execute(c)
        .await?;
        let anchor: Option<Anchor> = diesel::sql_query(
            "SELECT c.position, c.prev_hash FROM audit_chain c JOIN audit_log a ON a.id = c.audit_id \
             WHERE a.at >= $1 OR c.position = (SELECT max(position) FROM audit_chain) \
             ORDER BY c.position LIMIT 1",
        )
        .bind::<Timestamptz, _>(before)
        .get_result(c)
        .await
        .optional()?;
        let Some(anchor) = anchor else {
            return Ok(None);
        };
        let records = diesel::sql_query(
            "DELETE FROM audit_log WHERE id IN \
             (SELECT audit_id FROM audit_chain WHERE position < $1)",
        )
        .bind::<BigInt, _>(anchor.position)
        .execute(c)
        .await?;
        diesel::sql_query("DELETE FROM audit_chain WHERE position < $1")
            .bind::<BigInt, _>(anchor.position)
            .execute(c)
            .await?;
        if records == 0 {
            return Ok(None);
        }
        diesel::sql_query(
            "INSERT INTO audit_anchor (position, prev_hash, pruned_rows) VALUES ($1, $2, $3)",
        )
        .bind::<BigInt, _>(anchor.position)
        .bind::<Binary, _>(&anchor.prev_hash)
        .bind::<BigInt, _>(records as i64)
        .execute(c)
        .await?;
        Ok(Some(Pruned {
            records: records as u64,
            anchor: anchor.position,
        }))
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row() -> Sealable {
        Sealable {
            id: 1,
            tx: 740,
            at: DateTime::from_timestamp(1_780_000_000, 123_456_000).unwrap_or_default(),
            actor_kind: "user".into(),
            actor: "dealer-1".into(),
            actor_role: Some("dealer".into()),
            actor_dealer: Some("D001".into()),
            event_id: None,
            action: "claim.submitted".into(),
            entity_type: "claim".into(),
            entity_id: "c-1".into(),
            entity_dealer: Some("D001".into()),
            changes: r#"{"status": {"after": "submitted", "before": null}}"#.into(),
            reason: None,
            correlation_id: None,
        }
    }

    #[test]
    fn every_field_and_the_previous_hash_change_the_digest() {
        let base = digest(&GENESIS, &row());
        assert_ne!(digest(&[1; 32], &row()), base);
        let edits: [fn(&mut Sealable); 14] = [
            |r| r.id = 2,
            |r| r.tx = 741,
            |r| r.at += chrono::Duration::microseconds(1),
            |r| r.actor = "dealer-2".into(),
            |r| r.actor_role = None,
            |r| r.actor_dealer = None,
            |r| r.event_id = Some(Uuid::nil()),
            |r| r.action = "claim.decided".into(),
            |r| r.entity_type = "order".into(),
            |r| r.entity_id = "c-2".into(),
            |r| r.entity_dealer = None,
            |r| r.changes = "{}".into(),
            |r| r.reason = Some(String::new()),
            |r| r.correlation_id = Some(Uuid::nil()),
        ];
        for (i, edit) in edits.iter().enumerate() {
            let mut r = row();
            edit(&mut r);
            assert_ne!(digest(&GENESIS, &r), base, "edit {i} went unnoticed");
        }
    }

    #[test]
    fn moving_text_between_adjacent_fields_changes_the_digest() {
        let mut a = row();
        a.actor = "ab".into();
        a.actor_role = Some("c".into());
        let mut b = row();
        b.actor = "a".into();
        b.actor_role = Some("bc".into());
        assert_ne!(digest(&GENESIS, &a), digest(&GENESIS, &b));
    }
}
