//! What the service consumes, and which use case of `app` applies it (`app` writes
//! every event it publishes, and its audit entries naming the consumed event, in the
//! transaction of its change):
//!
//! - `orders.order_placed` → reserve (or backorder) per line, `catalog.stock_reserved`;
//!   an order met by a tombstone is released at once (`catalog.stock_released`);
//! - `orders.order_cancelled` → release, `catalog.stock_released`, or a tombstone;
//! - `inspection.part_received` → `quarantine_in`; `inspection.part_disposed` →
//!   `quarantine_out`.
//!
//! The inbox skips exact redeliveries; on top of that placing a known order or
//! cancelling a cancelled one changes nothing, so a repeated event of another id
//! takes effect, and is audited, once too. Unknown warehouses or parts can never apply: rejected
//! (dead-lettered, replayable once master data is fixed).

use std::collections::BTreeSet;

use aftersales_messaging::contracts::event_types;
use aftersales_messaging::contracts::inspection::{PartDisposed, PartReceived};
use aftersales_messaging::contracts::orders::{OrderCancelled, OrderPlaced};
use aftersales_messaging::{Envelope, Handled, Handler, HandlerError, payload};
use diesel_async::AsyncPgConnection;

use crate::app::stock::{self, Quarantine};
use crate::app::{self, Cause, reservations};

#[derive(Debug, Clone, Copy, Default)]
pub struct EventHandler;

impl From<app::Error> for HandlerError {
    fn from(e: app::Error) -> Self {
        match e {
            app::Error::Db(d) => HandlerError::Db(d),
            app::Error::Invalid { .. } | app::Error::NotFound(_) | app::Error::Encode(_) => {
                HandlerError::Reject(e.to_string())
            }
            // May apply once an earlier event (e.g. the receipt of the part) arrives.
            app::Error::Stock(_)
            | app::Error::Conflict(_)
            | app::Error::Stale(_)
            | app::Error::Bug(_) => HandlerError::Retry(e.to_string()),
        }
    }
}

impl Handler for EventHandler {
    async fn handle(&self, conn: &mut AsyncPgConnection, event: &Envelope) -> Handled {
        let cause = Cause::Event(event);
        match event.event_type.as_str() {
            event_types::ORDER_PLACED => {
                let o: OrderPlaced = payload(event)?;
                reservations::place(conn, &o, cause).await?;
            }
            event_types::ORDER_CANCELLED => {
                let o: OrderCancelled = payload(event)?;
                reservations::cancel(conn, o.order_id, cause).await?;
            }
            event_types::PART_RECEIVED => {
                let p: PartReceived = payload(event)?;
                let (wh, pn, qty) = (p.warehouse.as_str(), p.part_number.as_str(), p.quantity);
                stock::quarantine(conn, wh, pn, qty, Quarantine::In, p.claim_id, cause).await?;
            }
            event_types::PART_DISPOSED => {
                let p: PartDisposed = payload(event)?;
                let (wh, pn, qty) = (p.warehouse.as_str(), p.part_number.as_str(), p.quantity);
                let way = Quarantine::Out(p.disposition);
                stock::quarantine(conn, wh, pn, qty, way, p.claim_id, cause).await?;
            }
            other => return Err(HandlerError::not_consumed("catalog", other)),
        }
        Ok(())
    }

    /// Placements and cancellations lock their order's key, placements the levels of
    /// the parts ordered: taken here for the whole batch, in order. (A superseded
    /// part's successor is locked by its placement; an event that cannot be read
    /// locks nothing and is rejected by `handle`.)
    async fn lock_batch(&self, conn: &mut AsyncPgConnection, events: &[&Envelope]) -> Handled {
        let mut orders = BTreeSet::new();
        let mut levels = BTreeSet::new();
        for event in events {
            match event.event_type.as_str() {
                event_types::ORDER_PLACED => {
                    if let Ok(o) = payload::<OrderPlaced>(event) {
                        orders.insert(o.order_id);
                        for l in &o.lines {
                            levels.insert((o.warehouse.to_string(), l.part_number.to_string()));
                        }
                    }
                }
                event_types::ORDER_CANCELLED => {
                    if let Ok(o) = payload::<OrderCancelled>(event) {
                        orders.insert(o.order_id);
                    }
                }
                _ => {}
            }
        }
        reservations::lock_batch(conn, &orders, &levels).await?;
        Ok(())
    }
}
