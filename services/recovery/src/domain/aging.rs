//! Aging of outstanding amounts by days since the claim was submitted: 0–30, 31–60,
//! 61–90, over 90.

use chrono::NaiveDate;
use rust_decimal::Decimal;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Aging {
    pub days_0_30: Decimal,
    pub days_31_60: Decimal,
    pub days_61_90: Decimal,
    pub over_90: Decimal,
}

impl Aging {
    /// Adds `amount` outstanding since `submitted_on`, as of `as_of`. A claim submitted
    /// after `as_of` counts as 0 days old.
    pub fn add(mut self, submitted_on: NaiveDate, as_of: NaiveDate, amount: Decimal) -> Aging {
        let days = (as_of - submitted_on).num_days().max(0);
        let bucket = match days {
            0..=30 => &mut self.days_0_30,
            31..=60 => &mut self.days_31_60,
            61..=90 => &mut self.days_61_90,
            _ => &mut self.over_90,
        };
        *bucket += amount;
        self
    }

    pub fn plus(self, other: Aging) -> Aging {
        Aging {
            days_0_30: self.days_0_30 + other.days_0_30,
            days_31_60: self.days_31_60 + other.days_31_60,
            days_61_90: self.days_61_90 + other.days_61_90,
            over_90: self.over_90 + other.over_90,
        }
    }

    pub fn total(&self) -> Decimal {
        self.days_0_30 + self.days_31_60 + self.days_61_90 + self.over_90
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_edges() {
        let as_of: NaiveDate = "2024-04-30".parse().unwrap();
        let one = Decimal::ONE;
        let at = |days: u64| as_of - chrono::Days::new(days);
        let a = [0, 30, 31, 60, 61, 90, 91, 400]
            .into_iter()
            .fold(Aging::default(), |a, days| a.add(at(days), as_of, one));
        assert_eq!(a.days_0_30, Decimal::from(2));
        assert_eq!(a.days_31_60, Decimal::from(2));
        assert_eq!(a.days_61_90, Decimal::from(2));
        assert_eq!(a.over_90, Decimal::from(2));
        assert_eq!(a.total(), Decimal::from(8));
        let future = Aging::default().add(as_of + chrono::Days::new(3), as_of, one);
        assert_eq!(future.days_0_30, one);
    }
}
