//! Purchase orders to suppliers: drafted with lines (part, quantity, agreed unit
//! price, expected date), sent, received line by line (each receipt a movement of
//! the ledger that serves waiting backorders), rescheduled, cancelled. What a sent
//! order still brings gives the backorders of its warehouse their expected dates
//! (`reservations::expect_backorders`), so every change of it moves them.

use std::collections::{BTreeMap, BTreeSet};

use aftersales_web::audit;
use chrono::NaiveDate;
use diesel_async::AsyncPgConnection;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use uuid::Uuid;

use super::stock::{Entry, Named, active_warehouse};
use super::{Cause, Error, Result, Trail, reservations};
use crate::db::purchase_orders::{self as q, Line, NewPurchaseOrder, NewReceipt, PurchaseOrder};
use crate::db::stock as levels;
use crate::db::{parts, suppliers};
use crate::domain::purchase_order::PurchaseOrderAction;
use crate::domain::stock::MovementKind;

/// A purchase order with its lines.
#[derive(Debug, Clone)]
pub struct Full {
    pub order: PurchaseOrder,
    pub lines: Vec<Line>,
}

/// One line as a warehouse user drafts it.
#[derive(Debug, Clone)]
pub struct DraftLine {
    pub part_number: String,
    pub qty: i32,
    pub unit_price: Decimal,
    pub expected_date: NaiveDate,
}

/// A purchase order as a warehouse user drafts it.
#[derive(Debug, Clone)]
pub struct Draft<'a> {
    pub supplier: &'a str,
    pub warehouse: &'a str,
    pub currency: &'a str,
    pub lines: Vec<DraftLine>,
}

/// The most lines one purchase order holds.
pub const MAX_LINES: usize = 200;

/// The entity type of a purchase order in the audit trail; its id is the order's.
const PURCHASE_ORDER: &str = "purchase_order";

/// Drafts a purchase order: the supplier and warehouse active, every part active,
/// supplied by that supplier, not superseded, and on one line only; no date before
/// `today`.
pub async fn draft(
    c: &mut AsyncPgConnection,
    d: Draft<'_>,
    actor: &str,
    today: NaiveDate,
    cause: Cause<'_>,
) -> Result<Full> {
    let full = insert_draft(c, d, actor, today).await?;
    cause.audit(c, &[drafted(&full)]).await?;
    Ok(full)
}

/// The audit entry of a purchase order drafted.
pub(super) fn drafted(full: &Full) -> audit::Entry {
    let o = &full.order;
    let lines: Vec<Value> = full
        .lines
        .iter()
        .map(|l| {
            json!({
                "line_no": l.line_no,
                "part_number": l.part_number,
                "qty": l.qty,
                "unit_price": l.unit_price,
                "expected_date": l.expected_date,
            })
        })
        .collect();
    audit::Entry::new("purchase_order.drafted", PURCHASE_ORDER, o.id).created(&json!({
        "number": o.number,
        "supplier_code": o.supplier_code,
        "warehouse": o.warehouse_code,
        "currency": o.currency,
        "status": o.status,
        "lines": lines,
    }))
}

/// [`draft`] without its audit entry, for a caller drafting several at once.
pub(super) async fn insert_draft(
    c: &mut AsyncPgConnection,
    d: Draft<'_>,
    actor: &str,
    today: NaiveDate,
) -> Result<Full> {
    if d.lines.is_empty() || d.lines.len() > MAX_LINES {
        return Err(Error::invalid(
            "lines",
            format!("a purchase order needs 1 to {MAX_LINES} lines"),
        ));
    }
    match suppliers::find(c, d.supplier).await? {
        None => {
            return Err(Error::invalid(
                "supplier",
                format!("supplier {} does not exist", d.supplier),
            ));
        }
        Some(s) if !s.active => {
            return Err(Error::invalid(
                "supplier",
                format!("supplier {} is inactive", d.supplier),
            ));
        }
        Some(_) => {}
    }
    active_warehouse(c, d.warehouse, Named::InBody).await?;
    let id = Uuid::now_v7();
    let mut seen = BTreeSet::new();
    let mut rows = Vec::with_capacity(d.lines.len());
    for (i, l) in d.lines.iter().enumerate() {
        let field = |name: &str| format!("lines[{i}].{name}");
        let refuse = |m: String| Error::invalid(field("part_number"), m);
        let pn = &l.part_number;
        let Some(part) = parts::find(c, pn).await? else {
            return Err(refuse(format!("part {pn} does not exist")));
        };
        if !part.active {
            return Err(refuse(format!("part {pn} is inactive")));
        }
        if let Some(successor) = &part.superseded_by {
            return Err(refuse(format!(
                "part {pn} is superseded by {successor}: order {successor} instead"
            )));
        }
        if part.supplier_code != d.supplier {
            return Err(refuse(format!(
                "part {pn} is supplied by {}, not {}",
                part.supplier_code, d.supplier
            )));
        }
        if !seen.insert(pn.clone()) {
            return Err(refuse(format!(
                "part {pn} is on an earlier line already: one line per part"
            )));
        }
        if l.expected_date < today {
            return Err(Error::invalid(
                field("expected_date"),
                format!("{} is in the past (today is {today})", l.expected_date),
            ));
        }
        rows.push(Line {
            purchase_order_id: id,
            line_no: i32::try_from(i + 1).unwrap_or(i32::MAX),
            part_number: pn.clone(),
            qty: l.qty,
            received: 0,
            unit_price: l.unit_price,
            expected_date: l.expected_date,
        });
    }
    let number = q::next_number(c).await?;
    let po = NewPurchaseOrder {
        number: &number,
        supplier: d.supplier,
        warehouse: d.warehouse,
        currency: d.currency,
        created_by: actor,
    };
    let order = q::insert(c, id, po, &rows).await?;
    // Read back: the answer shows prices as stored (to four places), like every read.
    let lines = q::lines(c, id).await?;
    Ok(Full { order, lines })
}

