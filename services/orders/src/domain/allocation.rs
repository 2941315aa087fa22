//! Checking catalog's allocation of an order against the order's own lines before
//! applying it. An allocation that names other lines, other ordered quantities, or
//! does not balance (invariant 2) can never apply: the caller rejects the event.
//!
//! A line's expected date belongs to its backordered units: on a line with nothing
//! backordered it is dropped (catalog sends none there), so an order never shows a
//! date for a line that waits for nothing.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::PartNumber;
use super::status::LineQty;

/// A line of an allocation as catalog sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllocatedLine {
    pub line_no: i32,
    pub reserved_part_number: PartNumber,
    pub qty: LineQty,
    /// When the backordered units are expected: the earliest open purchase order
    /// that serves them, as catalog saw it. None when nothing is backordered or
    /// nothing on order covers it.
    pub expected_date: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AllocationError {
    #[error("allocation version must be positive, got {0}")]
    Version(i64),
    #[error("line {0} is not a line of the order")]
    UnknownLine(i32),
    #[error("line {0} appears twice")]
    DuplicateLine(i32),
    #[error("line {0} is missing from the allocation")]
    MissingLine(i32),
    #[error("line {line_no}: catalog says {catalog} ordered, the order says {order}")]
    OrderedMismatch {
        line_no: i32,
        catalog: i32,
        order: i32,
    },
    #[error("line {0}: quantities must not be negative")]
    Negative(i32),
    #[error("line {0}: reserved + backordered + shipped + released must equal ordered")]
    Unbalanced(i32),
}

/// The allocated quantities for each of `order_lines` (`(line_no, ordered)`), in
/// the same order, or why the allocation cannot apply. An expected date is kept only
/// on a line with backordered units.
pub fn check(
    version: i64,
    order_lines: &[(i32, i32)],
    allocated: &[AllocatedLine],
) -> Result<Vec<AllocatedLine>, AllocationError> {
    if version <= 0 {
        return Err(AllocationError::Version(version));
    }
    let mut by_no: HashMap<i32, &AllocatedLine> = HashMap::new();
    for line in allocated {
        if !order_lines.iter().any(|(no, _)| *no == line.line_no) {
            return Err(AllocationError::UnknownLine(line.line_no));
        }
        if by_no.insert(line.line_no, line).is_some() {
            return Err(AllocationError::DuplicateLine(line.line_no));
        }
    }
    order_lines
        .iter()
        .map(|&(line_no, ordered)| {
            let line = by_no
                .get(&line_no)
                .ok_or(AllocationError::MissingLine(line_no))?;
            let q = line.qty;
            if q.ordered != ordered {
                return Err(AllocationError::OrderedMismatch {
                    line_no,
                    catalog: q.ordered,
                    order: ordered,
                });
            }
            if [q.reserved, q.backordered, q.shipped, q.released]
                .iter()
                .any(|n| *n < 0)
            {
                return Err(AllocationError::Negative(line_no));
            }
            if !q.is_balanced() {
                return Err(AllocationError::Unbalanced(line_no));
            }
            Ok(AllocatedLine {
                expected_date: line.expected_date.filter(|_| q.backordered > 0),
                ..(*line).clone()
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(line_no: i32, ordered: i32, r: i32, b: i32, s: i32, x: i32) -> AllocatedLine {
        AllocatedLine {
            line_no,
            reserved_part_number: "P".parse().unwrap(),
            qty: LineQty {
                ordered,
                reserved: r,
                backordered: b,
                shipped: s,
                released: x,
            },
            expected_date: None,
        }
    }

    fn date(s: &str) -> Option<NaiveDate> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn a_matching_balanced_allocation_applies_in_order_line_order() {
        let out = check(
            1,
            &[(1, 3), (2, 1)],
            &[a(2, 1, 0, 1, 0, 0), a(1, 3, 3, 0, 0, 0)],
        )
        .unwrap();
        assert_eq!(out[0].line_no, 1);
        assert_eq!(out[1].qty.backordered, 1);
    }

    #[test]
    fn everything_else_is_refused() {
        let lines = [(1, 3)];
        assert_eq!(
            check(0, &lines, &[a(1, 3, 3, 0, 0, 0)]),
            Err(AllocationError::Version(0))
        );
        assert_eq!(
            check(1, &lines, &[a(2, 3, 3, 0, 0, 0)]),
            Err(AllocationError::UnknownLine(2))
        );
        assert_eq!(check(1, &lines, &[]), Err(AllocationError::MissingLine(1)));
        assert_eq!(
            check(1, &lines, &[a(1, 3, 3, 0, 0, 0), a(1, 3, 3, 0, 0, 0)]),
            Err(AllocationError::DuplicateLine(1))
        );
        assert!(matches!(
            check(1, &lines, &[a(1, 4, 4, 0, 0, 0)]),
            Err(AllocationError::OrderedMismatch { .. })
        ));
        assert_eq!(
            check(1, &lines, &[a(1, 3, 4, -1, 0, 0)]),
            Err(AllocationError::Negative(1))
        );
        assert_eq!(
            check(1, &lines, &[a(1, 3, 1, 1, 0, 0)]),
            Err(AllocationError::Unbalanced(1))
        );
    }

    #[test]
    fn an_expected_date_stays_on_a_backordered_line_only() {
        let backordered = AllocatedLine {
            expected_date: date("2026-12-24"),
            ..a(1, 3, 1, 2, 0, 0)
        };
        let filled = AllocatedLine {
            expected_date: date("2026-12-24"),
            ..a(2, 2, 2, 0, 0, 0)
        };
        let out = check(1, &[(1, 3), (2, 2)], &[backordered, filled]).unwrap();
        assert_eq!(out[0].expected_date, date("2026-12-24"));
        assert_eq!(out[1].expected_date, None);
    }
}
