//! The parts and price-list CSV import: parsing every row into checked types, then
//! planning what each row changes against what the catalog already holds. Nothing
//! here writes; the import is all or nothing, so every problem of every row is
//! collected before the caller decides.
//!
//! Errors name their place as `line N: column` (N is the line of the file where the
//! row starts, the header being line 1), so a client can point at the cell.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;

use super::supersession;
use super::types::{
    self, Currency, FromInput, Invalid, PRICE_SCALE, PartNumber, Price, SupplierCode,
};

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
#[derive(Debug, Clone, PartialEq, Eq)]
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

/// `true`/`false`, `yes`/`no`, `y`/`n`, `1`/`0`, any case; empty is false.
pub fn flag(value: &str) -> Result<bool, Invalid> {
    match value.trim().to_ascii_lowercase().as_str() {
        "" | "false" | "no" | "n" | "0" => Ok(false),
        "true" | "yes" | "y" | "1" => Ok(true),
        other => Err(Invalid(format!("{other:?} is not true or false"))),
    }
}

/// RFC 3339 (`2024-05-01T00:00:00Z`) or a date (`2024-05-01`, midnight UTC); empty
/// is none.
pub fn effective_from(value: &str) -> Result<Option<DateTime<Utc>>, Invalid> {
    let v = value.trim();
    if v.is_empty() {
        return Ok(None);
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(v) {
        return Ok(Some(t.with_timezone(&Utc)));
    }
    NaiveDate::parse_from_str(v, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| Some(t.and_utc()))
        .ok_or_else(|| {
            Invalid(format!(
                "{v:?} is neither a date (2024-05-01) nor an RFC 3339 time"
            ))
        })
}

fn whole_number(value: &str) -> Result<i64, Invalid> {
    let v = value.trim();
    v.parse::<i64>()
        .map_err(|_| Invalid(format!("{v:?} is not a whole number")))
}

/// Reads the file: a header naming columns of [`COLUMNS`] (any order, the
/// [`REQUIRED`] ones present), then one part per row.
pub fn parse(body: &[u8]) -> Result<Parsed, Malformed> {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let text = std::str::from_utf8(body).map_err(|e| {
        Malformed(format!(
            "the file is not UTF-8 text (byte {})",
            e.valid_up_to()
        ))
    })?;
    if text.trim().is_empty() {
        return Err(Malformed("the file is empty".into()));
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(text.as_bytes());
    let header = reader
        .headers()
        .map_err(|e| Malformed(format!("cannot read the header: {e}")))?
        .clone();
    let mut parsed = Parsed::default();
    let index = header_index(&header, &mut parsed.errors);
    let mut seen: HashMap<String, u64> = HashMap::new();
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(Malformed(format!("not readable as CSV: {e}"))),
        }
        let line = record.position().map_or(0, csv::Position::line);
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        if record.len() != header.len() {
            parsed.errors.push(RowError::new(
                line,
                "row",
                format!(
                    "has {} fields, the header has {}",
                    record.len(),
                    header.len()
                ),
            ));
            continue;
        }
        // A header error makes every row unreadable; report it once, not per row.
        let Some(index) = &index else { continue };
        if let Some(row) = parse_row(line, &record, index, &mut parsed, &mut seen) {
            parsed.rows.push(row);
        }
    }
    if parsed.rows.is_empty() && parsed.errors.is_empty() {
        return Err(Malformed("the file has a header but no rows".into()));
    }
    Ok(parsed)
}

/// Where each known column is; `None` after recording what is wrong with the header.
fn header_index(
    header: &csv::StringRecord,
    errors: &mut Vec<RowError>,
) -> Option<HashMap<&'static str, usize>> {
    let mut index = HashMap::new();
    let before = errors.len();
    for (i, name) in header.iter().enumerate() {
        let name = name.trim().to_ascii_lowercase();
        match COLUMNS.iter().find(|c| **c == name) {
            Some(c) => {
                if index.insert(*c, i).is_some() {
                    errors.push(RowError::new(1, c, "column appears twice"));
                }
            }
            None => errors.push(RowError::new(
                1,
                &name,
                format!("unknown column; known are {}", COLUMNS.join(",")),
            )),
        }
    }
    for c in REQUIRED {
        if !index.contains_key(c) {
            errors.push(RowError::new(1, c, "required column is missing"));
        }
    }
    (errors.len() == before).then_some(index)
}

