//! Other services' facts as inspection keeps them: catalog's parts and orders'
//! dealers, each upsert keeping the `occurred_at` of the event that wrote it (an
//! older event arriving late changes nothing, so reordering is harmless); and, for the
//! dealer scorecard's fill rate, orders' placements and cancellations and catalog's
//! shipments, each written once, in whatever order they arrive.

use std::collections::{BTreeMap, BTreeSet};

use aftersales_messaging::HandlerError;
use aftersales_messaging::contracts::{catalog, orders};
use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use rust_decimal::Decimal;

use crate::db;
use crate::domain::pricing::round_price;

/// Keeps `part` as of `occurred_at`; a part that cannot be priced is rejected.
pub async fn record_part(
    conn: &mut AsyncPgConnection,
    part: catalog::PartUpserted,
    occurred_at: DateTime<Utc>,
) -> Result<(), HandlerError> {
    if part.list_price < Decimal::ZERO {
        return Err(HandlerError::Reject("negative list price".into()));
    }
    db::read_models::upsert_part(
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
    Ok(())
}

/// Keeps `dealer` as of `occurred_at`; a dealer whose labor cannot be priced is rejected.
pub async fn record_dealer(
    conn: &mut AsyncPgConnection,
    dealer: orders::DealerUpserted,
    occurred_at: DateTime<Utc>,
) -> Result<(), HandlerError> {
    if dealer.labor_rate < Decimal::ZERO {
        return Err(HandlerError::Reject("negative labor rate".into()));
    }
    db::read_models::upsert_dealer(
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
    Ok(())
}

/// Keeps the placement of `order`, line by line, for the fill rate.
pub async fn record_order(
    conn: &mut AsyncPgConnection,
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
    db::read_models::insert_placed_order(
        conn,
        &db::read_models::PlacedOrder {
            order_id: order.order_id,
            dealer_code: order.dealer_code.to_string(),
            placed_at: order.placed_at,
            ordered,
        },
        &lines,
    )
    .await?;
    Ok(())
}

/// Keeps `shipment`, dispatched at `occurred_at`, and its units per order line (a
/// line shipped as several part numbers is one line), for the fill rate.
pub async fn record_shipment(
    conn: &mut AsyncPgConnection,
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
    db::read_models::insert_order_shipment(
        conn,
        &db::read_models::OrderShipment {
            shipment_id: shipment.shipment_id,
            order_id: shipment.order_id,
            dispatched_at: occurred_at,
            qty: shipment.lines.iter().map(|l| i64::from(l.qty)).sum(),
        },
        &lines,
    )
    .await?;
    Ok(())
}

/// Keeps that the dealer cancelled the order, at `occurred_at`, for the fill rate
/// (its lines then request only what shipped of them). The placement may arrive later.
pub async fn record_cancellation(
    conn: &mut AsyncPgConnection,
    cancelled: orders::OrderCancelled,
    occurred_at: DateTime<Utc>,
) -> Result<(), HandlerError> {
    db::read_models::insert_cancelled_order(conn, cancelled.order_id, occurred_at).await?;
    Ok(())
}
