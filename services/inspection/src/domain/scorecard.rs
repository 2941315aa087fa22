//! Dealer scorecards, the station assessment (docs/rules.md, "Dealer scorecards"):
//! per dealer and calendar month (UTC),
//! - claim rejection rate: claims decided in the month that were rejected (by an
//!   inspector, at submission or for a part not returned) / claims decided;
//! - part-return compliance: parts due back in the month (received, or past their
//!   deadline) that came back by the deadline / parts due;
//! - 24 h fill rate, as the orders service counts its own: by request, of the order
//!   lines placed in the month those all of whose requested units shipped within 24
//!   hours of placement; by quantity, of the units requested those shipped within 24
//!   hours. Units the dealer cancelled are not requested ([`order_fill`]);
//! - claim cycle time: submission → an inspector's decision, for claims decided in the
//!   month (mean and 90th percentile, hours);
//! - campaign completion: at the month's end, the dealer's units affected by
//!   campaigns running in the month (registered by then) that have a campaign claim.
//!
//! A rate with nothing to measure is "no data" (`None`), not 0 %.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Datelike as _, NaiveDate, Utc};
use rust_decimal::Decimal;

use super::report::{cycle_hours, share};
use crate::domain::InvalidValue;

/// The most months one scorecard request may span.
pub const MAX_MONTHS: u32 = 24;

/// A calendar month, written `YYYY-MM` (years 0000 to 9999).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Month {
    year: i32,
    month: u32,
}

impl Month {
    /// `YYYY-MM` exactly: four digits of year, two of month.
    pub fn parse(text: &str) -> Result<Month, InvalidValue> {
        let b = text.as_bytes();
        let shape_ok = b.len() == 7
            && b[4] == b'-'
            && b.iter()
                .enumerate()
                .all(|(i, c)| i == 4 || c.is_ascii_digit());
        let refused = || InvalidValue::new("must be a month, YYYY-MM, from 0000-01 to 9999-12");
        if !shape_ok {
            return Err(refused());
        }
        let year = text[0..4].parse::<i32>().map_err(|_| refused())?;
        let month = text[5..7].parse::<u32>().map_err(|_| refused())?;
        if !(1..=12).contains(&month) {
            return Err(refused());
        }
        Ok(Month { year, month })
    }

    /// The month `day` lies in.
    pub fn of(day: NaiveDate) -> Month {
        Month {
            year: day.year(),
            month: day.month(),
        }
    }

    /// The month `at` lies in (UTC).
    pub fn of_instant(at: DateTime<Utc>) -> Month {
        Month::of(at.date_naive())
    }

    pub fn first_day(self) -> NaiveDate {
        // Every Month holds a real year and a month 1..=12.
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or(NaiveDate::MIN)
    }

    pub fn last_day(self) -> NaiveDate {
        self.next().first_day().pred_opt().unwrap_or(NaiveDate::MAX)
    }

