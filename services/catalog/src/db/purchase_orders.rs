//! `purchase_orders`, their lines and the receipts posted against them; the open
//! rest of sent orders is the stock on order.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use rust_decimal::Decimal;
use uuid::Uuid;

use super::Result;
use super::schema::{purchase_order_lines, purchase_order_receipts, purchase_orders};
use crate::domain::eta::Supply;
use crate::domain::purchase_order::{LineQty, PurchaseOrderStatus};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = purchase_orders)]
pub struct PurchaseOrder {
    pub id: Uuid,
    pub number: String,
    pub supplier_code: String,
    pub warehouse_code: String,
    pub currency: String,
    pub status: PurchaseOrderStatus,
    pub created_by: String,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = purchase_order_lines)]
pub struct Line {
    pub purchase_order_id: Uuid,
    pub line_no: i32,
    pub part_number: String,
    pub qty: i32,
    pub received: i32,
    pub unit_price: Decimal,
    pub expected_date: NaiveDate,
}

impl Line {
    pub fn quantities(&self) -> LineQty {
        LineQty {
            ordered: self.qty,
            received: self.received,
        }
    }
}

/// A purchase order as drafted.
#[derive(Debug, Clone, Copy)]
pub struct NewPurchaseOrder<'a> {
    pub number: &'a str,
    pub supplier: &'a str,
    pub warehouse: &'a str,
    pub currency: &'a str,
    pub created_by: &'a str,
}

/// One receipt against a line.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = purchase_order_receipts)]
pub struct NewReceipt<'a> {
    pub id: Uuid,
    pub purchase_order_id: Uuid,
    pub line_no: i32,
    pub qty: i32,
    pub over_receipt: i32,
    pub over_receipt_reason: Option<&'a str>,
    pub delivery_note: Option<&'a str>,
    pub actor: &'a str,
}

#[derive(diesel::QueryableByName)]
struct NextVal {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// The next purchase-order number: `PO-000045` (unique, not gap-free).
pub async fn next_number(c: &mut AsyncPgConnection) -> Result<String> {
    let next: NextVal = diesel::sql_query("SELECT nextval('purchase_order_number_seq') AS n")
        .get_result(c)
        .await?;
    Ok(format!("PO-{:06}", next.n))
}

pub async fn insert(
    c: &mut AsyncPgConnection,
    id: Uuid,
    po: NewPurchaseOrder<'_>,
    lines: &[Line],
) -> Result<PurchaseOrder> {
    let row = diesel::insert_into(purchase_orders::table)
        .values((
            purchase_orders::id.eq(id),
            purchase_orders::number.eq(po.number),
            purchase_orders::supplier_code.eq(po.supplier),
            purchase_orders::warehouse_code.eq(po.warehouse),
            purchase_orders::currency.eq(po.currency),
            purchase_orders::status.eq(PurchaseOrderStatus::Draft),
            purchase_orders::created_by.eq(po.created_by),
        ))
        .returning(PurchaseOrder::as_returning())
        .get_result(c)
        .await?;
    diesel::insert_into(purchase_order_lines::table)
        .values(lines)
        .execute(c)
        .await?;
    Ok(row)
}

aftersales_web::find_and_lock!(purchase_orders::table, PurchaseOrder, Uuid);

pub async fn lines(c: &mut AsyncPgConnection, id: Uuid) -> Result<Vec<Line>> {
    Ok(purchase_order_lines::table
        .filter(purchase_order_lines::purchase_order_id.eq(id))
        .order(purchase_order_lines::line_no)
        .select(Line::as_select())
        .load(c)
        .await?)
}

/// The lines of several purchase orders (a page of the list), in order.
pub async fn lines_of(c: &mut AsyncPgConnection, ids: &[Uuid]) -> Result<Vec<Line>> {
    Ok(purchase_order_lines::table
        .filter(purchase_order_lines::purchase_order_id.eq_any(ids))
        .order((
            purchase_order_lines::purchase_order_id,
            purchase_order_lines::line_no,
        ))
        .select(Line::as_select())
        .load(c)
        .await?)
}

/// What a list of purchase orders is filtered by.
#[derive(Debug, Clone, Copy, Default)]
pub struct Filter<'a> {
    pub supplier: Option<&'a str>,
    pub warehouse: Option<&'a str>,
    pub status: Option<PurchaseOrderStatus>,
    pub part_number: Option<&'a str>,
}

