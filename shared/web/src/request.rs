//! Small request conventions every service shares (DESIGN.md, "API conventions"):
//! optimistic concurrency with ETags, report periods and dates, and CSV negotiation.

use actix_web::HttpRequest;
use actix_web::http::header::{self, HeaderMap};
use aftersales_types::{CalendarDate, Timestamp};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};

use crate::ApiError;

/// `"v<version>"`: the strong ETag of a versioned resource.
pub fn etag(version: i32) -> String {
    format!("\"v{version}\"")
}

/// The version an `If-Match` header asks for: `None` without the header or with `*`.
/// An `If-Match` that names no version of ours can never match: 412.
pub fn if_match(headers: &HeaderMap) -> Result<Option<i32>, ApiError> {
    let Some(value) = headers.get(header::IF_MATCH) else {
        return Ok(None);
    };
    let value = value
        .to_str()
        .map_err(|_| ApiError::precondition_failed("If-Match does not match the current ETag"))?
        .trim();
    if value == "*" {
        return Ok(None);
    }
    value
        .strip_prefix("\"v")
        .and_then(|v| v.strip_suffix('"'))
        .and_then(|v| v.parse().ok())
        .map(Some)
        .ok_or_else(|| ApiError::precondition_failed("If-Match does not match the current ETag"))
}

/// A period `[from, to)`, each end optional.
pub type Period = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);

/// `[from, to)` from optional query values, each an RFC 3339 timestamp or a date
/// (UTC; a date as `to` includes that whole day); 422 when `to` is before `from`.
pub fn period(from: Option<&str>, to: Option<&str>) -> Result<Period, ApiError> {
    let from = from.map(|v| period_bound("from", v, false)).transpose()?;
    let to = to.map(|v| period_bound("to", v, true)).transpose()?;
    if let (Some(f), Some(t)) = (from, to)
        && t < f
    {
        return Err(ApiError::invalid_field("to", "must not be before from"));
    }
    Ok((from, to))
}

/// One end of a period (see [`period`]); `field` names it in the 422.
///
/// Both ends lie in the years RFC 3339 can write (0000 to 9999), since a report
/// answers its period back: a date as `to` ends with the next midnight, so its last
/// day is 9999-12-30, and an offset may not carry a timestamp past either end.
pub fn period_bound(field: &str, value: &str, is_to: bool) -> Result<DateTime<Utc>, ApiError> {
    let out_of_range = || {
        let dates = if is_to {
            "0000-01-01 to 9999-12-30 (a date as to includes its whole day)"
        } else {
            "0000-01-01 to 9999-12-31"
        };
        ApiError::invalid_field(
            field,
            format!("must be a date from {dates}, or a timestamp in the years 0000 to 9999 (UTC)"),
        )
    };
    let bound = if let Ok(ts) = DateTime::parse_from_rfc3339(value) {
        ts.with_timezone(&Utc)
    } else {
        // Read with chrono's own reading first so that a date outside the years
        // (`-4713-01-01`) is told the range rather than the format.
        let date = NaiveDate::parse_from_str(value, "%Y-%m-%d").map_err(|_| {
            ApiError::invalid_field(
                field,
                "must be a date (YYYY-MM-DD) or an RFC 3339 timestamp",
            )
        })?;
        let date = CalendarDate::new(date).map_err(|_| out_of_range())?.get();
        // A date as `to` includes that whole day: the period ends at the next midnight.
        let date = if is_to {
            date.succ_opt().ok_or_else(out_of_range)?
        } else {
            date
        };
        date.and_time(NaiveTime::MIN).and_utc()
    };
    Timestamp::new(bound)
        .map(Timestamp::get)
        .map_err(|_| out_of_range())
}

/// A date parameter (`as_of=2026-12-01`): `YYYY-MM-DD` from 0000-01-01 to 9999-12-31,
/// else a 422 naming `field` and saying the range.
pub fn date(field: &str, value: &str) -> Result<CalendarDate, ApiError> {
    CalendarDate::parse(value).map_err(|e| ApiError::invalid_field(field, e.into_message()))
}

// The values of a report's `format` query parameter, for its OpenAPI document:
// `#[param(inline, value_type = Option<ReportFormat>)]`. The handler reads the raw
// value with `wants_csv`, so that any other value is a 422 naming the field.
/// The report's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum ReportFormat {
    Json,
    Csv,
}

