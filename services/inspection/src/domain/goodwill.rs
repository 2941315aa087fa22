//! Goodwill pre-authorization: a dealer asks before a repair that falls outside
//! coverage, or whose estimate is above the pre-authorization limit; a quality lead
//! approves it with a goodwill share (a percent of parts and labor) or rejects it with
//! a reason. A claim filed under an approved pre-authorization:
//!
//! - has the coverage checks waived (`WAIVABLE`: expired warranty, usage exceeded, not
//!   covered); every other check still applies;
//! - fails `exceeds_preauthorized_estimate` when its priced total is above the estimate;
//! - is covered at the goodwill share of its priced parts and labor.
//!
//! A claim filed under none whose priced total is above the limit fails
//! `preauthorization_required`.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::ReasonCode;
use super::coverage::Failure;
use super::pricing::round_cents;

/// The default estimate above which a repair needs a pre-authorization, in the
/// dealer's currency (env `PREAUTHORIZATION_LIMIT`).
pub const DEFAULT_PREAUTHORIZATION_LIMIT: Decimal = Decimal::from_parts(200_000, 0, 0, false, 2);

/// The coverage checks an approved pre-authorization waives: the reasons it exists.
pub const WAIVABLE: [ReasonCode; 3] = [
    ReasonCode::ExpiredWarranty,
    ReasonCode::UsageExceeded,
    ReasonCode::NotCovered,
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PreauthStatus {
    /// Waiting for a quality lead.
    Requested,
    Approved,
    Rejected,
}

impl PreauthStatus {
    pub const ALL: [PreauthStatus; 3] = [
        PreauthStatus::Requested,
        PreauthStatus::Approved,
        PreauthStatus::Rejected,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PreauthStatus::Requested => "requested",
            PreauthStatus::Approved => "approved",
            PreauthStatus::Rejected => "rejected",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == value)
    }

    /// The status after a quality lead's decision: only a request is decided, once.
    pub fn decide(self, approve: bool) -> Result<PreauthStatus, String> {
        match self {
            PreauthStatus::Requested if approve => Ok(PreauthStatus::Approved),
            PreauthStatus::Requested => Ok(PreauthStatus::Rejected),
            decided => Err(format!(
                "the pre-authorization is already {}",
                decided.as_str()
            )),
        }
    }
}

/// A goodwill share: 0 to 100 percent with at most 2 decimals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd)]
pub struct Share(Decimal);

impl Share {
    pub fn parse(pct: Decimal) -> Result<Share, String> {
        if pct < Decimal::ZERO || pct > Decimal::ONE_HUNDRED || pct.normalize().scale() > 2 {
            return Err("must be a percent from 0 to 100 with at most 2 decimals".into());
        }
        Ok(Share(pct))
    }

    pub fn pct(self) -> Decimal {
        self.0
    }

    /// The share of `amount`, to the cent.
    pub fn of(self, amount: Decimal) -> Decimal {
        round_cents(amount * self.0 / Decimal::ONE_HUNDRED)
    }
}

/// What an approved pre-authorization grants a claim.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Grant {
    pub share: Share,
    /// Estimated parts + labor: the most the claim's priced total may be.
    pub estimate: Decimal,
}

/// The check of a claim filed under no pre-authorization: a priced total above
/// `limit` needed one.
pub fn required(priced_total: Decimal, limit: Decimal) -> Option<Failure> {
    (priced_total > limit).then(|| Failure {
        reason: ReasonCode::PreauthorizationRequired,
        field: "preauthorization_id",
        message: format!(
            "the claim's total {priced_total} is above the pre-authorization limit of {limit}: \
             a quality lead must pre-authorize such a repair before it is made"
        ),
    })
}

/// The checks of a claim under `grant`: the coverage failures it waives are moved out
/// of `failures` into the second list, and a total above the estimate fails.
pub fn apply(
    failures: Vec<Failure>,
    grant: &Grant,
    priced_total: Decimal,
) -> (Vec<Failure>, Vec<ReasonCode>) {
    let (mut remaining, waived) = waive(failures);
    if priced_total > grant.estimate {
        remaining.push(Failure {
            reason: ReasonCode::ExceedsPreauthorizedEstimate,
            field: "preauthorization_id",
            message: format!(
                "the claim's total {priced_total} is above the pre-authorized estimate of {}",
                grant.estimate
            ),
        });
    }
    (remaining, waived)
}