/// Newest first (ids are time-ordered), after the cursor `before`.
pub async fn list(
    c: &mut AsyncPgConnection,
    f: Filter<'_>,
    before: Option<Uuid>,
    limit: i64,
) -> Result<Vec<PurchaseOrder>> {
    let mut q = purchase_orders::table
        .select(PurchaseOrder::as_select())
        .order(purchase_orders::id.desc())
        .into_boxed();
    if let Some(s) = f.supplier {
        q = q.filter(purchase_orders::supplier_code.eq(s.to_owned()));
    }
    if let Some(w) = f.warehouse {
        q = q.filter(purchase_orders::warehouse_code.eq(w.to_owned()));
    }
    if let Some(s) = f.status {
        q = q.filter(purchase_orders::status.eq(s));
    }
    if let Some(pn) = f.part_number {
        q = q.filter(
            purchase_orders::id.eq_any(
                purchase_order_lines::table
                    .filter(purchase_order_lines::part_number.eq(pn.to_owned()))
                    .select(purchase_order_lines::purchase_order_id),
            ),
        );
    }
    if let Some(b) = before {
        q = q.filter(purchase_orders::id.lt(b));
    }
    Ok(q.limit(limit + 1).load(c).await?)
}

/// Moves the order to `status` and counts the change.
pub async fn set_status(
    c: &mut AsyncPgConnection,
    id: Uuid,
    status: PurchaseOrderStatus,
) -> Result<PurchaseOrder> {
    Ok(diesel::update(purchase_orders::table.find(id))
        .set((
            purchase_orders::status.eq(status),
            purchase_orders::version.eq(purchase_orders::version + 1),
            purchase_orders::updated_at.eq(diesel::dsl::now),
        ))
        .returning(PurchaseOrder::as_returning())
        .get_result(c)
        .await?)
}

pub async fn set_received(c: &mut AsyncPgConnection, l: &Line) -> Result<()> {
    diesel::update(purchase_order_lines::table.find((l.purchase_order_id, l.line_no)))
        .set(purchase_order_lines::received.eq(l.received))
        .execute(c)
        .await?;
    Ok(())
}

pub async fn set_expected_date(
    c: &mut AsyncPgConnection,
    id: Uuid,
    line_no: i32,
    date: NaiveDate,
) -> Result<()> {
    diesel::update(purchase_order_lines::table.find((id, line_no)))
        .set(purchase_order_lines::expected_date.eq(date))
        .execute(c)
        .await?;
    Ok(())
}

pub async fn insert_receipts(c: &mut AsyncPgConnection, rows: &[NewReceipt<'_>]) -> Result<()> {
    diesel::insert_into(purchase_order_receipts::table)
        .values(rows)
        .execute(c)
        .await?;
    Ok(())
}

/// The open rest of every sent purchase-order line for `pn` into `wh`: the units on
/// their way, with the day each is expected.
pub async fn supply(c: &mut AsyncPgConnection, wh: &str, pn: &str) -> Result<Vec<Supply>> {
    let rows: Vec<(NaiveDate, i32, i32)> = purchase_order_lines::table
        .inner_join(purchase_orders::table)
        .filter(purchase_orders::warehouse_code.eq(wh))
        .filter(
            purchase_orders::status
                .eq(PurchaseOrderStatus::Sent)
                .or(purchase_orders::status.eq(PurchaseOrderStatus::PartiallyReceived)),
        )
        .filter(purchase_order_lines::part_number.eq(pn))
        .filter(purchase_order_lines::received.lt(purchase_order_lines::qty))
        .select((
            purchase_order_lines::expected_date,
            purchase_order_lines::qty,
            purchase_order_lines::received,
        ))
        .load(c)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(date, qty, received)| Supply {
            date,
            qty: qty - received,
        })
        .collect())
}

