//! Warranty coverage and the checks made when a claim is submitted (DESIGN.md,
//! "Warranty claims" and "Precision, time and currency").
//!
//! Dates are calendar dates. Coverage ends on the in-service date plus N calendar
//! months, clamped to the month's end (2024-01-31 + 1 month = 2024-02-29); a failure on
//! or before that day is covered. Usage limits are absolute readings, covered at or
//! below the limit. Every failing check is reported, not only the first.

use chrono::{Days, Months, NaiveDate};

use super::ReasonCode;

/// The policy terms that apply to a claim (the part's own policy, else its
/// category's). Copied onto the claim at submission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Terms {
    pub warranty_months: u32,
    /// Absolute reading (km or hours); `None`: no usage limit.
    pub usage_limit: Option<i64>,
    pub core_replace_only_months: u32,
    pub submission_window_days: u32,
    pub return_required: bool,
    pub return_deadline_days: u32,
}

/// `date` plus `months` calendar months, clamped to the end of the target month.
/// `None` only beyond the calendar's range.
pub fn add_months(date: NaiveDate, months: u32) -> Option<NaiveDate> {
    // chrono clamps the day to the target month's last day.
    date.checked_add_months(Months::new(months))
}

/// The last covered day.
pub fn coverage_end(in_service: NaiveDate, warranty_months: u32) -> Option<NaiveDate> {
    add_months(in_service, warranty_months)
}

/// Whether a failure on `failure` is within coverage ending on `end`.
pub fn covered_on(failure: NaiveDate, end: NaiveDate) -> bool {
    failure <= end
}

/// Whether a reading of `usage` is within `limit`.
pub fn usage_covered(usage: i64, limit: Option<i64>) -> bool {
    limit.is_none_or(|l| usage <= l)
}

/// The last day a claim for a repair on `repair` may be submitted.
pub fn submission_deadline(repair: NaiveDate, window_days: u32) -> Option<NaiveDate> {
    repair.checked_add_days(Days::new(u64::from(window_days)))
}

/// What a submitted claim is checked against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimFacts {
    pub in_service: NaiveDate,
    pub failure: NaiveDate,
    pub repair: NaiveDate,
    /// The day (UTC) the claim is submitted.
    pub submitted_on: NaiveDate,
    pub usage_at_failure: i64,
    /// `None`: no policy covers the causal part.
    pub terms: Option<Terms>,
    /// The causal part is a core part (catalog's `core` flag).
    pub causal_is_core: bool,
    /// The causal part is among the claim's parts lines (it was replaced).
    pub causal_replaced: bool,
    /// Another open or approved claim exists for the unit and causal part.
    pub duplicate: bool,
    pub labor_exceeds_standard: bool,
    pub currency_mismatch: bool,
}

/// A failing check: its reason, the claim field it concerns (as named in the request
/// body) and what is wrong, in words a dealer can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub reason: ReasonCode,
    pub field: &'static str,
    pub message: String,
}

impl Failure {
    fn new(reason: ReasonCode, field: &'static str, message: impl Into<String>) -> Failure {
        Failure {
            reason,
            field,
            message: message.into(),
        }
    }
}

