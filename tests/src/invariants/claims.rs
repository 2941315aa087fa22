//! Warranty claims across inspection, catalog and recovery: every claim the driver
//! filed exists once and stands where the driver left it; a claim is decided at most
//! once and publishes each of its events at most once; catalog's quarantine per part
//! and warehouse is what inspection received less what it disposed of; every
//! supplier-defect approval is exactly one recovery line, assessed against the
//! supplier's agreement, and no line exists without one.

use std::collections::{BTreeMap, BTreeSet};

use diesel_async::AsyncPgConnection;

use super::{Stores, rows};

pub(super) async fn check(
    conn: &mut AsyncPgConnection,
    stores: &Stores,
    filed: &BTreeMap<String, String>,
) -> Result<Vec<String>, String> {
    let mut violations = once_each(conn, stores, filed).await?;
    violations.extend(quarantine(conn, stores).await?);
    violations.extend(recovery_lines(conn, stores).await?);
    Ok(violations)
}

/// Each claim: filed once, where the driver left it, one decision, each event once.
async fn once_each(
    conn: &mut AsyncPgConnection,
    stores: &Stores,
    filed: &BTreeMap<String, String>,
) -> Result<Vec<String>, String> {
    let (i, r) = (stores.schema("inspection"), stores.schema("recovery"));
    let claims = rows(
        conn,
        &format!(
            "SELECT c.id::text AS id, c.number, c.status, c.decision,
                    'part_not_returned' = ANY (c.reasons) AS part_not_returned,
                    ci.received_at IS NOT NULL AS received,
                    ci.disposed_at IS NOT NULL AS disposed,
                    coalesce(e.adjudicated, 0) AS adjudicated,
                    coalesce(e.adjudicated_as_stored, 0) AS adjudicated_as_stored,
                    coalesce(e.part_received, 0) AS part_received,
                    coalesce(e.part_disposed, 0) AS part_disposed,
                    (SELECT count(*) FROM {r}.recovery_lines l WHERE l.claim_id = c.id) AS lines
             FROM {i}.claims c
             LEFT JOIN {i}.claim_inspections ci ON ci.claim_id = c.id
             LEFT JOIN (
                 SELECT o.envelope->'payload'->>'claim_id' AS claim_id,
                        count(*) FILTER (WHERE o.event_type = 'inspection.claim_adjudicated')
                            AS adjudicated,
                        count(*) FILTER (
                            WHERE o.event_type = 'inspection.claim_adjudicated'
                              AND o.envelope->'payload'->>'decision'
                                  = coalesce(x.decision, 'rejected')
                              AND (o.envelope->'payload'->>'approved_parts_amount')::numeric
                                  = coalesce(xi.approved_parts_amount, 0)
                              AND (o.envelope->'payload'->>'approved_labor_amount')::numeric
                                  = coalesce(xi.approved_labor_amount, 0))
                            AS adjudicated_as_stored,
                        count(*) FILTER (WHERE o.event_type = 'inspection.part_received')
                            AS part_received,
                        count(*) FILTER (WHERE o.event_type = 'inspection.part_disposed')
                            AS part_disposed
                 FROM {i}.outbox o
                 LEFT JOIN {i}.claims x ON x.id::text = o.envelope->'payload'->>'claim_id'
                 LEFT JOIN {i}.claim_inspections xi ON xi.claim_id = x.id
                 GROUP BY 1) e ON e.claim_id = c.id::text"
        ),
    )
    .await?;
    let mut violations = Vec::new();
    let mut seen = BTreeSet::new();
    for row in &claims {
        let id = row["id"].as_str().unwrap_or_default();
        seen.insert(id.to_owned());
        let at = format!("claim {} ({id})", row["number"]);
        let flag = |f: &str| row[f].as_bool().unwrap_or(false);
        let n = |f: &str| row[f].as_i64().unwrap_or(-1);
        match filed.get(id) {
            None => violations.push(format!(
                "{at} exists but the driver never filed it (a retry filed it twice?): {row}"
            )),
            Some(left) if row["status"] != left.as_str() => violations.push(format!(
                "{at} is {} but the driver left it {left} (stuck, or moved by itself): {row}",
                row["status"]
            )),
            Some(_) => {}
        }
        let decided = !row["decision"].is_null() || flag("part_not_returned");
        if n("adjudicated") != i64::from(decided) {
            violations.push(format!(
                "{at}: {} inspection.claim_adjudicated events for {} decision(s): {row}",
                n("adjudicated"),
                i64::from(decided)
            ));
        } else if n("adjudicated_as_stored") != n("adjudicated") {
            violations.push(format!(
                "{at}: its claim_adjudicated event differs from the stored decision: {row}"
            ));
        }
        for (event, happened) in [
            ("part_received", flag("received")),
            ("part_disposed", flag("disposed")),
        ] {
            if n(event) != i64::from(happened) {
                violations.push(format!(
                    "{at}: {} inspection.{event} events, expected {}: {row}",
                    n(event),
                    i64::from(happened)
                ));
            }
        }
        if n("lines") > 1 {
            violations.push(format!(
                "{at}: {} recovery lines (at most one per claim): {row}",
                n("lines")
            ));
        }
        let status = row["status"].as_str().unwrap_or_default();
        let consistent = match status {
            "approved" | "partially_approved" => row["decision"] == status,
            "rejected" => row["decision"] == "rejected" || row["decision"].is_null(),
            "closed" => !row["decision"].is_null() && flag("disposed"),
            _ => row["decision"].is_null() && !flag("disposed"),
        };
        if !consistent {
            violations.push(format!(
                "{at}: status {status} disagrees with its decision or disposition: {row}"
            ));
        }
    }
    for id in filed.keys() {
        if !seen.contains(id) {
            violations.push(format!(
                "claim {id} was answered 201 but is not in inspection (lost)"
            ));
        }
    }
    Ok(violations)
}

