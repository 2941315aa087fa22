//! Supplier recovery (invariant 6): what finance was answered exists once; every line
//! and recovery claim is in the status its answers and payments give it; and per
//! supplier and overall, to the cent, claimed = accepted + rejected + pending and
//! accepted = credited + written off + outstanding, with each figure summed from
//! recovery's own tables (credited from the credit memos, written off from the
//! write-offs, outstanding from what was allocated to each line), and the same
//! figures in recovery's reconciliation report.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use diesel_async::AsyncPgConnection;
use rust_decimal::Decimal;
use serde_json::Value;

use super::{Answered, Stores, rows};

const FIGURES: [&str; 7] = [
    "claimed",
    "accepted",
    "rejected",
    "pending",
    "credited",
    "written_off",
    "outstanding",
];

/// The figures of one supplier (or currency), by name.
type Figures = BTreeMap<&'static str, Decimal>;

/// (supplier, currency); supplier `None` for the overall row of a currency.
type Key = (Option<String>, String);

pub(super) async fn check(
    conn: &mut AsyncPgConnection,
    stores: &Stores,
    answered: &Answered,
) -> Result<Vec<String>, String> {
    let mut violations = once_each(conn, stores, answered).await?;
    violations.extend(statuses(conn, stores).await?);
    violations.extend(forfeited(conn, stores).await?);
    let mine = figures(conn, stores).await?;
    for (key, f) in &mine {
        if let Some(broken) = unbalanced(f) {
            violations.push(format!("recovery {key:?}: {broken}: {f:?}"));
        }
    }
    let report = reported(stores).await?;
    for (key, f) in &report {
        if let Some(broken) = unbalanced(f) {
            violations.push(format!(
                "the reconciliation report, {key:?}: {broken}: {f:?}"
            ));
        }
    }
    for key in mine.keys().chain(report.keys()).collect::<BTreeSet<_>>() {
        if mine.get(key) != report.get(key) {
            violations.push(format!(
                "recovery {key:?}: the reconciliation report says {:?}, the tables {:?}",
                report.get(key),
                mine.get(key)
            ));
        }
    }
    Ok(violations)
}

/// Recovery claims, credit memos and write-offs: each answered once, none more.
async fn once_each(
    conn: &mut AsyncPgConnection,
    stores: &Stores,
    answered: &Answered,
) -> Result<Vec<String>, String> {
    let r = stores.schema("recovery");
    let mut violations = Vec::new();
    // The filing-deadline sweep's own drafts were never asked for by finance.
    for (table, only, ids) in [
        (
            "recovery_claims",
            "origin = 'finance'",
            &answered.recovery_claims,
        ),
        ("credit_memos", "true", &answered.credit_memos),
        ("write_offs", "true", &answered.write_offs),
    ] {
        let stored: BTreeSet<String> = rows(
            conn,
            &format!("SELECT id::text AS id FROM {r}.{table} WHERE {only}"),
        )
        .await?
        .iter()
        .filter_map(|row| row["id"].as_str().map(str::to_owned))
        .collect();
        for id in stored.difference(ids) {
            violations.push(format!(
                "{table} {id} exists but finance was never answered it (a retry made it twice?)"
            ));
        }
        for id in ids.difference(&stored) {
            violations.push(format!(
                "{table} {id} was answered 201 but is not stored (lost)"
            ));
        }
    }
    Ok(violations)
}

/// No recovery forfeited while the filing-deadline sweep ran: no line `forfeited`,
/// and none left unsubmitted past its deadline.
async fn forfeited(conn: &mut AsyncPgConnection, stores: &Stores) -> Result<Vec<String>, String> {
    let r = stores.schema("recovery");
    let found = rows(
        conn,
        &format!(
            "SELECT id::text AS id, status, filing_deadline::text AS deadline, supplier_code
             FROM {r}.recovery_lines
             WHERE status = 'forfeited'
                OR (status IN ('open', 'batched') AND filing_deadline < current_date)"
        ),
    )
    .await?;
    Ok(found
        .iter()
        .map(|row| format!("recovery line forfeited while the filing-deadline sweep ran: {row}"))
        .collect())
}

