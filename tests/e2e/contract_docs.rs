//! The contract in `docs/` against the code: every event type of
//! `shared/messaging`'s contracts is a row of the event catalog (`docs/events.md`)
//! with the producer, consumers and schema version the code has; every operation of
//! each service's OpenAPI document is a row of the access table (`docs/access.md`)
//! and every row there is an operation; and every relative link of the README and
//! the docs resolves to a file inside the repository.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use aftersales_messaging::Event;
use aftersales_messaging::contracts::{self, event_types, topology_v1};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate lives inside the repository")
        .to_path_buf()
}

fn read_doc(relative: &str) -> String {
    let path = repo_root().join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The cells of a Markdown table row (`| a | b |` → `["a", "b"]`), `None` for any
/// other line. Cells are trimmed; backticks around a whole cell are dropped.
fn cells(line: &str) -> Option<Vec<String>> {
    let inner = line.trim().strip_prefix('|')?.strip_suffix('|')?;
    Some(
        inner
            .split('|')
            .map(|c| c.trim().trim_matches('`').to_owned())
            .collect(),
    )
}

fn is_separator(row: &[String]) -> bool {
    row.iter()
        .all(|c| !c.is_empty() && c.chars().all(|ch| ch == '-' || ch == ':'))
}

/// The body rows of the first table whose header row is exactly `header`.
fn table(text: &str, header: &[&str]) -> Vec<Vec<String>> {
    let mut lines = text.lines();
    for line in lines.by_ref() {
        if cells(line).is_some_and(|h| h == header) {
            break;
        }
    }
    lines
        .map_while(cells)
        .filter(|row| !is_separator(row))
        .collect()
}

/// Schema version of every payload type, by event type.
fn schema_versions() -> BTreeMap<&'static str, u32> {
    use contracts::{catalog, inspection, orders, recovery};
    fn of<E: Event>() -> (&'static str, u32) {
        (E::TYPE, E::SCHEMA_VERSION)
    }
    BTreeMap::from([
        of::<catalog::PartUpserted>(),
        of::<catalog::StockReserved>(),
        of::<catalog::StockReleased>(),
        of::<catalog::ShipmentDispatched>(),
        of::<catalog::StockLow>(),
        of::<orders::DealerUpserted>(),
        of::<orders::OrderPlaced>(),
        of::<orders::OrderCancelled>(),
        of::<inspection::ClaimSubmitted>(),
        of::<inspection::PartReceived>(),
        of::<inspection::ClaimAdjudicated>(),
        of::<inspection::PartDisposed>(),
        of::<recovery::RecoveryClaimSubmitted>(),
        of::<recovery::RecoveryClaimSettled>(),
    ])
}

#[test]
fn the_event_catalog_lists_every_event_type_with_its_producer_consumers_and_version() {
    const HEADER: [&str; 4] = ["event type", "producer", "consumed by", "schema_version"];
    let rows = table(&read_doc("docs/events.md"), &HEADER);
    assert!(
        !rows.is_empty(),
        "docs/events.md has no table with the header {HEADER:?}"
    );
    let mut documented: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for row in rows {
        assert_eq!(
            row.len(),
            HEADER.len(),
            "docs/events.md: malformed row {row:?}"
        );
        let previous = documented.insert(row[0].clone(), row);
        assert!(
            previous.is_none(),
            "docs/events.md lists {previous:?} twice"
        );
    }

    let code: BTreeSet<&str> = event_types::ALL.iter().copied().collect();
    let missing: Vec<&&str> = code
        .iter()
        .filter(|t| !documented.contains_key(**t))
        .collect();
    assert!(
        missing.is_empty(),
        "event types of shared/messaging/src/contracts.rs missing from the event catalog in docs/events.md: {missing:?}"
    );
    let stale: Vec<&String> = documented
        .keys()
        .filter(|t| !code.contains(t.as_str()))
        .collect();
    assert!(
        stale.is_empty(),
        "docs/events.md lists event types that contracts.rs does not have: {stale:?}"
    );

    let versions = schema_versions();
    let topology = topology_v1();
    for (event, row) in &documented {
        let producer = event.split('.').next().unwrap_or_default();
        assert_eq!(row[1], producer, "docs/events.md: producer of {event}");
        let consumers: Vec<&str> = topology
            .subscriptions
            .iter()
            .filter(|s| s.event_types.iter().any(|t| t == event))
            .map(|s| s.service.as_str())
            .collect();
        let consumers = if consumers.is_empty() {
            "(none)".to_owned()
        } else {
            consumers.join(", ")
        };
        assert_eq!(
            row[2], consumers,
            "docs/events.md: consumers of {event} (contracts::topology_v1)"
        );
        let version = versions
            .get(event.as_str())
            .unwrap_or_else(|| panic!("{event} has no payload type in this test's list"));
        assert_eq!(
            row[3],
            version.to_string(),
            "docs/events.md: schema_version of {event}"
        );
    }
}

/// The roles' columns of the access table, in `Role::ALL` order.
const ACCESS_HEADER: [&str; 9] = [
    "method",
    "path",
    "dealer",
    "warehouse",
    "quality",
    "quality_lead",
    "finance",
    "admin",
    "notes",
];
const METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];
const ACCESS_CELLS: [&str; 4] = ["yes", "own", "≤ limit", "—"];

