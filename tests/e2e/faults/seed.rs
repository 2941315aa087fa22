//! The master data of the run, each item in the service that owns it and loaded
//! through its API: suppliers, warehouses, parts with stock, dealers with labor
//! rates, warranty policies, labor operations and recovery agreements. Then waits
//! until orders and inspection have learned parts and dealers from the events.

use std::time::Duration;

use aftersales_e2e::eventually;
use aftersales_e2e::invariants::rows;
use aftersales_testkit::provision::connect;
use serde_json::{Value, json};

use super::run::{DEALERS, Run};

pub const WAREHOUSES: [&str; 2] = ["WH1", "WH2"];

/// A part of the run. Orders use the stocked ones; claims use all.
pub struct Part {
    pub number: &'static str,
    pub supplier: &'static str,
    pub category: &'static str,
    pub price: &'static str,
    pub returnable: bool,
    pub core: bool,
    pub stocked: bool,
}

const fn part(
    number: &'static str,
    supplier: &'static str,
    price: &'static str,
    returnable: bool,
) -> Part {
    Part {
        number,
        supplier,
        category: "brakes",
        price,
        returnable,
        core: false,
        stocked: true,
    }
}

/// SUP1 and SUP2 have agreements in EUR, SUP3's is in USD (its lines are
/// `not_recoverable`, `currency_mismatch`); F-500 need not come back; E-900 is a core
/// part above the inspector's approval limit.
pub const PARTS: [Part; 6] = [
    part("F-100", "SUP1", "10.50", true),
    part("F-200", "SUP1", "17.50", true),
    part("F-300", "SUP2", "24.50", true),
    part("F-400", "SUP2", "31.50", true),
    part("F-500", "SUP3", "38.50", false),
    Part {
        number: "E-900",
        supplier: "SUP2",
        category: "electrical",
        price: "1250.0000",
        returnable: true,
        core: true,
        stocked: false,
    },
];

/// What orders are placed for.
pub fn order_parts() -> Vec<&'static str> {
    PARTS
        .iter()
        .filter(|p| p.stocked)
        .map(|p| p.number)
        .collect()
}

/// Labor operation per part category, and its standard hours.
pub fn labor_operation(category: &str) -> (&'static str, &'static str) {
    if category == "electrical" {
        ("OP-ECU", "2.00")
    } else {
        ("OP-BRK", "1.50")
    }
}

/// Policies cover up to this reading.
pub const USAGE_LIMIT: i64 = 150_000;

pub async fn seed_data(run: &Run, database_url: &str) {
    let (admin, finance) = (run.tokens.admin.as_str(), run.tokens.finance.as_str());
    let warehouse = run.tokens.warehouse.as_str();
    let (c, o, i, r) = (&run.catalog, &run.orders, &run.inspection, &run.recovery);
    // (key, url, token, body), in the order the services need them.
    let mut requests: Vec<(String, Vec<String>, &str, Value)> = Vec::new();
    for code in ["SUP1", "SUP2", "SUP3"] {
        requests.push((
            format!("s-{code}"),
            c.at("/api/v1/suppliers"),
            admin,
            json!({"code": code, "name": format!("Supplier {code}")}),
        ));
    }
    for (code, kind) in WAREHOUSES.into_iter().zip(["central", "regional"]) {
        requests.push((
            format!("w-{code}"),
            c.at("/api/v1/warehouses"),
            admin,
            json!({"code": code, "name": format!("Warehouse {code}"), "kind": kind}),
        ));
    }
    for p in &PARTS {
        requests.push((
            format!("p-{}", p.number),
            c.at("/api/v1/parts"),
            admin,
            json!({"part_number": p.number, "description": format!("Part {}", p.number),
                   "category": p.category, "supplier_code": p.supplier, "warranty_months": 24,
                   "list_price": p.price, "returnable": p.returnable, "core": p.core}),
        ));
        if p.stocked {
            requests.push((
                format!("seed-{}", p.number),
                c.at("/api/v1/receipts"),
                warehouse,
                receipt_body(p.number, 40, &format!("seed-{}", p.number)),
            ));
        }
    }
    for dealer in DEALERS {
        requests.push((
            format!("d-{dealer}"),
            o.at("/api/v1/dealers"),
            admin,
            json!({"code": dealer, "name": format!("Dealer {dealer}"), "tier": "silver",
                   "labor_rate": "75.00", "currency": "EUR", "home_warehouse": WAREHOUSES[0]}),
        ));
    }
    for (category, core_months) in [("brakes", 0), ("electrical", 12)] {
        requests.push((
            format!("policy-{category}"),
            i.at("/api/v1/policies"),
            admin,
            json!({"category": category, "terms": {"warranty_months": 24, "usage_limit": USAGE_LIMIT,
                   "core_replace_only_months": core_months, "submission_window_days": 30,
                   "return_required": true, "return_deadline_days": 30}}),
        ));
        let (code, hours) = labor_operation(category);
        requests.push((
            format!("labor-{code}"),
            i.at("/api/v1/labor-operations"),
            admin,
            json!({"code": code, "description": format!("Replace {category} part"),
                   "standard_hours": hours}),
        ));
    }
    // SUP2's claim window is shorter than recovery's filing lead time (14 days): its
    // lines are at risk from the start, so the filing-deadline sweep drafts them.
    for (supplier, parts_pct, labor_pct, fee, currency, window) in [
        ("SUP1", "80", "50", "25.00", "EUR", 365),
        ("SUP2", "100", "60", "15.00", "EUR", 10),
        ("SUP3", "90", "50", "10.00", "USD", 365),
    ] {
        requests.push((
            format!("agreement-{supplier}"),
            r.at("/api/v1/agreements"),
            finance,
            json!({"supplier_code": supplier, "valid_from": "2020-01-01",
                   "parts_recovery_pct": parts_pct, "labor_recovery_pct": labor_pct,
                   "handling_fee": fee, "currency": currency, "claim_window_days": window}),
        ));
    }
    for (key, urls, token, body) in requests {
        run.call(run.post(urls, token, body, Some(key)), &[200, 201])
            .await;
    }
    let errors = run.errors();
    assert!(errors.is_empty(), "seeding failed: {errors:?}");

    // The price book and inspection's read models learn parts and dealers from events.
    let client = aftersales_web::http_client::client();
    for part in order_parts() {
        // Any replica: they share the schema.
        let url = o.at(&format!("/api/v1/price-book?part={part}")).remove(0);
        assert!(
            eventually(Duration::from_secs(30), || async {
                client
                    .get(&url)
                    .bearer_auth(&run.tokens.dealers[0])
                    .send()
                    .await
                    .is_ok_and(|r| r.status() == 200)
            })
            .await,
            "orders never learned {part} from catalog.part_upserted"
        );
    }
    let learned = "SELECT (SELECT count(*) FROM inspection.parts) AS parts,
                          (SELECT count(*) FROM inspection.dealers) AS dealers";
    let known = eventually(Duration::from_secs(30), || async move {
        let Ok(mut conn) = connect(database_url).await else {
            return false;
        };
        rows(&mut conn, learned).await.is_ok_and(|found| {
            found
                .first()
                .is_some_and(|r| r["parts"] == PARTS.len() && r["dealers"] == DEALERS.len())
        })
    })
    .await;
    assert!(
        known,
        "inspection never learned every part and dealer from the events"
    );
}

pub fn receipt_body(part: &str, qty: u64, reference: &str) -> Value {
    json!({"warehouse": WAREHOUSES[0], "part_number": part, "qty": qty, "reference": reference})
}
