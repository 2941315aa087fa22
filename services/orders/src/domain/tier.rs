//! Dealer tiers and their discounts. The tier alone sets a dealer's parts discount, so
//! every dealer of a tier gets the same one; what that discount is over time is data
//! (the `tier_discounts` table, kept by admins): each tier has a history of discounts,
//! each in force from its `effective_from` until the next one's.
//!
//! The rules here: which discount of a history is in force at a moment
//! ([`Schedule::in_force`]) and which one comes next ([`Schedule::next_after`]); what
//! a discount may be ([`DiscountPct::parse`]: 0 to 100 %, at most 2 decimals); and that
//! a new one never starts in the past ([`check_effective_from`]), so that adding to the
//! history never changes the discount of a moment already priced.
//!
//! The set of tiers is this enum (and the `CHECK`s of `dealers.tier` and
//! `tier_discounts.tier`): adding a tier is a code change and a migration.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::InvalidValue;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    /// 0 % discount until an admin schedules another.
    Standard,
    /// 5 % discount until an admin schedules another.
    Silver,
    /// 10 % discount until an admin schedules another.
    Gold,
    /// 15 % discount until an admin schedules another.
    Platinum,
}

impl Tier {
    pub const ALL: [Tier; 4] = [Tier::Standard, Tier::Silver, Tier::Gold, Tier::Platinum];

    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Standard => "standard",
            Tier::Silver => "silver",
            Tier::Gold => "gold",
            Tier::Platinum => "platinum",
        }
    }

    pub fn parse(value: &str) -> Option<Tier> {
        Tier::ALL.into_iter().find(|t| t.as_str() == value)
    }
}

/// The most decimals a discount has (`NUMERIC(5,2)`).
pub const DISCOUNT_DECIMALS: u32 = 2;

/// A discount on list prices, in percent: 0 to 100 with at most
/// [`DISCOUNT_DECIMALS`] decimals (trailing zeros do not count: `"5.000"` is 5 %).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct DiscountPct(Decimal);

impl DiscountPct {
    pub fn parse(value: Decimal) -> Result<DiscountPct, InvalidValue> {
        if value < Decimal::ZERO || value > Decimal::ONE_HUNDRED {
            return Err(InvalidValue::new("must be from 0 to 100 (percent)"));
        }
        let value = value.normalize();
        if value.scale() > DISCOUNT_DECIMALS {
            return Err(InvalidValue::new(format!(
                "must have at most {DISCOUNT_DECIMALS} decimals"
            )));
        }
        Ok(DiscountPct(value))
    }

    pub fn get(self) -> Decimal {
        self.0
    }
}

/// Whether a discount may start at `effective_from` when it is `now`: not before
/// `now`, since orders placed since then were priced with the discount in force then.
pub fn check_effective_from(
    effective_from: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), InvalidValue> {
    if effective_from < now {
        return Err(InvalidValue::new(format!(
            "must not be in the past (it is {}): the discount of a moment already priced \
             never changes; leave it out to start now",
            now.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
        )));
    }
    Ok(())
}

/// One entry of a tier's history: `pct` percent off list prices from `effective_from`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Discount {
    pub tier: Tier,
    pub pct: Decimal,
    pub effective_from: DateTime<Utc>,
}

/// Tiers' discount histories, or any part of them holding the entries asked about (the
/// one in force at a moment, the one after it).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Schedule {
    entries: Vec<Discount>,
}

impl Schedule {
    pub fn new(entries: impl IntoIterator<Item = Discount>) -> Schedule {
        Schedule {
            entries: entries.into_iter().collect(),
        }
    }

    fn of(&self, tier: Tier) -> impl Iterator<Item = &Discount> {
        self.entries.iter().filter(move |d| d.tier == tier)
    }

    /// The discount of `tier` in force at `at`: the entry with the latest
    /// `effective_from` not after `at` (`None` before the tier's first entry).
    pub fn in_force(&self, tier: Tier, at: DateTime<Utc>) -> Option<&Discount> {
        self.of(tier)
            .filter(|d| d.effective_from <= at)
            .max_by_key(|d| d.effective_from)
    }

