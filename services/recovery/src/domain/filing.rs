//! Filing deadlines: the last day a supplier still accepts a claim for a line, and
//! where a line not yet submitted stands against it.
//!
//! A line's deadline is its agreement's claim window after the decision
//! (`agreement::window_closes_on`). A line still `open` or `batched` is **at risk**
//! from `lead` days before its deadline to the deadline itself, and **forfeited** from
//! the day after: the supplier no longer accepts it, and what it would have recovered
//! is lost. The filing-deadline sweep (`app::filing`) drafts claims for lines at risk
//! and marks forfeited ones, so that one never goes unnoticed.

use chrono::{Days, NaiveDate};

/// How many days before its deadline a line not yet submitted is at risk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct LeadDays(u16);

impl LeadDays {
    /// A year: a longer lead would put a line at risk before most windows open.
    pub const MAX: u16 = 365;
    pub const DEFAULT: LeadDays = LeadDays(14);

    pub fn parse(days: i64) -> Result<Self, String> {
        u16::try_from(days)
            .ok()
            .filter(|d| *d <= Self::MAX)
            .map(LeadDays)
            .ok_or_else(|| format!("must be a whole number of days from 0 to {}", Self::MAX))
    }

    pub fn days(self) -> u16 {
        self.0
    }
}

/// Where a line not yet submitted stands on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// More than the lead time left.
    OnTime,
    /// Within the lead time; the deadline day itself is the last day to submit.
    AtRisk,
    /// The deadline has passed.
    Forfeited,
}

/// Days from `today` to `deadline`: 0 on the deadline day, negative after it.
pub fn days_left(deadline: NaiveDate, today: NaiveDate) -> i64 {
    (deadline - today).num_days()
}

pub fn standing(deadline: NaiveDate, today: NaiveDate, lead: LeadDays) -> Standing {
    match days_left(deadline, today) {
        d if d < 0 => Standing::Forfeited,
        d if d <= i64::from(lead.0) => Standing::AtRisk,
        _ => Standing::OnTime,
    }
}

/// The latest deadline that is at risk on `today`: the sweep's bound, `deadline <=`
/// this (and `>= today`). Saturates at the calendar's end.
pub fn at_risk_through(today: NaiveDate, lead: LeadDays) -> NaiveDate {
    today
        .checked_add_days(Days::new(u64::from(lead.0)))
        .unwrap_or(NaiveDate::MAX)
}

/// One draft the sweep makes: a supplier's lines at risk in one currency, soonest
/// deadline first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft<Id, S, C> {
    pub supplier: S,
    pub currency: C,
    pub lines: Vec<Id>,
}

