//! Service campaigns (recalls): which units a campaign affects, what its fix is, and
//! what a campaign claim may hold.
//!
//! A campaign names models, and optionally a serial range and an in-service date range
//! (all bounds inclusive); a unit is affected when it matches every one given. A
//! campaign claim is covered whatever the unit's warranty state (the coverage checks
//! are waived, as under a pre-authorization), is priced like any claim, and holds only
//! the campaign's fix: its parts up to their quantities and its labor operations up to
//! their hours. One per unit and campaign.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Which units a campaign affects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub models: Vec<String>,
    pub serials: Option<(String, String)>,
    pub in_service: Option<(NaiveDate, NaiveDate)>,
}

impl Scope {
    /// The scope, or the field that makes it empty.
    pub fn parse(
        models: Vec<String>,
        serials: Option<(String, String)>,
        in_service: Option<(NaiveDate, NaiveDate)>,
    ) -> Result<Scope, (&'static str, String)> {
        if models.is_empty() || models.iter().any(|m| m.trim().is_empty()) {
            return Err(("models", "name at least one model, none empty".into()));
        }
        if serials.as_ref().is_some_and(|(from, to)| from > to) {
            return Err(("serial_to", "must not sort before serial_from".into()));
        }
        if in_service.is_some_and(|(from, to)| from > to) {
            return Err(("in_service_to", "must not be before in_service_from".into()));
        }
        Ok(Scope {
            models,
            serials,
            in_service,
        })
    }

    pub fn affects(&self, model: &str, serial: &str, in_service: NaiveDate) -> bool {
        self.models.iter().any(|m| m == model)
            && self
                .serials
                .as_ref()
                .is_none_or(|(from, to)| from.as_str() <= serial && serial <= to.as_str())
            && self
                .in_service
                .is_none_or(|(from, to)| from <= in_service && in_service <= to)
    }
}

/// A part of the fix, and how many one unit needs at most.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FixPart {
    pub part_number: String,
    pub qty: i32,
}

/// A labor operation of the fix, and the hours one unit takes at most.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FixLabor {
    pub operation_code: String,
    #[schema(value_type = String, example = "1.50")]
    pub hours: Decimal,
}

/// Every line of a campaign claim outside the fix, as `(field, message)`: a part or
/// operation it does not name, or more than it allows (lines of one part or operation
/// are summed).
pub fn outside_the_fix(
    parts: &[FixPart],
    labor: &[FixLabor],
    claim_parts: &[(&str, i32)],
    claim_labor: &[(&str, Decimal)],
) -> Vec<(String, String)> {
    let mut problems = Vec::new();
    for (i, (part, _)) in claim_parts.iter().enumerate() {
        let claimed: i64 = claim_parts
            .iter()
            .filter(|(p, _)| p == part)
            .map(|(_, q)| i64::from(*q))
            .sum();
        match parts.iter().find(|f| f.part_number == *part) {
            None => problems.push((
                format!("parts[{i}].part_number"),
                format!("{part} is not part of the campaign's fix"),
            )),
            Some(f) if claimed > i64::from(f.qty) => problems.push((
                format!("parts[{i}].qty"),
                format!("the campaign's fix takes at most {} of {part}", f.qty),
            )),
            Some(_) => {}
        }
    }
    for (i, (op, _)) in claim_labor.iter().enumerate() {
        let claimed: Decimal = claim_labor
            .iter()
            .filter(|(o, _)| o == op)
            .map(|(_, h)| *h)
            .sum();
        match labor.iter().find(|f| f.operation_code == *op) {
            None => problems.push((
                format!("labor[{i}].operation_code"),
                format!("{op} is not part of the campaign's fix"),
            )),
            Some(f) if claimed > f.hours => problems.push((
                format!("labor[{i}].hours"),
                format!("the campaign's fix takes at most {} h of {op}", f.hours),
            )),
            Some(_) => {}
        }
    }
    problems
}

/// Completed / affected, to 4 decimals, the way every report share is rounded (the
/// dealer scorecard shows the same figure); `None` when nothing is affected.
pub fn completion_rate(affected: u64, completed: u64) -> Option<Decimal> {
    let count = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
    super::report::share(count(completed), count(affected))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_unit_is_affected_when_it_matches_every_bound_given() {
        let scope = Scope::parse(
            vec!["Hauler 7".into()],
            Some(("VIN-0100".into(), "VIN-0199".into())),
            Some((day("2025-01-01"), day("2025-12-31"))),
        )
        .unwrap();
        assert!(scope.affects("Hauler 7", "VIN-0100", day("2025-01-01")));
        assert!(scope.affects("Hauler 7", "VIN-0199", day("2025-12-31")));
        assert!(!scope.affects("Hauler 8", "VIN-0150", day("2025-06-01")));
        assert!(!scope.affects("Hauler 7", "VIN-0200", day("2025-06-01")));
        assert!(!scope.affects("Hauler 7", "VIN-0150", day("2026-01-01")));
        let models_only = Scope::parse(vec!["X1".into()], None, None).unwrap();
        assert!(models_only.affects("X1", "anything", day("1999-01-01")));
        assert!(Scope::parse(vec![], None, None).is_err());
        assert!(Scope::parse(vec!["X1".into()], Some(("B".into(), "A".into())), None).is_err());
    }

    #[test]
    fn a_campaign_claim_holds_only_the_fix() {
        let parts = [FixPart {
            part_number: "P-1".into(),
            qty: 2,
        }];
        let labor = [FixLabor {
            operation_code: "OP-1".into(),
            hours: Decimal::new(15, 1),
        }];
        assert!(
            outside_the_fix(
                &parts,
                &labor,
                &[("P-1", 2)],
                &[("OP-1", Decimal::new(15, 1))]
            )
            .is_empty()
        );
        let p = outside_the_fix(&parts, &labor, &[("P-1", 1), ("P-1", 2), ("P-9", 1)], &[]);
        let fields: Vec<&str> = p.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(
            fields,
            ["parts[0].qty", "parts[1].qty", "parts[2].part_number"]
        );
        let p = outside_the_fix(
            &parts,
            &labor,
            &[],
            &[("OP-1", Decimal::new(16, 1)), ("OP-2", Decimal::ONE)],
        );
        let fields: Vec<&str> = p.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(fields, ["labor[0].hours", "labor[1].operation_code"]);
        assert_eq!(completion_rate(0, 0), None);
        assert_eq!(completion_rate(3, 1), Some(Decimal::new(3333, 4)));
        assert_eq!(completion_rate(2, 1).unwrap().to_string(), "0.5000");
        // Half away from zero, as every share: 1/32 = 0.03125.
        assert_eq!(completion_rate(32, 1), Some(Decimal::new(313, 4)));
    }

    proptest! {
        /// Narrowing a scope never affects more units.
        #[test]
        fn bounds_only_narrow(serial in 0u32..1000, from in 0u32..1000, len in 0u32..1000, days in 0i64..3000) {
            let s = |n: u32| format!("VIN-{n:04}");
            let wide = Scope::parse(vec!["M".into()], None, None).unwrap();
            let narrow = Scope::parse(vec!["M".into()], Some((s(from), s(from + len))), None).unwrap();
            let d = day("2020-01-01") + chrono::Duration::days(days);
            prop_assert!(!narrow.affects("M", &s(serial), d) || wide.affects("M", &s(serial), d));
            prop_assert_eq!(narrow.affects("M", &s(serial), d), from <= serial && serial <= from + len);
        }
    }
}
