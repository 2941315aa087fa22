//! Availability for dealers: per part asked, per active warehouse, its band
//! (`domain::availability`). Nothing here says how many units, nor who reserved them.

use std::collections::HashMap;

use diesel_async::AsyncPgConnection;

use super::{Error, Result};
use crate::db::{parts, stock, warehouses};
use crate::domain::PartNumber;
use crate::domain::availability::Band;

/// One warehouse's band for a part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InWarehouse {
    pub warehouse: String,
    pub name: String,
    pub band: Band,
}

/// A part with its band in every active warehouse, by warehouse code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartAvailability {
    pub part_number: String,
    pub warehouses: Vec<InWarehouse>,
}

/// The availability of `asked`, in the order asked (a part named twice is answered
/// once). An unknown part is an invalid `part_number[i]` field, naming the first one.
pub async fn of(c: &mut AsyncPgConnection, asked: &[PartNumber]) -> Result<Vec<PartAvailability>> {
    let mut pns: Vec<String> = Vec::with_capacity(asked.len());
    for pn in asked {
        if !pns.iter().any(|p| p == pn.as_str()) {
            pns.push(pn.as_str().to_owned());
        }
    }
    let known = parts::existing(c, &pns).await?;
    if let Some((i, missing)) = asked
        .iter()
        .enumerate()
        .find(|(_, pn)| !known.iter().any(|k| k == pn.as_str()))
    {
        return Err(Error::invalid(
            format!("part_number[{i}]"),
            format!(
                "there is no part {}; search the parts to find its number",
                missing.as_str()
            ),
        ));
    }
    let active = warehouses::list_active(c).await?;
    let levels: HashMap<(String, String), stock::Level> = stock::of_parts_in_active(c, &pns)
        .await?
        .into_iter()
        .map(|l| ((l.part_number.clone(), l.warehouse_code.clone()), l))
        .collect();
    Ok(pns
        .into_iter()
        .map(|pn| PartAvailability {
            warehouses: active
                .iter()
                .map(|w| InWarehouse {
                    warehouse: w.code.clone(),
                    name: w.name.clone(),
                    band: Band::of(
                        levels
                            .get(&(pn.clone(), w.code.clone()))
                            .map(|l| (l.levels(), l.reorder_point)),
                    ),
                })
                .collect(),
            part_number: pn,
        })
        .collect())
}