/// Whether a report is wanted as CSV: `?format=csv`, or `Accept: text/csv` when no
/// format is given. Any other format is a 422.
pub fn wants_csv(req: &HttpRequest, format: Option<&str>) -> Result<bool, ApiError> {
    match format {
        Some("csv") => return Ok(true),
        Some("json") => return Ok(false),
        Some(_) => return Err(ApiError::invalid_field("format", "must be json or csv")),
        None => {}
    }
    Ok(req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/csv")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::HeaderValue;
    use actix_web::test::TestRequest;

    fn headers(if_match: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::IF_MATCH, HeaderValue::from_str(if_match).unwrap());
        h
    }

    #[test]
    fn if_match_reads_our_etags_and_refuses_anything_else() {
        assert_eq!(if_match(&HeaderMap::new()).unwrap(), None);
        assert_eq!(if_match(&headers("*")).unwrap(), None);
        assert_eq!(if_match(&headers(&etag(7))).unwrap(), Some(7));
        for bad in ["\"7\"", "v7", "\"vx\"", "W/\"v7\"x"] {
            assert!(if_match(&headers(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_date_as_to_includes_the_whole_day_and_to_before_from_is_422() {
        let (from, to) = period(Some("2026-01-01"), Some("2026-01-31")).unwrap();
        assert_eq!(from.unwrap().to_rfc3339(), "2026-01-01T00:00:00+00:00");
        assert_eq!(to.unwrap().to_rfc3339(), "2026-02-01T00:00:00+00:00");
        assert!(period(Some("2026-02-01"), Some("2026-01-01")).is_err());
        assert!(period(Some("yesterday"), None).is_err());
    }

    #[test]
    fn a_period_stays_within_the_years_rfc_3339_can_write() {
        // The whole last day still fits: its end is answered back as a timestamp.
        let to = period_bound("to", "9999-12-30", true).unwrap();
        assert_eq!(to.to_rfc3339(), "9999-12-31T00:00:00+00:00");
        let from = period_bound("from", "9999-12-31", false).unwrap();
        assert_eq!(from.to_rfc3339(), "9999-12-31T00:00:00+00:00");
        // The day after 9999-12-31 (or an offset past it) cannot be written back
        // (`+10000-01-01T00:00:00Z`): a 422 that says the range, never that value.
        for (field, value, is_to) in [
            ("to", "9999-12-31", true),
            ("to", "9999-12-31T23:30:00-01:00", true),
            ("from", "0000-01-01T00:30:00+01:00", false),
            ("from", "+10000-01-01", false),
            ("from", "-4713-01-01", false),
            ("to", "-5000-01-01", true),
        ] {
            let err = period_bound(field, value, is_to).unwrap_err();
            let problem = format!("{err:?}");
            assert!(problem.contains(field), "{value}: {problem}");
            assert!(
                problem.contains("from 0000-01-01 to 9999-12-3"),
                "{value}: {problem}"
            );
            assert!(!problem.contains("10000"), "{value}: {problem}");
        }
        let err = period(Some("2026-01-01"), Some("9999-12-31")).unwrap_err();
        assert!(format!("{err:?}").contains("9999-12-30"), "{err:?}");
    }

    #[test]
    fn date_parameters_stay_within_the_years_an_answer_can_write() {
        assert_eq!(
            date("as_of", "2026-12-01").unwrap().to_string(),
            "2026-12-01"
        );
        assert!(date("as_of", "9999-12-31").is_ok());
        for bad in [
            "+10000-01-01",
            "-0001-01-01",
            "-4713-01-01",
            "2026-13-01",
            "2026-12-01T00:00:00Z",
            "",
        ] {
            let error = date("as_of", bad).unwrap_err();
            assert!(
                matches!(&error, ApiError::Unprocessable { errors, .. }
                    if errors[0].field == "as_of" && errors[0].message.contains("0000-01-01 to 9999-12-31")),
                "{bad}: {error:?}"
            );
        }
    }

    #[test]
    fn csv_by_format_or_accept_header() {
        let plain = TestRequest::default().to_http_request();
        let accept = TestRequest::default()
            .insert_header((header::ACCEPT, "text/csv"))
            .to_http_request();
        assert!(!wants_csv(&plain, None).unwrap());
        assert!(wants_csv(&accept, None).unwrap());
        assert!(wants_csv(&plain, Some("csv")).unwrap());
        assert!(!wants_csv(&accept, Some("json")).unwrap());
        assert!(wants_csv(&plain, Some("xml")).is_err());
    }
}
