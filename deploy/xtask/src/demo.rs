//! Demo data for the local stack, loaded through the services' own APIs (so it goes
//! through every rule and every event, exactly as a user's data would). Each request
//! carries a fixed `Idempotency-Key`, and a 409 (already exists) counts as done, so
//! running `up` again loads nothing twice.

use aftersales_web::Role;
use anyhow::bail;
use serde_json::{Value, json};

struct Request {
    /// Stable per item, so editing the list never loads an item twice.
    key: String,
    service: &'static str,
    path: &'static str,
    role: Role,
    body: Value,
    /// A list (`GET`, answered with `items`) that is non-empty once this item is loaded:
    /// for items without a natural key, whose repeat is refused as a conflict of another
    /// kind (an overlapping agreement) once the idempotency key has been pruned or the
    /// stack's tokens name another user.
    loaded_if_listed: Option<String>,
}

fn catalog(key: String, path: &'static str, role: Role, body: Value) -> Request {
    Request {
        key,
        service: "catalog",
        path,
        role,
        body,
        loaded_if_listed: None,
    }
}

fn orders(key: String, path: &'static str, body: Value) -> Request {
    Request {
        key,
        service: "orders",
        path,
        role: Role::Admin,
        body,
        loaded_if_listed: None,
    }
}

fn inspection(key: &str, path: &'static str, body: Value) -> Request {
    Request {
        key: key.to_owned(),
        service: "inspection",
        path,
        role: Role::Admin,
        body,
        loaded_if_listed: None,
    }
}

fn recovery(key: &str, body: Value) -> Request {
    Request {
        key: key.to_owned(),
        service: "recovery",
        path: "/api/v1/agreements",
        role: Role::Finance,
        loaded_if_listed: body["supplier_code"]
            .as_str()
            .map(|s| format!("/api/v1/agreements?supplier={s}")),
        body,
    }
}

