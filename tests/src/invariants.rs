//! The invariants of docs/invariants.md checked from the services' own data, after a run:
//! read-only SQL into the four schemas (as the superuser of the test database),
//! recovery's reconciliation report and the broker's management API. [`settle`]
//! waits until no event is in flight; [`check`] lists every violation it finds:
//! stock and orders here (and inspection's copies of them for the dealer scorecards),
//! warranty claims in [`claims`], supplier recovery in [`recovery`], purchase orders and
//! the expected dates of backorders in [`purchasing`], notifications in [`notifications`]
//! (checked by the caller, which holds what the webhook receiver got).

mod claims;
pub mod notifications;
mod purchasing;
mod recovery;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use aftersales_messaging::contracts::SERVICES;
use diesel::QueryableByName;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde_json::Value;

/// Where the services' data lives.
#[derive(Debug, Clone)]
pub struct Stores {
    /// Superuser URL of the database holding every schema.
    pub admin_url: String,
    /// Each service's schema, in the order of `contracts::SERVICES`.
    pub schemas: [String; 4],
    /// Management API of the broker (guest/guest) and the vhost the services use.
    pub mgmt_url: String,
    pub vhost: String,
    /// The administrator's AMQP URL of that vhost (every node listed, on a cluster):
    /// counts a queue's messages when the management API has no statistics for it.
    pub amqp_url: String,
    /// `/health/ready` of each service: settled also means every service is connected.
    pub ready_urls: Vec<String>,
    /// Recovery's `reports/reconciliation`, and a token that may read it.
    pub reconciliation_url: String,
    pub finance_token: String,
}

/// What the services answered the driver: each must exist exactly once.
#[derive(Debug, Default, Clone)]
pub struct Answered {
    /// Order ids answered 201.
    pub orders: BTreeSet<String>,
    /// Warranty claim id → the status the driver last saw: where it left the claim.
    pub claims: BTreeMap<String, String>,
    /// Recovery claims finance drafted (answered 201).
    pub recovery_claims: BTreeSet<String>,
    /// Drafts of recovery's filing-deadline sweep that finance took on.
    pub swept_claims: BTreeSet<String>,
    pub credit_memos: BTreeSet<String>,
    pub write_offs: BTreeSet<String>,
    /// Purchase orders to suppliers answered 201.
    pub purchase_orders: BTreeSet<String>,
}

#[derive(QueryableByName)]
struct JsonRows {
    #[diesel(sql_type = diesel::sql_types::Text)]
    rows: String,
}

/// Runs `sql` and returns its rows as JSON objects (column name → value).
pub async fn rows(conn: &mut AsyncPgConnection, sql: &str) -> Result<Vec<Value>, String> {
    let wrapped = format!("SELECT coalesce(json_agg(t), '[]'::json)::text AS rows FROM ({sql}) t");
    let got: JsonRows = diesel::sql_query(&wrapped)
        .get_result(conn)
        .await
        .map_err(|e| format!("{e}: {sql}"))?;
    serde_json::from_str::<Vec<Value>>(&got.rows).map_err(|e| format!("{e}: {sql}"))
}

async fn count(conn: &mut AsyncPgConnection, sql: &str) -> Result<i64, String> {
    let found = rows(conn, sql).await?;
    Ok(<[Value]>::first(&found)
        .and_then(|r| r.as_object())
        .and_then(|o| o.values().next())
        .and_then(Value::as_i64)
        .unwrap_or(-1))
}

impl Stores {
    async fn conn(&self) -> Result<AsyncPgConnection, String> {
        aftersales_testkit::provision::connect(&self.admin_url)
            .await
            .map_err(|e| format!("{e:#}"))
    }

    /// The schema of `service` (one of `contracts::SERVICES`).
    pub fn schema(&self, service: &str) -> &str {
        SERVICES
            .iter()
            .position(|s| *s == service)
            .map_or("", |i| &self.schemas[i])
    }

