//! Dates and timestamps a client may send: only those the system can store, compute
//! with and answer back.
//!
//! chrono reads years from −262 144 to 262 143 (`-5000-01-01`, `+10000-01-01`);
//! PostgreSQL stores none before 4713 BC, and RFC 3339, in which every answer writes
//! them back, has four-digit years only. So a date or timestamp from outside lies in
//! the years 0000 to 9999 (UTC), and anything else is refused where it enters with a
//! message that says the range, never as an error of the database.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike as _, NaiveDate, SecondsFormat, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use utoipa::openapi::{KnownFormat, ObjectBuilder, RefOr, Schema, SchemaFormat, Type};

use crate::InvalidValue;

/// The first and last year a date or timestamp may lie in.
pub const YEARS: std::ops::RangeInclusive<i32> = 0..=9999;

/// What a valid date looks like, in every refusal of one.
pub const DATE_RANGE: &str = "a date (YYYY-MM-DD) from 0000-01-01 to 9999-12-31";
/// What a valid timestamp looks like, in every refusal of one.
pub const TIMESTAMP_RANGE: &str =
    "an RFC 3339 timestamp (2026-05-01T12:00:00Z) in the years 0000 to 9999 (UTC)";

/// A calendar date from 0000-01-01 to 9999-12-31, written `YYYY-MM-DD` (exactly: four
/// digits of year, no sign).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CalendarDate(NaiveDate);

impl CalendarDate {
    pub const MIN: CalendarDate = CalendarDate(NaiveDate::from_ymd_opt(0, 1, 1).unwrap());
    pub const MAX: CalendarDate = CalendarDate(NaiveDate::from_ymd_opt(9999, 12, 31).unwrap());

    /// `YYYY-MM-DD`, a real day within the range.
    pub fn parse(text: &str) -> Result<Self, InvalidValue> {
        let refused = || InvalidValue::new(format!("must be {DATE_RANGE}"));
        let b = text.as_bytes();
        let shape_ok = b.len() == 10
            && b[4] == b'-'
            && b[7] == b'-'
            && b.iter()
                .enumerate()
                .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
        if !shape_ok {
            return Err(refused());
        }
        // Only ASCII digits at these places: the parses cannot fail.
        let number = |range: std::ops::Range<usize>| text[range].parse::<u32>().unwrap_or(0);
        let year = i32::try_from(number(0..4)).map_err(|_| refused())?;
        NaiveDate::from_ymd_opt(year, number(5..7), number(8..10))
            .map(Self)
            .ok_or_else(refused)
    }

    /// `date` if it lies within the range.
    pub fn new(date: NaiveDate) -> Result<Self, InvalidValue> {
        if YEARS.contains(&date.year()) {
            Ok(Self(date))
        } else {
            Err(InvalidValue::new(format!("must be {DATE_RANGE}")))
        }
    }

    pub fn get(self) -> NaiveDate {
        self.0
    }
}

impl From<CalendarDate> for NaiveDate {
    fn from(d: CalendarDate) -> NaiveDate {
        d.0
    }
}

impl fmt::Display for CalendarDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.format("%Y-%m-%d").fmt(f)
    }
}

impl FromStr for CalendarDate {
    type Err = InvalidValue;

    fn from_str(text: &str) -> Result<Self, InvalidValue> {
        Self::parse(text)
    }
}

impl Serialize for CalendarDate {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for CalendarDate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(TextVisitor(CalendarDate::parse, DATE_RANGE))
    }
}

impl utoipa::PartialSchema for CalendarDate {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Date)))
            .pattern(Some(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"))
            .description(Some("A date from 0000-01-01 to 9999-12-31."))
            .examples(["2026-05-01"])
            .into()
    }
}

impl utoipa::ToSchema for CalendarDate {}

/// An instant in the years 0000 to 9999 (UTC), read from RFC 3339 and written back as
/// RFC 3339 in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Timestamp(DateTime<Utc>);

impl Timestamp {
    /// RFC 3339 with any offset; the instant, in UTC, within the years.
    pub fn parse(text: &str) -> Result<Self, InvalidValue> {
        DateTime::parse_from_rfc3339(text)
            .map_err(|_| InvalidValue::new(format!("must be {TIMESTAMP_RANGE}")))
            .and_then(|t| Self::new(t.with_timezone(&Utc)))
    }

    /// `at` if it lies within the years.
    pub fn new(at: DateTime<Utc>) -> Result<Self, InvalidValue> {
        if YEARS.contains(&at.year()) {
            Ok(Self(at))
        } else {
            Err(InvalidValue::new(format!("must be {TIMESTAMP_RANGE}")))
        }
    }

    pub fn get(self) -> DateTime<Utc> {
        self.0
    }
}

impl From<Timestamp> for DateTime<Utc> {
    fn from(t: Timestamp) -> DateTime<Utc> {
        t.0
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.to_rfc3339_opts(SecondsFormat::AutoSi, true))
    }
}

impl FromStr for Timestamp {
    type Err = InvalidValue;

    fn from_str(text: &str) -> Result<Self, InvalidValue> {
        Self::parse(text)
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(TextVisitor(Timestamp::parse, TIMESTAMP_RANGE))
    }
}

impl utoipa::PartialSchema for Timestamp {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
            .description(Some(
                "An RFC 3339 timestamp in the years 0000 to 9999 (UTC).",
            ))
            .examples(["2026-05-01T12:00:00Z"])
            .into()
    }
}

impl utoipa::ToSchema for Timestamp {}

