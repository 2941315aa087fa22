//! What inspecting a returned part finds (the cause of the failure) and what becomes
//! of the part afterwards: decided in inspection, read by recovery and catalog in
//! inspection's events.

use serde::{Deserialize, Serialize};

/// Cause of a failure found by inspection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CauseCode {
    SupplierDefect,
    AssemblyDefect,
    Misuse,
    NoFaultFound,
}

impl CauseCode {
    pub const ALL: [CauseCode; 4] = [
        CauseCode::SupplierDefect,
        CauseCode::AssemblyDefect,
        CauseCode::Misuse,
        CauseCode::NoFaultFound,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CauseCode::SupplierDefect => "supplier_defect",
            CauseCode::AssemblyDefect => "assembly_defect",
            CauseCode::Misuse => "misuse",
            CauseCode::NoFaultFound => "no_fault_found",
        }
    }

    pub fn parse(value: &str) -> Option<CauseCode> {
        CauseCode::ALL.into_iter().find(|c| c.as_str() == value)
    }
}

// What is done with the returned part after the decision (no doc comment: the
// OpenAPI schema has always been without a description).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DispositionKind {
    Scrap,
    ReturnToSupplier,
}

impl DispositionKind {
    pub const ALL: [DispositionKind; 2] =
        [DispositionKind::Scrap, DispositionKind::ReturnToSupplier];

    pub fn as_str(self) -> &'static str {
        match self {
            DispositionKind::Scrap => "scrap",
            DispositionKind::ReturnToSupplier => "return_to_supplier",
        }
    }

    pub fn parse(value: &str) -> Option<DispositionKind> {
        DispositionKind::ALL
            .into_iter()
            .find(|d| d.as_str() == value)
    }
}

// A stored value that is neither is an error, never a default.
#[cfg(feature = "diesel")]
crate::text_enum!(CauseCode, DispositionKind);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_match_serde_and_others_are_refused() {
        for c in CauseCode::ALL {
            assert_eq!(CauseCode::parse(c.as_str()), Some(c));
            assert_eq!(serde_json::to_value(c).unwrap(), c.as_str());
        }
        for d in DispositionKind::ALL {
            assert_eq!(DispositionKind::parse(d.as_str()), Some(d));
            assert_eq!(serde_json::to_value(d).unwrap(), d.as_str());
        }
        assert_eq!(CauseCode::parse("nope"), None);
        assert!(serde_json::from_str::<DispositionKind>("\"burn\"").is_err());
    }
}
