//! Catalog's parts as recovery keeps them: each upsert keeps the `occurred_at` of the
//! event that wrote it, so a late, older event changes nothing. A copy that changed is
//! recorded (`part.copied`) with the event as its actor.

use aftersales_messaging::HandlerError;
use aftersales_messaging::contracts::catalog::PartUpserted;
use aftersales_web::audit::Origin;
use chrono::{DateTime, Utc};

use super::{Conn, trail};
use crate::db;

/// Keeps `part` as of `occurred_at`.
pub async fn record(
    conn: &mut Conn,
    part: PartUpserted,
    occurred_at: DateTime<Utc>,
    origin: &Origin,
) -> Result<(), HandlerError> {
    let row = db::parts::Part {
        part_number: part.part_number,
        description: part.description,
        supplier_code: part.supplier_code,
        active: part.active,
        updated_at: occurred_at,
    };
    let before = db::parts::find(conn, row.part_number.as_str()).await?;
    if db::parts::upsert(conn, &row).await? {
        origin
            .record(conn, &[trail::part_copied(before.as_ref(), &row)])
            .await?;
    }
    Ok(())
}
