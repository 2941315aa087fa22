//! What catalog tells the warehouse (docs/notifications.md): a part's stock in a
//! warehouse fell below its reorder point. Written with `aftersales_web::notify::emit`
//! beside `catalog.stock_low`, by [`super::stock::write`] and the reorder settings, in
//! the transaction of the change: once per crossing (the level's `low_alerted` flag),
//! so a replayed request or a duplicate event tells nobody twice. Stock belongs to no
//! dealer: no notice names one.

use aftersales_web::Role;
use aftersales_web::notify::{Notice, Topic};
use serde_json::json;

use super::stock::{LEVEL, level_id};
use crate::db::stock::Level;

pub const BELOW_REORDER_POINT: Topic = Topic {
    name: "stock.below_reorder_point",
    description: "the stock available of a part in a warehouse fell to or below its reorder \
                  point (once per crossing: again only after it rose above it)",
    roles: &[Role::Warehouse, Role::Admin],
};

/// The topics catalog offers.
pub const TOPICS: &[Topic] = &[BELOW_REORDER_POINT];

/// "Below reorder point" for `level`, which just crossed its reorder point downwards.
pub fn below_reorder_point(level: &Level) -> Notice {
    let (wh, pn) = (&level.warehouse_code, &level.part_number);
    let available = level.available();
    let reorder = match level.reorder_qty {
        q if q > 0 => format!("; reorder quantity {q}"),
        _ => String::new(),
    };
    Notice::new(
        &BELOW_REORDER_POINT,
        LEVEL,
        level_id(wh, pn),
        format!(
            "Part {pn} in {wh}: {available} available, at or below its reorder point of {}{reorder}",
            level.reorder_point
        ),
    )
    .with_data(json!({
        "warehouse": wh,
        "part_number": pn,
        "available": available,
        "on_hand": level.on_hand,
        "reserved": level.reserved,
        "quarantined": level.quarantined,
        "reorder_point": level.reorder_point,
        "reorder_qty": level.reorder_qty,
    }))
}
