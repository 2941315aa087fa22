//! The contract in `docs/` against the code: every event type of
//! `shared/messaging`'s contracts is a row of the event catalog (`docs/events.md`)
//! with the producer, consumers and schema version the code has; every operation of
//! each service's OpenAPI document is a row of the access table (`docs/access.md`)
//! and every row there is an operation; every relative link of the README and
//! the docs resolves to a file inside the repository; and every source path they
//! name in backticks exists, with the function or type named right after it.

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
        of::<recovery::RecoveryLinesAtRisk>(),
        of::<recovery::RecoveryLinesReassessed>(),
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
        let producer = topology.producer_of(event).unwrap_or("(none)");
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

/// The repository root, canonical, and the pages that document it: `README.md` and
/// every `.md` under `docs/`.
fn doc_pages() -> (PathBuf, Vec<PathBuf>) {
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
    pages.sort();
    (root, pages)
}

#[test]
fn readme_and_docs_link_only_to_files_inside_the_repository() {
    let (root, pages) = doc_pages();
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

/// Where the docs point into the repository's source.
const SOURCE_ROOTS: [&str; 7] = [
    "services/",
    "shared/",
    "tests/",
    "deploy/",
    "k8s/",
    "docs/",
    ".ci/",
];

/// The inline code spans of a Markdown line with the text before each one
/// (`"a `x` b `y`"` → `[("a ", "x"), (" b ", "y")]`).
fn code_spans(line: &str) -> Vec<(&str, &str)> {
    let parts: Vec<&str> = line.split('`').collect();
    parts
        .chunks(2)
        .filter_map(|pair| match pair {
            [before, code] => Some((*before, *code)),
            _ => None,
        })
        .collect()
}

/// A source path of a code span (`None` when the span is not one): the span
/// without a trailing `:line` or `#anchor`. Spans with a `<placeholder>` are not
/// checked.
fn source_path(span: &str) -> Option<&str> {
    if !SOURCE_ROOTS.iter().any(|r| span.starts_with(r)) || span.contains('<') {
        return None;
    }
    let path = span.split('#').next().unwrap_or(span);
    Some(match path.rsplit_once(':') {
        Some((file, line)) if line.chars().all(|c| c.is_ascii_digit() || c == '-') => file,
        _ => path,
    })
}

/// The segments of a Rust name (`Caller::may_see` → `["Caller", "may_see"]`, a
/// trailing `()` dropped), `None` when the span is not a name.
fn rust_name(span: &str) -> Option<Vec<&str>> {
    let name = span.strip_suffix("()").unwrap_or(span);
    let segments: Vec<&str> = name.split("::").collect();
    let is_ident = |s: &&str| {
        s.chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    segments.iter().all(is_ident).then_some(segments)
}

/// Problems of one page: source paths that do not exist, and names written right
/// after a file's path (`path` `name`, `path`: `name`, `path` (`name`…) that the
/// file does not contain.
fn stale_source_references(root: &Path, page: &str, text: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let mut fenced = false;
    for (number, line) in text.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            continue;
        }
        let spans = code_spans(line);
        for (i, (_, span)) in spans.iter().enumerate() {
            let Some(path) = source_path(span) else {
                continue;
            };
            let at = format!("{page}:{}", number + 1);
            let target = root.join(path);
            if !target.exists() {
                problems.push(format!("{at}: `{span}` does not exist"));
                continue;
            }
            let Some((between, next)) = spans.get(i + 1) else {
                continue;
            };
            let Some(segments) = rust_name(next) else {
                continue;
            };
            if !target.is_file() || !["", ":", "("].contains(&between.trim()) {
                continue;
            }
            let source = std::fs::read_to_string(&target)
                .unwrap_or_else(|e| panic!("{}: {e}", target.display()));
            if let Some(missing) = segments.iter().find(|s| !source.contains(**s)) {
                problems.push(format!(
                    "{at}: `{path}` has no `{missing}` (named as `{next}`)"
                ));
            }
        }
    }
    problems
}

#[test]
fn source_paths_in_readme_and_docs_exist_with_the_names_written_after_them() {
    let (root, pages) = doc_pages();
    let mut problems = Vec::new();
    for page in &pages {
        let text =
            std::fs::read_to_string(page).unwrap_or_else(|e| panic!("{}: {e}", page.display()));
        let name = page
            .strip_prefix(&root)
            .unwrap_or(page)
            .display()
            .to_string();
        problems.extend(stale_source_references(&root, &name, &text));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn a_moved_file_or_a_renamed_function_is_reported() {
    let root = repo_root();
    let page = "Published by `services/orders/src/app/orders.rs` `place`, see\n\
                `services/orders/src/app/orders.rs:74` and `services/<name>/migrations`;\n\
                `services/orders/src/app/orders.rs`: `no_such_function_anywhere`;\n\
                `services/orders/src/api/gone.rs` `place`;\n\
                `services/orders/src/app/price_book.rs` (`PublishedPart::nowhere`);\n\
                `services/orders/src/app/orders.rs`, `unrelated_name_in_a_list`.";
    let problems = stale_source_references(&root, "page.md", page);
    assert_eq!(problems.len(), 3, "{problems:#?}");
    assert!(
        problems[0].starts_with("page.md:3:") && problems[0].contains("no_such_function_anywhere")
    );
    assert!(problems[1].starts_with("page.md:4:") && problems[1].contains("does not exist"));
    assert!(problems[2].starts_with("page.md:5:") && problems[2].contains("`nowhere`"));
}
