//! What an inspection finds (the cause of a failure) and what becomes of the returned
//! part afterwards (its disposition). The two vocabularies are shared with the services
//! that read inspection's events (`aftersales_types`); the rule on them is here.

pub use aftersales_types::{CauseCode, DispositionKind};

/// The supplier pays back (recovery) only for its own defect.
pub fn supplier_responsible(cause: CauseCode) -> bool {
    cause == CauseCode::SupplierDefect
}

/// How many of the causal part can come back: what the claim's parts lines replaced
/// of it, `(part number, qty)`, or the one failed part when it was repaired, not
/// replaced.
pub fn returnable_quantity<'a>(
    causal: &str,
    lines: impl IntoIterator<Item = (&'a str, i32)>,
) -> i64 {
    let replaced: i64 = lines
        .into_iter()
        .filter(|(part, _)| *part == causal)
        .map(|(_, qty)| i64::from(qty.max(0)))
        .sum();
    replaced.max(1)
}

/// A receipt of more parts than the claim replaced is refused: the surplus belongs to
/// no claim, and would be quarantined and disposed of as if it did.
pub fn check_receipt(received: i64, returnable: i64, causal: &str) -> Result<(), String> {
    if received > returnable {
        return Err(format!(
            "the claim replaced {returnable} of {causal}; at most {returnable} can be received \
             for it (book any other part as a stock receipt)"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_receipt_is_at_most_what_the_claim_replaced() {
        let lines = [("BRK-1", 2), ("PAD-9", 4), ("BRK-1", 1)];
        assert_eq!(returnable_quantity("BRK-1", lines), 3);
        assert_eq!(
            returnable_quantity("OIL-1", lines),
            1,
            "repaired, not replaced"
        );
        assert!(check_receipt(3, 3, "BRK-1").is_ok());
        assert!(check_receipt(1, 3, "BRK-1").is_ok());
        let e = check_receipt(4, 3, "BRK-1").unwrap_err();
        assert!(e.contains("replaced 3 of BRK-1"), "{e}");
    }

    #[test]
    fn only_a_supplier_defect_is_the_supplier_s() {
        for cause in CauseCode::ALL {
            assert_eq!(
                supplier_responsible(cause),
                cause == CauseCode::SupplierDefect
            );
        }
    }
}