/// Groups open lines at risk `(id, supplier, currency, deadline)` into one draft per
/// supplier and currency (a recovery claim holds one of each), in supplier and
/// currency order, each draft's lines by deadline and then id.
pub fn drafts<Id, S, C>(mut lines: Vec<(Id, S, C, NaiveDate)>) -> Vec<Draft<Id, S, C>>
where
    Id: Ord,
    S: Ord + Clone,
    C: Ord + Clone,
{
    lines.sort_by(|a, b| (&a.1, &a.2, a.3, &a.0).cmp(&(&b.1, &b.2, b.3, &b.0)));
    let mut out: Vec<Draft<Id, S, C>> = Vec::new();
    for (id, supplier, currency, _) in lines {
        match out.last_mut() {
            Some(d) if d.supplier == supplier && d.currency == currency => d.lines.push(id),
            _ => out.push(Draft {
                supplier,
                currency,
                lines: vec![id],
            }),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn the_deadline_day_is_the_last_day_at_risk() {
        let lead = LeadDays::parse(14).unwrap();
        let deadline = day("2026-12-31");
        assert_eq!(
            standing(deadline, day("2026-12-16"), lead),
            Standing::OnTime
        );
        assert_eq!(
            standing(deadline, day("2026-12-17"), lead),
            Standing::AtRisk
        );
        assert_eq!(standing(deadline, deadline, lead), Standing::AtRisk);
        assert_eq!(
            standing(deadline, day("2027-01-01"), lead),
            Standing::Forfeited
        );
        assert_eq!(days_left(deadline, day("2027-01-01")), -1);
        let none = LeadDays::parse(0).unwrap();
        assert_eq!(standing(deadline, deadline, none), Standing::AtRisk);
        assert_eq!(
            standing(deadline, day("2026-12-30"), none),
            Standing::OnTime
        );
    }

    #[test]
    fn lead_days_are_bounded() {
        assert!(LeadDays::parse(-1).is_err());
        assert!(LeadDays::parse(366).is_err());
        assert_eq!(LeadDays::parse(365).unwrap().days(), 365);
        assert_eq!(LeadDays::DEFAULT.days(), 14);
        assert_eq!(
            at_risk_through(NaiveDate::MAX, LeadDays::DEFAULT),
            NaiveDate::MAX
        );
    }

    #[test]
    fn one_draft_per_supplier_and_currency_soonest_first() {
        let d = drafts(vec![
            (3, "SUP2", "EUR", day("2026-12-20")),
            (1, "SUP1", "EUR", day("2026-12-24")),
            (2, "SUP1", "EUR", day("2026-12-21")),
            (4, "SUP1", "USD", day("2026-12-21")),
        ]);
        let got: Vec<_> = d
            .iter()
            .map(|d| (d.supplier, d.currency, d.lines.clone()))
            .collect();
        assert_eq!(
            got,
            [
                ("SUP1", "EUR", vec![2, 1]),
                ("SUP1", "USD", vec![4]),
                ("SUP2", "EUR", vec![3])
            ]
        );
        assert!(drafts::<u8, &str, &str>(vec![]).is_empty());
    }

    fn date() -> impl Strategy<Value = NaiveDate> {
        (0i64..3_000).prop_map(|n| day("2020-01-01") + chrono::Duration::days(n))
    }

    proptest! {
        /// The SQL bounds the sweep uses (`today <= deadline <= at_risk_through` for at
        /// risk, `deadline < today` for forfeited) say what `standing` says.
        #[test]
        fn the_sweep_bounds_agree_with_standing(deadline in date(), today in date(), lead in 0i64..=365) {
            let lead = LeadDays::parse(lead).unwrap();
            let s = standing(deadline, today, lead);
            prop_assert_eq!(s == Standing::Forfeited, deadline < today);
            prop_assert_eq!(
                s == Standing::AtRisk,
                today <= deadline && deadline <= at_risk_through(today, lead)
            );
        }

        /// Time only moves a line towards forfeiture.
        #[test]
        fn standing_never_improves_with_time(deadline in date(), today in date(), later in 0u64..400, lead in 0i64..=365) {
            let lead = LeadDays::parse(lead).unwrap();
            let rank = |s| match s { Standing::OnTime => 0, Standing::AtRisk => 1, Standing::Forfeited => 2 };
            let then = standing(deadline, today, lead);
            let after = standing(deadline, today + Days::new(later), lead);
            prop_assert!(rank(after) >= rank(then));
        }

        /// Every line is in exactly one draft, of its own supplier and currency.
        #[test]
        fn drafts_partition_the_lines(lines in proptest::collection::vec((0u8..3, 0u8..2, date()), 0..40)) {
            let lines: Vec<_> = lines.into_iter().enumerate().map(|(i, (s, c, d))| (i, s, c, d)).collect();
            let out = drafts(lines.clone());
            let mut seen: Vec<usize> = out.iter().flat_map(|d| d.lines.clone()).collect();
            seen.sort();
            prop_assert_eq!(seen, (0..lines.len()).collect::<Vec<_>>());
            for d in &out {
                for id in &d.lines {
                    prop_assert_eq!((lines[*id].1, lines[*id].2), (d.supplier, d.currency));
                }
            }
            let mut keys: Vec<_> = out.iter().map(|d| (d.supplier, d.currency)).collect();
            keys.dedup();
            prop_assert_eq!(keys.len(), out.len());
        }
    }
}