/// Reads a JSON string through `parse`; anything else is refused with `expected`.
struct TextVisitor<T>(fn(&str) -> Result<T, InvalidValue>, &'static str);

impl<T> serde::de::Visitor<'_> for TextVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.1)
    }

    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<T, E> {
        (self.0)(text).map_err(E::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn dates_within_the_years_parse_and_write_back_the_same() {
        for good in ["2026-12-01", "0000-01-01", "9999-12-31", "2024-02-29"] {
            let d = CalendarDate::parse(good).unwrap();
            assert_eq!(d.to_string(), good);
            assert_eq!(serde_json::to_string(&d).unwrap(), format!("\"{good}\""));
        }
        assert_eq!(CalendarDate::MIN.to_string(), "0000-01-01");
        assert_eq!(CalendarDate::MAX.to_string(), "9999-12-31");
    }

    #[test]
    fn dates_postgresql_cannot_store_or_rfc_3339_cannot_write_are_refused_with_the_range() {
        for bad in [
            "-5000-01-01",
            "-4713-01-01",
            "-0001-01-01",
            "+10000-01-01",
            "+2026-01-01",
            "10000-01-01",
            "2026-13-01",
            "2023-02-29",
            "2026-1-01",
            "2026-12-01T00:00:00Z",
            " 2026-12-01",
            "",
        ] {
            let e = CalendarDate::parse(bad).unwrap_err();
            assert_eq!(
                e.message(),
                "must be a date (YYYY-MM-DD) from 0000-01-01 to 9999-12-31",
                "{bad}"
            );
            let json = serde_json::from_str::<CalendarDate>(&format!("\"{bad}\""));
            assert!(
                json.unwrap_err()
                    .to_string()
                    .contains("0000-01-01 to 9999-12-31")
            );
        }
        let number = serde_json::from_str::<CalendarDate>("20261201").unwrap_err();
        assert!(number.to_string().contains("YYYY-MM-DD"), "{number}");
        let outside = NaiveDate::from_ymd_opt(-5000, 1, 1).unwrap();
        assert!(CalendarDate::new(outside).is_err());
    }

    #[test]
    fn timestamps_stay_within_the_years_in_utc() {
        let t = Timestamp::parse("2026-05-01T14:00:00+02:00").unwrap();
        assert_eq!(t.to_string(), "2026-05-01T12:00:00Z");
        assert_eq!(
            serde_json::from_str::<Timestamp>("\"2026-05-01T12:00:00Z\"").unwrap(),
            t
        );
        assert!(Timestamp::parse("0000-01-01T00:00:00Z").is_ok());
        assert!(Timestamp::parse("9999-12-31T23:59:59.999Z").is_ok());
        for bad in [
            "9999-12-31T23:30:00-01:00",
            "0000-01-01T00:30:00+01:00",
            "-4713-01-01T00:00:00Z",
            "+10000-01-01T00:00:00Z",
            "2026-05-01",
            "yesterday",
        ] {
            let e = Timestamp::parse(bad).unwrap_err();
            assert!(e.message().contains("years 0000 to 9999"), "{bad}: {e}");
        }
        let far = DateTime::<Utc>::from_timestamp(300_000_000_000, 0).unwrap();
        assert!(Timestamp::new(far).is_err());
    }

    #[test]
    fn schemas_are_strings_with_their_format() {
        let date = serde_json::to_value(<CalendarDate as utoipa::PartialSchema>::schema()).unwrap();
        assert_eq!(
            (date["type"].as_str(), date["format"].as_str()),
            (Some("string"), Some("date"))
        );
        let ts = serde_json::to_value(<Timestamp as utoipa::PartialSchema>::schema()).unwrap();
        assert_eq!(
            (ts["type"].as_str(), ts["format"].as_str()),
            (Some("string"), Some("date-time"))
        );
    }

    proptest! {
        #[test]
        fn a_date_parses_exactly_when_its_year_is_in_range(days in -3_000_000i32..6_000_000) {
            let Some(date) = NaiveDate::from_num_days_from_ce_opt(days) else { return Ok(()) };
            let text = date.to_string();
            let parsed = CalendarDate::parse(&text);
            prop_assert_eq!(parsed.is_ok(), (0..=9999).contains(&date.year()), "{}", text);
            prop_assert_eq!(CalendarDate::new(date).is_ok(), parsed.is_ok());
            if let Ok(d) = parsed {
                prop_assert_eq!(d.get(), date);
                prop_assert_eq!(d.to_string(), text);
            }
        }

        #[test]
        fn a_timestamp_parses_exactly_when_its_utc_year_is_in_range(
            secs in -200_000_000_000i64..300_000_000_000, offset_min in -1439i32..=1439,
        ) {
            let Some(at) = DateTime::<Utc>::from_timestamp(secs, 0) else { return Ok(()) };
            let Some(zone) = chrono::FixedOffset::east_opt(offset_min * 60) else { return Ok(()) };
            let local = at.with_timezone(&zone);
            let in_range = (0..=9999).contains(&at.year());
            prop_assert_eq!(Timestamp::new(at).is_ok(), in_range);
            // RFC 3339 writes four-digit years only: a local time outside them has no
            // text to parse.
            if (0..=9999).contains(&local.year()) {
                let text = local.to_rfc3339();
                let parsed = Timestamp::parse(&text);
                prop_assert_eq!(parsed.is_ok(), in_range, "{}", text);
                if let Ok(t) = parsed {
                    prop_assert_eq!(t.get(), at);
                }
            }
        }
    }
}
