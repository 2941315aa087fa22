//! Purchase orders in catalog: every line's received quantity is its receipts and the
//! ledger's receipt movements naming it, each order's status follows its lines, every
//! purchase order the driver was answered exists once, and every backorder carries the
//! expected date that `catalog::domain::eta` gives from the open purchase orders and the
//! dated transfers in transit (the
//! dates orders shows are compared with catalog's in the stock-and-orders check).

use std::collections::{BTreeMap, BTreeSet};

use catalog::domain::allocation::{Priority, Waiting};
use catalog::domain::eta::{Supply, expected_dates};
use chrono::{DateTime, NaiveDate, Utc};
use diesel_async::AsyncPgConnection;
use serde_json::Value;

use super::{Stores, rows};

pub(super) async fn check(
    conn: &mut AsyncPgConnection,
    stores: &Stores,
    answered: &BTreeSet<String>,
) -> Result<Vec<String>, String> {
    let mut violations = receipts(conn, stores, answered).await?;
    violations.extend(dates(conn, stores).await?);
    Ok(violations)
}

async fn receipts(
    conn: &mut AsyncPgConnection,
    stores: &Stores,
    answered: &BTreeSet<String>,
) -> Result<Vec<String>, String> {
    let c = stores.schema("catalog");
    let mut violations = Vec::new();
    // A line's received = its receipts = the ledger's movements naming `PO-…/<line>`.
    let lines = rows(
        conn,
        &format!(
            "SELECT po.number, po.status, l.line_no, l.qty, l.received,
                    coalesce(r.qty, 0) AS in_receipts, coalesce(m.qty, 0) AS in_ledger
             FROM {c}.purchase_order_lines l
             JOIN {c}.purchase_orders po ON po.id = l.purchase_order_id
             LEFT JOIN (SELECT purchase_order_id, line_no, sum(qty) AS qty
                        FROM {c}.purchase_order_receipts GROUP BY 1, 2) r
                    ON r.purchase_order_id = l.purchase_order_id AND r.line_no = l.line_no
             LEFT JOIN (SELECT split_part(split_part(reference, ' ', 1), '/', 1) AS number,
                               split_part(split_part(reference, ' ', 1), '/', 2) AS line_no,
                               sum(qty) AS qty
                        FROM {c}.stock_movements
                        WHERE kind = 'receipt' AND reference LIKE 'PO-%/%'
                        GROUP BY 1, 2) m
                    ON m.number = po.number AND m.line_no = l.line_no::text
             ORDER BY po.number, l.line_no"
        ),
    )
    .await?;
    let mut by_order: BTreeMap<String, (String, Vec<(i64, i64)>)> = BTreeMap::new();
    for row in &lines {
        let at = format!("purchase order {} line {}", row["number"], row["line_no"]);
        let received = row["received"].as_i64();
        if row["in_receipts"].as_i64() != received || row["in_ledger"].as_i64() != received {
            violations.push(format!(
                "{at}: received, its receipts and the ledger disagree: {row}"
            ));
        }
        let number = row["number"].as_str().unwrap_or_default().to_owned();
        let status = row["status"].as_str().unwrap_or_default().to_owned();
        let qty = (row["qty"].as_i64().unwrap_or(-1), received.unwrap_or(-1));
        by_order
            .entry(number)
            .or_insert((status, Vec::new()))
            .1
            .push(qty);
    }
    for (number, (status, qty)) in &by_order {
        let any = qty.iter().any(|(_, r)| *r > 0);
        let all = qty.iter().all(|(q, r)| r >= q);
        let follows = match status.as_str() {
            "draft" | "sent" => !any,
            "partially_received" => any && !all,
            "received" => all,
            "cancelled" => !all || qty.is_empty(),
            _ => false,
        };
        if !follows {
            violations.push(format!(
                "purchase order {number} is {status} but its lines (ordered, received) are {qty:?}"
            ));
        }
    }
    // Every purchase order answered 201 exists, once.
    let ids: BTreeSet<String> = rows(
        conn,
        &format!("SELECT id::text AS id FROM {c}.purchase_orders"),
    )
    .await?
    .iter()
    .filter_map(|r| r["id"].as_str().map(str::to_owned))
    .collect();
    for id in answered.difference(&ids) {
        violations.push(format!(
            "purchase order {id} was answered 201 but does not exist"
        ));
    }
    Ok(violations)
}

