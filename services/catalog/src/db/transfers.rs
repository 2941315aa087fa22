//! Transfers between warehouses: requested → in transit (stock leaves the source)
//! → received (stock arrives and serves backorders); cancelled while requested.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::transfers;
use super::{Cause, Error, Result, orders, stock};
use crate::domain::stock::MovementKind;
use crate::domain::transfer::{TransferAction, TransferStatus};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = transfers)]
pub struct Transfer {
    pub id: Uuid,
    pub from_warehouse: String,
    pub to_warehouse: String,
    pub part_number: String,
    pub qty: i32,
    pub status: String,
    pub requested_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub async fn create(
    c: &mut AsyncPgConnection,
    from: &str,
    to: &str,
    pn: &str,
    qty: i32,
    actor: &str,
) -> Result<Transfer> {
    if from == to {
        return Err(Error::invalid(
            "to_warehouse",
            "must differ from from_warehouse",
        ));
    }
    stock::check_refs(c, from, pn, false)
        .await
        .map_err(|e| rename(e, "from_warehouse"))?;
    stock::check_refs(c, to, pn, false)
        .await
        .map_err(|e| rename(e, "to_warehouse"))?;
    Ok(diesel::insert_into(transfers::table)
        .values((
            transfers::id.eq(Uuid::now_v7()),
            transfers::from_warehouse.eq(from),
            transfers::to_warehouse.eq(to),
            transfers::part_number.eq(pn),
            transfers::qty.eq(qty),
            transfers::status.eq(TransferStatus::Requested.as_str()),
            transfers::requested_by.eq(actor),
        ))
        .returning(Transfer::as_returning())
        .get_result(c)
        .await?)
}

fn rename(e: Error, field: &str) -> Error {
    match e {
        Error::Invalid { field: f, message } if f == "warehouse" => Error::Invalid {
            field: field.to_owned(),
            message,
        },
        other => other,
    }
}

pub async fn get(c: &mut AsyncPgConnection, id: Uuid) -> Result<Option<Transfer>> {
    Ok(transfers::table
        .find(id)
        .select(Transfer::as_select())
        .first(c)
        .await
        .optional()?)
}

pub async fn list(
    c: &mut AsyncPgConnection,
    status: Option<&str>,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Vec<Transfer>> {
    let mut q = transfers::table
        .select(Transfer::as_select())
        .order(transfers::id)
        .into_boxed();
    if let Some(s) = status {
        q = q.filter(transfers::status.eq(s.to_owned()));
    }
    if let Some(a) = after {
        q = q.filter(transfers::id.gt(a));
    }
    Ok(q.limit(limit + 1).load(c).await?)
}

/// Moves a transfer along; stock leaves on dispatch and arrives on receipt.
pub async fn act(
    c: &mut AsyncPgConnection,
    id: Uuid,
    action: TransferAction,
    actor: &str,
    cause: Cause<'_>,
) -> Result<Transfer> {
    let t: Transfer = transfers::table
        .find(id)
        .select(Transfer::as_select())
        .for_update()
        .first(c)
        .await
        .optional()?
        .ok_or_else(|| Error::NotFound(format!("transfer {id} not found")))?;
    let status = TransferStatus::parse(&t.status)
        .ok_or_else(|| Error::Bug(format!("transfer status {}", t.status)))?;
    let next = status.transition(action).map_err(Error::Conflict)?;
    let reference = format!("transfer:{id}");
    match action {
        TransferAction::Dispatch => {
            stock::apply(
                c,
                &t.from_warehouse,
                &t.part_number,
                |l| l.take_available(t.qty),
                stock::Entry {
                    kind: MovementKind::TransferOut,
                    reason: None,
                    reference: &reference,
                    actor,
                },
                cause,
            )
            .await?;
        }
        TransferAction::Receive => {
            let entry = stock::Entry {
                kind: MovementKind::TransferIn,
                reason: None,
                reference: &reference,
                actor,
            };
            orders::receive(c, &t.to_warehouse, &t.part_number, t.qty, entry, cause).await?;
        }
        TransferAction::Cancel => {}
    }
    Ok(diesel::update(transfers::table.find(id))
        .set((
            transfers::status.eq(next.as_str()),
            transfers::updated_at.eq(diesel::dsl::now),
        ))
        .returning(Transfer::as_returning())
        .get_result(c)
        .await?)
}
