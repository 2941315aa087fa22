//! The security walk: every operation of each service's `/openapi.json`, called with
//! no token, with a token of each role, and (orders) with one dealer's token on the
//! other dealer's ids. The expected access is written out below from DESIGN.md (the
//! "who" column of the API map and the "who uses it" table), not read from the code,
//! so a service that drifts from the design shows up here.

use std::collections::BTreeMap;
use std::time::Duration;

use aftersales_e2e::{Service, config, eventually, launch};
use aftersales_testkit::tokens::TestIssuer;
use aftersales_testkit::{TestDb, TestVhost};
use aftersales_web::Role;
use reqwest::Method;
use serde_json::{Map, Value, json};

/// What a role may do with one operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    /// Anything but 401/403 (and never a 5xx).
    Allowed,
    /// Exactly 403.
    Denied,
    /// DESIGN.md does not say: anything but 401 or a 5xx.
    Unspecified,
}
use Access::{Allowed as A, Denied as D, Unspecified as U};

/// Per role in `Role::ALL` order: dealer, warehouse, quality, quality_lead, finance, admin.
type Row = [Access; 6];

/// DESIGN.md's access table. `None`: the operation is not in DESIGN.md's API map.
pub(crate) fn expected(service: &str, method: &str, path: &str) -> Option<Row> {
    let p = path.trim_start_matches("/api/v1");
    Some(match (service, method, p) {
        // Not in DESIGN.md: every service's audit trail (issue 20, docs/audit.md) —
        // admins, finance and quality read all, a dealer its own entities' records.
        (_, "get", "/audit") => [A, D, A, A, A, A],
        // Not in DESIGN.md: every service's notifications (issue 20,
        // docs/notifications.md) — everyone signed in manages their own subscriptions
        // and reads their own notifications; each topic names the roles it is for.
        (_, _, p) if p.starts_with("/subscriptions") || p.starts_with("/notifications") => {
            [A, A, A, A, A, A]
        }
        // catalog: "admin (master data), warehouse (stock), all roles read parts".
        ("catalog", "get", "/parts" | "/parts/{part_number}" | "/parts/{part_number}/prices") => {
            [A, A, A, A, A, A]
        }
        ("catalog", "post" | "put" | "patch", p)
            if p.starts_with("/suppliers")
                || p.starts_with("/parts")
                || p.starts_with("/warehouses") =>
        {
            [D, D, D, D, D, A]
        }
        // Availability as bands, for dealers before ordering (rules.md): every role.
        ("catalog", "get", "/availability") => [A, A, A, A, A, A],
        // Master data other than parts: admins manage it; who reads it is not said.
        (
            "catalog",
            "get",
            "/suppliers" | "/suppliers/{code}" | "/warehouses" | "/warehouses/{code}",
        ) => [U, U, U, U, U, A],
        ("catalog", "post" | "put", p)
            if [
                "/stock",
                "/receipts",
                "/adjustments",
                "/counts",
                "/transfers",
                "/shipments",
                "/purchase-orders",
                "/replenishment",
            ]
            .iter()
            .any(|r| p.starts_with(r)) =>
        {
            [D, A, D, D, D, U]
        }
        ("catalog", "get", p)
            if [
                "/stock",
                "/transfers",
                "/reservations",
                "/reports/",
                "/purchase-orders",
                "/replenishment",
            ]
            .iter()
            .any(|r| p.starts_with(r)) =>
        {
            [D, A, D, D, D, U]
        }
        // orders: "dealer (own), warehouse and admin (all)"; dealers are master data.
        ("orders", "post" | "put" | "patch", "/dealers" | "/dealers/{code}") => [D, D, D, D, D, A],
        ("orders", "get", "/dealers") => [D, A, D, D, D, A],
        ("orders", "get", "/dealers/{code}") => [A, A, D, D, D, A],
        // Not in DESIGN.md: tier discounts (rules.md, "Order pricing"), admin master data
        // read by the staff who read orders; a dealer sees its own in the price book.
        ("orders", "get", "/tiers" | "/tiers/{tier}/discounts") => [D, A, D, D, D, A],
        ("orders", "post", "/tiers/{tier}/discounts") => [D, D, D, D, D, A],
        ("orders", "get", "/ship-queue") => [D, A, D, D, D, A],
        ("orders", "get", _) => [A, A, D, D, D, A],
        ("orders", "post", "/orders") => [A, U, D, D, D, U],
        ("orders", "post", "/orders/{id}/cancel") => [A, U, D, D, D, U],
        // inspection: "dealer (own units and claims), quality, quality_lead, admin".
        ("inspection", "post", "/units") => [A, D, U, U, D, A],
        ("inspection", "get", "/units" | "/units/{serial}") => [A, D, A, A, D, A],
        ("inspection", "post" | "put", "/policies" | "/policies/{id}" | "/labor-operations") => {
            [D, D, D, D, D, A]
        }
        // Policies and labor operations are admin data; who reads them is not said.
        ("inspection", "get", "/policies" | "/labor-operations") => [U, U, U, U, U, A],
        ("inspection", "post", "/claims") => [A, D, D, D, D, U],
        // The wizard's preview: the submission's checks for the dealer who would submit.
        ("inspection", "post", "/claims/preview") => [A, D, D, D, D, D],
        // The limit above which only a quality lead decides (access.md).
        ("inspection", "get", "/approval-limit") => [D, D, A, A, D, D],
        // Not in DESIGN.md: inspectors' own limits, kept by quality leads and admins.
        (
            "inspection",
            "get" | "put" | "delete",
            "/approval-limits" | "/approval-limits/{subject}",
        ) => [D, D, D, A, D, A],
        ("inspection", "get", "/claims" | "/claims/{id}") => [A, D, A, A, D, A],
        // Not in DESIGN.md: service campaigns (rules.md, "Service campaigns").
        ("inspection", "post", "/campaigns") => [D, D, D, D, D, A],
        ("inspection", "get", p) if p.starts_with("/campaigns") => [A, D, A, A, D, A],
        // Not in DESIGN.md: goodwill pre-authorizations (rules.md, "Pre-authorization").
        ("inspection", "post", "/preauthorizations") => [A, D, D, D, D, D],
        ("inspection", "get", "/preauthorizations" | "/preauthorizations/{id}") => {
            [A, D, A, A, D, A]
        }
        (
            "inspection",
            "post",
            "/preauthorizations/{id}/approve" | "/preauthorizations/{id}/reject",
        ) => [D, D, D, A, D, D],
        (
            "inspection",
            "post",
            "/claims/{id}/part-receipt"
            | "/claims/{id}/findings"
            | "/claims/{id}/decision"
            | "/claims/{id}/disposition",
        ) => [D, D, A, A, D, U],
        // Not in DESIGN.md: dealer scorecards (rules.md, "Dealer scorecards"): quality
        // and admins, and each dealer for itself.
        ("inspection", "get", "/reports/dealer-scorecards") => [A, D, A, A, D, A],
        ("inspection", "get", p) if p.starts_with("/reports/") => [U, D, A, A, U, A],
        // Not in DESIGN.md's API map: finance's like the other recovery reports (access.md).
        ("recovery", "get", "/reports/filing-deadlines") => [D, D, D, D, A, A],
        // recovery: "finance, admin".
        ("recovery", _, _) => [D, D, D, D, A, A],
        _ => return None,
    })
}