/// The purchase order and its lines, if it exists.
pub async fn find(c: &mut AsyncPgConnection, id: Uuid) -> Result<Option<Full>> {
    let Some(order) = q::find(c, id).await? else {
        return Ok(None);
    };
    let lines = q::lines(c, id).await?;
    Ok(Some(Full { order, lines }))
}

/// The purchase order, locked, with its lines; 404 when there is none.
async fn lock(c: &mut AsyncPgConnection, id: Uuid) -> Result<Full> {
    let order = q::lock(c, id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("purchase order {id} not found")))?;
    let lines = q::lines(c, id).await?;
    Ok(Full { order, lines })
}

/// Sends a draft to its supplier (from now on what it brings is on order:
/// [`PurchaseOrderAction::Send`]) or cancels what it has not brought yet
/// ([`PurchaseOrderAction::Cancel`]); the backorders of its parts learn their new dates.
/// A draft is sent only with every date `today` or later: a date that has passed would
/// promise the waiting backorders a day already gone.
pub async fn act(
    c: &mut AsyncPgConnection,
    id: Uuid,
    action: PurchaseOrderAction,
    today: NaiveDate,
    cause: Cause<'_>,
) -> Result<Full> {
    let po = lock(c, id).await?;
    let next = po
        .order
        .status
        .transition(action)
        .map_err(Error::Conflict)?;
    if action == PurchaseOrderAction::Send
        && let Some(late) = po.lines.iter().find(|l| l.expected_date < today)
    {
        return Err(Error::Conflict(format!(
            "line {} of {} ({}) is expected on {}, which has passed: reschedule it, then send",
            late.line_no, po.order.number, late.part_number, late.expected_date
        )));
    }
    let order = q::set_status(c, id, next).await?;
    let done = match action {
        PurchaseOrderAction::Send => "purchase_order.sent",
        PurchaseOrderAction::Cancel => "purchase_order.cancelled",
        // `receive` and `reschedule` are use cases of their own, never asked of `act`.
        PurchaseOrderAction::Receive { .. } => "purchase_order.received",
        PurchaseOrderAction::Reschedule => "purchase_order.rescheduled",
    };
    let entry =
        audit::Entry::new(done, PURCHASE_ORDER, id).change("status", po.order.status, order.status);
    let mut trail = vec![entry];
    expect(c, &order, &po.lines, cause, &mut trail).await?;
    cause.audit(c, &trail).await?;
    Ok(Full {
        order,
        lines: po.lines,
    })
}

/// Moves a line's expected date (the supplier confirmed another day).
pub async fn reschedule(
    c: &mut AsyncPgConnection,
    id: Uuid,
    line_no: i32,
    date: NaiveDate,
    today: NaiveDate,
    cause: Cause<'_>,
) -> Result<Full> {
    let mut po = lock(c, id).await?;
    po.order
        .status
        .transition(PurchaseOrderAction::Reschedule)
        .map_err(Error::Conflict)?;
    let Some(line) = po.lines.iter_mut().find(|l| l.line_no == line_no) else {
        return Err(Error::NotFound(format!(
            "purchase order {} has no line {line_no}",
            po.order.number
        )));
    };
    if line.quantities().is_complete() {
        return Err(Error::Conflict(format!(
            "line {line_no} of {} is received in full: nothing is still expected",
            po.order.number
        )));
    }
    if date < today {
        return Err(Error::invalid(
            "expected_date",
            format!("{date} is in the past (today is {today})"),
        ));
    }
    let entry = audit::Entry::new("purchase_order.rescheduled", PURCHASE_ORDER, id).change(
        &format!("line {line_no}.expected_date"),
        line.expected_date,
        date,
    );
    line.expected_date = date;
    q::set_expected_date(c, id, line_no, date).await?;
    // The same status, one version more: the order changed.
    let order = q::set_status(c, id, po.order.status).await?;
    let changed = [line.clone()];
    let mut trail = vec![entry];
    expect(c, &order, &changed, cause, &mut trail).await?;
    cause.audit(c, &trail).await?;
    Ok(Full {
        order,
        lines: po.lines,
    })
}