/// Every check the claim fails, in the vocabulary's order; empty when it passes.
/// Submission stores the reasons; the preview shows them beside their fields.
pub fn failures(facts: &ClaimFacts) -> Vec<Failure> {
    let mut failures = Vec::new();
    match facts.terms {
        None => failures.push(Failure::new(
            ReasonCode::NotCovered,
            "causal_part_number",
            "no warranty policy covers this part or its category",
        )),
        Some(terms) => {
            let end = coverage_end(facts.in_service, terms.warranty_months);
            if let Some(end) = end.filter(|end| !covered_on(facts.failure, *end)) {
                failures.push(Failure::new(
                    ReasonCode::ExpiredWarranty,
                    "failure_date",
                    format!("the warranty ended on {end}, before the failure"),
                ));
            }
            if let Some(limit) = terms
                .usage_limit
                .filter(|l| !usage_covered(facts.usage_at_failure, Some(*l)))
            {
                failures.push(Failure::new(
                    ReasonCode::UsageExceeded,
                    "usage_at_failure",
                    format!("is above the policy's usage limit of {limit}"),
                ));
            }
            let last = submission_deadline(facts.repair, terms.submission_window_days);
            if let Some(last) = last.filter(|last| facts.submitted_on > *last) {
                failures.push(Failure::new(
                    ReasonCode::OutsideSubmissionWindow,
                    "repair_date",
                    format!(
                        "a claim for this repair had to be submitted by {last} ({} days after the repair)",
                        terms.submission_window_days
                    ),
                ));
            }
            let replace_only = add_months(facts.in_service, terms.core_replace_only_months)
                .is_none_or(|end| facts.failure <= end);
            if facts.causal_is_core
                && terms.core_replace_only_months > 0
                && replace_only
                && !facts.causal_replaced
            {
                failures.push(Failure::new(
                    ReasonCode::ReplacementRequired,
                    "parts",
                    format!(
                        "this core part failed within {} months of service: add it to the parts lines (replace it)",
                        terms.core_replace_only_months
                    ),
                ));
            }
        }
    }
    if facts.duplicate {
        failures.push(Failure::new(
            ReasonCode::DuplicateClaim,
            "causal_part_number",
            "the unit already has an open or approved claim for this part",
        ));
    }
    if facts.labor_exceeds_standard {
        failures.push(Failure::new(
            ReasonCode::LaborExceedsStandard,
            "labor",
            "a labor line claims more hours than the operation's standard time",
        ));
    }
    if facts.currency_mismatch {
        failures.push(Failure::new(
            ReasonCode::CurrencyMismatch,
            "parts",
            "a part is priced in another currency than the dealer's",
        ));
    }
    failures.sort_by_key(|f| f.reason);
    failures
}

