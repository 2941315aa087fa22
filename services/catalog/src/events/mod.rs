//! What the service publishes (see `db`, which writes every event in the
//! transaction of its change) and how it applies what it consumes:
//!
//! - `orders.order_placed` → reserve (or backorder) per line, `catalog.stock_reserved`;
//!   an order met by a tombstone is released at once (`catalog.stock_released`);
//! - `orders.order_cancelled` → release, `catalog.stock_released`, or a tombstone;
//! - `inspection.part_received` → `quarantine_in`; `inspection.part_disposed` →
//!   `quarantine_out`.
//!
//! The inbox skips exact redeliveries; on top of that placing a known order or
//! cancelling a cancelled one changes nothing, so a repeated event of another id
//! takes effect once too. Unknown warehouses or parts can never apply: rejected
//! (dead-lettered, replayable once master data is fixed).

use aftersales_messaging::contracts::event_types;
use aftersales_messaging::contracts::inspection::{PartDisposed, PartReceived};
use aftersales_messaging::contracts::orders::{OrderCancelled, OrderPlaced};
use aftersales_messaging::{Envelope, Handler, HandlerError, payload};
use diesel_async::AsyncPgConnection;

use crate::db::{self, Cause, orders, stock};
use crate::domain::stock::MovementKind;

#[derive(Debug, Clone, Copy, Default)]
pub struct EventHandler;

impl From<db::Error> for HandlerError {
    fn from(e: db::Error) -> Self {
        match e {
            db::Error::Db(d) => HandlerError::Db(d),
            db::Error::Invalid { .. } | db::Error::NotFound(_) | db::Error::Encode(_) => {
                HandlerError::Reject(e.to_string())
            }
            // May apply once an earlier event (e.g. the receipt of the part) arrives.
            db::Error::Stock(_)
            | db::Error::Conflict(_)
            | db::Error::Stale(_)
            | db::Error::Bug(_) => HandlerError::Retry(e.to_string()),
        }
    }
}

impl Handler for EventHandler {
    async fn handle(
        &self,
        conn: &mut AsyncPgConnection,
        event: &Envelope,
    ) -> Result<(), HandlerError> {
        let cause = Cause::Event(event);
        match event.event_type.as_str() {
            event_types::ORDER_PLACED => {
                let o: OrderPlaced = payload(event)?;
                orders::place_order(conn, &o, cause).await?;
            }
            event_types::ORDER_CANCELLED => {
                let o: OrderCancelled = payload(event)?;
                orders::cancel_order(conn, o.order_id, cause).await?;
            }
            event_types::PART_RECEIVED => {
                let p: PartReceived = payload(event)?;
                quarantine(
                    conn,
                    &p.warehouse,
                    &p.part_number,
                    p.quantity,
                    true,
                    &p.claim_id.to_string(),
                    cause,
                )
                .await?;
            }
            event_types::PART_DISPOSED => {
                let p: PartDisposed = payload(event)?;
                quarantine(
                    conn,
                    &p.warehouse,
                    &p.part_number,
                    p.quantity,
                    false,
                    &p.claim_id.to_string(),
                    cause,
                )
                .await?;
            }
            other => {
                return Err(HandlerError::Reject(format!(
                    "catalog does not consume {other}"
                )));
            }
        }
        Ok(())
    }
}

async fn quarantine(
    c: &mut AsyncPgConnection,
    wh: &str,
    pn: &str,
    qty: i32,
    inbound: bool,
    claim: &str,
    cause: Cause<'_>,
) -> Result<(), HandlerError> {
    if qty < 1 {
        return Err(HandlerError::Reject(format!(
            "quantity {qty} must be at least 1"
        )));
    }
    stock::check_refs(c, wh, pn, false).await?;
    let reference = format!("claim:{claim}");
    let entry = stock::Entry {
        kind: if inbound {
            MovementKind::QuarantineIn
        } else {
            MovementKind::QuarantineOut
        },
        reason: None,
        reference: &reference,
        actor: "inspection",
    };
    if inbound {
        stock::apply(c, wh, pn, |l| l.quarantine_in(qty), entry, cause).await?;
    } else {
        stock::apply(c, wh, pn, |l| l.quarantine_out(qty), entry, cause).await?;
    }
    Ok(())
}
