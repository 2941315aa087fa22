//! The `transfers` table.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::Result;
use super::schema::transfers;
use crate::domain::transfer::TransferStatus;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = transfers)]
pub struct Transfer {
    pub id: Uuid,
    pub from_warehouse: String,
    pub to_warehouse: String,
    pub part_number: String,
    pub qty: i32,
    pub status: TransferStatus,
    pub requested_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// When the units are expected at the destination, if the sender said.
    pub expected_date: Option<NaiveDate>,
}

/// A transfer as requested.
#[derive(Debug, Clone, Copy)]
pub struct NewTransfer<'a> {
    pub from: &'a str,
    pub to: &'a str,
    pub part_number: &'a str,
    pub qty: i32,
    pub requested_by: &'a str,
    pub expected_date: Option<NaiveDate>,
}

pub async fn insert(c: &mut AsyncPgConnection, t: NewTransfer<'_>) -> Result<Transfer> {
    Ok(diesel::insert_into(transfers::table)
        .values((
            transfers::id.eq(Uuid::now_v7()),
            transfers::from_warehouse.eq(t.from),
            transfers::to_warehouse.eq(t.to),
            transfers::part_number.eq(t.part_number),
            transfers::qty.eq(t.qty),
            transfers::status.eq(TransferStatus::Requested),
            transfers::requested_by.eq(t.requested_by),
            transfers::expected_date.eq(t.expected_date),
        ))
        .returning(Transfer::as_returning())
        .get_result(c)
        .await?)
}

aftersales_web::find_and_lock!(transfers::table, Transfer, Uuid);

pub async fn list(
    c: &mut AsyncPgConnection,
    status: Option<TransferStatus>,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Vec<Transfer>> {
    let mut q = transfers::table
        .select(Transfer::as_select())
        .order(transfers::id)
        .into_boxed();
    if let Some(s) = status {
        q = q.filter(transfers::status.eq(s));
    }
    if let Some(a) = after {
        q = q.filter(transfers::id.gt(a));
    }
    Ok(q.limit(limit + 1).load(c).await?)
}

pub async fn set_status(
    c: &mut AsyncPgConnection,
    id: Uuid,
    status: TransferStatus,
) -> Result<Transfer> {
    Ok(diesel::update(transfers::table.find(id))
        .set((
            transfers::status.eq(status),
            transfers::updated_at.eq(diesel::dsl::now),
        ))
        .returning(Transfer::as_returning())
        .get_result(c)
        .await?)
}

/// The units of transfers in transit to `wh` of `pn` that have an expected date.
pub async fn inbound(
    c: &mut AsyncPgConnection,
    wh: &str,
    pn: &str,
) -> Result<Vec<crate::domain::eta::Supply>> {
    let rows: Vec<(Option<NaiveDate>, i32)> = transfers::table
        .filter(transfers::to_warehouse.eq(wh))
        .filter(transfers::part_number.eq(pn))
        .filter(transfers::status.eq(TransferStatus::InTransit))
        .filter(transfers::expected_date.is_not_null())
        .select((transfers::expected_date, transfers::qty))
        .load(c)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(date, qty)| Some(crate::domain::eta::Supply { date: date?, qty }))
        .collect())
}
