//! Catalog's parts as recovery keeps them: each upsert keeps the `occurred_at` of the
//! event that wrote it, so a late, older event changes nothing.

use aftersales_messaging::HandlerError;
use aftersales_messaging::contracts::catalog::PartUpserted;
use chrono::{DateTime, Utc};

use super::Conn;
use crate::db;

/// Keeps `part` as of `occurred_at`.
pub async fn record(
    conn: &mut Conn,
    part: PartUpserted,
    occurred_at: DateTime<Utc>,
) -> Result<(), HandlerError> {
    let row = db::parts::Part {
        part_number: part.part_number,
        description: part.description,
        supplier_code: part.supplier_code,
        active: part.active,
        updated_at: occurred_at,
    };
    db::parts::upsert(conn, &row).await?;
    Ok(())
}