    /// Messages (ready + unacked) in `queue`; `None` when the queue is missing or
    /// cannot be counted. Right after a restart the management API lists queues
    /// without `messages` (which must not read as empty), and on a cluster a quorum
    /// queue whose leader moved to a node restarted before may stay without them:
    /// then the queue itself is asked over AMQP (a passive declare), which counts the
    /// ready messages only (a consumer's unacknowledged ones are on their way out).
    async fn queue(&self, queue: &str) -> Option<u64> {
        match self.queue_statistics(queue).await {
            Some(n) => Some(n),
            None => self.queue_ready(queue).await,
        }
    }

    async fn queue_ready(&self, queue: &str) -> Option<u64> {
        // A queue electing a leader may not answer at once: `settle` checks its own
        // deadline only between rounds, so no round may wait unbounded.
        tokio::time::timeout(Duration::from_secs(10), self.declare_passively(queue))
            .await
            .ok()
            .flatten()
    }

    async fn declare_passively(&self, queue: &str) -> Option<u64> {
        let conn = aftersales_messaging::broker::open(&self.amqp_url, "fault checker")
            .await
            .ok()?;
        let channel = conn.create_channel().await.ok()?;
        let passive = lapin::options::QueueDeclareOptions {
            passive: true,
            durable: true,
            ..Default::default()
        };
        let declared = channel
            .queue_declare(queue.into(), passive, lapin::types::FieldTable::default())
            .await;
        let _ = conn.close(200, "counted".into()).await;
        Some(u64::from(declared.ok()?.message_count()))
    }

    async fn queue_statistics(&self, queue: &str) -> Option<u64> {
        let enc = |s: &str| s.replace('%', "%25").replace('/', "%2F");
        let url = format!(
            "{}/api/queues/{}/{}",
            self.mgmt_url,
            enc(&self.vhost),
            enc(queue)
        );
        let res = aftersales_web::http_client::client()
            .get(url)
            .basic_auth("guest", Some("guest"))
            .timeout(Duration::from_secs(10))
            .send()
            .await
            .ok()?;
        if !res.status().is_success() {
            return None;
        }
        res.json::<Value>().await.ok()?.get("messages")?.as_u64()
    }

    /// What is still in flight: unpublished outbox rows per service, messages in the
    /// inboxes, services not ready.
    pub async fn in_flight(&self) -> Result<String, String> {
        let mut conn = self.conn().await?;
        let mut parts = Vec::new();
        let mut busy = false;
        for schema in &self.schemas {
            let n = count(
                &mut conn,
                &format!("SELECT count(*) FROM {schema}.outbox WHERE published_at IS NULL"),
            )
            .await?;
            busy |= n != 0;
            parts.push(format!("{schema}.outbox backlog {n}"));
        }
        for service in SERVICES {
            let queue = format!("{service}.inbox");
            let n = self.queue(&queue).await;
            busy |= n != Some(0);
            parts.push(format!("{queue} {n:?}"));
        }
        let client = aftersales_web::http_client::client();
        for url in &self.ready_urls {
            if crate::status_of(&client, url).await != 200 {
                busy = true;
                parts.push(format!("{url} not ready"));
            }
        }
        if busy {
            Err(parts.join(", "))
        } else {
            Ok(parts.join(", "))
        }
    }
}