/// Catalog's quarantine per (warehouse, part) = received − disposed in inspection,
/// and its quarantine movements say the same, one per claim and direction.
async fn quarantine(conn: &mut AsyncPgConnection, stores: &Stores) -> Result<Vec<String>, String> {
    let (i, c) = (stores.schema("inspection"), stores.schema("catalog"));
    let levels = rows(
        conn,
        &format!(
            "WITH expected AS (
                 SELECT ci.receipt_warehouse AS warehouse, x.causal_part_number AS part,
                        sum(ci.receipt_quantity) AS received,
                        coalesce(sum(ci.receipt_quantity)
                                 FILTER (WHERE ci.disposed_at IS NOT NULL), 0) AS disposed
                 FROM {i}.claims x JOIN {i}.claim_inspections ci ON ci.claim_id = x.id
                 WHERE ci.received_at IS NOT NULL
                 GROUP BY 1, 2),
             moved AS (
                 SELECT warehouse_code, part_number,
                        coalesce(sum(qty) FILTER (WHERE kind = 'quarantine_in'), 0) AS moved_in,
                        coalesce(-sum(qty) FILTER (WHERE kind = 'quarantine_out'), 0) AS moved_out
                 FROM {c}.stock_movements
                 WHERE kind IN ('quarantine_in', 'quarantine_out')
                 GROUP BY 1, 2)
             SELECT coalesce(s.warehouse_code, e.warehouse) AS warehouse,
                    coalesce(s.part_number, e.part) AS part,
                    s.quarantined, coalesce(e.received, 0) AS received,
                    coalesce(e.disposed, 0) AS disposed,
                    coalesce(m.moved_in, 0) AS moved_in, coalesce(m.moved_out, 0) AS moved_out
             FROM {c}.stock_levels s
             FULL JOIN expected e ON e.warehouse = s.warehouse_code AND e.part = s.part_number
             LEFT JOIN moved m ON m.warehouse_code = coalesce(s.warehouse_code, e.warehouse)
                              AND m.part_number = coalesce(s.part_number, e.part)"
        ),
    )
    .await?;
    let mut violations = Vec::new();
    for row in &levels {
        let n = |f: &str| row[f].as_i64();
        let at = format!("quarantine {}/{}", row["warehouse"], row["part"]);
        let (received, disposed) = (n("received").unwrap_or(0), n("disposed").unwrap_or(0));
        if n("quarantined") != Some(received - disposed) {
            violations.push(format!(
                "{at}: catalog holds {} quarantined, inspection received {received} and disposed of {disposed}: {row}",
                row["quarantined"]
            ));
        }
        if n("moved_in") != Some(received) || n("moved_out") != Some(disposed) {
            violations.push(format!(
                "{at}: quarantine movements differ from inspection's receipts and disposals: {row}"
            ));
        }
    }
    let repeated = rows(
        conn,
        &format!(
            "SELECT reference, kind, count(*) AS n FROM {c}.stock_movements
             WHERE kind IN ('quarantine_in', 'quarantine_out')
             GROUP BY 1, 2 HAVING count(*) > 1"
        ),
    )
    .await?;
    for row in repeated {
        violations.push(format!("a claim's part moved twice: {row}"));
    }
    Ok(violations)
}

