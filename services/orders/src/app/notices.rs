//! What orders tells the people an order concerns (docs/notifications.md): a dealer's
//! backorder filled, a dealer's order shipped. Written with
//! `aftersales_web::notify::emit` in the transaction that applies catalog's event, and
//! only when that event changed the order (a repeated or stale one tells nobody twice).

use aftersales_web::Role;
use aftersales_web::notify::{Notice, Topic};
use serde_json::json;

use crate::db::orders::{Line, Order};
use crate::domain::allocation::AllocatedLine;
use crate::domain::status::LineQty;

pub const BACKORDER_FILLED: Topic = Topic {
    name: "order.backorder_filled",
    description: "backordered units of an order were reserved (or shipped) from new stock",
    roles: &[Role::Dealer, Role::Admin],
};

pub const SHIPPED: Topic = Topic {
    name: "order.shipped",
    description: "a shipment of an order left the warehouse",
    roles: &[Role::Dealer, Role::Admin],
};

/// The topics orders offers.
pub const TOPICS: &[Topic] = &[BACKORDER_FILLED, SHIPPED];

fn held_qty(line: &Line) -> LineQty {
    LineQty {
        ordered: line.qty,
        reserved: line.reserved,
        backordered: line.backordered,
        shipped: line.shipped,
        released: line.released,
    }
}

/// "1 unit", "3 units".
fn units_of(n: i32) -> String {
    match n {
        1 => "1 unit".to_owned(),
        n => format!("{n} units"),
    }
}

/// "Backorder filled" when catalog's allocation moved units of `order` off its
/// backorder; None when it moved none.
pub fn backorder_filled(
    order: &Order,
    held: &[Line],
    allocated: &[AllocatedLine],
) -> Option<Notice> {
    let filled: Vec<(i32, &str, i32, i32)> = allocated
        .iter()
        .filter_map(|a| {
            let line = held.iter().find(|l| l.line_no == a.line_no)?;
            let units = held_qty(line).filled_from_backorder(&a.qty);
            (units > 0).then_some((
                a.line_no,
                a.reserved_part_number.as_str(),
                units,
                a.qty.backordered,
            ))
        })
        .collect();
    if filled.is_empty() {
        return None;
    }
    let units: i32 = filled.iter().map(|f| f.2).sum();
    let still: i32 = filled.iter().map(|f| f.3).sum();
    let summary = match still {
        0 => format!(
            "Order {}: {} from the backorder reserved; nothing is waiting any more",
            order.number,
            units_of(units)
        ),
        _ => format!(
            "Order {}: {} from the backorder reserved, {still} still waiting",
            order.number,
            units_of(units)
        ),
    };
    let lines: Vec<_> = filled
        .iter()
        .map(|(line_no, part, units, still)| {
            json!({"line_no": line_no, "part_number": part, "filled": units, "still_backordered": still})
        })
        .collect();
    Some(
        Notice::new(&BACKORDER_FILLED, "order", order.id, summary)
            .of_dealer(order.dealer_code.as_str())
            .with_data(json!({"order_number": order.number, "lines": lines})),
    )
}

/// "Order shipped" for a shipment new to `order`.
pub fn shipped(order: &Order, shipment: &super::allocations::Shipment) -> Notice {
    let lines: Vec<_> = shipment
        .lines
        .iter()
        .map(|(line_no, part, qty)| json!({"line_no": line_no, "part_number": part, "qty": qty}))
        .collect();
    Notice::new(
        &SHIPPED,
        "order",
        order.id,
        format!(
            "Order {} shipped: {} by {} (tracking {})",
            order.number,
            units_of(shipment.qty),
            shipment.carrier,
            shipment.tracking_ref
        ),
    )
    .of_dealer(order.dealer_code.as_str())
    .with_data(json!({
        "order_number": order.number,
        "shipment_id": shipment.shipment_id,
        "qty": shipment.qty,
        "carrier": shipment.carrier,
        "tracking_ref": shipment.tracking_ref,
        "lines": lines,
    }))
}

#[cfg(test)]
mod tests {
    use super::units_of;

    #[test]
    fn one_unit_is_singular() {
        assert_eq!(units_of(1), "1 unit");
        assert_eq!(units_of(3), "3 units");
    }
}
