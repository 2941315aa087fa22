//! The catalog service started in-process per test (see
//! `aftersales_testkit::TestService`) and catalog's own seed data and checks:
//! suppliers, warehouses, parts, receipts, orders published as orders would, and
//! invariant 1 read straight from the tables.

use aftersales_messaging::{Envelope, Event};
use aftersales_web::Role;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde_json::{Value, json};
use uuid::Uuid;

pub use aftersales_testkit::tokens::other_roles;

aftersales_testkit::test_service!(catalog::spec);

impl Svc {
    /// A supplier, two warehouses and parts `A`, `B`, `C` at 10.00.
    pub async fn seed(&self) {
        let (s, b) = self
            .post(
                Role::Admin,
                "/suppliers",
                json!({"code": "SUP1", "name": "Supplier One"}),
            )
            .await;
        assert_eq!(s, 201, "{b}");
        for (code, kind) in [("CENTRAL", "central"), ("NORTH", "regional")] {
            let (s, b) = self
                .post(
                    Role::Admin,
                    "/warehouses",
                    json!({"code": code, "name": code, "kind": kind}),
                )
                .await;
            assert_eq!(s, 201, "{b}");
        }
        for pn in ["A", "B", "C"] {
            let (s, b) = self.post(Role::Admin, "/parts", part(pn)).await;
            assert_eq!(s, 201, "{b}");
        }
    }

    pub async fn receive(&self, wh: &str, pn: &str, qty: i64) -> Value {
        let (s, b) = self
            .post(
                Role::Warehouse,
                "/receipts",
                json!({"warehouse": wh, "part_number": pn, "qty": qty, "reference": "PO-1"}),
            )
            .await;
        assert_eq!(s, 201, "{b}");
        b
    }

    pub async fn stock(&self, wh: &str, pn: &str) -> Value {
        let (s, b) = self
            .get(Role::Warehouse, &format!("/stock/{wh}/{pn}"))
            .await;
        assert_eq!(s, 200, "{b}");
        b
    }

    /// Invariant 1 for one level, read straight from the tables.
    pub async fn assert_invariant(&self, wh: &str, pn: &str) {
        let mut c = self.pool.get().await.expect("conn");
        let level = catalog::db::stock::get(&mut c, wh, pn)
            .await
            .expect("level")
            .expect("exists");
        let ledger = catalog::db::stock::ledger_sum(&mut c, wh, pn)
            .await
            .expect("ledger");
        assert_eq!(ledger, i64::from(level.on_hand), "ledger sum = on hand");
        assert!(
            level.reserved >= 0 && level.reserved <= level.on_hand,
            "{level:?}"
        );
        #[derive(QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let open: i64 = diesel::sql_query(
            "SELECT COALESCE(SUM(l.reserved), 0)::BIGINT AS n FROM allocation_lines l JOIN order_allocations o USING (order_id) \
             WHERE o.warehouse_code = $1 AND l.reserved_part_number = $2",
        )
        .bind::<diesel::sql_types::Text, _>(wh)
        .bind::<diesel::sql_types::Text, _>(pn)
        .get_result::<N>(&mut c)
        .await
        .expect("sum")
        .n;
        assert_eq!(
            open,
            i64::from(level.reserved),
            "reserved = sum of open reservations"
        );
    }

    pub async fn reservation(&self, order_id: Uuid) -> Option<Value> {
        let (s, b) = self
            .get(
                Role::Warehouse,
                &format!("/reservations?order_id={order_id}"),
            )
            .await;
        (s == 200).then_some(b)
    }
}

/// The cause of a use case a test calls directly, standing for the event or request
/// that would call it.
pub fn cause() -> catalog::app::Cause<'static> {
    catalog::app::Cause::Job {
        name: "test",
        correlation: Uuid::new_v4(),
    }
}

pub fn part(pn: &str) -> Value {
    json!({
        "part_number": pn, "description": format!("Part {pn} brake pad"), "category": "brakes",
        "supplier_code": "SUP1", "warranty_months": 24, "list_price": "10.00"
    })
}

/// `payload` as the service that produces its type would send it (consumers dead-letter
/// an envelope whose producer does not own its type).
pub fn envelope<E: Event>(payload: &E) -> Envelope {
    let topology = aftersales_messaging::contracts::topology_v1();
    let producer = topology
        .producer_of(E::TYPE)
        .expect("an event type of the catalog");
    Envelope::new(producer, payload, Uuid::new_v4()).expect("envelope")
}

pub fn order(
    order_id: Uuid,
    lines: &[(i32, &str, i32)],
    emergency: bool,
    minutes_ago: i64,
) -> aftersales_messaging::contracts::orders::OrderPlaced {
    use aftersales_messaging::contracts::orders::{OrderLine, OrderPlaced, Priority};
    OrderPlaced {
        order_id,
        order_number: format!("ORD-{}", &order_id.simple().to_string()[..6]),
        dealer_code: "D001".parse().unwrap(),
        warehouse: "CENTRAL".parse().unwrap(),
        priority: if emergency {
            Priority::Emergency
        } else {
            Priority::Stock
        },
        placed_at: chrono::Utc::now() - chrono::Duration::minutes(minutes_ago),
        lines: lines
            .iter()
            .map(|(n, p, q)| OrderLine {
                line_no: *n,
                part_number: (*p).parse().unwrap(),
                qty: *q,
            })
            .collect(),
    }
}