/// Every waiting backorder's expected date in catalog is what the rule gives from the
/// open purchase orders now, and no line with nothing backordered has one.
async fn dates(conn: &mut AsyncPgConnection, stores: &Stores) -> Result<Vec<String>, String> {
    let c = stores.schema("catalog");
    let mut violations: Vec<String> = rows(
        conn,
        &format!(
            "SELECT order_id::text AS order_id, line_no, expected_date
             FROM {c}.allocation_lines WHERE backordered = 0 AND expected_date IS NOT NULL"
        ),
    )
    .await?
    .iter()
    .map(|row| format!("a line with nothing backordered has an expected date: {row}"))
    .collect();
    let waiting = rows(
        conn,
        &format!(
            "SELECT a.warehouse_code AS warehouse, l.reserved_part_number AS part,
                    l.order_id::text AS order_id, l.line_no, a.priority, a.placed_at,
                    l.backordered, l.expected_date::text AS expected_date
             FROM {c}.allocation_lines l JOIN {c}.order_allocations a USING (order_id)
             WHERE l.backordered > 0 AND NOT a.cancelled"
        ),
    )
    .await?;
    let supply = rows(
        conn,
        &format!(
            "SELECT po.warehouse_code AS warehouse, l.part_number AS part,
                    l.expected_date::text AS date, l.qty - l.received AS open
             FROM {c}.purchase_order_lines l JOIN {c}.purchase_orders po ON po.id = l.purchase_order_id
             WHERE po.status IN ('sent', 'partially_received') AND l.received < l.qty
             UNION ALL
             SELECT to_warehouse, part_number, expected_date::text, qty
             FROM {c}.transfers WHERE status = 'in_transit' AND expected_date IS NOT NULL"
        ),
    )
    .await?;
    type Level = (String, String);
    /// A waiting line (keyed by order id and line number) and the date catalog holds.
    type Queued = (Waiting<(String, i64)>, Option<NaiveDate>);
    let level = |row: &Value| -> Level {
        (
            row["warehouse"].as_str().unwrap_or_default().to_owned(),
            row["part"].as_str().unwrap_or_default().to_owned(),
        )
    };
    let date = |v: &Value| {
        v.as_str()
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
    };
    let mut queues: BTreeMap<Level, Vec<Queued>> = BTreeMap::new();
    for row in &waiting {
        let placed_at = row["placed_at"]
            .as_str()
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.with_timezone(&Utc));
        let Some(placed_at) = placed_at else {
            return Err(format!("unreadable placed_at: {row}"));
        };
        let priority = if row["priority"] == "emergency" {
            Priority::Emergency
        } else {
            Priority::Stock
        };
        let key = (
            row["order_id"].as_str().unwrap_or_default().to_owned(),
            row["line_no"].as_i64().unwrap_or_default(),
        );
        let w = Waiting {
            key,
            priority,
            placed_at,
            backordered: i32::try_from(row["backordered"].as_i64().unwrap_or_default())
                .unwrap_or(i32::MAX),
        };
        queues
            .entry(level(row))
            .or_default()
            .push((w, date(&row["expected_date"])));
    }
    let mut arriving: BTreeMap<Level, Vec<Supply>> = BTreeMap::new();
    for row in &supply {
        if let Some(d) = date(&row["date"]) {
            arriving.entry(level(row)).or_default().push(Supply {
                date: d,
                qty: i32::try_from(row["open"].as_i64().unwrap_or_default()).unwrap_or(0),
            });
        }
    }
    for (at, queue) in &queues {
        let stored: BTreeMap<_, _> = queue.iter().map(|(w, d)| (w.key.clone(), *d)).collect();
        let lines: Vec<_> = queue.iter().map(|(w, _)| w.clone()).collect();
        let on_order = arriving.get(at).map(Vec::as_slice).unwrap_or_default();
        for (key, want) in expected_dates(&lines, on_order) {
            let have = stored.get(&key).copied().flatten();
            if have != want {
                violations.push(format!(
                    "order {} line {} waiting for {}/{}: expected date {have:?}, the open \
                     purchase orders give {want:?}",
                    key.0, key.1, at.0, at.1
                ));
            }
        }
    }
    Ok(violations)
}
