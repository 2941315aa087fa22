//! The parts and price-list CSV import: parsing every row into checked types, then
//! planning what each row changes against what the catalog already holds. Nothing
//! here writes; the import is all or nothing, so every problem of every row is
//! collected before the caller decides.
//!
//! Errors name their place as `line N: column` (N is the line of the file where the
//! row starts, the header being line 1), so a client can point at the cell.

mod parse;
mod plan;
#[cfg(test)]
mod tests;

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use super::types::{PartNumber, Price};

pub use parse::{effective_from, flag, parse};
pub use plan::{plan, price_at, summary};

/// Every column the import understands, in the documented order.
pub const COLUMNS: [&str; 12] = [
    "part_number",
    "description",
    "category",
    "unit_of_measure",
    "list_price",
    "currency",
    "supplier_code",
    "warranty_months",
    "core",
    "returnable",
    "superseded_by",
    "effective_from",
];

/// Columns a file must have; the others take their defaults when absent.
pub const REQUIRED: [&str; 6] = [
    "part_number",
    "description",
    "category",
    "list_price",
    "supplier_code",
    "warranty_months",
];

/// At most this many errors are listed; a file with more is mostly wrong anyway.
pub const MAX_ERRORS: usize = 1000;

/// One problem of one row (or of the header, line 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub line: u64,
    pub column: String,
    pub message: String,
}

impl RowError {
    fn new(line: u64, column: &str, message: impl Into<String>) -> Self {
        Self {
            line,
            column: column.to_owned(),
            message: message.into(),
        }
    }

    /// The `field` of the problem document: `line 17: list_price`.
    pub fn field(&self) -> String {
        format!("line {}: {}", self.line, self.column)
    }
}

/// Why a file cannot be read as CSV at all (400), as opposed to rows that are
/// readable but wrong (422, [`RowError`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Malformed(pub String);

/// The settable fields of a part as the catalog stores them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PartData {
    pub description: String,
    pub category: String,
    pub unit_of_measure: String,
    pub currency: String,
    pub supplier_code: String,
    pub warranty_months: i32,
    pub core: bool,
    pub returnable: bool,
    pub superseded_by: Option<String>,
}

/// One valid row.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub line: u64,
    pub part_number: PartNumber,
    pub data: PartData,
    pub price: Price,
    /// When the price takes effect; the time of the import when empty.
    pub effective_from: Option<DateTime<Utc>>,
}

/// What parsing found: the valid rows, the problems, and every part number the
/// file names (also on rows with other problems, so that a supersession pointing
/// at such a row is not reported a second time as unknown).
#[derive(Debug, Default)]
pub struct Parsed {
    pub rows: Vec<Row>,
    pub errors: Vec<RowError>,
    pub numbers: HashSet<String>,
}

/// A part the catalog already holds, as far as the import needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct Existing {
    pub data: PartData,
    pub active: bool,
    /// Its price history: (effective from, price).
    pub prices: Vec<(DateTime<Utc>, Decimal)>,
}

/// What the catalog holds that the rows refer to.
#[derive(Debug, Clone, Default)]
pub struct Known {
    /// Suppliers named by the file: code → active.
    pub suppliers: HashMap<String, bool>,
    /// Parts of the file that already exist.
    pub parts: HashMap<String, Existing>,
    /// Successors named by the file that exist in the catalog.
    pub successors: HashSet<String>,
    /// Every supersession link in the catalog (part → successor).
    pub links: HashMap<String, String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Create,
    Update,
    /// Fields as stored; maybe only a price is added.
    Keep,
}

/// What one row does.
#[derive(Debug, Clone, PartialEq)]
pub struct Planned {
    pub row: Row,
    pub action: Action,
    /// When the row's price takes effect.
    pub effective_from: DateTime<Utc>,
    /// Whether the row's price is a new entry of the history.
    pub add_price: bool,
    /// The part's active flag (new parts are active).
    pub active: bool,
    /// The price in force at the import time once written, for the event.
    pub price_now: Option<Decimal>,
}

impl Planned {
    /// Whether the part changed, so it is written and published.
    pub fn changed(&self) -> bool {
        self.action != Action::Keep || self.add_price
    }
}

/// Counts for the answer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub prices_added: usize,
}