/// One operation of an OpenAPI document.
#[derive(Debug, Clone)]
pub(crate) struct Operation {
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) op: Value,
}

pub(crate) fn operations(api: &Value) -> Vec<Operation> {
    let mut ops = Vec::new();
    for (path, item) in api["paths"].as_object().into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            if ["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                ops.push(Operation {
                    method: method.clone(),
                    path: path.clone(),
                    op: op.clone(),
                });
            }
        }
    }
    ops
}

fn resolve<'a>(api: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(r) => r
            .strip_prefix("#/components/schemas/")
            .map_or(&Value::Null, |name| &api["components"]["schemas"][name]),
        None => schema,
    }
}

/// A value of `schema` with its required fields filled, plausible enough to get past
/// deserialisation, so that authorisation is what answers.
fn example(api: &Value, schema: &Value, depth: usize) -> Value {
    let schema = resolve(api, schema);
    if depth > 6 {
        return Value::Null;
    }
    if let Some(given) = schema.get("example") {
        return given.clone();
    }
    if let Some(first) = schema["enum"].as_array().and_then(|e| e.first()) {
        return first.clone();
    }
    for combo in ["oneOf", "anyOf", "allOf"] {
        if let Some(first) = schema[combo].as_array().and_then(|e| e.first()) {
            return example(api, first, depth + 1);
        }
    }
    let ty = match &schema["type"] {
        Value::Array(types) => types
            .iter()
            .find(|t| *t != "null")
            .cloned()
            .unwrap_or_default(),
        t => t.clone(),
    };
    match ty.as_str().unwrap_or("object") {
        "string" => match schema["format"].as_str() {
            Some("uuid") => json!(UNKNOWN_ID),
            Some("date") => json!("2024-01-15"),
            Some("date-time") => json!("2024-01-15T10:00:00Z"),
            // Fits a plain string and a rust_decimal (a string without a format in
            // utoipa's output) alike.
            _ => json!("1.00"),
        },
        "integer" => json!(1),
        "number" => json!(1),
        "boolean" => json!(false),
        "array" => json!([example(api, &schema["items"], depth + 1)]),
        _ => {
            let mut obj = Map::new();
            for name in schema["required"].as_array().into_iter().flatten() {
                if let Some(name) = name.as_str() {
                    obj.insert(
                        name.to_owned(),
                        example(api, &schema["properties"][name], depth + 1),
                    );
                }
            }
            Value::Object(obj)
        }
    }
}