/// Each line's figures: its amount, the answer, what was credited and written off.
fn lines_sql(r: &str) -> String {
    format!(
        "SELECT l.id, l.recovery_claim_id, l.status, l.amount, o.outcome, o.accepted_amount,
                coalesce(p.credited, 0) AS credited, coalesce(p.written_off, 0) AS written_off
         FROM {r}.recovery_lines l
         LEFT JOIN {r}.line_responses o ON o.line_id = l.id
         LEFT JOIN (SELECT line_id,
                           sum(amount) FILTER (WHERE credit_memo_id IS NOT NULL) AS credited,
                           sum(amount) FILTER (WHERE write_off_id IS NOT NULL) AS written_off
                    FROM {r}.allocations GROUP BY 1) p ON p.line_id = l.id"
    )
}

/// Lines and recovery claims in the status their claim, answers and payments give
/// them (a claim left `submitted` with every line answered is stuck).
async fn statuses(conn: &mut AsyncPgConnection, stores: &Stores) -> Result<Vec<String>, String> {
    let r = stores.schema("recovery");
    let lines = lines_sql(r);
    let found = rows(
        conn,
        &format!(
            "WITH line AS ({lines})
             SELECT 'line ' || l.id AS what, l.status,
                    CASE WHEN c.id IS NULL THEN
                              CASE WHEN l.status IN ('not_recoverable', 'forfeited') THEN l.status
                                   ELSE 'open' END
                         WHEN c.submitted_at IS NULL THEN 'batched'
                         ELSE coalesce(l.outcome, 'claimed') END AS expected,
                    l.accepted_amount::text AS accepted, l.credited::text AS credited,
                    l.written_off::text AS written_off,
                    coalesce(l.accepted_amount, 0) - l.credited - l.written_off < 0 AS overpaid
             FROM line l LEFT JOIN {r}.recovery_claims c ON c.id = l.recovery_claim_id
             UNION ALL
             SELECT 'recovery claim ' || c.number, c.status,
                    CASE WHEN c.submitted_at IS NULL THEN 'draft'
                         WHEN count(l.outcome) < count(l.id) THEN 'submitted'
                         WHEN sum(l.accepted_amount - l.credited - l.written_off) > 0
                             THEN 'responded'
                         ELSE 'settled' END,
                    sum(l.accepted_amount)::text, sum(l.credited)::text,
                    sum(l.written_off)::text, false
             FROM {r}.recovery_claims c LEFT JOIN line l ON l.recovery_claim_id = c.id
             GROUP BY c.id"
        ),
    )
    .await?;
    Ok(found
        .iter()
        .filter(|row| row["status"] != row["expected"] || row["overpaid"] == true)
        .map(|row| {
            format!(
                "{}: {} where its answers and payments make it {} (or paid beyond what was accepted): {row}",
                row["what"].as_str().unwrap_or_default(),
                row["status"],
                row["expected"]
            )
        })
        .collect())
}

