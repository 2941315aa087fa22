//! The large data set of the scaling run: what a year or two of a dealer network leaves
//! in the schemas (100 000 parts in 20 warehouses, 1 000 000 ledger movements, 200 000
//! past orders with their allocations, 50 000 warranty claims), written straight into
//! the tables as history, so that the order and claim phases run again over it.
//!
//! The rows obey every constraint the services' migrations declare (the loader fails
//! otherwise), and their spread (statuses, dates, parts, dealers) is what the hot
//! statements would meet in production: most past orders shipped, a tenth cancelled,
//! a few still open.

use diesel_async::{RunQueryDsl, SimpleAsyncConnection};

use super::*;

/// How much history the loader writes.
#[derive(Debug, Clone, Copy)]
pub(super) struct Scale {
    pub parts: u32,
    pub warehouses: u32,
    pub movements: u32,
    pub orders: u32,
    pub claims: u32,
}

/// The figures.
pub(super) const LARGE: Scale = Scale {
    parts: 100_000,
    warehouses: 20,
    movements: 1_000_000,
    orders: 200_000,
    claims: 50_000,
};

/// Dealers of the history (the benchmark's own dealers come on top).
const DEALERS: u32 = 500;
const SUPPLIERS: u32 = 200;

/// Writes `scale`'s history into `database`'s catalog, orders and inspection schemas,
/// then analyses them; returns the rows written per table and the seconds it took.
pub(super) async fn load(admin_url: &str, scale: Scale) -> anyhow::Result<Value> {
    let started = Instant::now();
    let mut conn = aftersales_testkit::provision::connect(admin_url).await?;
    for (what, sql) in steps(scale) {
        let step = Instant::now();
        conn.batch_execute(&sql)
            .await
            .with_context(|| format!("loading {what}"))?;
        println!("    {what} [{:.1}s]", step.elapsed().as_secs_f64());
    }
    let step = Instant::now();
    settle()?;
    println!("    written to disk [{:.1}s]", step.elapsed().as_secs_f64());
    let mut rows = serde_json::Map::new();
    for table in COUNTED {
        let n: Count = diesel::sql_query(format!("SELECT count(*) AS n FROM {table}"))
            .get_result(&mut conn)
            .await?;
        rows.insert(table.to_owned(), json!(n.n));
    }
    Ok(json!({"rows": rows, "seconds": started.elapsed().as_secs_f64()}))
}

const COUNTED: [&str; 8] = [
    "catalog.parts",
    "catalog.stock_levels",
    "catalog.stock_movements",
    "catalog.allocation_lines",
    "orders.orders",
    "orders.order_lines",
    "orders.order_timeline",
    "inspection.claims",
];

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// Helpers of the loader's statements: the code of warehouse `k` (0-based; the
/// benchmark's own `WH1` first, so the parts it orders share a warehouse with the
/// history), the `n`th (1–3) of the three warehouses part `i` is stocked in, and the
/// number of part `i`.
fn helpers(warehouses: u32) -> String {
    format!(
        "CREATE OR REPLACE FUNCTION pg_temp.wh(k int) RETURNS text IMMUTABLE LANGUAGE sql \
           AS $$ SELECT CASE WHEN k = 0 THEN 'WH1' ELSE 'LW' || lpad(k::text, 2, '0') END $$;\n\
         CREATE OR REPLACE FUNCTION pg_temp.stocked(i int, n int) RETURNS text IMMUTABLE LANGUAGE sql \
           AS $$ SELECT pg_temp.wh((ARRAY[i % {warehouses}, (i + 7) % {warehouses}, (i + 13) % {warehouses}])[n]) $$;\n\
         CREATE OR REPLACE FUNCTION pg_temp.part(i int) RETURNS text IMMUTABLE LANGUAGE sql \
           AS $$ SELECT 'L-' || lpad(i::text, 6, '0') $$;\n"
    )
}

