//! Reading the file: the header, then every cell of every row into checked types,
//! each problem named by line and column.

use std::collections::HashMap;

use aftersales_types::{CalendarDate, Timestamp};
use chrono::{DateTime, NaiveTime, Utc};

use super::{COLUMNS, Malformed, Parsed, PartData, REQUIRED, Row, RowError};
use crate::domain::types::{self, Currency, FromInput, Invalid, PartNumber, Price, SupplierCode};

/// `true`/`false`, `yes`/`no`, `y`/`n`, `1`/`0`, any case; empty is false.
pub fn flag(value: &str) -> Result<bool, Invalid> {
    match value.trim().to_ascii_lowercase().as_str() {
        "" | "false" | "no" | "n" | "0" => Ok(false),
        "true" | "yes" | "y" | "1" => Ok(true),
        other => Err(Invalid(format!("{other:?} is not true or false"))),
    }
}

/// RFC 3339 (`2024-05-01T00:00:00Z`) or a date (`2024-05-01`, midnight UTC), in the
/// years 0000 to 9999; empty is none.
pub fn effective_from(value: &str) -> Result<Option<DateTime<Utc>>, Invalid> {
    let v = value.trim();
    if v.is_empty() {
        return Ok(None);
    }
    if let Ok(t) = Timestamp::parse(v) {
        return Ok(Some(t.get()));
    }
    CalendarDate::parse(v)
        .map(|d| Some(d.get().and_time(NaiveTime::MIN).and_utc()))
        .map_err(|_| {
            Invalid(format!(
                "{v:?} is neither a date (2024-05-01) nor an RFC 3339 time, in the years 0000 to 9999"
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
