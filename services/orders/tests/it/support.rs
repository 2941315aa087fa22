//! The orders service started in-process per test (see `aftersales_testkit::TestService`)
//! and orders' own seed data: dealers, parts published as catalog would, orders.

use aftersales_messaging::Envelope;
use aftersales_messaging::contracts::catalog::{PartUpserted, StockReserved};
use aftersales_messaging::contracts::{Allocation, AllocationLine};
use aftersales_testkit::tokens;
use aftersales_web::Role;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use uuid::Uuid;

pub use aftersales_testkit::tokens::{admin, dealer};
pub use aftersales_testkit::{WAIT, eventually};

aftersales_testkit::test_service!(orders::spec);

/// A token of subject `tester` in `role`, naming `dealer` if given.
pub fn token(role: Role, dealer: Option<&str>) -> String {
    tokens::mint("tester", role, dealer)
}

impl Svc {
    pub async fn create_dealer(&self, code: &str, tier: &str, currency: &str) -> Value {
        let (status, body) = self
            .call(
                "POST",
                "/dealers",
                Some(&admin()),
                Some(json!({
                    "code": code, "name": format!("Dealer {code}"), "tier": tier,
                    "labor_rate": "85.50", "currency": currency, "home_warehouse": "WH-HOME",
                })),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        body
    }

    /// Publishes a part and waits until the price book has it.
    pub async fn add_part(&self, part_number: &str, price: &str, active: bool) -> Envelope {
        let event = self
            .publish("catalog", &part(part_number, price, active))
            .await;
        assert!(
            self.consumed(&event).await,
            "part {part_number} never reached the price book"
        );
        event
    }

    pub async fn place(&self, token: &str, lines: &[(&str, i64)]) -> Value {
        self.place_with(token, "stock", lines).await
    }

    /// Places an order of `priority` (`stock` or `emergency`).
    pub async fn place_with(&self, token: &str, priority: &str, lines: &[(&str, i64)]) -> Value {
        let lines: Vec<Value> = lines
            .iter()
            .map(|(p, q)| json!({"part_number": p, "qty": q}))
            .collect();
        let (status, body) = self
            .call(
                "POST",
                "/orders",
                Some(token),
                Some(json!({"priority": priority, "lines": lines})),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        body
    }

    pub async fn order(&self, id: &str) -> Value {
        let (status, body) = self
            .call("GET", &format!("/orders/{id}"), Some(&admin()), None)
            .await;
        assert_eq!(status, 200, "{body}");
        body
    }

    /// The order's timeline as an admin reads it: status and body.
    pub async fn timeline(&self, id: &str) -> (u16, Value) {
        self.call(
            "GET",
            &format!("/orders/{id}/timeline"),
            Some(&admin()),
            None,
        )
        .await
    }

    pub async fn wait_status(&self, id: &str, status: &str) -> bool {
        eventually(WAIT, || async { self.order(id).await["status"] == status }).await
    }
}

pub fn part(part_number: &str, price: &str, active: bool) -> PartUpserted {
    PartUpserted {
        part_number: part_number.parse().unwrap(),
        description: format!("part {part_number}"),
        category: "brakes".into(),
        list_price: price.parse::<Decimal>().expect("price"),
        currency: "EUR".parse().unwrap(),
        supplier_code: "SUP1".parse().unwrap(),
        warranty_months: 12,
        core: false,
        returnable: true,
        superseded_by: None,
        active,
    }
}

/// Catalog's reservation of `alloc` for `order` at the dealers' home warehouse.
pub fn reserved(order: Uuid, alloc: Allocation) -> StockReserved {
    StockReserved {
        order_id: order,
        warehouse: "WH-HOME".parse().unwrap(),
        allocation: alloc,
    }
}

/// An allocation line: `(line_no, part, ordered, reserved, backordered, shipped, released)`.
pub fn allocation(version: i64, lines: &[(i32, &str, i32, i32, i32, i32, i32)]) -> Allocation {
    Allocation {
        allocation_version: version,
        lines: lines
            .iter()
            .map(
                |&(line_no, part, ordered, reserved, backordered, shipped, released)| {
                    AllocationLine {
                        line_no,
                        part_number: part.parse().unwrap(),
                        reserved_part_number: part.parse().unwrap(),
                        ordered,
                        reserved,
                        backordered,
                        shipped,
                        released,
                        expected_date: None,
                    }
                },
            )
            .collect(),
    }
}

/// `alloc` with line `line_no` expected on `date` (`YYYY-MM-DD`), as catalog says of
/// a backordered line that a purchase order serves.
pub fn expecting(mut alloc: Allocation, line_no: i32, date: &str) -> Allocation {
    let line = alloc
        .lines
        .iter_mut()
        .find(|l| l.line_no == line_no)
        .expect("a line of the allocation");
    line.expected_date = Some(date.parse().expect("a date"));
    alloc
}

pub fn order_id(order: &Value) -> Uuid {
    order["id"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("order id")
}
