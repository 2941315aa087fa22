//! What replenishment needs of each part a warehouse stocks: its level, waiting
//! backorders, transfers in transit to it, the open rest of sent purchase orders, the
//! units ordered there since a day, and the last price agreed with its supplier.

use chrono::{DateTime, Utc};
use diesel::sql_types::{BigInt, Nullable, Numeric, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use rust_decimal::Decimal;

use super::Result;

#[derive(Debug, Clone, diesel::QueryableByName)]
pub struct Row {
    #[diesel(sql_type = Text)]
    pub part_number: String,
    #[diesel(sql_type = Text)]
    pub description: String,
    #[diesel(sql_type = Text)]
    pub supplier_code: String,
    #[diesel(sql_type = BigInt)]
    pub available: i64,
    #[diesel(sql_type = BigInt)]
    pub reorder_point: i64,
    #[diesel(sql_type = BigInt)]
    pub reorder_qty: i64,
    #[diesel(sql_type = BigInt)]
    pub backordered: i64,
    #[diesel(sql_type = BigInt)]
    pub in_transit: i64,
    #[diesel(sql_type = BigInt)]
    pub on_order: i64,
    #[diesel(sql_type = BigInt)]
    pub demand: i64,
    /// The unit price of the newest purchase-order line for the part sent to its
    /// supplier (not a draft, not cancelled), and that order's currency.
    #[diesel(sql_type = Nullable<Numeric>)]
    pub last_unit_price: Option<Decimal>,
    #[diesel(sql_type = Nullable<Text>)]
    pub last_currency: Option<String>,
}

/// Every active, current part with a level in `wh`, by part number; `parts` narrows
/// it to those (all when empty).
pub async fn positions(
    c: &mut AsyncPgConnection,
    wh: &str,
    demand_since: DateTime<Utc>,
    parts: &[String],
) -> Result<Vec<Row>> {
    Ok(diesel::sql_query(
        "SELECT s.part_number, p.description, p.supplier_code, \
                (s.on_hand - s.reserved - s.quarantined)::BIGINT AS available, \
                s.reorder_point::BIGINT AS reorder_point, s.reorder_qty::BIGINT AS reorder_qty, \
                COALESCE(b.units, 0)::BIGINT AS backordered, \
                COALESCE(t.units, 0)::BIGINT AS in_transit, \
                COALESCE(o.units, 0)::BIGINT AS on_order, \
                COALESCE(d.units, 0)::BIGINT AS demand, \
                lp.unit_price AS last_unit_price, lp.currency AS last_currency \
         FROM stock_levels s JOIN parts p USING (part_number) \
         LEFT JOIN (SELECT l.reserved_part_number AS part_number, SUM(l.backordered) AS units \
                    FROM allocation_lines l JOIN order_allocations a USING (order_id) \
                    WHERE a.warehouse_code = $1 AND NOT a.cancelled AND l.backordered > 0 \
                    GROUP BY 1) b USING (part_number) \
         LEFT JOIN (SELECT part_number, SUM(qty) AS units FROM transfers \
                    WHERE to_warehouse = $1 AND status = 'in_transit' GROUP BY 1) t USING (part_number) \
         LEFT JOIN (SELECT pl.part_number, SUM(pl.qty - pl.received) AS units \
                    FROM purchase_order_lines pl JOIN purchase_orders po ON po.id = pl.purchase_order_id \
                    WHERE po.warehouse_code = $1 AND po.status IN ('sent', 'partially_received') \
                      AND pl.received < pl.qty \
                    GROUP BY 1) o USING (part_number) \
         LEFT JOIN (SELECT l.reserved_part_number AS part_number, SUM(l.ordered) AS units \
                    FROM allocation_lines l JOIN order_allocations a USING (order_id) \
                    WHERE a.warehouse_code = $1 AND NOT a.cancelled AND a.placed_at >= $2 \
                    GROUP BY 1) d USING (part_number) \
         LEFT JOIN LATERAL (SELECT pl.unit_price, po.currency \
                    FROM purchase_order_lines pl JOIN purchase_orders po ON po.id = pl.purchase_order_id \
                    WHERE pl.part_number = s.part_number AND po.supplier_code = p.supplier_code \
                      AND po.status IN ('sent', 'partially_received', 'received') \
                    ORDER BY po.id DESC LIMIT 1) lp ON TRUE \
         WHERE s.warehouse_code = $1 AND p.active AND p.superseded_by IS NULL \
           AND (cardinality($3::text[]) = 0 OR s.part_number = ANY($3::text[])) \
         ORDER BY s.part_number",
    )
    .bind::<Text, _>(wh)
    .bind::<Timestamptz, _>(demand_since)
    .bind::<diesel::sql_types::Array<Text>, _>(parts)
    .load(c)
    .await?)
}
