//! The query plans of the hot statements: each statement `pg_stat_statements` ranked
//! highest in a phase is prepared as its service would (same schema) and explained
//! with the generic plan a long-lived connection ends up using, and every sequential
//! scan of a large table in it is named.

use diesel::sql_types::{Double, Text};
use diesel_async::{RunQueryDsl, SimpleAsyncConnection};

use super::*;

/// A table with fewer rows than this may be scanned whole: an index would not help.
const LARGE_TABLE_ROWS: f64 = 10_000.0;

/// How many of the phase's statements that find rows (by database time) are explained.
const HOT: usize = 15;

/// Explains the hottest statements of `statements` (the report of
/// [`super::profile::statements_per`]) in `admin_url`'s database.
pub(super) async fn hot_plans(admin_url: &str, statements: &Value) -> anyhow::Result<Value> {
    let mut conn = aftersales_testkit::provision::connect(admin_url).await?;
    conn.batch_execute("SET plan_cache_mode = force_generic_plan")
        .await?;
    let mut plans = Vec::new();
    let hot = statements["top"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|s| explainable(s["query"].as_str().unwrap_or_default()))
        .take(HOT);
    for (i, s) in hot.enumerate() {
        let (user, query) = (
            s["user"].as_str().unwrap_or_default(),
            s["query"].as_str().unwrap_or_default(),
        );
        let schema = user.strip_suffix("_app").unwrap_or(user);
        let plan = match explain(&mut conn, &format!("hot_{i}"), schema, query).await {
            Ok(plan) => plan,
            Err(err) => json!({"error": err.to_string()}),
        };
        plans.push(json!({"user": user, "query": query, "plan": plan}));
    }
    Ok(Value::Array(plans))
}

/// Statements that find rows, so their plan says how: not `BEGIN`, `COMMIT`, `SET`,
/// nor an `INSERT … VALUES` (its plan is always the same `Result`).
fn explainable(query: &str) -> bool {
    let upper = query.to_ascii_uppercase();
    let first = upper.split_whitespace().next().unwrap_or_default();
    let finds = match first {
        "SELECT" | "UPDATE" | "DELETE" | "WITH" => true,
        "INSERT" => upper.contains("SELECT ") || upper.contains("ON CONFLICT"),
        _ => false,
    };
    finds && !query.contains("pg_stat_statements")
}

/// The highest `$n` in `query`: how many parameters its prepared form takes.
fn parameters(query: &str) -> usize {
    query
        .split('$')
        .skip(1)
        .filter_map(|rest| {
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            digits.parse().ok()
        })
        .max()
        .unwrap_or(0)
}

#[derive(diesel::QueryableByName)]
struct PlanRow {
    #[diesel(sql_type = Text, column_name = "QUERY PLAN")]
    plan: String,
}

#[derive(diesel::QueryableByName)]
struct Rows {
    #[diesel(sql_type = Double)]
    rows: f64,
}

/// The generic plan of `query` in `schema`, prepared as `name`: its text, and the sequential scans of
/// large tables in it.
async fn explain(
    conn: &mut diesel_async::AsyncPgConnection,
    name: &str,
    schema: &str,
    query: &str,
) -> anyhow::Result<Value> {
    conn.batch_execute(&format!(
        "SET search_path TO \"{schema}\"; PREPARE {name} AS {query}"
    ))
    .await?;
    let nulls = vec!["NULL"; parameters(query)].join(", ");
    let execute = if nulls.is_empty() {
        format!("EXECUTE {name}")
    } else {
        format!("EXECUTE {name}({nulls})")
    };
    let json: PlanRow = diesel::sql_query(format!("EXPLAIN (FORMAT JSON, VERBOSE) {execute}"))
        .get_result(conn)
        .await?;
    let text: Vec<PlanRow> = diesel::sql_query(format!("EXPLAIN {execute}"))
        .load(conn)
        .await?;
    let tree: Value = serde_json::from_str(&json.plan)?;
    let mut scans = Vec::new();
    seq_scans(&tree[0]["Plan"], &mut scans);
    let mut large = Vec::new();
    for table in scans {
        let rows: Rows = diesel::sql_query(
            "SELECT reltuples::float8 AS rows FROM pg_class WHERE oid = $1::regclass",
        )
        .bind::<Text, _>(&table)
        .get_result(conn)
        .await?;
        if rows.rows >= LARGE_TABLE_ROWS {
            large.push(json!({"table": table, "rows": rows.rows}));
        }
    }
    Ok(json!({
        "text": text.into_iter().map(|r| r.plan).collect::<Vec<_>>(),
        "seq_scans_of_large_tables": large,
    }))
}

