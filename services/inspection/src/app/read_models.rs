//! Other services' facts as inspection keeps them: catalog's parts and orders'
//! dealers, each upsert keeping the `occurred_at` of the event that wrote it (an
//! older event arriving late changes nothing, so reordering is harmless); and, for the
//! dealer scorecard's fill rate, orders' placements and cancellations and catalog's
//! shipments, each written once, in whatever order they arrive.
//!
//! What an event changed is recorded on the audit trail with the event as origin; an
//! event that changed nothing records nothing. The placements, shipments and
//! cancellations are the entity `scorecard_order` (the order's id), of the order's
//! dealer once its placement is kept.

use std::collections::{BTreeMap, BTreeSet};

use aftersales_messaging::HandlerError;
use aftersales_messaging::contracts::{catalog, orders};
use aftersales_web::audit::{Entry, Origin};
use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use rust_decimal::Decimal;
use serde_json::json;
use uuid::Uuid;

use crate::db;
use crate::domain::pricing::round_price;

/// Keeps `part` as of `occurred_at`; a part that cannot be priced is rejected.
pub async fn record_part(
    conn: &mut AsyncPgConnection,
    origin: &Origin,
    part: catalog::PartUpserted,
    occurred_at: DateTime<Utc>,
) -> Result<(), HandlerError> {
    if part.list_price < Decimal::ZERO {
        return Err(HandlerError::Reject("negative list price".into()));
    }
    let number = part.part_number.to_string();
    let before = db::read_models::lock_part(conn, &number).await?;
    let kept = db::read_models::upsert_part(
        conn,
        &db::read_models::Part {
            part_number: part.part_number,
            description: part.description,
            category: part.category,
            // NUMERIC(14,4): a finer price is rounded the way every price is.
            list_price: round_price(part.list_price),
            currency: part.currency,
            supplier_code: part.supplier_code,
            warranty_months: part.warranty_months,
            core: part.core,
            returnable: part.returnable,
            active: part.active,
            updated_at: occurred_at,
        },
    )
    .await?;
    if !kept {
        return Ok(());
    }
    // Read back: the row as stored (its NUMERIC scale), not as sent.
    let after = db::read_models::find_part(conn, &number).await?;
    let entry = Entry::new("part.upserted", "part", &number).diff(&before, &after);
    origin.record(conn, &[entry]).await?;
    Ok(())
}

/// Keeps `dealer` as of `occurred_at`; a dealer whose labor cannot be priced is rejected.
pub async fn record_dealer(
    conn: &mut AsyncPgConnection,
    origin: &Origin,
    dealer: orders::DealerUpserted,
    occurred_at: DateTime<Utc>,
) -> Result<(), HandlerError> {
    if dealer.labor_rate < Decimal::ZERO {
        return Err(HandlerError::Reject("negative labor rate".into()));
    }
    let code = dealer.dealer_code.to_string();
    let before = db::read_models::lock_dealer(conn, &code).await?;
    let kept = db::read_models::upsert_dealer(
        conn,
        &db::read_models::Dealer {
            dealer_code: dealer.dealer_code,
            name: dealer.name,
            labor_rate: round_price(dealer.labor_rate),
            currency: dealer.currency,
            active: dealer.active,
            updated_at: occurred_at,
        },
    )
    .await?;
    if !kept {
        return Ok(());
    }
    let after = db::read_models::find_dealer(conn, &code).await?;
    let entry = Entry::new("dealer.upserted", "dealer", &code)
        .of_dealer(&code)
        .diff(&before, &after);
    origin.record(conn, &[entry]).await?;
    Ok(())
}

/// An audit entry of `action` on the kept order `order_id`, of `dealer` when known.
fn order_entry(action: &'static str, order_id: Uuid, dealer: Option<String>) -> Entry {
    let entry = Entry::new(action, "scorecard_order", order_id);
    match dealer {
        Some(dealer) => entry.of_dealer(dealer),
        None => entry,
    }
}

