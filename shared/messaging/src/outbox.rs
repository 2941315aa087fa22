//! The transactional outbox: `enqueue` writes an event in the caller's transaction;
//! the relay (`crate::relay`) publishes it after commit. With tracing on, each row also
//! keeps the trace context of the span that wrote it (`crate::trace_context`).

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::envelope::Envelope;
use crate::schema::outbox;
use crate::trace_context::TraceContext;

/// Records `envelope` for publication. Call it inside the transaction that makes the
/// state change: if that transaction rolls back, the event never existed.
pub async fn enqueue(conn: &mut AsyncPgConnection, envelope: &Envelope) -> QueryResult<()> {
    let json = serde_json::to_value(envelope)
        .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?;
    let trace = TraceContext::current();
    diesel::insert_into(outbox::table)
        .values((
            outbox::event_id.eq(envelope.event_id),
            outbox::event_type.eq(&envelope.event_type),
            outbox::envelope.eq(json),
            outbox::traceparent.eq(trace.traceparent),
            outbox::tracestate.eq(trace.tracestate),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// [`enqueue`] for many envelopes, a multi-row insert per chunk: one round trip per
/// event makes a bulk change (an import of thousands of parts) take seconds. The
/// relay's insert trigger fires once per statement, so it wakes once per chunk.
pub async fn enqueue_many(conn: &mut AsyncPgConnection, envelopes: &[Envelope]) -> QueryResult<()> {
    // PostgreSQL takes at most 65535 bind parameters per statement; 5 per row.
    const CHUNK: usize = 1000;
    let trace = TraceContext::current();
    for chunk in envelopes.chunks(CHUNK) {
        let rows = chunk
            .iter()
            .map(|envelope| {
                let json = serde_json::to_value(envelope)
                    .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?;
                Ok((
                    outbox::event_id.eq(envelope.event_id),
                    outbox::event_type.eq(envelope.event_type.as_str()),
                    outbox::envelope.eq(json),
                    outbox::traceparent.eq(trace.traceparent.as_deref()),
                    outbox::tracestate.eq(trace.tracestate.as_deref()),
                ))
            })
            .collect::<QueryResult<Vec<_>>>()?;
        diesel::insert_into(outbox::table)
            .values(rows)
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// A row claimed by the relay for publication.
#[derive(Debug, Queryable)]
pub(crate) struct Pending {
    pub id: i64,
    pub event_id: Uuid,
    pub event_type: String,
    pub envelope: serde_json::Value,
    pub traceparent: Option<String>,
    pub tracestate: Option<String>,
}

/// Locks up to `limit` unpublished rows, oldest first, skipping rows another relay
/// holds, so replicas share the work without publishing a row twice at once.
pub(crate) async fn claim(conn: &mut AsyncPgConnection, limit: i64) -> QueryResult<Vec<Pending>> {
    outbox::table
        .filter(outbox::published_at.is_null())
        .order(outbox::id)
        .limit(limit)
        .select((
            outbox::id,
            outbox::event_id,
            outbox::event_type,
            outbox::envelope,
            outbox::traceparent,
            outbox::tracestate,
        ))
        .for_update()
        .skip_locked()
        .load(conn)
        .await
}

/// Marks rows published. The time is the clock's, not the transaction's start: the
/// moment the broker had confirmed them, which is what latency figures need.
pub(crate) async fn mark_published(conn: &mut AsyncPgConnection, ids: &[i64]) -> QueryResult<()> {
    let confirmed = diesel::dsl::sql::<diesel::sql_types::Nullable<diesel::sql_types::Timestamptz>>(
        "clock_timestamp()",
    );
    diesel::update(outbox::table.filter(outbox::id.eq_any(ids)))
        .set(outbox::published_at.eq(confirmed))
        .execute(conn)
        .await?;
    Ok(())
}

/// Unpublished rows: the relay's backlog, exported as a metric.
pub async fn backlog(conn: &mut AsyncPgConnection) -> QueryResult<i64> {
    outbox::table
        .filter(outbox::published_at.is_null())
        .count()
        .get_result(conn)
        .await
}
