//! The expected date of a backorder: stock on order reaches the waiting lines in the
//! order in which it will be allocated (emergency first, then oldest — the same
//! [`service_order`] as the allocation itself), earliest arrival first. A line is
//! expected on the day the last of its units arrives; a line that what is on order
//! does not cover has no date (and neither has any line after it).

use chrono::NaiveDate;

use super::allocation::{Waiting, service_order};

/// Units expected in a warehouse on a day (the open rest of a purchase-order line).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Supply {
    pub date: NaiveDate,
    pub qty: i32,
}

/// Each waiting line with its expected date, in service order.
pub fn expected_dates<K: Ord + Clone>(
    waiting: &[Waiting<K>],
    supply: &[Supply],
) -> Vec<(K, Option<NaiveDate>)> {
    let mut queue: Vec<&Waiting<K>> = waiting.iter().filter(|w| w.backordered > 0).collect();
    queue.sort_by(|a, b| service_order(a, b));
    let mut arrivals: Vec<Supply> = supply.iter().copied().filter(|s| s.qty > 0).collect();
    arrivals.sort_by_key(|s| s.date);
    let mut arrivals = arrivals.into_iter();
    let mut current: Option<Supply> = arrivals.next();
    let mut out = Vec::with_capacity(queue.len());
    for w in queue {
        let mut need = w.backordered;
        let mut date = None;
        while need > 0 {
            let Some(s) = current.as_mut() else {
                date = None;
                break;
            };
            let take = need.min(s.qty);
            need -= take;
            s.qty -= take;
            date = Some(s.date);
            if s.qty == 0 {
                current = arrivals.next();
            }
        }
        out.push((w.key.clone(), if need == 0 { date } else { None }));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::allocation::Priority;
    use chrono::{DateTime, TimeZone, Utc};
    use proptest::prelude::*;

    fn at(minute: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_700_000_000 + minute * 60, 0)
            .single()
            .unwrap_or_default()
    }

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2027, 1, d).unwrap_or_default()
    }

    fn w(key: u32, priority: Priority, minute: i64, backordered: i32) -> Waiting<u32> {
        Waiting {
            key,
            priority,
            placed_at: at(minute),
            backordered,
        }
    }

    #[test]
    fn the_emergency_line_gets_the_first_arrival_and_the_uncovered_line_no_date() {
        let waiting = [
            w(1, Priority::Stock, 1, 4),
            w(2, Priority::Emergency, 9, 3),
            w(3, Priority::Stock, 5, 6),
        ];
        let supply = [
            Supply {
                date: day(20),
                qty: 5,
            },
            Supply {
                date: day(10),
                qty: 5,
            },
        ];
        assert_eq!(
            expected_dates(&waiting, &supply),
            vec![(2, Some(day(10))), (1, Some(day(20))), (3, None)]
        );
        assert_eq!(
            expected_dates(&waiting, &[]),
            vec![(2, None), (1, None), (3, None)]
        );
    }

    fn waiting() -> impl Strategy<Value = Vec<Waiting<u32>>> {
        proptest::collection::vec((any::<bool>(), 0i64..20, 1i32..10), 0..12).prop_map(|v| {
            v.into_iter()
                .enumerate()
                .map(|(i, (e, m, q))| {
                    let p = if e {
                        Priority::Emergency
                    } else {
                        Priority::Stock
                    };
                    w(i as u32, p, m, q)
                })
                .collect()
        })
    }

    fn supply() -> impl Strategy<Value = Vec<Supply>> {
        proptest::collection::vec((1u32..28, 0i32..15), 0..6).prop_map(|v| {
            v.into_iter()
                .map(|(d, qty)| Supply { date: day(d), qty })
                .collect()
        })
    }

    proptest! {
        /// Dates never go back in service order, a line without a date is followed only by
        /// lines without one, the dated lines never need more than is on order, and when
        /// enough is on order every line has a date.
        #[test]
        fn dates_follow_the_service_order_and_never_promise_more_than_is_on_order(
            waiting in waiting(), supply in supply()
        ) {
            let dates = expected_dates(&waiting, &supply);
            prop_assert_eq!(dates.len(), waiting.len());
            let on_order: i32 = supply.iter().map(|s| s.qty).sum();
            let backordered = |k: u32| waiting.iter().find(|w| w.key == k).map_or(0, |w| w.backordered);
            let mut promised = 0;
            let mut last: Option<NaiveDate> = None;
            let mut undated = false;
            for (k, d) in &dates {
                match d {
                    Some(d) => {
                        prop_assert!(!undated, "a dated line after an undated one");
                        prop_assert!(last.is_none_or(|l| l <= *d));
                        prop_assert!(supply.iter().any(|s| s.date == *d && s.qty > 0));
                        last = Some(*d);
                        promised += backordered(*k);
                    }
                    None => undated = true,
                }
            }
            prop_assert!(promised <= on_order);
            let waiting_total: i32 = waiting.iter().map(|w| w.backordered).sum();
            if on_order >= waiting_total {
                prop_assert!(dates.iter().all(|(_, d)| d.is_some()));
            }
        }
    }
}
