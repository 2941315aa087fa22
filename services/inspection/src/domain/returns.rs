//! When a failed part's return is due: the claim's holder is reminded once when its
//! return deadline comes within [`REMINDER_DAYS`] (the return-deadline job,
//! `app::deadline`), so that nobody learns of the deadline only when it has passed.

use chrono::{DateTime, Duration, Utc};

/// How many days before its return deadline a claim's part is reminded of.
pub const REMINDER_DAYS: i64 = 3;

/// The latest return deadline a reminder sent at `now` covers: deadlines in
/// `[now, horizon]` are due within the window.
pub fn reminder_horizon(now: DateTime<Utc>) -> DateTime<Utc> {
    now + Duration::days(REMINDER_DAYS)
}

/// Whether a part due back at `deadline` is due within the window at `now` (and not
/// overdue: an overdue part rejects its claim instead).
pub fn due_soon(deadline: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    deadline >= now && deadline <= reminder_horizon(now)
}

/// Whole days left until `deadline`, rounded up, as a reminder says "within N days":
/// at least 1 while it has not passed, 0 after.
pub fn days_left(deadline: DateTime<Utc>, now: DateTime<Utc>) -> i64 {
    let left = deadline - now;
    if left <= Duration::zero() {
        return 0;
    }
    let whole = left.num_days();
    if left > Duration::days(whole) {
        whole + 1
    } else {
        whole
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn at(h: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 6, 12, 0, 0).unwrap() + Duration::hours(h)
    }

    #[test]
    fn a_deadline_is_due_soon_from_three_days_before_until_it_passes() {
        let now = at(0);
        assert!(!due_soon(at(3 * 24 + 1), now), "more than 3 days away");
        assert!(due_soon(at(3 * 24), now), "exactly 3 days away");
        assert!(due_soon(at(1), now));
        assert!(due_soon(now, now), "due this very moment");
        assert!(!due_soon(at(-1), now), "overdue: rejected, not reminded");
        assert_eq!(reminder_horizon(now), at(72));
    }

    #[test]
    fn days_left_round_up_so_that_within_n_days_is_true() {
        let now = at(0);
        assert_eq!(days_left(at(72), now), 3);
        assert_eq!(days_left(at(71), now), 3);
        assert_eq!(days_left(at(48), now), 2);
        assert_eq!(days_left(at(1), now), 1);
        assert_eq!(days_left(now, now), 0);
        assert_eq!(days_left(at(-5), now), 0);
    }

    proptest! {
        #[test]
        fn a_deadline_due_soon_has_one_to_three_days_left(minutes in 1i64..(REMINDER_DAYS * 24 * 60)) {
            let now = at(0);
            let deadline = now + Duration::minutes(minutes);
            prop_assert!(due_soon(deadline, now));
            let left = days_left(deadline, now);
            prop_assert!((1..=REMINDER_DAYS).contains(&left));
            prop_assert!(deadline <= now + Duration::days(left));
            prop_assert!(deadline > now + Duration::days(left - 1));
        }
    }
}