/// One line of a delivery.
#[derive(Debug, Clone)]
pub struct Received {
    pub line_no: i32,
    pub qty: i32,
    /// Why more than is open was accepted; none refuses an over-receipt.
    pub over_receipt_reason: Option<String>,
}

/// A delivery against the purchase order: each line's units enter the warehouse's
/// stock (a receipt movement referencing the order) and serve waiting backorders;
/// the order becomes partially received or received.
pub async fn receive(
    c: &mut AsyncPgConnection,
    id: Uuid,
    delivery: &[Received],
    delivery_note: Option<&str>,
    actor: &str,
    cause: Cause<'_>,
) -> Result<Full> {
    if delivery.is_empty() {
        return Err(Error::invalid("lines", "a receipt needs at least one line"));
    }
    let mut po = lock(c, id).await?;
    // Refused before anything moves: a draft or a closed order takes no receipt.
    po.order
        .status
        .transition(PurchaseOrderAction::Receive { complete: false })
        .map_err(Error::Conflict)?;
    let mut by_line: BTreeMap<i32, (usize, &Received)> = BTreeMap::new();
    for (i, r) in delivery.iter().enumerate() {
        if by_line.insert(r.line_no, (i, r)).is_some() {
            return Err(Error::invalid(
                format!("lines[{i}].line_no"),
                format!("line {} is named twice in this receipt", r.line_no),
            ));
        }
    }
    let mut receipts = Vec::with_capacity(delivery.len());
    let mut arriving = Vec::with_capacity(delivery.len());
    let mut entry = audit::Entry::new("purchase_order.received", PURCHASE_ORDER, id);
    let mut over = Vec::new();
    for (line_no, (i, r)) in &by_line {
        let Some(line) = po.lines.iter_mut().find(|l| l.line_no == *line_no) else {
            return Err(Error::invalid(
                format!("lines[{i}].line_no"),
                format!("purchase order {} has no line {line_no}", po.order.number),
            ));
        };
        let before = line.quantities();
        let after = before
            .receive(r.qty, r.over_receipt_reason.is_some())
            .map_err(|e| Error::invalid(format!("lines[{i}].qty"), e.to_string()))?;
        entry = entry.change(
            &format!("line {line_no}.received"),
            before.received,
            after.received,
        );
        if let Some(reason) = &r.over_receipt_reason
            && r.qty > before.open()
        {
            over.push(format!("line {line_no}: {reason}"));
        }
        line.received = after.received;
        q::set_received(c, line).await?;
        receipts.push(NewReceipt {
            id: Uuid::now_v7(),
            purchase_order_id: id,
            line_no: *line_no,
            qty: r.qty,
            over_receipt: (r.qty - before.open()).max(0),
            over_receipt_reason: r.over_receipt_reason.as_deref(),
            delivery_note,
            actor,
        });
        arriving.push((line.part_number.clone(), r.qty, *line_no));
    }
    q::insert_receipts(c, &receipts).await?;
    let complete = po.lines.iter().all(|l| l.quantities().is_complete());
    let next = po
        .order
        .status
        .transition(PurchaseOrderAction::Receive { complete })
        .map_err(Error::Conflict)?;
    let order = q::set_status(c, id, next).await?;
    // The reason of an over-receipt is the receipt's: why more came than was ordered.
    let entry = entry
        .change("status", po.order.status, order.status)
        .because(over.join("; "));
    let mut trail = vec![entry];
    // Every level before any order that its units serve (the global lock order): a
    // level locked later, after the orders of another, could wait on a placement that
    // waits on those orders.
    let parts: BTreeSet<String> = arriving.iter().map(|(pn, ..)| pn.clone()).collect();
    levels::lock_many(c, &order.warehouse_code, parts).await?;
    arriving.sort();
    for (pn, qty, line_no) in arriving {
        let reference = match delivery_note {
            Some(note) => format!("{}/{line_no} {note}", order.number),
            None => format!("{}/{line_no}", order.number),
        };
        let entry = Entry {
            kind: MovementKind::Receipt,
            reason: None,
            reference: &reference,
            actor,
        };
        let wh = &order.warehouse_code;
        reservations::receive(c, wh, &pn, qty, entry, cause, &mut trail).await?;
    }
    cause.audit(c, &trail).await?;
    Ok(Full {
        order,
        lines: po.lines,
    })
}

/// After a change of what `lines` bring: the backorders of their parts learn when
/// they are now expected.
async fn expect(
    c: &mut AsyncPgConnection,
    order: &PurchaseOrder,
    lines: &[Line],
    cause: Cause<'_>,
    trail: &mut Trail,
) -> Result<()> {
    let wh = &order.warehouse_code;
    let parts: BTreeSet<String> = lines.iter().map(|l| l.part_number.clone()).collect();
    levels::lock_many(c, wh, parts.clone()).await?;
    reservations::expect_backorders(c, wh, &parts, cause, trail).await
}
