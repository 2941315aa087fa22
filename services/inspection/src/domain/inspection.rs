//! What an inspection finds (the cause of a failure) and what becomes of the returned
//! part afterwards (its disposition). The two vocabularies are shared with the services
//! that read inspection's events (`aftersales_types`); the rule on them is here.

pub use aftersales_types::{CauseCode, DispositionKind};

/// The supplier pays back (recovery) only for its own defect.
pub fn supplier_responsible(cause: CauseCode) -> bool {
    cause == CauseCode::SupplierDefect
}

#[cfg(test)]
mod tests {
    use super::*;

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