fn requests() -> Vec<Request> {
    let mut all = vec![
        catalog(
            "supplier-BOSCH".into(),
            "/api/v1/suppliers",
            Role::Admin,
            json!({"code": "BOSCH", "name": "Bosch Automotive"}),
        ),
        catalog(
            "supplier-VALEO".into(),
            "/api/v1/suppliers",
            Role::Admin,
            json!({"code": "VALEO", "name": "Valeo"}),
        ),
        catalog(
            "warehouse-WH1".into(),
            "/api/v1/warehouses",
            Role::Admin,
            json!({"code": "WH1", "name": "Central warehouse", "kind": "central"}),
        ),
        catalog(
            "warehouse-WH2".into(),
            "/api/v1/warehouses",
            Role::Admin,
            json!({"code": "WH2", "name": "Regional warehouse north", "kind": "regional"}),
        ),
    ];
    let parts = [
        (
            "BP-1001",
            "Brake pad set, front",
            "brakes",
            "BOSCH",
            "48.5000",
            24,
            false,
            true,
        ),
        (
            "BD-2001",
            "Brake disc, ventilated",
            "brakes",
            "BOSCH",
            "92.0000",
            24,
            false,
            true,
        ),
        (
            "AL-3001",
            "Alternator 140 A",
            "electrical",
            "VALEO",
            "310.0000",
            36,
            true,
            true,
        ),
        (
            "WP-4001",
            "Water pump",
            "cooling",
            "VALEO",
            "129.9000",
            24,
            true,
            true,
        ),
        (
            "FL-5001",
            "Oil filter",
            "filters",
            "BOSCH",
            "9.7500",
            12,
            false,
            false,
        ),
    ];
    for (pn, description, category, supplier, price, months, core, returnable) in parts {
        all.push(catalog(
            format!("part-{pn}"),
            "/api/v1/parts",
            Role::Admin,
            json!({"part_number": pn, "description": description, "category": category,
                   "supplier_code": supplier, "list_price": price, "warranty_months": months,
                   "core": core, "returnable": returnable}),
        ));
        for (warehouse, qty) in [("WH1", 40), ("WH2", 8)] {
            all.push(catalog(
                format!("receipt-{warehouse}-{pn}"),
                "/api/v1/receipts",
                Role::Warehouse,
                json!({"warehouse": warehouse, "part_number": pn, "qty": qty, "reference": "DEMO-OPENING"}),
            ));
        }
    }
    for (code, name, tier, warehouse) in [
        ("D001", "Northside Motors", "gold", "WH1"),
        ("D002", "Harbour Garage", "silver", "WH2"),
        ("D003", "Valley Trucks", "standard", "WH1"),
    ] {
        all.push(orders(
            format!("dealer-{code}"),
            "/api/v1/dealers",
            json!({"code": code, "name": name, "tier": tier, "labor_rate": "85.00",
                   "currency": "EUR", "home_warehouse": warehouse}),
        ));
    }
    for (category, months, core_months) in [
        ("brakes", 24, 0),
        ("electrical", 36, 12),
        ("cooling", 24, 12),
        ("filters", 12, 0),
    ] {
        all.push(inspection(
            &format!("policy-{category}"),
            "/api/v1/policies",
            json!({"category": category, "terms": {"warranty_months": months, "usage_limit": 150000,
                   "core_replace_only_months": core_months, "submission_window_days": 30,
                   "return_required": true, "return_deadline_days": 30}}),
        ));
    }
    for (code, description, hours) in [
        ("BRK-PADS", "Replace front brake pads", "0.8"),
        ("ALT-RR", "Remove and refit alternator", "1.6"),
        ("WP-RR", "Remove and refit water pump", "2.2"),
    ] {
        all.push(inspection(
            &format!("labor-{code}"),
            "/api/v1/labor-operations",
            json!({"code": code, "description": description, "standard_hours": hours}),
        ));
    }
    for (supplier, parts_pct, labor_pct, fee) in [
        ("BOSCH", "80", "50", "25.00"),
        ("VALEO", "100", "60", "15.00"),
    ] {
        all.push(recovery(
            &format!("agreement-{supplier}"),
            json!({"supplier_code": supplier, "valid_from": "2024-01-01", "parts_recovery_pct": parts_pct,
                   "labor_recovery_pct": labor_pct, "handling_fee": fee, "currency": "EUR",
                   "claim_window_days": 365}),
        ));
    }
    all
}

/// What `up` says it loaded.
pub const SUMMARY: &str = "suppliers BOSCH, VALEO; warehouses WH1, WH2; parts BP-1001, BD-2001, \
AL-3001, WP-4001, FL-5001 with stock; dealers D001 (gold), D002 (silver), D003 (standard); \
warranty policies per category and three labor operations; recovery agreements for both suppliers";

/// Loads the demo data into the running services, `base_url(service)` giving each
/// one's `http://host:port` and `token(role)` a token for a request in that role (a
/// repeat is a replay: nothing twice).
pub async fn load(
    token: impl Fn(Role) -> String,
    base_url: impl Fn(&str) -> String,
) -> anyhow::Result<()> {
    let http = aftersales_web::http_client::client();
    for request in requests() {
        let token = token(request.role);
        if let Some(list) = &request.loaded_if_listed {
            let url = format!("{}{list}", base_url(request.service));
            let page: Value = http
                .get(&url)
                .bearer_auth(&token)
                .send()
                .await?
                .error_for_status()?
                .json()
                .await?;
            if page["items"]
                .as_array()
                .is_some_and(|items| !items.is_empty())
            {
                continue;
            }
        }
        let url = format!("{}{}", base_url(request.service), request.path);
        let res = http
            .post(&url)
            .bearer_auth(token)
            .header("Idempotency-Key", format!("demo-{}", request.key))
            .json(&request.body)
            .send()
            .await?;
        match res.status().as_u16() {
            200..=299 | 409 => {}
            status => {
                let body = res.text().await.unwrap_or_default();
                bail!("demo data: POST {url} answered {status}: {body}");
            }
        }
    }
    Ok(())
}
