//! Where an order's time goes: each hop to `reserved`, from the services' own timestamps.

use super::*;

/// The points of an order's way to `reserved`, each timed from the POST's commit (the
/// `order_placed` outbox row) with the services' own timestamps, so a slow tail can be
/// placed on a hop: the outbox rows' `published_at` is when the broker confirmed,
/// the inbox rows' `received_at` when the consuming transaction began.
pub(super) const STAGES: [(&str, &str); 4] = [
    ("orders_relay", "order_placed confirmed by the broker"),
    ("catalog_picked_up", "catalog began applying it"),
    ("catalog_relay", "stock_reserved confirmed by the broker"),
    ("orders_picked_up", "orders began applying it"),
];

/// Percentiles of each of [`STAGES`] over the orders placed since `since`.
pub(super) async fn stage_latencies(
    admin_url: &str,
    since: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<Value> {
    use diesel::sql_types::{Double, Timestamptz};
    use diesel_async::RunQueryDsl;

    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = Double)]
        orders_relay: f64,
        #[diesel(sql_type = Double)]
        catalog_picked_up: f64,
        #[diesel(sql_type = Double)]
        catalog_relay: f64,
        #[diesel(sql_type = Double)]
        orders_picked_up: f64,
    }
    let ms = |t: &str| format!("extract(epoch FROM {t} - placed.created_at)::float8 * 1000");
    let sql = format!(
        "SELECT {} AS orders_relay, {} AS catalog_picked_up, {} AS catalog_relay, {} AS orders_picked_up \
         FROM orders.outbox placed \
         JOIN catalog.inbox ci ON ci.event_id = placed.event_id \
         JOIN catalog.outbox reserved ON reserved.event_type = 'catalog.stock_reserved' \
              AND reserved.envelope->>'causation_id' = placed.event_id::text \
         JOIN orders.inbox oi ON oi.event_id = reserved.event_id \
         WHERE placed.event_type = 'orders.order_placed' AND placed.created_at >= $1",
        ms("placed.published_at"),
        ms("ci.received_at"),
        ms("reserved.published_at"),
        ms("oi.received_at"),
    );
    let mut conn = aftersales_testkit::provision::connect(admin_url).await?;
    let rows: Vec<Row> = diesel::sql_query(sql)
        .bind::<Timestamptz, _>(since)
        .load(&mut conn)
        .await?;
    let percentiles = |v: Vec<f64>| {
        let v = sorted(v);
        let at = |p: f64| percentile(&v, p);
        json!({"p50": at(0.5), "p90": at(0.9), "p99": at(0.99), "samples": v.len()})
    };
    Ok(json!({
        "orders_relay": percentiles(rows.iter().map(|r| r.orders_relay).collect()),
        "catalog_picked_up": percentiles(rows.iter().map(|r| r.catalog_picked_up).collect()),
        "catalog_relay": percentiles(rows.iter().map(|r| r.catalog_relay).collect()),
        "orders_picked_up": percentiles(rows.iter().map(|r| r.orders_picked_up).collect()),
    }))
}

pub(super) fn sorted(mut v: Vec<f64>) -> Vec<f64> {
    v.sort_by(f64::total_cmp);
    v
}

/// p50, p90 and p99 of `sorted`, 0 when empty.
pub(super) fn p50_90_99(sorted: &[f64]) -> [f64; 3] {
    [0.50, 0.90, 0.99].map(|p| percentile(sorted, p).unwrap_or(0.0))
}

/// [`p50_90_99`] as the report's JSON.
pub(super) fn percentiles_json(sorted: &[f64]) -> Value {
    let [p50, p90, p99] = p50_90_99(sorted);
    json!({"p50": p50, "p90": p90, "p99": p99})
}

/// The value at fraction `p` of `sorted` (nearest rank, rounding down); `None` when
/// there are no samples.
pub(super) fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    sorted
        .get(((sorted.len().max(1) - 1) as f64 * p) as usize)
        .copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_take_the_nearest_rank_below() {
        let v = sorted(vec![40.0, 10.0, 30.0, 20.0]);
        assert_eq!(percentile(&v, 0.0), Some(10.0));
        assert_eq!(percentile(&v, 0.5), Some(20.0));
        assert_eq!(percentile(&v, 0.99), Some(30.0));
        assert_eq!(percentile(&v, 1.0), Some(40.0));
        assert_eq!(percentile(&[], 0.5), None);
    }
}