/// Waits until every outbox backlog is 0 and every inbox is empty, seen three
/// times in a row (the management statistics lag by up to a second).
pub async fn settle(stores: &Stores, timeout: Duration) -> Result<Duration, String> {
    let started = tokio::time::Instant::now();
    let mut quiet = 0;
    let mut last = String::new();
    while started.elapsed() < timeout {
        match stores.in_flight().await {
            Ok(_) => quiet += 1,
            Err(e) => {
                quiet = 0;
                last = e;
            }
        }
        if quiet >= 3 {
            return Ok(started.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    Err(format!("events did not settle within {timeout:?}: {last}"))
}

/// Every invariant of DESIGN.md, from what the services hold and what they answered
/// the driver. Returns the violations (empty = all hold).
pub async fn check(stores: &Stores, answered: &Answered) -> Vec<String> {
    let mut violations = Vec::new();
    let mut conn = match stores.conn().await {
        Ok(conn) => conn,
        Err(e) => return vec![format!("the checker could not connect: {e}")],
    };
    for (what, found) in [
        (
            "stock and orders",
            stock_and_orders(&mut conn, stores, &answered.orders).await,
        ),
        (
            "purchase orders",
            purchasing::check(&mut conn, stores, &answered.purchase_orders).await,
        ),
        (
            "scorecard copies",
            scorecard_copies(&mut conn, stores).await,
        ),
        (
            "inboxes and outboxes",
            events_have_their_source(&mut conn, stores).await,
        ),
        (
            "claims",
            claims::check(&mut conn, stores, &answered.claims).await,
        ),
        (
            "recovery",
            recovery::check(&mut conn, stores, answered).await,
        ),
    ] {
        match found {
            Ok(v) => violations.extend(v),
            Err(e) => violations.push(format!("the checker could not read {what}: {e}")),
        }
    }
    violations.extend(audit_trails(&mut conn, stores, answered).await);
    // Nothing a service could not apply.
    for service in SERVICES {
        let queue = format!("{service}.dead");
        match stores.queue(&queue).await {
            Some(0) => {}
            Some(n) => violations.push(format!("{n} messages in dead-letter queue {queue}")),
            None => violations.push(format!("dead-letter queue {queue} missing or unreadable")),
        }
    }
    violations
}

/// Invariant 17: every service's audit chain is intact and seals every record within
/// seconds (nothing is left behind once the events settled), every record of a consumed
/// event is of an event the service applied (its inbox), and every order answered 201
/// was recorded placed exactly once.
async fn audit_trails(
    admin: &mut AsyncPgConnection,
    stores: &Stores,
    answered: &Answered,
) -> Vec<String> {
    let mut violations = Vec::new();
    for service in SERVICES {
        let schema = stores.schema(service);
        let url = aftersales_web::db::connection_url(&stores.admin_url, Some(schema));
        let mut conn = match aftersales_testkit::provision::connect(&url).await {
            Ok(c) => c,
            Err(e) => {
                violations.push(format!("the checker could not connect to {schema}: {e:#}"));
                continue;
            }
        };
        // The sealer runs every second; a service just restarted seals its backlog first.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        loop {
            match aftersales_web::audit::chain::verify(&mut conn).await {
                Err(e) => {
                    violations.push(format!(
                        "the checker could not read {service}'s audit chain: {e}"
                    ));
                    break;
                }
                Ok(Err(broken)) => {
                    violations.push(format!("{service}'s audit chain is broken: {broken}"));
                    break;
                }
                Ok(Ok(v)) if v.unsealed == 0 => break,
                Ok(Ok(v)) if tokio::time::Instant::now() > deadline => {
                    violations.push(format!(
                        "{service} left {} audit records unsealed 30 s after the events settled",
                        v.unsealed
                    ));
                    break;
                }
                Ok(Ok(_)) => tokio::time::sleep(Duration::from_millis(500)).await,
            }
        }
        match rows(
            &mut conn,
            &format!(
                "SELECT a.action, count(*) AS n FROM {schema}.audit_log a \
                 WHERE a.event_id IS NOT NULL AND NOT EXISTS \
                   (SELECT 1 FROM {schema}.inbox i WHERE i.event_id = a.event_id) \
                 GROUP BY 1 ORDER BY 1"
            ),
        )
        .await
        {
            Ok(orphans) => violations.extend(orphans.into_iter().map(|o| {
                format!(
                    "{service} has {} {} audit records of events it never applied",
                    o["n"],
                    o["action"].as_str().unwrap_or("?")
                )
            })),
            Err(e) => violations.push(format!(
                "the checker could not read {service}'s audit log: {e}"
            )),
        }
    }
    let orders = stores.schema("orders");
    match rows(
        admin,
        &format!(
            "SELECT entity_id, count(*) AS n FROM {orders}.audit_log \
             WHERE action = 'order.placed' GROUP BY 1"
        ),
    )
    .await
    {
        Ok(placed) => {
            let placed: BTreeMap<String, i64> = placed
                .into_iter()
                .map(|p| {
                    (
                        p["entity_id"].as_str().unwrap_or_default().to_owned(),
                        p["n"].as_i64().unwrap_or(-1),
                    )
                })
                .collect();
            for order in &answered.orders {
                match placed.get(order) {
                    Some(1) => {}
                    Some(n) => {
                        violations.push(format!("order {order} was recorded placed {n} times"))
                    }
                    None => {
                        violations.push(format!("order {order} has no order.placed audit record"))
                    }
                }
            }
        }
        Err(e) => violations.push(format!("the checker could not read orders' audit log: {e}")),
    }
    violations
}

/// Invariant 16: every event a service applied (its inbox) is in its producer's
/// outbox, so was committed by the producer. After a database failover that lost
/// commits, an event the relay had published for one of them would still reach its
/// consumers: applied for a transaction that no longer exists.
async fn events_have_their_source(
    conn: &mut AsyncPgConnection,
    stores: &Stores,
) -> Result<Vec<String>, String> {
    let mut violations = Vec::new();
    for consumer in SERVICES {
        for producer in SERVICES {
            let (c, p) = (stores.schema(consumer), stores.schema(producer));
            let orphans = rows(
                conn,
                &format!(
                    "SELECT i.event_type, count(*) AS n FROM {c}.inbox i \
                     WHERE i.producer = '{producer}' AND NOT EXISTS \
                       (SELECT 1 FROM {p}.outbox o WHERE o.event_id = i.event_id) \
                     GROUP BY 1 ORDER BY 1"
                ),
            )
            .await?;
            for o in orphans {
                violations.push(format!(
                    "{consumer} applied {} {} events that {producer} has no record of \
                     publishing (their transaction is lost)",
                    o["n"],
                    o["event_type"].as_str().unwrap_or("?")
                ));
            }
        }
    }
    Ok(violations)
}

/// Invariant 5 for inspection's scorecard copies: every order in orders is kept once in
/// inspection (same dealer, time and units, and line by line the same units), every
/// shipment in catalog too (same order and units, line by line), and an order is kept
/// as cancelled exactly when its dealer cancelled it in orders; nothing more: no event
/// lost or applied twice.
async fn scorecard_copies(
    conn: &mut AsyncPgConnection,
    stores: &Stores,
) -> Result<Vec<String>, String> {
    let (c, o, i) = (
        stores.schema("catalog"),
        stores.schema("orders"),
        stores.schema("inspection"),
    );
    let orders = rows(
        conn,
        &format!(
            "WITH o AS (SELECT o.id, o.dealer_code, o.placed_at, sum(l.qty) AS ordered
                        FROM {o}.orders o JOIN {o}.order_lines l ON l.order_id = o.id
                        GROUP BY 1, 2, 3)
             SELECT coalesce(o.id, p.order_id)::text AS order_id, o.dealer_code, o.ordered,
                    o.placed_at, p.dealer_code AS kept_dealer, p.ordered AS kept_ordered,
                    p.placed_at AS kept_placed_at
             FROM o FULL JOIN {i}.placed_orders p ON p.order_id = o.id
             WHERE o.id IS NULL OR p.order_id IS NULL OR o.dealer_code <> p.dealer_code
                OR o.ordered <> p.ordered OR o.placed_at <> p.placed_at"
        ),
    )
    .await?;
    let shipments = rows(
        conn,
        &format!(
            "WITH s AS (SELECT h.id, h.order_id, sum(l.qty) AS qty
                        FROM {c}.shipments h JOIN {c}.shipment_lines l ON l.shipment_id = h.id
                        GROUP BY 1, 2)
             SELECT coalesce(s.id, k.shipment_id)::text AS shipment_id, s.order_id, s.qty,
                    k.order_id AS kept_order_id, k.qty AS kept_qty
             FROM s FULL JOIN {i}.order_shipments k ON k.shipment_id = s.id
             WHERE s.id IS NULL OR k.shipment_id IS NULL OR s.order_id <> k.order_id
                OR s.qty <> k.qty"
        ),
    )
    .await?;
    let order_lines = rows(
        conn,
        &format!(
            "SELECT coalesce(l.order_id, k.order_id)::text AS order_id,
                    coalesce(l.line_no, k.line_no) AS line_no, l.qty, k.qty AS kept_qty
             FROM {o}.order_lines l
             FULL JOIN {i}.placed_order_lines k ON k.order_id = l.order_id AND k.line_no = l.line_no
             WHERE l.order_id IS NULL OR k.order_id IS NULL OR l.qty <> k.qty"
        ),
    )
    .await?;
    let shipment_lines = rows(
        conn,
        &format!(
            "SELECT coalesce(l.shipment_id, k.shipment_id)::text AS shipment_id,
                    coalesce(l.line_no, k.line_no) AS line_no, l.qty, k.qty AS kept_qty
             FROM {c}.shipment_lines l
             FULL JOIN {i}.order_shipment_lines k
                    ON k.shipment_id = l.shipment_id AND k.line_no = l.line_no
             WHERE l.shipment_id IS NULL OR k.shipment_id IS NULL OR l.qty <> k.qty"
        ),
    )
    .await?;
    let cancellations = rows(
        conn,
        &format!(
            "SELECT coalesce(o.id, k.order_id)::text AS order_id, o.cancel_requested_at,
                    k.cancelled_at AS kept_cancelled_at
             FROM (SELECT id, cancel_requested_at FROM {o}.orders
                   WHERE cancel_requested_at IS NOT NULL) o
             FULL JOIN {i}.cancelled_orders k ON k.order_id = o.id
             WHERE o.id IS NULL OR k.order_id IS NULL"
        ),
    )
    .await?;
    let say = |what: &'static str| move |row: &Value| format!("{what}: {row}");
    Ok(orders
        .iter()
        .map(say("inspection's copy of an order disagrees with orders"))
        .chain(shipments.iter().map(say(
            "inspection's copy of a shipment disagrees with catalog",
        )))
        .chain(order_lines.iter().map(say(
            "inspection's copy of an order line disagrees with orders",
        )))
        .chain(shipment_lines.iter().map(say(
            "inspection's copy of a shipment line disagrees with catalog",
        )))
        .chain(cancellations.iter().map(say(
            "inspection's copy of a dealer's cancellation disagrees with orders",
        )))
        .collect())
}