/// Input a claim can never be made of (→ 422 naming the field), as `(field, message)`.
pub fn input_problems(
    today: NaiveDate,
    in_service: NaiveDate,
    failure: NaiveDate,
    repair: NaiveDate,
    usage_at_sale: i64,
    usage_at_failure: i64,
) -> Vec<(&'static str, String)> {
    let mut problems = Vec::new();
    if failure > today {
        problems.push(("failure_date", "must not be in the future".to_owned()));
    } else if failure < in_service {
        problems.push((
            "failure_date",
            format!("must not be before the unit's in-service date {in_service}"),
        ));
    }
    if repair > today {
        problems.push(("repair_date", "must not be in the future".to_owned()));
    } else if repair < failure {
        problems.push((
            "repair_date",
            "must not be before the failure date".to_owned(),
        ));
    }
    if usage_at_failure < usage_at_sale {
        problems.push((
            "usage_at_failure",
            format!("must not be lower than the usage at sale ({usage_at_sale})"),
        ));
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The reasons a claim fails with, as submission stores them.
    fn check(facts: &ClaimFacts) -> Vec<ReasonCode> {
        failures(facts).into_iter().map(|f| f.reason).collect()
    }

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn terms() -> Terms {
        Terms {
            warranty_months: 24,
            usage_limit: Some(100_000),
            core_replace_only_months: 12,
            submission_window_days: 30,
            return_required: true,
            return_deadline_days: 14,
        }
    }

    fn facts() -> ClaimFacts {
        ClaimFacts {
            in_service: date("2024-01-31"),
            failure: date("2024-06-01"),
            repair: date("2024-06-02"),
            submitted_on: date("2024-06-03"),
            usage_at_failure: 5_000,
            terms: Some(terms()),
            causal_is_core: false,
            causal_replaced: true,
            duplicate: false,
            labor_exceeds_standard: false,
            currency_mismatch: false,
        }
    }

    #[test]
    fn month_end_is_clamped() {
        assert_eq!(add_months(date("2024-01-31"), 1), Some(date("2024-02-29")));
        assert_eq!(add_months(date("2023-01-31"), 1), Some(date("2023-02-28")));
        assert_eq!(add_months(date("2024-02-29"), 12), Some(date("2025-02-28")));
        assert_eq!(add_months(date("2024-03-15"), 0), Some(date("2024-03-15")));
    }

    #[test]
    fn boundaries_of_coverage_usage_and_window() {
        let mut f = facts();
        f.terms = Some(Terms {
            warranty_months: 1,
            ..terms()
        });
        f.failure = date("2024-02-29");
        f.repair = date("2024-02-29");
        f.submitted_on = date("2024-03-30");
        f.usage_at_failure = 100_000;
        assert_eq!(
            check(&f),
            vec![],
            "the last covered day, km and submission day"
        );
        f.failure = date("2024-03-01");
        f.repair = date("2024-03-01");
        f.submitted_on = date("2024-04-01");
        f.usage_at_failure = 100_001;
        assert_eq!(
            check(&f),
            vec![
                ReasonCode::ExpiredWarranty,
                ReasonCode::UsageExceeded,
                ReasonCode::OutsideSubmissionWindow
            ]
        );
    }

    #[test]
    fn every_failing_reason_is_reported_at_once() {
        let mut f = facts();
        f.failure = date("2026-06-01");
        f.repair = date("2026-06-01");
        f.submitted_on = date("2026-12-01");
        f.usage_at_failure = 200_000;
        f.duplicate = true;
        f.labor_exceeds_standard = true;
        f.currency_mismatch = true;
        assert_eq!(
            check(&f),
            vec![
                ReasonCode::ExpiredWarranty,
                ReasonCode::UsageExceeded,
                ReasonCode::OutsideSubmissionWindow,
                ReasonCode::DuplicateClaim,
                ReasonCode::LaborExceedsStandard,
                ReasonCode::CurrencyMismatch,
            ]
        );
        f.terms = None;
        assert_eq!(check(&f)[0], ReasonCode::DuplicateClaim);
        assert!(check(&f).contains(&ReasonCode::NotCovered));
    }

    #[test]
    fn each_failure_names_the_field_to_correct() {
        let mut f = facts();
        f.failure = date("2026-06-01");
        f.repair = date("2026-06-01");
        f.submitted_on = date("2026-12-01");
        f.usage_at_failure = 200_000;
        let found: Vec<_> = failures(&f)
            .into_iter()
            .map(|x| (x.reason, x.field))
            .collect();
        assert_eq!(
            found,
            vec![
                (ReasonCode::ExpiredWarranty, "failure_date"),
                (ReasonCode::UsageExceeded, "usage_at_failure"),
                (ReasonCode::OutsideSubmissionWindow, "repair_date"),
            ]
        );
        let messages: Vec<_> = failures(&f).into_iter().map(|x| x.message).collect();
        assert!(messages[0].contains("2026-01-31"), "{messages:?}");
        assert!(messages[1].contains("100000"), "{messages:?}");
        assert!(messages[2].contains("2026-07-01"), "{messages:?}");
    }

    #[test]
    fn a_core_part_inside_replace_only_months_must_be_replaced() {
        let mut f = facts();
        f.causal_is_core = true;
        f.causal_replaced = false;
        f.failure = date("2025-01-31"); // in-service 2024-01-31 + 12 months: last day
        f.repair = f.failure;
        f.submitted_on = f.failure;
        assert_eq!(check(&f), vec![ReasonCode::ReplacementRequired]);
        f.failure = date("2025-02-01");
        f.repair = f.failure;
        f.submitted_on = f.failure;
        assert_eq!(check(&f), vec![]);
        f.failure = date("2024-05-01");
        f.causal_replaced = true;
        assert_eq!(check(&f), vec![]);
        f.causal_is_core = false;
        f.causal_replaced = false;
        assert_eq!(check(&f), vec![]);
    }

    #[test]
    fn no_usage_limit_covers_any_reading() {
        let mut f = facts();
        f.terms = Some(Terms {
            usage_limit: None,
            ..terms()
        });
        f.usage_at_failure = i64::MAX;
        assert_eq!(check(&f), vec![]);
    }

    #[test]
    fn bad_input_names_its_field() {
        let today = date("2024-06-10");
        let problems = input_problems(
            today,
            date("2024-01-01"),
            date("2024-06-11"),
            date("2024-06-12"),
            100,
            99,
        );
        let fields: Vec<_> = problems.iter().map(|p| p.0).collect();
        assert_eq!(
            fields,
            vec!["failure_date", "repair_date", "usage_at_failure"]
        );
        let problems = input_problems(
            today,
            date("2024-01-01"),
            date("2024-06-05"),
            date("2024-06-04"),
            100,
            100,
        );
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].0, "repair_date");
        assert!(input_problems(today, date("2024-01-01"), today, today, 0, 0).is_empty());
        let before = input_problems(today, date("2024-02-01"), date("2024-01-31"), today, 0, 0);
        assert_eq!(before[0].0, "failure_date");
    }

    fn any_date() -> impl Strategy<Value = NaiveDate> {
        (2000i32..2090, 1u32..=12, 1u32..=31).prop_map(|(y, m, d)| {
            NaiveDate::from_ymd_opt(y, m, d)
                .or_else(|| NaiveDate::from_ymd_opt(y, m, 28))
                .unwrap()
        })
    }

    proptest! {
        #[test]
        fn the_end_day_is_covered_and_the_next_is_not(in_service in any_date(), months in 0u32..120) {
            let end = coverage_end(in_service, months).unwrap();
            let mut f = facts();
            f.in_service = in_service;
            f.terms = Some(Terms { warranty_months: months, usage_limit: None, core_replace_only_months: 0, submission_window_days: 10_000, ..terms() });
            f.failure = end;
            f.repair = end;
            f.submitted_on = end;
            prop_assert!(!check(&f).contains(&ReasonCode::ExpiredWarranty));
            let next = end.succ_opt().unwrap();
            f.failure = next;
            f.repair = next;
            f.submitted_on = next;
            prop_assert!(check(&f).contains(&ReasonCode::ExpiredWarranty));
        }

        #[test]
        fn coverage_end_is_in_the_target_month_and_never_past_the_same_day(in_service in any_date(), months in 0u32..120) {
            use chrono::Datelike;
            let end = coverage_end(in_service, months).unwrap();
            let month_index = |d: NaiveDate| d.year() * 12 + d.month0() as i32;
            prop_assert_eq!(month_index(end), month_index(in_service) + months as i32);
            prop_assert!(end.day() <= in_service.day());
            // Clamped only when the target month is shorter.
            if end.day() < in_service.day() {
                prop_assert!(end.succ_opt().unwrap().day() == 1);
            }
        }

        #[test]
        fn the_limit_reading_is_covered_and_one_more_is_not(limit in 0i64..10_000_000) {
            let mut f = facts();
            f.terms = Some(Terms { usage_limit: Some(limit), ..terms() });
            f.usage_at_failure = limit;
            prop_assert!(!check(&f).contains(&ReasonCode::UsageExceeded));
            f.usage_at_failure = limit + 1;
            prop_assert!(check(&f).contains(&ReasonCode::UsageExceeded));
        }

        #[test]
        fn the_last_submission_day_is_in_the_window(repair in any_date(), window in 0u32..400) {
            let mut f = facts();
            f.in_service = repair;
            f.failure = repair;
            f.repair = repair;
            f.terms = Some(Terms { submission_window_days: window, ..terms() });
            f.submitted_on = submission_deadline(repair, window).unwrap();
            prop_assert!(!check(&f).contains(&ReasonCode::OutsideSubmissionWindow));
            f.submitted_on = f.submitted_on.succ_opt().unwrap();
            prop_assert!(check(&f).contains(&ReasonCode::OutsideSubmissionWindow));
        }
    }
}