/// Keeps the placement of `order`, line by line, for the fill rate.
pub async fn record_order(
    conn: &mut AsyncPgConnection,
    origin: &Origin,
    order: orders::OrderPlaced,
) -> Result<(), HandlerError> {
    let ordered: i64 = order.lines.iter().map(|l| i64::from(l.qty)).sum();
    if ordered <= 0 || order.lines.iter().any(|l| l.qty <= 0) {
        return Err(HandlerError::Reject("an order line without units".into()));
    }
    let numbers: BTreeSet<i32> = order.lines.iter().map(|l| l.line_no).collect();
    if numbers.len() != order.lines.len() {
        return Err(HandlerError::Reject("an order line number twice".into()));
    }
    let lines: Vec<db::read_models::PlacedOrderLine> = order
        .lines
        .iter()
        .map(|l| db::read_models::PlacedOrderLine {
            order_id: order.order_id,
            line_no: l.line_no,
            qty: i64::from(l.qty),
        })
        .collect();
    let dealer = order.dealer_code.to_string();
    let kept = db::read_models::insert_placed_order(
        conn,
        &db::read_models::PlacedOrder {
            order_id: order.order_id,
            dealer_code: dealer.clone(),
            placed_at: order.placed_at,
            ordered,
        },
        &lines,
    )
    .await?;
    if !kept {
        return Ok(());
    }
    let placed = json!({
        "order_number": order.order_number,
        "dealer_code": dealer,
        "placed_at": order.placed_at,
        "ordered": ordered,
        // Units per line number: `{"1": 4, "2": 1}`.
        "lines": lines.iter().map(|l| (l.line_no, l.qty)).collect::<BTreeMap<_, _>>(),
    });
    let entry =
        order_entry("scorecard_order.placed", order.order_id, Some(dealer)).created(&placed);
    origin.record(conn, &[entry]).await?;
    Ok(())
}

/// Keeps `shipment`, dispatched at `occurred_at`, and its units per order line (a
/// line shipped as several part numbers is one line), for the fill rate.
pub async fn record_shipment(
    conn: &mut AsyncPgConnection,
    origin: &Origin,
    shipment: catalog::ShipmentDispatched,
    occurred_at: DateTime<Utc>,
) -> Result<(), HandlerError> {
    if shipment.lines.iter().any(|l| l.qty < 0) {
        return Err(HandlerError::Reject(
            "a shipped line with negative units".into(),
        ));
    }
    let mut per_line: BTreeMap<i32, i64> = BTreeMap::new();
    for l in &shipment.lines {
        *per_line.entry(l.line_no).or_default() += i64::from(l.qty);
    }
    let lines: Vec<db::read_models::OrderShipmentLine> = per_line
        .into_iter()
        .map(|(line_no, qty)| db::read_models::OrderShipmentLine {
            shipment_id: shipment.shipment_id,
            line_no,
            qty,
        })
        .collect();
    let qty: i64 = shipment.lines.iter().map(|l| i64::from(l.qty)).sum();
    let kept = db::read_models::insert_order_shipment(
        conn,
        &db::read_models::OrderShipment {
            shipment_id: shipment.shipment_id,
            order_id: shipment.order_id,
            dispatched_at: occurred_at,
            qty,
        },
        &lines,
    )
    .await?;
    if !kept {
        return Ok(());
    }
    let shipped = json!({
        "shipment_id": shipment.shipment_id,
        "dispatched_at": occurred_at,
        "qty": qty,
        // Units per line number: `{"1": 4, "2": 1}`.
        "lines": lines.iter().map(|l| (l.line_no, l.qty)).collect::<BTreeMap<_, _>>(),
    });
    let dealer = db::read_models::dealer_of_order(conn, shipment.order_id).await?;
    let entry = order_entry("scorecard_order.shipped", shipment.order_id, dealer).created(&shipped);
    origin.record(conn, &[entry]).await?;
    Ok(())
}

/// Keeps that the dealer cancelled the order, at `occurred_at`, for the fill rate
/// (its lines then request only what shipped of them). The placement may arrive later.
pub async fn record_cancellation(
    conn: &mut AsyncPgConnection,
    origin: &Origin,
    cancelled: orders::OrderCancelled,
    occurred_at: DateTime<Utc>,
) -> Result<(), HandlerError> {
    let id = cancelled.order_id;
    if !db::read_models::insert_cancelled_order(conn, id, occurred_at).await? {
        return Ok(());
    }
    let dealer = db::read_models::dealer_of_order(conn, id).await?;
    let entry = order_entry("scorecard_order.cancelled", id, dealer).change(
        "cancelled_at",
        None::<DateTime<Utc>>,
        occurred_at,
    );
    origin.record(conn, &[entry]).await?;
    Ok(())
}