    /// The discount of `tier` that comes into force next after `at`: the entry with the
    /// earliest `effective_from` after `at` (`None` when nothing is scheduled).
    pub fn next_after(&self, tier: Tier, at: DateTime<Utc>) -> Option<&Discount> {
        self.of(tier)
            .filter(|d| d.effective_from > at)
            .min_by_key(|d| d.effective_from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }
    fn t(secs: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(secs, 0).unwrap()
    }
    fn entry(tier: Tier, pct: &str, secs: i64) -> Discount {
        Discount {
            tier,
            pct: d(pct),
            effective_from: t(secs),
        }
    }

    #[test]
    fn names_round_trip() {
        for tier in Tier::ALL {
            assert_eq!(Tier::parse(tier.as_str()), Some(tier));
            assert_eq!(
                serde_json::to_value(tier).unwrap(),
                serde_json::json!(tier.as_str())
            );
        }
        assert_eq!(Tier::parse("diamond"), None);
        assert_eq!(Tier::parse("Gold"), None);
    }

    #[test]
    fn discounts_are_0_to_100_with_two_decimals() {
        for ok in ["0", "5", "12.5", "12.25", "100", "100.00", "5.000", "0.01"] {
            assert!(DiscountPct::parse(d(ok)).is_ok(), "{ok}");
        }
        assert_eq!(
            DiscountPct::parse(d("5.000")).unwrap().get().to_string(),
            "5"
        );
        assert_eq!(
            DiscountPct::parse(d("7.50")).unwrap().get().to_string(),
            "7.5"
        );
        for bad in ["-0.01", "-5", "100.01", "101", "12.345", "0.001", "99.999"] {
            assert!(DiscountPct::parse(d(bad)).is_err(), "{bad}");
        }
        assert!(
            DiscountPct::parse(d("12.345"))
                .unwrap_err()
                .message()
                .contains("2 decimals")
        );
        assert!(
            DiscountPct::parse(d("101"))
                .unwrap_err()
                .message()
                .contains("0 to 100")
        );
    }

    #[test]
    fn never_from_the_past() {
        assert!(check_effective_from(t(100), t(100)).is_ok());
        assert!(check_effective_from(t(101), t(100)).is_ok());
        let err = check_effective_from(t(99), t(100)).unwrap_err();
        assert!(err.message().contains("must not be in the past"), "{err:?}");
    }

    #[test]
    fn the_latest_entry_not_after_the_moment_is_in_force() {
        let gold = Schedule::new([
            entry(Tier::Gold, "10", 0),
            entry(Tier::Gold, "12", 200),
            entry(Tier::Gold, "11", 100),
            entry(Tier::Silver, "99", 150),
        ]);
        let pct = |at| gold.in_force(Tier::Gold, t(at)).map(|e| e.pct);
        assert_eq!(pct(-1), None);
        assert_eq!(pct(0), Some(d("10")));
        assert_eq!(pct(99), Some(d("10")));
        assert_eq!(pct(100), Some(d("11")), "in force from its first instant");
        assert_eq!(pct(199), Some(d("11")));
        assert_eq!(pct(5_000), Some(d("12")));
        let next = |at| gold.next_after(Tier::Gold, t(at)).map(|e| e.pct);
        assert_eq!(next(0), Some(d("11")));
        assert_eq!(next(100), Some(d("12")), "the one in force is not next");
        assert_eq!(next(200), None);
        assert_eq!(gold.in_force(Tier::Platinum, t(1_000)), None);
        assert_eq!(
            gold.in_force(Tier::Silver, t(150)).map(|e| e.pct),
            Some(d("99"))
        );
    }

    fn history() -> impl Strategy<Value = Vec<Discount>> {
        // Distinct moments per tier, as the table's key makes them.
        proptest::collection::btree_map((0usize..4, -1_000i64..1_000), 0i64..=10_000, 0..20)
            .prop_map(|m| {
                m.into_iter()
                    .map(|((tier, secs), pct)| Discount {
                        tier: Tier::ALL[tier],
                        pct: Decimal::new(pct, 2),
                        effective_from: t(secs),
                    })
                    .collect()
            })
    }

    proptest! {
        #[test]
        fn in_force_is_the_latest_not_after_and_nothing_lies_between(
            entries in history(), tier in 0usize..4, at in -1_200i64..1_200,
        ) {
            let tier = Tier::ALL[tier];
            let schedule = Schedule::new(entries.clone());
            let at = t(at);
            let mine: Vec<&Discount> = entries.iter().filter(|e| e.tier == tier).collect();
            match schedule.in_force(tier, at) {
                None => prop_assert!(mine.iter().all(|e| e.effective_from > at)),
                Some(found) => {
                    prop_assert_eq!(found.tier, tier);
                    prop_assert!(found.effective_from <= at);
                    prop_assert!(mine.iter().all(|e| e.effective_from <= found.effective_from
                        || e.effective_from > at));
                }
            }
            match schedule.next_after(tier, at) {
                None => prop_assert!(mine.iter().all(|e| e.effective_from <= at)),
                Some(next) => {
                    prop_assert!(next.effective_from > at);
                    prop_assert!(mine.iter().all(|e| e.effective_from <= at
                        || e.effective_from >= next.effective_from));
                    // Once its moment comes, the next one is the one in force.
                    prop_assert_eq!(schedule.in_force(tier, next.effective_from), Some(next));
                }
            }
        }

        #[test]
        fn in_force_moves_only_forward_in_time(
            entries in history(), tier in 0usize..4, a in -1_200i64..1_200, b in -1_200i64..1_200,
        ) {
            let tier = Tier::ALL[tier];
            let schedule = Schedule::new(entries);
            let (early, late) = (t(a.min(b)), t(a.max(b)));
            if let Some(before) = schedule.in_force(tier, early) {
                let after = schedule.in_force(tier, late);
                prop_assert!(after.is_some_and(|x| x.effective_from >= before.effective_from));
            }
        }

        /// What `check_effective_from` protects: an entry it lets in never changes the
        /// discount in force at any moment before `now`, so no order already priced
        /// disagrees with the history.
        #[test]
        fn an_entry_allowed_now_never_changes_the_past(
            entries in history(), tier in 0usize..4, now in -1_000i64..1_000,
            later in 0i64..200, pct in 0i64..=10_000, earlier in 1i64..1_200,
        ) {
            let tier = Tier::ALL[tier];
            let (from, past) = (t(now + later), t(now - earlier));
            let now = t(now);
            prop_assert!(check_effective_from(from, now).is_ok());
            prop_assert!(check_effective_from(past, now).is_err());
            // One entry per tier and moment (the table's key).
            if entries.iter().any(|e| e.tier == tier && e.effective_from == from) {
                return Ok(());
            }
            let before = Schedule::new(entries.clone());
            let mut added = entries;
            added.push(Discount { tier, pct: Decimal::new(pct, 2), effective_from: from });
            let after = Schedule::new(added);
            for any in Tier::ALL {
                prop_assert_eq!(before.in_force(any, past), after.in_force(any, past));
            }
            prop_assert_eq!(after.in_force(tier, from).map(|d| d.effective_from), Some(from));
        }

        #[test]
        fn every_valid_discount_keeps_a_net_price_between_zero_and_list(
            pct in 0i64..=10_000, list in 0i64..10_000_000_000_000,
        ) {
            let pct = DiscountPct::parse(Decimal::new(pct, 2)).unwrap().get();
            prop_assert!(pct.scale() <= DISCOUNT_DECIMALS);
            let list = Decimal::new(list, 4);
            let net = super::super::pricing::unit_net(list, pct);
            prop_assert!(net >= Decimal::ZERO && net <= list);
        }

        #[test]
        fn parse_accepts_exactly_0_to_100_with_two_decimals(mantissa in -20_000i64..20_000, scale in 0u32..5) {
            let value = Decimal::new(mantissa, scale);
            let ok = value >= Decimal::ZERO && value <= Decimal::ONE_HUNDRED
                && value.normalize().scale() <= DISCOUNT_DECIMALS;
            prop_assert_eq!(DiscountPct::parse(value).is_ok(), ok);
            if let Ok(parsed) = DiscountPct::parse(value) {
                prop_assert_eq!(parsed.get(), value);
            }
        }
    }
}