/// Every approved or partially approved `supplier_defect` decision is exactly one
/// recovery line with the decision's supplier and amounts, assessed against the
/// agreement in force on the decision day (none: `no_agreement`; another currency:
/// `currency_mismatch`; else each product rounded to the cent half away from zero,
/// plus the handling fee); and no line exists without such a decision. Rejected
/// decisions concern no supplier (recovery's contract).
async fn recovery_lines(
    conn: &mut AsyncPgConnection,
    stores: &Stores,
) -> Result<Vec<String>, String> {
    let (i, r) = (stores.schema("inspection"), stores.schema("recovery"));
    let found = rows(
        conn,
        &format!(
            "WITH decided AS (
                 SELECT c.id, c.number, c.decision, c.currency, ci.responsible_supplier,
                        ci.approved_parts_amount, ci.approved_labor_amount
                 FROM {i}.claims c JOIN {i}.claim_inspections ci ON ci.claim_id = c.id
                 WHERE ci.cause_code = 'supplier_defect'
                   AND c.decision IN ('approved', 'partially_approved')),
             assessed AS (
                 SELECT l.*, a.id AS a_id,
                        CASE WHEN a.id IS NULL THEN 'no_agreement'
                             WHEN a.currency <> l.currency THEN 'currency_mismatch' END
                            AS expected_reason,
                        round(l.parts_amount * a.parts_recovery_pct / 100, 2)
                          + round(l.labor_amount * a.labor_recovery_pct / 100, 2)
                          + a.handling_fee AS expected_amount
                 FROM {r}.recovery_lines l
                 LEFT JOIN LATERAL (
                     SELECT * FROM {r}.agreements a
                     WHERE a.supplier_code = l.supplier_code
                       AND a.valid_from <= (l.decided_at AT TIME ZONE 'UTC')::date
                       AND (a.valid_to IS NULL
                            OR a.valid_to >= (l.decided_at AT TIME ZONE 'UTC')::date)
                     LIMIT 1) a ON true)
             SELECT coalesce(d.id, l.claim_id)::text AS claim_id, d.number, d.decision,
                    d.responsible_supplier, d.approved_parts_amount::text AS approved_parts,
                    d.approved_labor_amount::text AS approved_labor,
                    l.id::text AS line_id, l.supplier_code, l.decision AS line_decision,
                    l.parts_amount::text AS line_parts, l.labor_amount::text AS line_labor,
                    l.status, l.reason, l.amount::text AS amount,
                    l.expected_reason, l.expected_amount::text AS expected_amount,
                    CASE
                        WHEN d.id IS NULL THEN 'a recovery line without a supplier-defect approval'
                        WHEN l.id IS NULL THEN 'a supplier-defect approval without recovery line'
                        WHEN l.supplier_code <> d.responsible_supplier
                          OR l.decision <> d.decision
                          OR l.currency <> d.currency
                          OR l.parts_amount <> d.approved_parts_amount
                          OR l.labor_amount <> d.approved_labor_amount
                            THEN 'the line differs from the decision'
                        WHEN l.expected_reason IS NOT NULL
                         AND (l.status <> 'not_recoverable'
                              OR l.reason IS DISTINCT FROM l.expected_reason)
                            THEN 'the line should be not_recoverable (' || l.expected_reason || ')'
                        WHEN l.expected_reason IS NULL
                         AND (l.status = 'not_recoverable'
                              OR l.amount IS DISTINCT FROM l.expected_amount)
                            THEN 'the line is not what the agreement gives'
                    END AS problem
             FROM decided d FULL JOIN assessed l ON l.claim_id = d.id"
        ),
    )
    .await?;
    Ok(found
        .iter()
        .filter(|row| !row["problem"].is_null())
        .map(|row| {
            format!(
                "claim {}: {}: {row}",
                row["claim_id"],
                row["problem"].as_str().unwrap_or_default()
            )
        })
        .collect())
}