const UNKNOWN_ID: &str = "00000000-0000-4000-8000-00000000abcd";

/// The URL of `op` with path parameters from `ids` (else unknown values) and its
/// required query parameters filled.
pub(crate) fn url_of(base: &str, op: &Operation, ids: &BTreeMap<&str, String>) -> String {
    let mut path = op.path.clone();
    let mut query = Vec::new();
    for param in op.op["parameters"].as_array().into_iter().flatten() {
        let name = param["name"].as_str().unwrap_or_default();
        let value = ids.get(name).cloned().unwrap_or_else(|| {
            if param["schema"]["format"] == "uuid" || name == "id" {
                UNKNOWN_ID.to_owned()
            } else {
                "ZZ-NOPE".to_owned()
            }
        });
        match param["in"].as_str() {
            Some("path") => path = path.replace(&format!("{{{name}}}"), &value),
            Some("query") if param["required"] == true => query.push(format!("{name}={value}")),
            _ => {}
        }
    }
    if query.is_empty() {
        format!("{base}{path}")
    } else {
        format!("{base}{path}?{}", query.join("&"))
    }
}

fn body_of(api: &Value, op: &Operation) -> Option<Value> {
    let content = &op.op["requestBody"]["content"];
    content["application/json"]["schema"]
        .as_object()
        .map(|_| example(api, &content["application/json"]["schema"], 0))
}

struct Walk {
    http: reqwest::Client,
    keys: &'static TestIssuer,
    findings: Vec<String>,
    calls: usize,
}

impl Walk {
    fn token(&self, role: Role, dealer: Option<&str>) -> String {
        self.keys.sign(&aftersales_web::Claims::new(
            "access",
            role,
            dealer,
            chrono::Duration::hours(1),
        ))
    }