/// `(method, path)` rows of `docs/access.md`, per service (`## <service>` heading).
fn access_rows() -> BTreeMap<String, BTreeSet<(String, String)>> {
    let text = read_doc("docs/access.md");
    let mut by_service: BTreeMap<String, BTreeSet<(String, String)>> = BTreeMap::new();
    let mut service: Option<String> = None;
    for line in text.lines() {
        if let Some(heading) = line.strip_prefix("## ") {
            service = Some(heading.trim().to_owned());
            continue;
        }
        let Some(row) = cells(line) else { continue };
        if row.first().is_none_or(|m| !METHODS.contains(&m.as_str())) {
            continue;
        }
        let service = service
            .clone()
            .unwrap_or_else(|| panic!("docs/access.md: row {row:?} before any `## <service>`"));
        assert_eq!(
            row.len(),
            ACCESS_HEADER.len(),
            "docs/access.md ({service}): row {row:?} must have the columns {ACCESS_HEADER:?}"
        );
        for cell in &row[2..8] {
            assert!(
                ACCESS_CELLS.contains(&cell.as_str()),
                "docs/access.md ({service}): {} {}: {cell:?} is not one of {ACCESS_CELLS:?}",
                row[0],
                row[1]
            );
        }
        let fresh = by_service
            .entry(service.clone())
            .or_default()
            .insert((row[0].clone(), row[1].clone()));
        assert!(
            fresh,
            "docs/access.md ({service}): {} {} twice",
            row[0], row[1]
        );
    }
    by_service
}

/// `(METHOD, path)` of every operation of an OpenAPI document.
fn operations(json: &serde_json::Value) -> BTreeSet<(String, String)> {
    let mut ops = BTreeSet::new();
    for (path, item) in json["paths"].as_object().into_iter().flatten() {
        for method in item.as_object().into_iter().flatten().map(|(m, _)| m) {
            let method = method.to_ascii_uppercase();
            if METHODS.contains(&method.as_str()) {
                ops.insert((method, path.clone()));
            }
        }
    }
    ops
}

#[test]
fn the_access_table_has_exactly_the_operations_of_every_openapi_document() {
    let documented = access_rows();
    let services = [
        (catalog::NAME, serde_json::to_value(catalog::spec().openapi)),
        (orders::NAME, serde_json::to_value(orders::spec().openapi)),
        (
            inspection::NAME,
            serde_json::to_value(inspection::spec().openapi),
        ),
        (
            recovery::NAME,
            serde_json::to_value(recovery::spec().openapi),
        ),
    ];
    let mut problems = Vec::new();
    for (service, api) in services {
        let api = api.unwrap_or_else(|e| panic!("{service}: the OpenAPI document: {e}"));
        let ops = operations(&api);
        assert!(
            !ops.is_empty(),
            "{service}: the OpenAPI document has no operations"
        );
        let empty = BTreeSet::new();
        let rows = documented.get(service).unwrap_or(&empty);
        for (method, path) in ops.difference(rows) {
            problems.push(format!(
                "{service}: {method} {path} is in the OpenAPI document but has no row in docs/access.md"
            ));
        }
        for (method, path) in rows.difference(&ops) {
            problems.push(format!(
                "{service}: docs/access.md has a row for {method} {path}, which the OpenAPI document does not have"
            ));
        }
    }
    let known: BTreeSet<&str> = contracts::SERVICES.into_iter().collect();
    for service in documented.keys() {
        if !known.contains(service.as_str()) {
            problems.push(format!(
                "docs/access.md: operations under `## {service}`, which is not a service"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Relative link targets of a Markdown text: `](target)`, without `#anchor`.
fn relative_links(text: &str) -> Vec<String> {
    text.split("](")
        .skip(1)
        .filter_map(|rest| rest.split_once(')').map(|(target, _)| target.trim()))
        .filter(|t| !t.contains("://") && !t.starts_with('#') && !t.starts_with("mailto:"))
        .map(|t| t.split('#').next().unwrap_or(t).to_owned())
        .collect()
}

#[test]
fn readme_and_docs_link_only_to_files_inside_the_repository() {
    let root = repo_root()
        .canonicalize()
        .expect("the repository root exists");
    let mut pages = vec![root.join("README.md")];
    let mut dirs = vec![root.join("docs")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.expect("a readable docs entry").path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "md") {
                pages.push(path);
            }
        }
    }
    let mut broken = Vec::new();
    for page in &pages {
        let text =
            std::fs::read_to_string(page).unwrap_or_else(|e| panic!("{}: {e}", page.display()));
        let dir = page.parent().unwrap_or(&root);
        for link in relative_links(&text) {
            let target = dir.join(&link);
            match target.canonicalize() {
                Ok(t) if t.starts_with(&root) => {}
                Ok(_) => broken.push(format!("{}: {link} leaves the repository", page.display())),
                Err(_) => broken.push(format!("{}: {link} does not exist", page.display())),
            }
        }
    }
    assert!(broken.is_empty(), "{}", broken.join("\n"));
}