/// The figures per supplier and currency, and overall per currency, from the tables.
async fn figures(
    conn: &mut AsyncPgConnection,
    stores: &Stores,
) -> Result<BTreeMap<Key, Figures>, String> {
    let r = stores.schema("recovery");
    let lines = lines_sql(r);
    let found = rows(
        conn,
        &format!(
            "WITH line AS ({lines}),
             submitted AS (
                 SELECT c.supplier_code, c.currency, sum(l.amount) AS claimed,
                        coalesce(sum(l.accepted_amount), 0) AS accepted,
                        coalesce(sum(CASE l.outcome
                                         WHEN 'rejected' THEN l.amount
                                         WHEN 'partially_accepted' THEN l.amount - l.accepted_amount
                                         ELSE 0 END), 0) AS rejected,
                        coalesce(sum(l.amount) FILTER (WHERE l.outcome IS NULL), 0) AS pending,
                        coalesce(sum(l.accepted_amount - l.credited - l.written_off), 0)
                            AS outstanding
                 FROM line l JOIN {r}.recovery_claims c ON c.id = l.recovery_claim_id
                 WHERE c.submitted_at IS NOT NULL
                 GROUP BY 1, 2),
             memos AS (
                 SELECT supplier_code, currency, sum(amount) AS credited
                 FROM {r}.credit_memos GROUP BY 1, 2),
             offs AS (
                 SELECT c.supplier_code, c.currency, sum(w.amount) AS written_off
                 FROM {r}.write_offs w JOIN {r}.recovery_claims c ON c.id = w.recovery_claim_id
                 GROUP BY 1, 2)
             SELECT supplier_code, currency,
                    coalesce(claimed, 0)::text AS claimed, coalesce(accepted, 0)::text AS accepted,
                    coalesce(rejected, 0)::text AS rejected, coalesce(pending, 0)::text AS pending,
                    coalesce(credited, 0)::text AS credited,
                    coalesce(written_off, 0)::text AS written_off,
                    coalesce(outstanding, 0)::text AS outstanding
             FROM submitted FULL JOIN memos USING (supplier_code, currency)
                          FULL JOIN offs USING (supplier_code, currency)"
        ),
    )
    .await?;
    let mut all: BTreeMap<Key, Figures> = BTreeMap::new();
    for row in &found {
        let (supplier, currency) = key_of(row);
        let f = parse(row)?;
        let overall = all.entry((None, currency.clone())).or_default();
        for (name, value) in &f {
            *overall.entry(name).or_default() += *value;
        }
        all.insert((supplier, currency), f);
    }
    Ok(all)
}

/// Recovery's own reconciliation report, keyed like [`figures`].
async fn reported(stores: &Stores) -> Result<BTreeMap<Key, Figures>, String> {
    let res = aftersales_web::http_client::client()
        .get(&stores.reconciliation_url)
        .bearer_auth(&stores.finance_token)
        .timeout(Duration::from_secs(30))
        .send()
        .await
        .map_err(|e| format!("reconciliation report: {e}"))?;
    if !res.status().is_success() {
        return Err(format!("reconciliation report: {}", res.status()));
    }
    let report: Value = res
        .json()
        .await
        .map_err(|e| format!("reconciliation report: {e}"))?;
    let mut all = BTreeMap::new();
    for row in ["suppliers", "overall"]
        .iter()
        .flat_map(|part| report[part].as_array().into_iter().flatten())
    {
        all.insert(key_of(row), parse(row)?);
    }
    Ok(all)
}

fn key_of(row: &Value) -> Key {
    (
        row["supplier_code"].as_str().map(str::to_owned),
        row["currency"].as_str().unwrap_or_default().to_owned(),
    )
}

fn parse(row: &Value) -> Result<Figures, String> {
    FIGURES
        .iter()
        .map(|name| {
            row[*name]
                .as_str()
                .and_then(|s| s.parse::<Decimal>().ok())
                .map(|d| (*name, d))
                .ok_or_else(|| format!("{name} is not a decimal string: {row}"))
        })
        .collect()
}

/// Which identity of DESIGN.md's reconciliation fails, if one does.
fn unbalanced(f: &Figures) -> Option<&'static str> {
    let g = |name: &str| f.get(name).copied().unwrap_or_default();
    if g("claimed") != g("accepted") + g("rejected") + g("pending") {
        Some("claimed != accepted + rejected + pending")
    } else if g("accepted") != g("credited") + g("written_off") + g("outstanding") {
        Some("accepted != credited + written off + outstanding")
    } else {
        None
    }
}