/// Invariants 1 and 2: stock, ledger and reservations in catalog; every order line
/// the same in catalog and orders; `placed` are the order ids answered 201.
async fn stock_and_orders(
    conn: &mut AsyncPgConnection,
    stores: &Stores,
    placed: &BTreeSet<String>,
) -> Result<Vec<String>, String> {
    let (c, o) = (stores.schema("catalog"), stores.schema("orders"));
    let mut violations = Vec::new();

    // Invariant 1: ledger, bounds and open reservations per (warehouse, part).
    let stock = rows(
        conn,
        &format!(
            "SELECT coalesce(s.warehouse_code, m.warehouse_code, r.warehouse_code) AS warehouse,
                    coalesce(s.part_number, m.part_number, r.part_number) AS part,
                    s.on_hand, s.reserved, s.quarantined,
                    coalesce(m.total, 0) AS ledger, coalesce(r.total, 0) AS open_reserved
             FROM {c}.stock_levels s
             FULL JOIN (SELECT warehouse_code, part_number, sum(qty) AS total
                        FROM {c}.stock_movements GROUP BY 1, 2) m
                    ON m.warehouse_code = s.warehouse_code AND m.part_number = s.part_number
             FULL JOIN (SELECT a.warehouse_code, l.reserved_part_number AS part_number,
                               sum(l.reserved) AS total
                        FROM {c}.allocation_lines l JOIN {c}.order_allocations a USING (order_id)
                        GROUP BY 1, 2) r
                    ON r.warehouse_code = coalesce(s.warehouse_code, m.warehouse_code)
                   AND r.part_number = coalesce(s.part_number, m.part_number)"
        ),
    )
    .await?;
    for row in &stock {
        let at = format!("stock {}/{}", row["warehouse"], row["part"]);
        let int = |f: &str| row[f].as_i64();
        let (Some(on_hand), Some(reserved)) = (int("on_hand"), int("reserved")) else {
            if int("ledger") != Some(0) || int("open_reserved") != Some(0) {
                violations.push(format!(
                    "{at}: ledger or reservations without a stock row: {row}"
                ));
            }
            continue;
        };
        if int("ledger") != Some(on_hand) {
            violations.push(format!(
                "{at}: on_hand {on_hand} != ledger sum {}",
                row["ledger"]
            ));
        }
        let quarantined = int("quarantined").unwrap_or(-1);
        if reserved < 0 || quarantined < 0 || reserved + quarantined > on_hand {
            violations.push(format!(
                "{at}: not 0 <= reserved {reserved}, 0 <= quarantined {quarantined}, \
                 reserved + quarantined <= on_hand {on_hand}"
            ));
        }
        if int("open_reserved") != Some(reserved) {
            violations.push(format!(
                "{at}: reserved {reserved} != sum of open reservations {}",
                row["open_reserved"]
            ));
        }
    }
    if stock.is_empty() {
        violations.push("catalog has no stock at all: the run did nothing".to_owned());
    }

    // Shipped quantities: what catalog's shipments say = what its allocations say.
    let shipped = rows(
        conn,
        &format!(
            "SELECT l.order_id, l.line_no, l.shipped, coalesce(s.total, 0) AS in_shipments
             FROM {c}.allocation_lines l
             LEFT JOIN (SELECT h.order_id, sl.line_no, sum(sl.qty) AS total
                        FROM {c}.shipment_lines sl JOIN {c}.shipments h ON h.id = sl.shipment_id
                        GROUP BY 1, 2) s USING (order_id, line_no)
             WHERE l.shipped <> coalesce(s.total, 0)"
        ),
    )
    .await?;
    for row in shipped {
        violations.push(format!("shipments disagree with the allocation: {row}"));
    }

    // Invariant 2 and agreement, line by line, across both services.
    let lines = rows(
        conn,
        &format!(
            "SELECT coalesce(ol.order_id, al.order_id)::text AS order_id,
                    coalesce(ol.line_no, al.line_no) AS line_no,
                    ol.part_number AS o_part, al.part_number AS c_part,
                    ol.qty AS o_ordered, ol.reserved AS o_reserved,
                    ol.backordered AS o_backordered, ol.shipped AS o_shipped,
                    ol.released AS o_released,
                    al.ordered AS c_ordered, al.reserved AS c_reserved,
                    al.backordered AS c_backordered, al.shipped AS c_shipped,
                    al.released AS c_released,
                    ol.expected_date::text AS o_expected, al.expected_date::text AS c_expected
             FROM {o}.order_lines ol
             FULL JOIN {c}.allocation_lines al
                    ON al.order_id = ol.order_id AND al.line_no = ol.line_no"
        ),
    )
    .await?;
    for row in &lines {
        let at = format!("order {} line {}", row["order_id"], row["line_no"]);
        let sum = |side: &str| -> Option<i64> {
            ["reserved", "backordered", "shipped", "released"]
                .iter()
                .map(|f| row[format!("{side}_{f}")].as_i64())
                .sum()
        };
        if row["c_ordered"].is_null() {
            violations.push(format!("{at}: in orders but unknown to catalog: {row}"));
            continue;
        }
        if row["o_ordered"].is_null() {
            violations.push(format!("{at}: in catalog but not in orders: {row}"));
            continue;
        }
        for side in ["o", "c"] {
            if sum(side) != row[format!("{side}_ordered")].as_i64() {
                let who = if side == "o" { "orders" } else { "catalog" };
                violations.push(format!(
                    "{at}: {who}: reserved+backordered+shipped+released != ordered: {row}"
                ));
            }
        }
        for f in [
            "part",
            "ordered",
            "reserved",
            "backordered",
            "shipped",
            "released",
            "expected",
        ] {
            if row[format!("o_{f}")] != row[format!("c_{f}")] {
                violations.push(format!("{at}: the services disagree on {f}: {row}"));
            }
        }
    }

    // Orders: each placed exactly once, each known to catalog exactly once, none stuck.
    let orders = rows(
        conn,
        &format!(
            "SELECT o.id::text AS id, o.number, o.dealer_code, o.status,
                    o.allocation_version, a.version AS c_version, a.order_number AS c_number,
                    a.dealer_code AS c_dealer, a.cancelled AS c_cancelled
             FROM {o}.orders o LEFT JOIN {c}.order_allocations a ON a.order_id = o.id"
        ),
    )
    .await?;
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for row in &orders {
        let id = row["id"].as_str().unwrap_or_default().to_owned();
        *seen.entry(id.clone()).or_default() += 1;
        if !placed.contains(&id) {
            violations.push(format!(
                "order {id} exists but the driver never placed it (a retry placed it twice?): {row}"
            ));
        }
        if row["c_version"].is_null() {
            violations.push(format!("order {id} never reached catalog: {row}"));
            continue;
        }
        if row["number"] != row["c_number"] || row["dealer_code"] != row["c_dealer"] {
            violations.push(format!(
                "order {id}: number or dealer differ between the services: {row}"
            ));
        }
        if row["allocation_version"] != row["c_version"] {
            violations.push(format!(
                "order {id}: orders holds allocation version {} but catalog is at {}",
                row["allocation_version"], row["c_version"]
            ));
        }
        let status = row["status"].as_str().unwrap_or_default();
        if matches!(status, "submitted" | "cancel_requested") {
            violations.push(format!(
                "order {id} is stuck in {status} after the events settled: {row}"
            ));
        }
        // A cancellation that lost the race against a shipment leaves the order shipped
        // in both services; catalog still records that it was asked to cancel.
        if status == "cancelled" && row["c_cancelled"] != true {
            violations.push(format!(
                "order {id}: cancelled in orders but not in catalog: {row}"
            ));
        }
    }
    for id in placed {
        if !seen.contains_key(id) {
            violations.push(format!(
                "order {id} was answered 201 but is not in orders (lost)"
            ));
        }
    }
    let open_after_cancel = rows(
        conn,
        &format!(
            "SELECT l.* FROM {c}.allocation_lines l JOIN {c}.order_allocations a USING (order_id)
             WHERE a.cancelled AND (l.reserved > 0 OR l.backordered > 0)"
        ),
    )
    .await?;
    for row in open_after_cancel {
        violations.push(format!(
            "a cancelled order still holds or awaits stock: {row}"
        ));
    }
    let phantoms = count(
        conn,
        &format!(
            "SELECT count(*) FROM {c}.order_allocations a
             WHERE NOT EXISTS (SELECT 1 FROM {o}.orders o WHERE o.id = a.order_id)"
        ),
    )
    .await?;
    if phantoms != 0 {
        violations.push(format!(
            "{phantoms} allocations in catalog for orders that orders does not have"
        ));
    }

    Ok(violations)
}