/// A line of a sent (or received) purchase order expected in a period, with the day
/// (UTC) of the receipt that completed it (none while it is not complete): a later
/// over-receipt does not make an on-time line late.
#[derive(Debug, Clone, diesel::QueryableByName)]
pub struct DueLine {
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub supplier_code: String,
    #[diesel(sql_type = diesel::sql_types::Date)]
    pub expected_date: NaiveDate,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Date>)]
    pub completed_on: Option<NaiveDate>,
}

/// The lines expected from `from` to `to` (inclusive) of orders not cancelled, by
/// supplier; `warehouse` narrows them to one.
pub async fn due_lines(
    c: &mut AsyncPgConnection,
    from: NaiveDate,
    to: NaiveDate,
    warehouse: Option<&str>,
) -> Result<Vec<DueLine>> {
    use diesel::sql_types::{Date, Nullable, Text};
    Ok(diesel::sql_query(
        "SELECT po.supplier_code, pl.expected_date, \
                (SELECT min(t.at) FROM \
                    (SELECT (r.created_at AT TIME ZONE 'UTC')::date AS at, \
                            sum(r.qty) OVER (ORDER BY r.id) AS running \
                     FROM purchase_order_receipts r \
                     WHERE r.purchase_order_id = pl.purchase_order_id AND r.line_no = pl.line_no) t \
                 WHERE t.running >= pl.qty) AS completed_on \
         FROM purchase_order_lines pl JOIN purchase_orders po ON po.id = pl.purchase_order_id \
         WHERE po.status IN ('sent', 'partially_received', 'received') \
           AND pl.expected_date BETWEEN $1 AND $2 \
           AND ($3::text IS NULL OR po.warehouse_code = $3) \
         ORDER BY po.supplier_code",
    )
    .bind::<Date, _>(from)
    .bind::<Date, _>(to)
    .bind::<Nullable<Text>, _>(warehouse)
    .load(c)
    .await?)
}

/// What is on order of one part for one warehouse, in one currency.
#[derive(Debug, Clone, diesel::QueryableByName)]
pub struct OnOrder {
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub warehouse_code: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub part_number: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub currency: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub units: i64,
    #[diesel(sql_type = diesel::sql_types::Numeric)]
    pub value: Decimal,
    #[diesel(sql_type = diesel::sql_types::Date)]
    pub next_expected: NaiveDate,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub purchase_orders: i64,
}

/// The open rest of sent purchase orders, by warehouse, part and currency.
pub async fn on_order(c: &mut AsyncPgConnection, warehouse: Option<&str>) -> Result<Vec<OnOrder>> {
    use diesel::sql_types::{Nullable, Text};
    Ok(diesel::sql_query(
        "SELECT po.warehouse_code, pl.part_number, po.currency, \
                SUM(pl.qty - pl.received)::BIGINT AS units, \
                SUM((pl.qty - pl.received) * pl.unit_price) AS value, \
                MIN(pl.expected_date) AS next_expected, \
                COUNT(DISTINCT po.id)::BIGINT AS purchase_orders \
         FROM purchase_order_lines pl JOIN purchase_orders po ON po.id = pl.purchase_order_id \
         WHERE po.status IN ('sent', 'partially_received') AND pl.received < pl.qty \
           AND ($1::text IS NULL OR po.warehouse_code = $1) \
         GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
    )
    .bind::<Nullable<Text>, _>(warehouse)
    .load(c)
    .await?)
}