/// The `schema.table` of every sequential scan in a JSON plan node and its children.
fn seq_scans(node: &Value, out: &mut Vec<String>) {
    if node["Node Type"] == "Seq Scan"
        && let (Some(schema), Some(table)) =
            (node["Schema"].as_str(), node["Relation Name"].as_str())
    {
        out.push(format!("\"{schema}\".\"{table}\""));
    }
    for child in node["Plans"].as_array().into_iter().flatten() {
        seq_scans(child, out);
    }
}

/// The report's section: each hot statement with the access paths of its plan.
pub(super) fn markdown(plans: &Value) -> String {
    let mut md = String::from(
        "\n### Large data: plans of the hot statements\n\n| user | statement | access paths | sequential scans of large tables |\n|---|---|---|---|\n",
    );
    for p in plans.as_array().into_iter().flatten() {
        let query: String = p["query"]
            .as_str()
            .unwrap_or_default()
            .chars()
            .take(90)
            .collect();
        let plan = &p["plan"];
        let paths = match plan["error"].as_str() {
            Some(err) => format!("not explained: {err}"),
            None => access_paths(plan["text"].as_array().into_iter().flatten()),
        };
        let large: Vec<String> = plan["seq_scans_of_large_tables"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|s| {
                format!(
                    "{} ({:.0} rows)",
                    s["table"].as_str().unwrap_or_default(),
                    s["rows"].as_f64().unwrap_or(0.0)
                )
            })
            .collect();
        let large = if large.is_empty() {
            "none".to_owned()
        } else {
            large.join(", ")
        };
        md += &format!(
            "| {} | `{}` | {} | {} |\n",
            p["user"].as_str().unwrap_or_default(),
            query.replace('|', "\\|"),
            paths.replace('|', "\\|"),
            large
        );
    }
    md
}

/// The scan and modify nodes of a text plan, e.g. `Index Scan using orders_pkey on
/// orders`, without their costs.
fn access_paths<'a>(lines: impl Iterator<Item = &'a Value>) -> String {
    let paths: Vec<String> = lines
        .filter_map(Value::as_str)
        .map(|l| l.trim().trim_start_matches("->").trim())
        .filter(|l| l.contains(" on ") || l.starts_with("Result"))
        .map(|l| l.split("  (").next().unwrap_or(l).to_owned())
        .collect();
    if paths.is_empty() {
        "none".to_owned()
    } else {
        paths.join("; ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_are_counted_by_the_highest_placeholder() {
        assert_eq!(parameters("SELECT 1"), 0);
        assert_eq!(
            parameters("UPDATE t SET a = $2 WHERE id = ANY($1) AND b = $10"),
            10
        );
        assert_eq!(parameters("SELECT '$' || x FROM t WHERE y = $3"), 3);
    }

    #[test]
    fn only_statements_with_a_plan_are_explained() {
        assert!(explainable("SELECT \"orders\".\"id\" FROM \"orders\""));
        assert!(explainable("with x as (select 1) select * from x"));
        assert!(!explainable("COMMIT"));
        assert!(!explainable(
            "INSERT INTO \"outbox\" (\"event_id\") VALUES ($1)"
        ));
        assert!(explainable(
            "INSERT INTO inbox (event_id) VALUES ($1) ON CONFLICT DO NOTHING"
        ));
        assert!(!explainable("BEGIN ISOLATION LEVEL READ COMMITTED"));
        assert!(!explainable("SELECT pg_stat_statements_reset()"));
    }

    #[test]
    fn sequential_scans_are_found_at_any_depth() {
        let plan = json!({"Node Type": "Nested Loop", "Plans": [
            {"Node Type": "Index Scan", "Schema": "orders", "Relation Name": "orders"},
            {"Node Type": "Hash", "Plans": [
                {"Node Type": "Seq Scan", "Schema": "orders", "Relation Name": "order_lines"}
            ]}
        ]});
        let mut scans = Vec::new();
        seq_scans(&plan, &mut scans);
        assert_eq!(scans, ["\"orders\".\"order_lines\""]);
    }

    #[test]
    fn access_paths_keep_the_scans_without_their_costs() {
        let text = [
            json!("Update on orders  (cost=0.42..8.44 rows=0 width=0)"),
            json!(
                "  ->  Index Scan using orders_pkey on orders  (cost=0.42..8.44 rows=1 width=46)"
            ),
            json!("        Index Cond: (id = $1)"),
        ];
        assert_eq!(
            access_paths(text.iter()),
            "Update on orders; Index Scan using orders_pkey on orders"
        );
    }
}