/// The loader's statements, in order, each with what it writes.
fn steps(s: Scale) -> Vec<(&'static str, String)> {
    let Scale {
        parts,
        warehouses,
        movements,
        orders,
        claims,
    } = s;
    let helpers = helpers(warehouses);
    vec![
        (
            "catalog: suppliers, warehouses, parts and prices",
            format!(
                "{helpers}SET search_path TO catalog;\n\
                 INSERT INTO suppliers (code, name) \
                   SELECT 'LS' || lpad(i::text, 3, '0'), 'Supplier ' || i FROM generate_series(1, {SUPPLIERS}) i;\n\
                 INSERT INTO warehouses (code, name, kind) \
                   SELECT pg_temp.wh(k), 'Warehouse ' || k, 'regional' FROM generate_series(1, {warehouses} - 1) k;\n\
                 INSERT INTO parts (part_number, description, category, unit_of_measure, currency, \
                     supplier_code, warranty_months, core, returnable, superseded_by, active) \
                   SELECT pg_temp.part(i), 'Part ' || i, \
                     (ARRAY['brakes', 'engine', 'electrical', 'body', 'suspension'])[1 + i % 5], 'EA', 'EUR', \
                     'LS' || lpad((1 + i % {SUPPLIERS})::text, 3, '0'), 24, i % 17 = 0, i % 3 <> 0, \
                     CASE WHEN i % 20 = 0 AND i < {parts} THEN pg_temp.part(i + 1) END, i % 20 <> 0 \
                   FROM generate_series(1, {parts}) i;\n\
                 INSERT INTO part_prices (part_number, price, currency, effective_from, created_by) \
                   SELECT pg_temp.part(i), 9 + (i % 90) + v, 'EUR', now() - (400 - v * 300) * interval '1 day', 'history' \
                   FROM generate_series(1, {parts}) i, generate_series(0, 1) v;\n"
            ),
        ),
        (
            "catalog: stock levels and the ledger",
            format!(
                "{helpers}SET search_path TO catalog;\n\
                 INSERT INTO stock_levels (warehouse_code, part_number, on_hand, reserved, quarantined, \
                     reorder_point, reorder_qty, bin) \
                   SELECT pg_temp.stocked(i, n), pg_temp.part(i), 20 + i % 50, i % 5, i % 2, 5, 20, \
                     'A-' || (i % 40) || '-' || n \
                   FROM generate_series(1, {parts}) i, generate_series(1, 3) n;\n\
                 INSERT INTO stock_movements (warehouse_code, part_number, kind, qty, reason_code, reference, \
                     actor, created_at) \
                   SELECT pg_temp.stocked(i, 1 + (j / {parts}) % 3), pg_temp.part(i), \
                     (ARRAY['receipt', 'shipment', 'adjustment', 'shipment', 'receipt'])[1 + j % 5], \
                     CASE WHEN j % 5 IN (1, 3) THEN -1 - j % 3 ELSE 1 + j % 7 END, \
                     CASE WHEN j % 5 = 2 THEN 'damaged' END, 'history-' || j, 'history', \
                     now() - (j % 730) * interval '1 day' \
                   FROM generate_series(1, {movements}) j, LATERAL (SELECT 1 + j % {parts} AS i) p;\n"
            ),
        ),
        (
            "orders: dealers, price book, orders, lines and timelines",
            format!(
                "{helpers}SET search_path TO orders;\n\
                 INSERT INTO dealers (code, name, tier, labor_rate, currency, home_warehouse) \
                   SELECT 'LD' || lpad(d::text, 3, '0'), 'Dealer ' || d, \
                     (ARRAY['standard', 'silver', 'gold', 'platinum'])[1 + d % 4], 80, 'EUR', \
                     pg_temp.wh(d % {warehouses}) \
                   FROM generate_series(1, {DEALERS}) d;\n\
                 INSERT INTO price_book (part_number, description, list_price, currency, active, superseded_by, updated_at) \
                   SELECT pg_temp.part(i), 'Part ' || i, 10 + i % 90, 'EUR', i % 20 <> 0, \
                     CASE WHEN i % 20 = 0 AND i < {parts} THEN pg_temp.part(i + 1) END, now() \
                   FROM generate_series(1, {parts}) i;\n\
                 CREATE TEMP TABLE history AS \
                   SELECT o, md5('history-order-' || o)::uuid AS id, \
                     'ORD-' || lpad(nextval('order_number_seq')::text, 6, '0') AS number, \
                     'LD' || lpad((1 + o % {DEALERS})::text, 3, '0') AS dealer, \
                     pg_temp.wh((1 + o % {DEALERS}) % {warehouses}) AS warehouse, \
                     CASE WHEN o % 10 = 0 THEN 'emergency' ELSE 'stock' END AS priority, \
                     CASE WHEN o % 10 = 1 THEN 'cancelled' WHEN o % 50 = 2 THEN 'reserved' \
                       WHEN o % 50 = 3 THEN 'backordered' ELSE 'shipped' END AS status, \
                     now() - (o % 365) * interval '1 day' - (o % 86400) * interval '1 second' AS placed_at \
                   FROM generate_series(1, {orders}) o;\n\
                 CREATE TEMP TABLE history_lines AS \
                   SELECT h.id, h.status, l AS line_no, pg_temp.part(1 + (h.o * 7 + l * 13) % {parts}) AS part, \
                     1 + (h.o + l) % 4 AS qty, (10 + (1 + (h.o * 7 + l * 13) % {parts}) % 90)::numeric AS price \
                   FROM history h, generate_series(1, 2) l;\n\
                 INSERT INTO orders (id, number, dealer_code, warehouse, priority, status, currency, total, \
                     allocation_version, initial_allocation_version, placed_at, updated_at) \
                   SELECT h.id, h.number, h.dealer, h.warehouse, h.priority, h.status, 'EUR', t.total, \
                     2, 1, h.placed_at, h.placed_at + interval '1 day' \
                   FROM history h JOIN (SELECT id, sum(qty * price * 0.9) AS total FROM history_lines \
                     GROUP BY id) t ON t.id = h.id;\n\
                 INSERT INTO order_lines (order_id, line_no, part_number, reserved_part_number, qty, \
                     unit_list_price, discount_pct, unit_net_price, line_total, reserved, backordered, \
                     shipped, released, initial_reserved) \
                   SELECT id, line_no, part, part, qty, price, 10, price * 0.9, qty * price * 0.9, \
                     CASE WHEN status = 'reserved' THEN qty ELSE 0 END, \
                     CASE WHEN status = 'backordered' THEN qty ELSE 0 END, \
                     CASE WHEN status = 'shipped' THEN qty ELSE 0 END, \
                     CASE WHEN status = 'cancelled' THEN qty ELSE 0 END, \
                     CASE WHEN status = 'backordered' THEN 0 ELSE qty END \
                   FROM history_lines;\n\
                 INSERT INTO order_timeline (order_id, at, from_status, to_status, event_id, event_type, allocation_version) \
                   SELECT id, placed_at, NULL, 'submitted', md5('placed-' || o)::uuid, 'orders.order_placed', NULL FROM history \
                   UNION ALL \
                   SELECT id, placed_at + interval '1 second', 'submitted', \
                     CASE WHEN status = 'backordered' THEN 'backordered' ELSE 'reserved' END, \
                     md5('reserved-' || o)::uuid, 'catalog.stock_reserved', 1 FROM history \
                   UNION ALL \
                   SELECT id, placed_at + interval '1 day', 'reserved', status, md5('final-' || o)::uuid, \
                     CASE WHEN status = 'cancelled' THEN 'catalog.stock_released' ELSE 'catalog.shipment_dispatched' END, 2 \
                   FROM history WHERE status IN ('shipped', 'cancelled');\n\
                 SET search_path TO catalog;\n\
                 INSERT INTO order_allocations (order_id, order_number, dealer_code, warehouse_code, priority, \
                     placed_at, version, cancelled) \
                   SELECT id, number, dealer, warehouse, priority, placed_at, 2, status = 'cancelled' FROM history;\n\
                 INSERT INTO allocation_lines (order_id, line_no, part_number, reserved_part_number, ordered, \
                     reserved, backordered, shipped, released) \
                   SELECT id, line_no, part, part, qty, \
                     CASE WHEN status = 'reserved' THEN qty ELSE 0 END, \
                     CASE WHEN status = 'backordered' THEN qty ELSE 0 END, \
                     CASE WHEN status = 'shipped' THEN qty ELSE 0 END, \
                     CASE WHEN status = 'cancelled' THEN qty ELSE 0 END \
                   FROM history_lines;\n"
            ),
        ),
        // A claim still awaiting its part is recent (its return deadline is ahead): the
        // return-deadline job must find nothing overdue in the history and stay idle.
        (
            "inspection: parts, dealers, units and claims",
            format!(
                "{helpers}SET search_path TO inspection;\n\
                 INSERT INTO parts (part_number, description, category, list_price, currency, supplier_code, \
                     warranty_months, core, returnable, active, updated_at) \
                   SELECT pg_temp.part(i), 'Part ' || i, \
                     (ARRAY['brakes', 'engine', 'electrical', 'body', 'suspension'])[1 + i % 5], 10 + i % 90, 'EUR', \
                     'LS' || lpad((1 + i % {SUPPLIERS})::text, 3, '0'), 24, i % 17 = 0, i % 3 <> 0, i % 20 <> 0, now() \
                   FROM generate_series(1, {parts}) i;\n\
                 INSERT INTO dealers (dealer_code, name, labor_rate, currency, active, updated_at) \
                   SELECT 'LD' || lpad(d::text, 3, '0'), 'Dealer ' || d, 80, 'EUR', true, now() \
                   FROM generate_series(1, {DEALERS}) d;\n\
                 INSERT INTO labor_operations (code, description, standard_hours) \
                   SELECT 'LOP-' || k, 'Operation ' || k, 0.5 + k % 4 FROM generate_series(1, 50) k;\n\
                 INSERT INTO units (serial, dealer_code, model, in_service_date, usage_at_sale, usage_unit) \
                   SELECT 'LVIN' || lpad(u::text, 8, '0'), 'LD' || lpad((1 + u % {DEALERS})::text, 3, '0'), \
                     (ARRAY['T100', 'T200', 'X5', 'Bus-12'])[1 + u % 4], current_date - (u % 900), u % 50, 'km' \
                   FROM generate_series(1, {claims}) u;\n\
                 CREATE TEMP TABLE history_claims AS \
                   SELECT c, md5('history-claim-' || c)::uuid AS id, \
                     CASE WHEN c % 10 < 6 THEN 'approved' WHEN c % 10 < 8 THEN 'rejected' \
                       WHEN c % 10 = 8 THEN 'awaiting_part' ELSE 'closed' END AS status, \
                     1 + (c * 11) % {parts} AS part, \
                     now() - (CASE WHEN c % 10 = 8 THEN c % 20 ELSE c % 700 END) * interval '1 day' AS submitted_at \
                   FROM generate_series(1, {claims}) c;\n\
                 INSERT INTO claims (id, number, dealer_code, unit_serial, causal_part_number, supplier_code, \
                     status, decision, reasons, currency, parts_amount, labor_amount, return_required, \
                     return_deadline, submitted_at, decided_at) \
                   SELECT id, 'WC-' || lpad(nextval('claim_number_seq')::text, 6, '0'), \
                     'LD' || lpad((1 + c % {DEALERS})::text, 3, '0'), 'LVIN' || lpad(c::text, 8, '0'), \
                     pg_temp.part(part), 'LS' || lpad((1 + part % {SUPPLIERS})::text, 3, '0'), status, \
                     CASE WHEN status IN ('approved', 'closed') THEN 'approved' \
                       WHEN status = 'rejected' THEN 'rejected' END, \
                     CASE WHEN status = 'rejected' THEN ARRAY['misuse'] ELSE '{{}}' END, 'EUR', \
                     10 + part % 90, 80, true, submitted_at + interval '30 days', submitted_at, \
                     CASE WHEN status <> 'awaiting_part' THEN submitted_at + interval '10 days' END \
                   FROM history_claims;\n\
                 INSERT INTO claim_details (claim_id, failure_date, repair_date, usage_at_failure, complaint, cause, correction) \
                   SELECT id, submitted_at::date - 3, submitted_at::date - 1, 10000 + c % 90000, \
                     'Noise when braking', 'Worn part', 'Replaced part' FROM history_claims;\n\
                 INSERT INTO claim_part_lines (claim_id, line_no, part_number, qty, unit_price, currency, amount) \
                   SELECT id, 1, pg_temp.part(part), 1, 10 + part % 90, 'EUR', 10 + part % 90 FROM history_claims;\n\
                 INSERT INTO claim_labor_lines (claim_id, line_no, operation_code, claimed_hours, standard_hours, \
                     paid_hours, rate, amount) \
                   SELECT id, 1, 'LOP-' || (1 + c % 50), 1, 1, 1, 80, 80 FROM history_claims;\n\
                 INSERT INTO claim_inspections (claim_id, received_at, receipt_warehouse, receipt_quantity, \
                     failure_mode, cause_code, responsible_supplier, approved_parts_amount, approved_labor_amount, \
                     decided_by, updated_at) \
                   SELECT id, submitted_at + interval '5 days', pg_temp.wh(c % {warehouses}), 1, 'wear', \
                     CASE WHEN status = 'rejected' THEN 'misuse' ELSE 'supplier_defect' END, \
                     'LS' || lpad((1 + part % {SUPPLIERS})::text, 3, '0'), \
                     CASE WHEN status = 'rejected' THEN 0 ELSE 10 + part % 90 END, \
                     CASE WHEN status = 'rejected' THEN 0 ELSE 80 END, 'history', submitted_at + interval '10 days' \
                   FROM history_claims WHERE status <> 'awaiting_part';\n"
            ),
        ),
        // What a running system has done to its tables long before a benchmark: their
        // dead tuples vacuumed, statistics gathered and pages written out. Done here, it
        // is not the first minutes of the measurement (each is one statement: VACUUM
        // runs outside a transaction).
        (
            "vacuum and statistics",
            "VACUUM (ANALYZE) catalog.parts, catalog.part_prices, catalog.stock_levels, \
             catalog.stock_movements, catalog.order_allocations, catalog.allocation_lines, \
             orders.dealers, orders.price_book, orders.orders, orders.order_lines, \
             orders.order_timeline, inspection.parts, inspection.units, inspection.claims, \
             inspection.claim_part_lines, inspection.claim_labor_lines, \
             inspection.claim_inspections, inspection.claim_details"
                .to_owned(),
        ),
        ("checkpoint", "CHECKPOINT".to_owned()),
    ]
}