    /// The month after (9999-12 is followed by 10000-01, which chrono and PostgreSQL
    /// hold, so the last month still has an end).
    pub fn next(self) -> Month {
        if self.month == 12 {
            Month {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Month {
                year: self.year,
                month: self.month + 1,
            }
        }
    }

    /// Its first instant (UTC).
    pub fn start(self) -> DateTime<Utc> {
        self.first_day().and_time(chrono::NaiveTime::MIN).and_utc()
    }

    /// The first instant after it (UTC).
    pub fn end(self) -> DateTime<Utc> {
        self.next().start()
    }

    /// Months from `self` to `other`, 0 when equal, negative when `other` is earlier.
    fn months_to(self, other: Month) -> i64 {
        (i64::from(other.year) - i64::from(self.year)) * 12 + i64::from(other.month)
            - i64::from(self.month)
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// The months `from` to `to`, both included: which bound is wrong and why otherwise.
pub fn months(from: Month, to: Month) -> Result<Vec<Month>, (&'static str, String)> {
    let span = from.months_to(to);
    if span < 0 {
        return Err(("to", "must not be before from".into()));
    }
    if span >= i64::from(MAX_MONTHS) {
        return Err((
            "to",
            format!("a scorecard spans at most {MAX_MONTHS} months"),
        ));
    }
    Ok(std::iter::successors(Some(from), |m| Some(m.next()))
        .take_while(|m| *m <= to)
        .collect())
}

/// What was counted for one dealer in one month.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    pub decided: i64,
    pub rejected: i64,
    /// Seconds from submission to an inspector's decision, one per claim.
    pub cycle_seconds: Vec<i64>,
    pub returns_due: i64,
    pub returned_on_time: i64,
    /// The order lines placed in the month, as [`order_fill`] counts them.
    pub fill: Fill,
    pub campaign_units: i64,
    pub campaign_completed: i64,
}

/// One dealer's figures for one month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scorecard {
    pub dealer_code: String,
    pub month: Month,
    pub tally: Tally,
    pub rejection_rate: Option<Decimal>,
    pub return_compliance: Option<Decimal>,
    /// By request: order lines filled within 24 h / order lines requested.
    pub fill_rate_24h: Option<Decimal>,
    /// By quantity: units shipped within 24 h / units requested.
    pub fill_rate_24h_by_quantity: Option<Decimal>,
    pub avg_cycle_hours: Option<Decimal>,
    pub p90_cycle_hours: Option<Decimal>,
    pub campaign_completion: Option<Decimal>,
}

impl Scorecard {
    pub fn new(dealer_code: String, month: Month, tally: Tally) -> Scorecard {
        let (avg, p90) = cycle_hours(&tally.cycle_seconds);
        Scorecard {
            dealer_code,
            month,
            rejection_rate: share(tally.rejected, tally.decided),
            return_compliance: share(tally.returned_on_time, tally.returns_due),
            fill_rate_24h: share(tally.fill.lines_filled_within_24h, tally.fill.lines),
            fill_rate_24h_by_quantity: share(tally.fill.shipped_within_24h, tally.fill.units),
            avg_cycle_hours: avg,
            p90_cycle_hours: p90,
            campaign_completion: share(tally.campaign_completed, tally.campaign_units),
            tally,
        }
    }
}

/// What the fill rate counted over some order lines: the lines requesting parts and
/// those filled within 24 h of placement, the units requested and those shipped
/// within 24 h (at most each line's request).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Fill {
    pub lines: i64,
    pub lines_filled_within_24h: i64,
    pub units: i64,
    pub shipped_within_24h: i64,
}

impl Fill {
    pub fn plus(self, other: Fill) -> Fill {
        Fill {
            lines: self.lines + other.lines,
            lines_filled_within_24h: self.lines_filled_within_24h + other.lines_filled_within_24h,
            units: self.units + other.units,
            shipped_within_24h: self.shipped_within_24h + other.shipped_within_24h,
        }
    }
}

/// One order line as inspection keeps it: the units it ordered and the units of it
/// the shipments carried, ever and within 24 h of placement.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KeptLine {
    pub ordered: i64,
    pub shipped: i64,
    pub shipped_within_24h: i64,
}

/// Gives `spare` units to `lines` in line order, each up to `room(line)`; what is
/// left over goes nowhere.
fn spread<T>(lines: &mut [T], mut spare: i64, room: impl Fn(&T) -> i64, add: impl Fn(&mut T, i64)) {
    spare = spare.max(0);
    for line in lines {
        let given = spare.min(room(line).max(0));
        spare -= given;
        add(line, given);
    }
}

/// One order's fill, counted as the orders service counts its own report
/// (`services/orders/src/domain/report.rs`): each order line is one request, filled
/// when every unit requested shipped within 24 h of placement. A line of an order the
/// dealer `cancelled` requests only what shipped of it (catalog released the rest; a
/// shipment that left before catalog saw the cancellation still counts), and a line
/// of which nothing shipped requests nothing and counts nowhere.
///
/// `lines` are in line order; `unplaced` and `unplaced_within_24h` are the order's
/// shipped units not on one of its kept lines (shipments kept before inspection kept
/// their lines), ever and within 24 h: they fill the lines in line order, each up to
/// what it still lacks. An order kept without its lines is given as one line of all its
/// units.
pub fn order_fill(
    lines: &[KeptLine],
    unplaced: i64,
    unplaced_within_24h: i64,
    cancelled: bool,
) -> Fill {
    let mut lines: Vec<KeptLine> = lines
        .iter()
        .map(|l| {
            let ordered = l.ordered.max(0);
            KeptLine {
                ordered,
                shipped: l.shipped.clamp(0, ordered),
                shipped_within_24h: l.shipped_within_24h.clamp(0, ordered),
            }
        })
        .collect();
    spread(
        &mut lines,
        unplaced,
        |l| l.ordered - l.shipped,
        |l, n| l.shipped += n,
    );
    let requested = |l: &KeptLine| if cancelled { l.shipped } else { l.ordered };
    for l in &mut lines {
        l.shipped_within_24h = l.shipped_within_24h.min(requested(l));
    }
    spread(
        &mut lines,
        unplaced_within_24h,
        |l| requested(l) - l.shipped_within_24h,
        |l, n| l.shipped_within_24h += n,
    );
    lines
        .iter()
        .filter(|l| requested(l) > 0)
        .map(|l| Fill {
            lines: 1,
            lines_filled_within_24h: i64::from(l.shipped_within_24h == requested(l)),
            units: requested(l),
            shipped_within_24h: l.shipped_within_24h,
        })
        .fold(Fill::default(), Fill::plus)
}

