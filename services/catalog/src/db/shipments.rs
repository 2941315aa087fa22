//! Shipments of reserved units (`shipments`, `shipment_lines`).

use aftersales_messaging::contracts::catalog::ShippedLine;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::Result;
use super::schema::{shipment_lines, shipments};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = shipments)]
pub struct Shipment {
    pub id: Uuid,
    pub order_id: Uuid,
    pub warehouse_code: String,
    pub carrier: String,
    pub tracking_ref: String,
    pub actor: String,
    pub created_at: DateTime<Utc>,
}

/// A shipment to record.
#[derive(Debug, Clone, Copy)]
pub struct NewShipment<'a> {
    pub id: Uuid,
    pub order_id: Uuid,
    pub warehouse_code: &'a str,
    pub carrier: &'a str,
    pub tracking_ref: &'a str,
    pub actor: &'a str,
}

/// Records the shipment and its lines.
pub async fn insert(
    c: &mut AsyncPgConnection,
    s: NewShipment<'_>,
    lines: &[ShippedLine],
) -> Result<Shipment> {
    let shipment: Shipment = diesel::insert_into(shipments::table)
        .values((
            shipments::id.eq(s.id),
            shipments::order_id.eq(s.order_id),
            shipments::warehouse_code.eq(s.warehouse_code),
            shipments::carrier.eq(s.carrier),
            shipments::tracking_ref.eq(s.tracking_ref),
            shipments::actor.eq(s.actor),
        ))
        .returning(Shipment::as_returning())
        .get_result(c)
        .await?;
    let rows: Vec<_> = lines
        .iter()
        .map(|l| {
            (
                shipment_lines::shipment_id.eq(s.id),
                shipment_lines::line_no.eq(l.line_no),
                shipment_lines::part_number.eq(&l.part_number),
                shipment_lines::qty.eq(l.qty),
            )
        })
        .collect();
    diesel::insert_into(shipment_lines::table)
        .values(rows)
        .execute(c)
        .await?;
    Ok(shipment)
}
