//! Checking catalog's allocation of an order against the order's own lines before
//! applying it. An allocation that names other lines, other ordered quantities, or
//! does not balance (invariant 2) can never apply: the caller rejects the event.

use std::collections::HashMap;

use super::PartNumber;
use super::status::LineQty;

/// A line of an allocation as catalog sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllocatedLine {
    pub line_no: i32,
    pub reserved_part_number: PartNumber,
    pub qty: LineQty,
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
/// the same order, or why the allocation cannot apply.
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
            Ok((*line).clone())
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
        }
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
}