/// A unit a campaign affects, as the scorecard weighs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignUnit {
    pub dealer_code: String,
    pub registered_at: DateTime<Utc>,
    /// The days the campaign runs, both included.
    pub runs: (NaiveDate, NaiveDate),
    /// When its campaign claim (not rejected) was submitted, if it was.
    pub claimed_at: Option<DateTime<Utc>>,
}

/// Per dealer, `(affected, completed)` at the end of `month`: units of campaigns
/// running at some day of the month, registered before its end; completed when their
/// campaign claim was submitted before its end.
pub fn campaign_counts(units: &[CampaignUnit], month: Month) -> BTreeMap<&str, (i64, i64)> {
    let (first, last, end) = (month.first_day(), month.last_day(), month.end());
    let mut per: BTreeMap<&str, (i64, i64)> = BTreeMap::new();
    for u in units {
        let (from, to) = u.runs;
        if from > last || to < first || u.registered_at >= end {
            continue;
        }
        let e = per.entry(u.dealer_code.as_str()).or_default();
        e.0 += 1;
        e.1 += i64::from(u.claimed_at.is_some_and(|at| at < end));
    }
    per
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone as _;
    use proptest::prelude::*;

    fn m(text: &str) -> Month {
        Month::parse(text).unwrap()
    }

    fn at(y: i32, mo: u32, d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, 12, 0, 0).unwrap()
    }

    fn day(y: i32, mo: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, mo, d).unwrap()
    }

    #[test]
    fn months_are_read_exactly_and_written_back() {
        assert_eq!(m("2026-02").to_string(), "2026-02");
        assert_eq!(m("0000-01").to_string(), "0000-01");
        for bad in [
            "2026-13",
            "2026-00",
            "2026-2",
            "26-02",
            "+026-02",
            "2026/02",
            "2026-02-01",
            "",
            "２026-02",
        ] {
            assert!(Month::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(m("2024-02").last_day(), day(2024, 2, 29));
        assert_eq!(m("2026-12").next(), m("2027-01"));
        assert_eq!(
            m("9999-12").end(),
            Utc.with_ymd_and_hms(10000, 1, 1, 0, 0, 0).unwrap()
        );
        assert_eq!(Month::of_instant(at(2026, 11, 30)), m("2026-11"));
    }

    #[test]
    fn a_span_runs_from_the_first_month_to_the_last_within_the_limit() {
        assert_eq!(
            months(m("2025-11"), m("2026-02")).unwrap(),
            vec![m("2025-11"), m("2025-12"), m("2026-01"), m("2026-02")]
        );
        assert_eq!(
            months(m("2026-02"), m("2026-02")).unwrap(),
            vec![m("2026-02")]
        );
        assert_eq!(months(m("2026-02"), m("2026-01")).unwrap_err().0, "to");
        assert_eq!(months(m("2024-01"), m("2025-12")).unwrap().len(), 24);
        assert!(months(m("2024-01"), m("2026-01")).is_err());
    }

    #[test]
    fn rates_are_shares_and_none_without_data() {
        let card = Scorecard::new("D1".into(), m("2026-11"), Tally::default());
        assert_eq!(card.rejection_rate, None);
        assert_eq!(card.fill_rate_24h, None);
        assert_eq!(card.fill_rate_24h_by_quantity, None);
        assert_eq!(card.avg_cycle_hours, None);
        let tally = Tally {
            decided: 4,
            rejected: 1,
            cycle_seconds: vec![3600, 7200],
            returns_due: 3,
            returned_on_time: 2,
            fill: Fill {
                lines: 3,
                lines_filled_within_24h: 2,
                units: 8,
                shipped_within_24h: 6,
            },
            campaign_units: 2,
            campaign_completed: 1,
        };
        let card = Scorecard::new("D1".into(), m("2026-11"), tally);
        assert_eq!(card.rejection_rate, Some(Decimal::new(2500, 4)));
        assert_eq!(card.return_compliance, Some(Decimal::new(6667, 4)));
        assert_eq!(card.fill_rate_24h, Some(Decimal::new(6667, 4)));
        assert_eq!(card.fill_rate_24h_by_quantity, Some(Decimal::new(7500, 4)));
        assert_eq!(card.avg_cycle_hours, Some(Decimal::new(150, 2)));
        assert_eq!(card.p90_cycle_hours, Some(Decimal::new(200, 2)));
        assert_eq!(card.campaign_completion, Some(Decimal::new(5000, 4)));
    }

    #[test]
    fn campaign_completion_counts_units_of_running_campaigns_at_the_months_end() {
        let unit = |dealer: &str, registered, runs, claimed_at| CampaignUnit {
            dealer_code: dealer.into(),
            registered_at: registered,
            runs,
            claimed_at,
        };
        let autumn = (day(2026, 10, 15), day(2026, 12, 31));
        let units = vec![
            unit("D1", at(2026, 1, 1), autumn, Some(at(2026, 10, 20))),
            unit("D1", at(2026, 1, 1), autumn, Some(at(2026, 11, 5))),
            unit("D1", at(2026, 1, 1), autumn, None),
            // Registered in November: not yet the dealer's in October.
            unit("D1", at(2026, 11, 2), autumn, None),
            unit("D2", at(2026, 1, 1), autumn, Some(at(2026, 12, 1))),
            // A campaign that ended in September weighs nothing in October.
            unit(
                "D2",
                at(2026, 1, 1),
                (day(2026, 9, 1), day(2026, 9, 30)),
                None,
            ),
        ];
        let october = campaign_counts(&units, m("2026-10"));
        assert_eq!(october.get("D1"), Some(&(3, 1)));
        assert_eq!(october.get("D2"), Some(&(1, 0)));
        let november = campaign_counts(&units, m("2026-11"));
        assert_eq!(november.get("D1"), Some(&(4, 2)));
        assert!(campaign_counts(&units, m("2027-01")).is_empty());
        assert_eq!(
            campaign_counts(&units, m("2026-09")).get("D2"),
            Some(&(1, 0))
        );
    }

    fn kept(ordered: i64, shipped: i64, shipped_within_24h: i64) -> KeptLine {
        KeptLine {
            ordered,
            shipped,
            shipped_within_24h,
        }
    }

    fn fill(lines: i64, filled: i64, units: i64, shipped: i64) -> Fill {
        Fill {
            lines,
            lines_filled_within_24h: filled,
            units,
            shipped_within_24h: shipped,
        }
    }

    #[test]
    fn an_order_line_is_filled_when_all_it_requests_shipped_within_24_hours() {
        // 4 shipped in time of 4; 1 of 2 in time, the other later.
        let lines = [kept(4, 4, 4), kept(2, 2, 1)];
        assert_eq!(order_fill(&lines, 0, 0, false), fill(2, 1, 6, 5));
        // Nothing shipped yet: requested, not filled.
        assert_eq!(order_fill(&[kept(3, 0, 0)], 0, 0, false), fill(1, 0, 3, 0));
        // Counted twice upstream: never more than ordered.
        assert_eq!(order_fill(&[kept(2, 9, 9)], 0, 0, false), fill(1, 1, 2, 2));
    }

    #[test]
    fn a_cancelled_order_requests_what_shipped_of_each_line() {
        // 10 ordered, 4 shipped (all in time), the rest released: a request of 4, filled.
        assert_eq!(order_fill(&[kept(10, 4, 4)], 0, 0, true), fill(1, 1, 4, 4));
        // 4 shipped, 1 of them in time: not filled.
        assert_eq!(order_fill(&[kept(10, 4, 1)], 0, 0, true), fill(1, 0, 4, 1));
        // Nothing shipped: the line counts nowhere, nor does the order.
        assert_eq!(
            order_fill(&[kept(3, 0, 0), kept(2, 2, 2)], 0, 0, true),
            fill(1, 1, 2, 2)
        );
        assert_eq!(order_fill(&[kept(3, 0, 0)], 0, 0, true), Fill::default());
    }

    #[test]
    fn units_not_on_a_kept_line_fill_the_lines_in_line_order() {
        // An order kept without lines: one request of its 5 units, 5 shipped in time.
        assert_eq!(order_fill(&[kept(5, 0, 0)], 5, 5, false), fill(1, 1, 5, 5));
        // 3 shipped in time on no known line: line 1's lacking 1, then 2 of line 2's 3.
        let lines = [kept(2, 1, 1), kept(3, 0, 0)];
        assert_eq!(order_fill(&lines, 3, 3, false), fill(2, 1, 5, 4));
        // Cancelled: what shipped on no known line makes the requests too.
        assert_eq!(order_fill(&lines, 2, 1, true), fill(2, 1, 3, 2));
    }

    fn any_kept() -> impl Strategy<Value = KeptLine> {
        (1i64..30, 0i64..40, 0i64..40).prop_map(|(ordered, shipped, within)| {
            let shipped = shipped.min(ordered);
            kept(ordered, shipped, within.min(shipped))
        })
    }

    fn any_month() -> impl Strategy<Value = Month> {
        (0i32..=9999, 1u32..=12).prop_map(|(year, month)| Month { year, month })
    }

    proptest! {
        #[test]
        fn a_month_holds_exactly_its_days(month in any_month()) {
            prop_assert_eq!(Month::parse(&month.to_string()).unwrap(), month);
            prop_assert_eq!(Month::of(month.first_day()), month);
            prop_assert_eq!(Month::of(month.last_day()), month);
            prop_assert_eq!(month.last_day().succ_opt().map(Month::of), Some(month.next()));
            prop_assert!(month.start() < month.end());
            prop_assert_eq!(Month::of_instant(month.start()), month);
        }

        #[test]
        fn a_span_has_one_entry_per_month_in_order(from in any_month(), len in 1u32..=MAX_MONTHS) {
            let mut to = from;
            for _ in 1..len {
                to = to.next();
            }
            prop_assume!(to.year <= 9999);
            let all = months(from, to).unwrap();
            prop_assert_eq!(all.len() as u32, len);
            prop_assert!(all.windows(2).all(|w| w[0].next() == w[1]));
        }

        #[test]
        fn fill_rates_are_fractions_of_what_was_requested(
            lines in prop::collection::vec(any_kept(), 0..6),
            unplaced in 0i64..50,
            within in 0i64..50,
            cancelled in any::<bool>(),
        ) {
            let f = order_fill(&lines, unplaced, within.min(unplaced), cancelled);
            prop_assert!(0 <= f.lines_filled_within_24h && f.lines_filled_within_24h <= f.lines);
            prop_assert!(0 <= f.shipped_within_24h && f.shipped_within_24h <= f.units);
            prop_assert!(f.lines <= f.units);
            let card = Scorecard::new("D1".into(), Month::parse("2026-01").unwrap(), Tally { fill: f, ..Tally::default() });
            for rate in [card.fill_rate_24h, card.fill_rate_24h_by_quantity].into_iter().flatten() {
                prop_assert!(rate >= Decimal::ZERO && rate <= Decimal::ONE);
            }
            prop_assert_eq!(f.lines_filled_within_24h == f.lines, f.shipped_within_24h == f.units);
        }

        #[test]
        fn a_cancellation_takes_requests_away_never_a_filled_one(
            lines in prop::collection::vec(any_kept(), 1..6),
            unplaced in 0i64..50,
            within in 0i64..50,
        ) {
            let within = within.min(unplaced);
            let (with, without) = (order_fill(&lines, unplaced, within, true), order_fill(&lines, unplaced, within, false));
            prop_assert!(with.lines <= without.lines && with.units <= without.units);
            prop_assert!(with.lines_filled_within_24h <= with.lines);
            prop_assert!(with.lines - with.lines_filled_within_24h <= without.lines - without.lines_filled_within_24h);
            prop_assert!(with.units - with.shipped_within_24h <= without.units - without.shipped_within_24h);
        }

        #[test]
        fn completed_units_never_exceed_affected_ones(
            claims in prop::collection::vec((any::<bool>(), 0u32..90, 0u32..90), 0..30),
            month in 0u32..4,
        ) {
            let base = day(2026, 9, 1);
            let units: Vec<CampaignUnit> = claims
                .iter()
                .map(|&(claimed, registered, claim)| CampaignUnit {
                    dealer_code: "D1".into(),
                    registered_at: (base + chrono::Days::new(registered.into())).and_hms_opt(0, 0, 0).unwrap().and_utc(),
                    runs: (base, base + chrono::Days::new(60)),
                    claimed_at: claimed.then(|| (base + chrono::Days::new(claim.into())).and_hms_opt(0, 0, 0).unwrap().and_utc()),
                })
                .collect();
            let mut month_of = Month::of(base);
            for _ in 0..month {
                month_of = month_of.next();
            }
            for (affected, completed) in campaign_counts(&units, month_of).values() {
                prop_assert!(0 <= *completed && completed <= affected);
            }
        }
    }
}