/// Collects the problems of the cells of one row.
struct Cells<'a> {
    line: u64,
    errors: &'a mut Vec<RowError>,
}

impl Cells<'_> {
    fn keep<T>(&mut self, column: &str, result: Result<T, impl Into<Invalid>>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(e) => {
                self.errors
                    .push(RowError::new(self.line, column, e.into().0));
                None
            }
        }
    }
}

fn parse_row(
    line: u64,
    record: &csv::StringRecord,
    index: &HashMap<&'static str, usize>,
    parsed: &mut Parsed,
    seen: &mut HashMap<String, u64>,
) -> Option<Row> {
    let cell = |c: &str| index.get(c).and_then(|i| record.get(*i));
    let errors_before = parsed.errors.len();
    let mut errors = std::mem::take(&mut parsed.errors);
    let mut check = Cells {
        line,
        errors: &mut errors,
    };
    let pn = check.keep(
        "part_number",
        PartNumber::from_input(cell("part_number").unwrap_or("")),
    );
    let description = check.keep(
        "description",
        types::text(cell("description").unwrap_or(""), 500),
    );
    let category = check.keep("category", types::text(cell("category").unwrap_or(""), 100));
    let uom = match cell("unit_of_measure").map(str::trim) {
        None | Some("") => Some("EA".to_owned()),
        Some(u) => check.keep("unit_of_measure", types::text(u, 20)),
    };
    let price = check.keep(
        "list_price",
        Price::parse_str(cell("list_price").unwrap_or("")),
    );
    let currency = match cell("currency").map(str::trim) {
        None | Some("") => Some("EUR".to_owned()),
        Some(c) => check
            .keep("currency", Currency::parse(c))
            .map(|c| c.as_str().to_owned()),
    };
    let supplier = check.keep(
        "supplier_code",
        SupplierCode::from_input(cell("supplier_code").unwrap_or("")),
    );
    let warranty = check.keep(
        "warranty_months",
        whole_number(cell("warranty_months").unwrap_or("")).and_then(types::warranty_months),
    );
    let core = check.keep("core", flag(cell("core").unwrap_or("")));
    let returnable = check.keep("returnable", flag(cell("returnable").unwrap_or("")));
    let successor = match cell("superseded_by").map(str::trim) {
        None | Some("") => Some(None),
        Some(s) => check
            .keep("superseded_by", PartNumber::from_input(s))
            .map(Some),
    };
    let effective = check.keep(
        "effective_from",
        effective_from(cell("effective_from").unwrap_or("")),
    );
    parsed.errors = errors;
    if let Some(pn) = &pn {
        parsed.numbers.insert(pn.as_str().to_owned());
        if let Some(first) = seen.get(pn.as_str()) {
            parsed.errors.push(RowError::new(
                line,
                "part_number",
                format!("part {pn} is already on line {first}"),
            ));
        } else {
            seen.insert(pn.as_str().to_owned(), line);
        }
        if successor.as_ref().is_some_and(|s| s.as_ref() == Some(pn)) {
            parsed.errors.push(RowError::new(
                line,
                "superseded_by",
                "a part cannot supersede itself",
            ));
        }
    }
    if parsed.errors.len() != errors_before {
        return None;
    }
    Some(Row {
        line,
        part_number: pn?,
        data: PartData {
            description: description?,
            category: category?,
            unit_of_measure: uom?,
            currency: currency?,
            supplier_code: supplier?.into_inner(),
            warranty_months: warranty?,
            core: core?,
            returnable: returnable?,
            superseded_by: successor?.map(PartNumber::into_inner),
        },
        price: price?,
        effective_from: effective?,
    })
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

/// The price in force at `at`: the latest with `effective_from <= at`.
pub fn price_at(prices: &[(DateTime<Utc>, Decimal)], at: DateTime<Utc>) -> Option<Decimal> {
    prices
        .iter()
        .filter(|(from, _)| *from <= at)
        .max_by_key(|(from, _)| *from)
        .map(|(_, p)| *p)
}

/// Decides what every row does, checking what only the catalog can tell:
/// suppliers exist and are active, successors exist (in the catalog or the file),
/// the links after the import make no cycle, currencies do not change, a new part has
/// a price in force, and a price does not contradict one already in the history.
/// `in_file` is every part number the file names (see [`Parsed::numbers`]).
pub fn plan(
    rows: Vec<Row>,
    in_file: &HashSet<String>,
    known: &Known,
    now: DateTime<Utc>,
    max_chain: usize,
) -> Result<Vec<Planned>, Vec<RowError>> {
    let mut errors = Vec::new();
    // The links once the file is applied: its rows replace the links of their parts.
    let mut links = known.links.clone();
    for row in &rows {
        match &row.data.superseded_by {
            Some(s) => links.insert(row.part_number.as_str().to_owned(), s.clone()),
            None => links.remove(row.part_number.as_str()),
        };
    }
    let mut planned = Vec::with_capacity(rows.len());
    for row in rows {
        let line = row.line;
        let pn = row.part_number.as_str();
        let before = errors.len();
        match known.suppliers.get(&row.data.supplier_code) {
            None => errors.push(RowError::new(
                line,
                "supplier_code",
                format!("supplier {} does not exist", row.data.supplier_code),
            )),
            Some(false) => errors.push(RowError::new(
                line,
                "supplier_code",
                format!("supplier {} is inactive", row.data.supplier_code),
            )),
            Some(true) => {}
        }
        if let Some(s) = &row.data.superseded_by {
            if !in_file.contains(s) && !known.successors.contains(s) {
                errors.push(RowError::new(
                    line,
                    "superseded_by",
                    format!("part {s} is neither in the catalog nor in the file"),
                ));
            } else if supersession::would_cycle(pn, s, max_chain, |p| links.get(p).cloned()) {
                errors.push(RowError::new(
                    line,
                    "superseded_by",
                    format!("{pn} → {s} makes a supersession cycle (or a chain over {max_chain})"),
                ));
            }
        }
        let effective = row.effective_from.unwrap_or(now);
        let existing = known.parts.get(pn);
        let empty = Vec::new();
        let history = existing.map_or(&empty, |e| &e.prices);
        let price = row.price.get();
        let add_price = match history.iter().find(|(from, _)| *from == effective) {
            Some((_, p)) if *p == price => false,
            Some((_, p)) => {
                errors.push(RowError::new(
                    line,
                    "list_price",
                    format!("the history already has {p} effective from {effective}"),
                ));
                false
            }
            None => price_at(history, effective) != Some(price),
        };
        let action = match existing {
            None => {
                if effective > now {
                    errors.push(RowError::new(
                        line,
                        "effective_from",
                        "a new part needs a price in force now; effective_from is in the future",
                    ));
                }
                Action::Create
            }
            Some(e) if e.data.currency != row.data.currency => {
                errors.push(RowError::new(
                    line,
                    "currency",
                    format!(
                        "part {pn} is priced in {}; the currency of a part cannot change",
                        e.data.currency
                    ),
                ));
                Action::Keep
            }
            Some(e) if e.data == row.data => Action::Keep,
            Some(_) => Action::Update,
        };
        if errors.len() != before {
            continue;
        }
        let price_now = if add_price {
            let mut all = history.clone();
            all.push((effective, price));
            price_at(&all, now)
        } else {
            price_at(history, now)
        }
        // As the database gives it back (NUMERIC(14,4)), so events agree.
        .map(|mut p| {
            p.rescale(PRICE_SCALE);
            p
        });
        planned.push(Planned {
            active: existing.is_none_or(|e| e.active),
            row,
            action,
            effective_from: effective,
            add_price,
            price_now,
        });
    }
    if errors.is_empty() {
        Ok(planned)
    } else {
        Err(errors)
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

pub fn summary(plan: &[Planned]) -> Summary {
    let mut s = Summary::default();
    for p in plan {
        match p.action {
            Action::Create => s.created += 1,
            Action::Update => s.updated += 1,
            Action::Keep if p.add_price => s.updated += 1,
            Action::Keep => s.unchanged += 1,
        }
        s.prices_added += usize::from(p.add_price);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    const HEADER: &str = "part_number,description,category,unit_of_measure,list_price,currency,supplier_code,warranty_months,core,returnable,superseded_by,effective_from\n";

    fn parse_ok(body: &str) -> Parsed {
        parse(body.as_bytes()).unwrap()
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 6, 1, 12, 0, 0).unwrap()
    }

    fn known() -> Known {
        Known {
            suppliers: [("SUP1".to_owned(), true), ("OLD".to_owned(), false)].into(),
            ..Known::default()
        }
    }

    #[test]
    fn reads_quoted_cells_and_defaults() {
        let p = parse_ok(&format!(
            "{HEADER}bp-1,\"Pad, front \"\"ceramic\"\"\",brakes,,12.50,,sup1,24,yes,0,,\n"
        ));
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        let r = &p.rows[0];
        assert_eq!(r.line, 2);
        assert_eq!(r.part_number.as_str(), "BP-1");
        assert_eq!(r.data.description, "Pad, front \"ceramic\"");
        assert_eq!(r.data.unit_of_measure, "EA");
        assert_eq!(r.data.currency, "EUR");
        assert_eq!(r.data.supplier_code, "SUP1");
        assert!(r.data.core && !r.data.returnable);
        assert_eq!(r.effective_from, None);
    }

    #[test]
    fn columns_in_any_order_and_optional_ones_absent() {
        let p = parse_ok(
            "list_price,part_number,supplier_code,description,category,warranty_months\n1,A,SUP1,d,c,0\n",
        );
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        assert_eq!(p.rows[0].price.get(), Decimal::ONE);
    }

    #[test]
    fn every_bad_field_of_every_row_is_named_with_its_line() {
        let p = parse_ok(&format!(
            "{HEADER}A,ok,c,EA,1.00,EUR,SUP1,12,n,n,,\nB,ok,c,EA,-1,eur,SUP1,300,maybe,n,,yesterday\nC,ok,c,EA,1.00,EUR,SUP1,12\nA,dup,c,EA,1.00,EUR,SUP1,12,n,n,,\n"
        ));
        let fields: Vec<String> = p.errors.iter().map(RowError::field).collect();
        assert_eq!(
            fields,
            [
                "line 3: list_price",
                "line 3: currency",
                "line 3: warranty_months",
                "line 3: core",
                "line 3: effective_from",
                "line 4: row",
                "line 5: part_number",
            ]
        );
        assert_eq!(p.rows.len(), 1);
        assert!(p.numbers.contains("B"));
    }

    #[test]
    fn header_problems_are_line_one() {
        let p = parse_ok("part_number,descr,category\nA,b,c\n");
        let fields: Vec<String> = p.errors.iter().map(RowError::field).collect();
        assert!(fields.contains(&"line 1: descr".to_owned()), "{fields:?}");
        assert!(
            fields.contains(&"line 1: list_price".to_owned()),
            "{fields:?}"
        );
        assert!(p.rows.is_empty());
    }

    #[test]
    fn malformed_files() {
        assert!(parse(b"").is_err());
        assert!(parse(b"part_number,description\n\xff\xfe\n").is_err());
        assert!(parse(HEADER.as_bytes()).is_err());
    }

    #[test]
    fn dates() {
        assert_eq!(
            effective_from("2024-05-01").unwrap(),
            Some(Utc.with_ymd_and_hms(2024, 5, 1, 0, 0, 0).unwrap())
        );
        assert_eq!(
            effective_from("2024-05-01T10:00:00+02:00").unwrap(),
            Some(Utc.with_ymd_and_hms(2024, 5, 1, 8, 0, 0).unwrap())
        );
        assert!(effective_from("01/05/2024").is_err());
    }

    fn plan_of(body: &str, known: &Known) -> Result<Vec<Planned>, Vec<RowError>> {
        let p = parse_ok(&format!("{HEADER}{body}"));
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        plan(p.rows, &p.numbers, known, now(), 50)
    }

    #[test]
    fn references_are_checked_against_catalog_and_file() {
        let mut k = known();
        k.links.insert("X".into(), "Y".into());
        k.successors.insert("X".into());
        let err = plan_of(
            "A,d,c,EA,1,EUR,NOPE,0,,,,\nB,d,c,EA,1,EUR,OLD,0,,,,\nC,d,c,EA,1,EUR,SUP1,0,,,ZZZ,\nD,d,c,EA,1,EUR,SUP1,0,,,E,\nE,d,c,EA,1,EUR,SUP1,0,,,D,\nY,d,c,EA,1,EUR,SUP1,0,,,X,\n",
            &k,
        )
        .unwrap_err();
        let fields: Vec<String> = err.iter().map(RowError::field).collect();
        assert_eq!(
            fields,
            [
                "line 2: supplier_code",
                "line 3: supplier_code",
                "line 4: superseded_by",
                "line 5: superseded_by",
                "line 6: superseded_by",
                "line 7: superseded_by",
            ]
        );
        // A chain within the file, pointing forward, is fine.
        let ok = plan_of(
            "A,d,c,EA,1,EUR,SUP1,0,,,B,\nB,d,c,EA,1,EUR,SUP1,0,,,X,\n",
            &k,
        )
        .unwrap();
        assert_eq!(summary(&ok).created, 2);
    }

    #[test]
    fn existing_parts_update_keep_or_add_a_price() {
        let data = PartData {
            description: "d".into(),
            category: "c".into(),
            unit_of_measure: "EA".into(),
            currency: "EUR".into(),
            supplier_code: "SUP1".into(),
            warranty_months: 0,
            core: false,
            returnable: false,
            superseded_by: None,
        };
        let jan = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
        let mut k = known();
        for pn in ["A", "B", "C", "D"] {
            k.parts.insert(
                pn.into(),
                Existing {
                    data: data.clone(),
                    active: pn != "D",
                    prices: vec![(jan, Decimal::ONE)],
                },
            );
        }
        let planned = plan_of(
            "A,d,c,EA,1,EUR,SUP1,0,,,,\nB,new,c,EA,1,EUR,SUP1,0,,,,\nC,d,c,EA,2,EUR,SUP1,0,,,,\nD,d,c,EA,1.5,EUR,SUP1,0,,,,2024-07-01\n",
            &k,
        )
        .unwrap();
        let a: Vec<_> = planned
            .iter()
            .map(|p| (p.action, p.add_price, p.price_now, p.changed()))
            .collect();
        assert_eq!(
            a,
            [
                (Action::Keep, false, Some(Decimal::ONE), false),
                (Action::Update, false, Some(Decimal::ONE), true),
                (Action::Keep, true, Some(Decimal::TWO), true),
                // A future price changes the history, not the price in force.
                (Action::Keep, true, Some(Decimal::ONE), true),
            ]
        );
        assert!(!planned[3].active);
        assert_eq!(
            summary(&planned),
            Summary {
                created: 0,
                updated: 3,
                unchanged: 1,
                prices_added: 2
            }
        );
        // Same instant, other price: contradicts the history.
        let err = plan_of("A,d,c,EA,3,EUR,SUP1,0,,,,2024-01-01\n", &k).unwrap_err();
        assert_eq!(err[0].field(), "line 2: list_price");
        let err = plan_of("A,d,c,EA,1,USD,SUP1,0,,,,\n", &k).unwrap_err();
        assert_eq!(err[0].field(), "line 2: currency");
        let err = plan_of("NEW,d,c,EA,1,EUR,SUP1,0,,,,2030-01-01\n", &k).unwrap_err();
        assert_eq!(err[0].field(), "line 2: effective_from");
    }

    proptest! {
        #[test]
        fn any_generated_file_of_valid_rows_parses_back(n in 1usize..40, price in 1u32..100_000) {
            let mut body = HEADER.to_owned();
            for i in 0..n {
                body.push_str(&format!("P{i},\"desc, {i}\",cat,EA,{}.{:02},EUR,SUP1,{},true,false,,\n", price, i % 100, i % 240));
            }
            let p = parse(body.as_bytes()).unwrap();
            prop_assert!(p.errors.is_empty());
            prop_assert_eq!(p.rows.len(), n);
            prop_assert_eq!(p.rows[n - 1].line, n as u64 + 1);
        }
    }
}