/// The coverage failures (`WAIVABLE`) taken out of `failures`: what a pre-authorization
/// or a service campaign covers whatever the unit's warranty state.
pub fn waive(failures: Vec<Failure>) -> (Vec<Failure>, Vec<ReasonCode>) {
    let (waived, remaining): (Vec<Failure>, Vec<Failure>) = failures
        .into_iter()
        .partition(|f| WAIVABLE.contains(&f.reason));
    (remaining, waived.into_iter().map(|f| f.reason).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn failure(reason: ReasonCode) -> Failure {
        Failure {
            reason,
            field: "x",
            message: String::new(),
        }
    }

    #[test]
    fn a_request_is_decided_once() {
        assert_eq!(
            PreauthStatus::Requested.decide(true),
            Ok(PreauthStatus::Approved)
        );
        assert_eq!(
            PreauthStatus::Requested.decide(false),
            Ok(PreauthStatus::Rejected)
        );
        assert!(PreauthStatus::Approved.decide(true).is_err());
        assert!(PreauthStatus::Rejected.decide(true).is_err());
        for s in PreauthStatus::ALL {
            assert_eq!(PreauthStatus::parse(s.as_str()), Some(s));
        }
    }

    #[test]
    fn coverage_is_waived_other_checks_stay_and_the_estimate_binds() {
        let grant = Grant {
            share: Share::parse(d("60")).unwrap(),
            estimate: d("500.00"),
        };
        let failures = vec![
            failure(ReasonCode::ExpiredWarranty),
            failure(ReasonCode::LaborExceedsStandard),
            failure(ReasonCode::UsageExceeded),
        ];
        let (remaining, waived) = apply(failures.clone(), &grant, d("500.00"));
        assert_eq!(
            waived,
            [ReasonCode::ExpiredWarranty, ReasonCode::UsageExceeded]
        );
        assert_eq!(remaining, [failure(ReasonCode::LaborExceedsStandard)]);
        let (remaining, _) = apply(Vec::new(), &grant, d("500.01"));
        assert_eq!(
            remaining[0].reason,
            ReasonCode::ExceedsPreauthorizedEstimate
        );
        assert_eq!(remaining[0].field, "preauthorization_id");
        // 60 % of 100.05 = 60.03
        assert_eq!(grant.share.of(d("100.05")), d("60.03"));
    }

    #[test]
    fn above_the_limit_a_claim_needs_a_preauthorization() {
        assert!(required(d("2000.00"), DEFAULT_PREAUTHORIZATION_LIMIT).is_none());
        let f = required(d("2000.01"), DEFAULT_PREAUTHORIZATION_LIMIT).unwrap();
        assert_eq!(f.reason, ReasonCode::PreauthorizationRequired);
    }

    #[test]
    fn shares_are_percents_with_two_decimals() {
        for bad in ["-1", "100.01", "12.345"] {
            assert!(Share::parse(d(bad)).is_err(), "{bad}");
        }
        assert_eq!(Share::parse(d("100")).unwrap().of(d("12.34")), d("12.34"));
        assert_eq!(Share::parse(d("0")).unwrap().of(d("12.34")), d("0"));
        assert_eq!(DEFAULT_PREAUTHORIZATION_LIMIT, d("2000.00"));
    }

    proptest! {
        /// Every failure is either waived or kept, never lost or invented (save the
        /// estimate's own), and a share never pays more than the amount.
        #[test]
        fn waiving_partitions_the_failures(
            picks in proptest::collection::vec(0usize..ReasonCode::ALL.len(), 0..8),
            cents in 0i64..10_000_000,
            pct in 0u32..=10_000,
        ) {
            let failures: Vec<Failure> = picks.iter().map(|i| failure(ReasonCode::ALL[*i])).collect();
            let share = Share::parse(Decimal::new(i64::from(pct), 2)).unwrap();
            let total = Decimal::new(cents, 2);
            let grant = Grant { share, estimate: total };
            let (remaining, waived) = apply(failures.clone(), &grant, total);
            prop_assert_eq!(remaining.len() + waived.len(), failures.len());
            prop_assert!(waived.iter().all(|r| WAIVABLE.contains(r)));
            prop_assert!(remaining.iter().all(|f| !WAIVABLE.contains(&f.reason)));
            let paid = share.of(total);
            prop_assert!(paid >= Decimal::ZERO && paid <= total);
        }
    }
}