    async fn send(
        &mut self,
        method: &str,
        url: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> (u16, String) {
        self.calls += 1;
        let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap_or(Method::GET);
        let mut req = self.http.request(method, url);
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        if let Some(body) = body {
            req = req.json(body);
        }
        match req.send().await {
            Ok(res) => {
                let status = res.status().as_u16();
                (status, res.text().await.unwrap_or_default())
            }
            Err(e) => (0, e.to_string()),
        }
    }

    /// Every operation of `service`: 401 without a token, the table's answer per role.
    async fn roles(&mut self, service: &Service) {
        let api: Value = self
            .http
            .get(service.url("/openapi.json"))
            .send()
            .await
            .expect("openapi.json")
            .json()
            .await
            .expect("openapi json");
        let ops = operations(&api);
        assert!(!ops.is_empty(), "{}: no operations", service.name);
        for op in ops {
            let what = format!("{} {} {}", service.name, op.method.to_uppercase(), op.path);
            let url = url_of(&service.base, &op, &BTreeMap::new());
            let body = body_of(&api, &op);
            let (status, answer) = self.send(&op.method, &url, None, body.as_ref()).await;
            if status != 401 {
                self.findings.push(format!(
                    "{what} without a token: {status}, expected 401: {answer}"
                ));
            }
            let row = expected(service.name, &op.method, &op.path).unwrap_or_else(|| {
                self.findings.push(format!(
                    "{what}: not in DESIGN.md's API map (checked only for 401 and no 5xx)"
                ));
                [U; 6]
            });
            for (role, access) in Role::ALL.into_iter().zip(row) {
                let token = self.token(role, (role == Role::Dealer).then_some("D001"));
                let (status, answer) = self
                    .send(&op.method, &url, Some(&token), body.as_ref())
                    .await;
                let ok = match access {
                    A => !matches!(status, 401 | 403 | 0 | 500..),
                    D => status == 403,
                    U => !matches!(status, 401 | 0 | 500..),
                };
                if !ok {
                    self.findings.push(format!(
                        "{what} as {}: {status}, expected {access:?}: {}",
                        role.as_str(),
                        answer.chars().take(200).collect::<String>()
                    ));
                }
            }
        }
    }
}

async fn post(walk: &Walk, url: String, token: &str, body: Value) -> Value {
    let res = walk
        .http
        .post(&url)
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("seed request");
    let status = res.status().as_u16();
    let answer: Value = res.json().await.unwrap_or(Value::Null);
    assert!(
        (200..300).contains(&status),
        "POST {url}: {status} {answer}"
    );
    answer
}

#[tokio::test(flavor = "multi_thread")]
async fn every_endpoint_answers_each_role_as_the_design_says() {
    let vhost = TestVhost::new().await;
    let dbs = [
        TestDb::new().await,
        TestDb::new().await,
        TestDb::new().await,
        TestDb::new().await,
    ];
    let cfg =
        |i: usize, name: &str| config(name, &dbs[i].admin_url(), &dbs[i].schema, &vhost.amqp_url());
    let catalog = launch(catalog::spec(), cfg(0, catalog::NAME)).await;
    let orders = launch(orders::spec(), cfg(1, orders::NAME)).await;
    let recovery = launch(recovery::spec(), cfg(2, recovery::NAME)).await;
    let inspection = launch(inspection::spec(), cfg(3, inspection::NAME)).await;
    let mut walk = Walk {
        http: aftersales_web::http_client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .expect("client"),
        keys: aftersales_e2e::keys(),
        findings: Vec::new(),
        calls: 0,
    };

    // Two dealers with an order each, so that there is another dealer's data to leak.
    let admin = walk.token(Role::Admin, None);
    post(
        &walk,
        catalog.url("/api/v1/suppliers"),
        &admin,
        json!({"code": "SUP1", "name": "S"}),
    )
    .await;
    post(
        &walk,
        catalog.url("/api/v1/warehouses"),
        &admin,
        json!({"code": "WH1", "name": "C", "kind": "central"}),
    )
    .await;
    post(
        &walk,
        catalog.url("/api/v1/parts"),
        &admin,
        json!({"part_number": "P-100", "description": "Pad", "category": "brakes",
               "supplier_code": "SUP1", "warranty_months": 24, "list_price": "10.00"}),
    )
    .await;
    for code in ["D001", "D002"] {
        post(
            &walk,
            orders.url("/api/v1/dealers"),
            &admin,
            json!({"code": code, "name": code, "tier": "gold", "labor_rate": "80.00",
                   "currency": "EUR", "home_warehouse": "WH1"}),
        )
        .await;
    }
    let d1 = walk.token(Role::Dealer, Some("D001"));
    let d2 = walk.token(Role::Dealer, Some("D002"));
    let book = orders.url("/api/v1/price-book?part=P-100");
    assert!(
        eventually(Duration::from_secs(20), || async {
            walk.http
                .get(&book)
                .bearer_auth(&d1)
                .send()
                .await
                .is_ok_and(|r| r.status() == 200)
        })
        .await,
        "orders never learned P-100"
    );
    let order = json!({"priority": "stock", "lines": [{"part_number": "P-100", "qty": 1}]});
    let mine = post(&walk, orders.url("/api/v1/orders"), &d1, order.clone()).await;
    post(&walk, orders.url("/api/v1/orders"), &d2, order).await;
    let (id, number) = (
        mine["id"].as_str().expect("order id").to_owned(),
        mine["number"].as_str().unwrap_or("ORD-?").to_owned(),
    );

    for service in [&catalog, &orders, &inspection, &recovery] {
        walk.roles(service).await;
    }

    // Invariant 4: D002 on D001's ids gets 404 and never sees D001's data.
    let api: Value = walk
        .http
        .get(orders.url("/openapi.json"))
        .send()
        .await
        .expect("api")
        .json()
        .await
        .expect("json");
    let ids: BTreeMap<&str, String> = [
        ("id", id.clone()),
        ("code", "D001".to_owned()),
        ("dealer", "D001".to_owned()),
        ("dealer_code", "D001".to_owned()),
    ]
    .into_iter()
    .collect();
    for op in operations(&api) {
        if op.method != "get" && !op.path.ends_with("/cancel") {
            continue;
        }
        // An operation closed to every dealer (tier discounts) answers 403 whatever its
        // ids: the role walk above checks it, and there is no dealer's id to hide.
        let scoped = op.path.contains('{')
            && expected("orders", &op.method, &op.path).is_none_or(|row| row[0] != D);
        let url = url_of(&orders.base, &op, &ids);
        let (status, answer) = walk.send(&op.method, &url, Some(&d2), None).await;
        let what = format!(
            "orders {} {} as dealer D002 on D001's ids",
            op.method.to_uppercase(),
            url
        );
        if scoped && status != 404 && status != 403 {
            walk.findings
                .push(format!("{what}: {status}, expected 404"));
        } else if scoped && status == 403 {
            walk.findings.push(format!(
                "{what}: 403, DESIGN.md says another dealer's id answers 404"
            ));
        }
        // What the caller sent may come back (a 404 naming the id it asked for).
        for secret in [id.as_str(), number.as_str(), "D001"] {
            if answer.contains(secret) && !url.contains(secret) {
                walk.findings.push(format!(
                    "{what}: the answer contains {secret}: {}",
                    answer.chars().take(300).collect::<String>()
                ));
            }
        }
    }
    // Filters naming the other dealer must not widen a dealer's view.
    for query in [
        "orders?dealer=D001",
        "orders?dealer_code=D001",
        "reports/fill-rate?dealer=D001",
        "reports/fill-rate?dealer_code=D001",
    ] {
        let url = orders.url(&format!("/api/v1/{query}"));
        let (status, answer) = walk.send("get", &url, Some(&d2), None).await;
        if answer.contains(&id)
            || answer.contains(&number)
            || (status == 200 && answer.contains("D001"))
        {
            walk.findings.push(format!(
                "GET {query} as D002 shows D001's data: {status} {}",
                answer.chars().take(300).collect::<String>()
            ));
        }
    }

    eprintln!(
        "[access] {} calls, {} findings",
        walk.calls,
        walk.findings.len()
    );
    for f in &walk.findings {
        eprintln!("  finding: {f}");
    }
    for service in [catalog, orders, inspection, recovery] {
        service.running.stop().await;
    }
    assert!(
        walk.findings.is_empty(),
        "{} access findings; first: {}",
        walk.findings.len(),
        walk.findings[0]
    );
}
