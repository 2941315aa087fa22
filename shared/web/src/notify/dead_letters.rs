//! Tells the admins who subscribed to `event.dead_lettered` that events were set aside:
//! every replica's consumer observes its dead-letter queue's depth every few seconds;
//! a rise above the depth last told is one notification, whichever replica sees it
//! first (the depth told is one locked row). A fall (letters replayed or purged) is
//! remembered so that the next rise is told again.

use aftersales_messaging::Shutdown;
use diesel::QueryableByName;
use diesel::sql_types::Integer;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde_json::json;
use tokio::sync::watch;

use super::{DEAD_LETTER, Notice, emit};
use crate::db::{DbError, DbPool};

#[derive(QueryableByName)]
struct Told {
    #[diesel(sql_type = Integer)]
    depth: i32,
}

/// Records `depth` as observed; notifies when it rose above the depth last told.
/// Returns whether it notified.
pub async fn observed(
    c: &mut AsyncPgConnection,
    service: &str,
    depth: u32,
) -> diesel::QueryResult<bool> {
    let depth = i32::try_from(depth).unwrap_or(i32::MAX);
    let queue = format!("{service}.dead");
    c.transaction(async |c| {
        let told: Told = diesel::sql_query("SELECT depth FROM notify_dead_letter_watch FOR UPDATE")
            .get_result(c)
            .await?;
        if told.depth == depth {
            return Ok(false);
        }
        diesel::sql_query("UPDATE notify_dead_letter_watch SET depth = $1")
            .bind::<Integer, _>(depth)
            .execute(c)
            .await?;
        if depth < told.depth {
            return Ok(false);
        }
        let new = depth - told.depth;
        let notice = Notice::new(
            &DEAD_LETTER,
            "queue",
            &queue,
            format!(
                "{new} event(s) could not be processed by {service} and wait in {queue} \
                     ({depth} in all): see `cargo xtask dead-letters --service {service}`"
            ),
        )
        .with_data(json!({"service": service, "queue": queue, "new": new, "waiting": depth}));
        emit(c, None, &[notice]).await?;
        Ok(true)
    })
    .await
}

/// Follows the consumer's observations of its dead-letter queue until `shutdown`.
pub async fn watch(
    pool: DbPool,
    service: &'static str,
    mut depths: watch::Receiver<Option<u32>>,
    mut shutdown: Shutdown,
) {
    loop {
        tokio::select! {
            changed = depths.changed() => if changed.is_err() { return },
            _ = shutdown.wait() => return,
        }
        let Some(depth) = *depths.borrow_and_update() else {
            continue;
        };
        // Until told: a depth that stays the same is observed once only.
        loop {
            let told = async {
                let mut c = pool.get().await?;
                Ok::<_, DbError>(observed(&mut c, service, depth).await?)
            }
            .await;
            let Err(e) = told else { break };
            tracing::warn!(error = %e, depth, "dead letters not notified yet; retrying");
            tokio::select! {
                _ = tokio::time::sleep(std::time::Duration::from_secs(5)) => {}
                _ = shutdown.wait() => return,
            }
        }
    }
}
