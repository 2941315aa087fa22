//! What the service publishes and how it applies what it consumes.
//!
//! Consumed (inside the inbox transaction, so each applies exactly once):
//! - `catalog.part_upserted` → the `parts` read model (price, currency, supplier,
//!   category, core, returnable, warranty months, active);
//! - `orders.dealer_upserted` → the `dealers` read model (labor rate, currency, active).
//!
//! Both are upserts that keep the `occurred_at` of the event that wrote the row; an
//! older event arriving late changes nothing, so reordering is harmless.
//!
//! Published (through the outbox, in the transaction of the change):
//! `inspection.claim_submitted`, `inspection.part_received`,
//! `inspection.claim_adjudicated`, `inspection.part_disposed`.

pub mod deadline;

use aftersales_messaging::contracts::{catalog, event_types, orders};
use aftersales_messaging::{Envelope, Handler, HandlerError, payload};
use diesel_async::AsyncPgConnection;
use rust_decimal::Decimal;

use crate::db;
use crate::domain::pricing::round_price;
use crate::domain::{Currency, DealerCode, PartNumber};

pub use deadline::run_deadline_job;

/// Applies the events this service consumes.
#[derive(Debug, Clone, Copy, Default)]
pub struct EventHandler;

impl Handler for EventHandler {
    async fn handle(
        &self,
        conn: &mut AsyncPgConnection,
        event: &Envelope,
    ) -> Result<(), HandlerError> {
        match event.event_type.as_str() {
            event_types::PART_UPSERTED => {
                let part: catalog::PartUpserted = payload(event)?;
                apply_part(conn, event, part).await
            }
            event_types::DEALER_UPSERTED => {
                let dealer: orders::DealerUpserted = payload(event)?;
                apply_dealer(conn, event, dealer).await
            }
            other => Err(HandlerError::Reject(format!(
                "inspection does not consume {other}"
            ))),
        }
    }
}

fn reject(e: crate::domain::InvalidValue) -> HandlerError {
    HandlerError::Reject(e.into_message())
}

async fn apply_part(
    conn: &mut AsyncPgConnection,
    event: &Envelope,
    part: catalog::PartUpserted,
) -> Result<(), HandlerError> {
    PartNumber::parse(&part.part_number).map_err(reject)?;
    Currency::parse(&part.currency).map_err(reject)?;
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
            updated_at: event.occurred_at,
        },
    )
    .await?;
    Ok(())
}

async fn apply_dealer(
    conn: &mut AsyncPgConnection,
    event: &Envelope,
    dealer: orders::DealerUpserted,
) -> Result<(), HandlerError> {
    DealerCode::parse(&dealer.dealer_code).map_err(reject)?;
    Currency::parse(&dealer.currency).map_err(reject)?;
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
            updated_at: event.occurred_at,
        },
    )
    .await?;
    Ok(())
}
