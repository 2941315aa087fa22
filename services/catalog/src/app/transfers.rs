//! Transfers between warehouses: requested → in transit (stock leaves the source)
//! → received (stock arrives and serves backorders); cancelled while requested.

use std::collections::BTreeSet;

use aftersales_web::audit;
use chrono::NaiveDate;
use diesel_async::AsyncPgConnection;
use serde_json::json;
use uuid::Uuid;

use super::stock::{self, Entry, Named};
use super::{Cause, Error, Result, reservations};
use crate::db::stock as levels;
use crate::db::transfers::{self as q, NewTransfer, Transfer};
use crate::domain::stock::MovementKind;
use crate::domain::transfer::TransferAction;

/// A transfer of `qty` units of a part from one warehouse to another, expected at the
/// destination on `expected_date` (today or later) when the sender says.
pub async fn request(
    c: &mut AsyncPgConnection,
    t: NewTransfer<'_>,
    today: NaiveDate,
    cause: Cause<'_>,
) -> Result<Transfer> {
    if let Some(date) = t.expected_date
        && date < today
    {
        return Err(Error::invalid(
            "expected_date",
            format!("{date} is in the past (today is {today})"),
        ));
    }
    if t.from == t.to {
        return Err(Error::invalid(
            "to_warehouse",
            "must differ from from_warehouse",
        ));
    }
    stock::check_refs(c, t.from, t.part_number, Named::InBody)
        .await
        .map_err(|e| rename(e, "from_warehouse"))?;
    stock::check_refs(c, t.to, t.part_number, Named::InBody)
        .await
        .map_err(|e| rename(e, "to_warehouse"))?;
    let t = q::insert(c, t).await?;
    let entry = audit::Entry::new("transfer.requested", TRANSFER, t.id).created(&json!({
        "from_warehouse": t.from_warehouse,
        "to_warehouse": t.to_warehouse,
        "part_number": t.part_number,
        "qty": t.qty,
        "status": t.status,
        "expected_date": t.expected_date,
    }));
    cause.audit(c, &[entry]).await?;
    Ok(t)
}

/// The entity type of a transfer in the audit trail; its id is the transfer's.
const TRANSFER: &str = "transfer";

/// A problem with "the warehouse" is one with the side of the transfer named.
fn rename(e: Error, field: &str) -> Error {
    match e {
        Error::Invalid { field: f, message } if f == "warehouse" => Error::Invalid {
            field: field.to_owned(),
            message,
        },
        other => other,
    }
}

/// Moves a transfer along; stock leaves on dispatch and arrives on receipt.
pub async fn act(
    c: &mut AsyncPgConnection,
    id: Uuid,
    action: TransferAction,
    actor: &str,
    cause: Cause<'_>,
) -> Result<Transfer> {
    let t = q::lock(c, id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("transfer {id} not found")))?;
    let next = t.status.transition(action).map_err(Error::Conflict)?;
    // The new status first: the backorders dated below count a transfer in transit,
    // and one received no more.
    let moved = q::set_status(c, id, next).await?;
    let done = match action {
        TransferAction::Dispatch => "transfer.dispatched",
        TransferAction::Receive => "transfer.received",
        TransferAction::Cancel => "transfer.cancelled",
    };
    let mut trail =
        vec![audit::Entry::new(done, TRANSFER, id).change("status", t.status, moved.status)];
    let reference = format!("transfer:{id}");
    match action {
        TransferAction::Dispatch => {
            // Both levels in the global lock order before the backorders' orders.
            let mut ends = [&t.from_warehouse, &t.to_warehouse];
            ends.sort();
            for wh in ends {
                levels::lock(c, wh, &t.part_number).await?;
            }
            let entry = Entry {
                kind: MovementKind::TransferOut,
                reason: None,
                reference: &reference,
                actor,
            };
            let take = |l: crate::domain::stock::Levels| l.take_available(t.qty);
            let from = &t.from_warehouse;
            stock::apply(c, from, &t.part_number, take, entry, cause, &mut trail).await?;
            if t.expected_date.is_some() {
                let part = BTreeSet::from([t.part_number.clone()]);
                let to = &t.to_warehouse;
                reservations::expect_backorders(c, to, &part, cause, &mut trail).await?;
            }
        }
        TransferAction::Receive => {
            let entry = Entry {
                kind: MovementKind::TransferIn,
                reason: None,
                reference: &reference,
                actor,
            };
            let (to, pn) = (&t.to_warehouse, &t.part_number);
            reservations::receive(c, to, pn, t.qty, entry, cause, &mut trail).await?;
        }
        TransferAction::Cancel => {}
    }
    cause.audit(c, &trail).await?;
    Ok(moved)
}
