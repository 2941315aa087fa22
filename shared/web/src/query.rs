//! The query-string extractor every handler takes instead of `web::Query`: the same
//! parsing, but a value that does not fit answers 400 naming the parameter
//! (`errors[{field: "limit", message: "must be a whole number"}]`) in words for people,
//! never a parser's message, and never the whole of a long input.

use std::future::{Ready, ready};
use std::ops::Deref;

use actix_web::{FromRequest, HttpRequest, dev::Payload};
use serde::de::DeserializeOwned;

use crate::ApiError;
use crate::error::shortened;

/// At most this much of a client's value is shown back in a message.
const SHOWN: usize = 40;

/// A handler's query parameters, parsed into `T` (named `Query` so the OpenAPI derive
/// reads `T`'s parameters like it does for `web::Query`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query<T>(pub T);

impl<T> Query<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> Deref for Query<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned> FromRequest for Query<T> {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(parse(req.query_string()).map(Query))
    }
}

/// `query` (without the `?`) as `T`; 400 naming the first parameter that does not fit.
pub fn parse<T: DeserializeOwned>(query: &str) -> Result<T, ApiError> {
    let pairs = form_urlencoded::parse(query.as_bytes());
    serde_path_to_error::deserialize(serde_urlencoded::Deserializer::new(pairs)).map_err(|e| {
        let raw = e.inner().to_string();
        let path = e.path().to_string();
        let field = quoted_after(&raw, "missing field `")
            .or_else(|| quoted_after(&raw, "unknown field `"))
            .or_else(|| (path != "." && !path.is_empty()).then_some(path))
            .unwrap_or_else(|| "query".to_owned());
        ApiError::bad_parameter(field, for_people(&raw))
    })
}

/// What serde's message means, for the person who typed the value.
fn for_people(raw: &str) -> String {
    if let Some(expected) = raw
        .strip_prefix("unknown variant `")
        .and_then(|rest| rest.split_once("`, expected "))
        .map(|(_, expected)| expected)
    {
        // serde writes "`a` or `b`" for two, "one of `a`, `b`, `c`" for more.
        let options = expected
            .trim_start_matches("one of ")
            .replace('`', "")
            .replace(" or ", ", ");
        return format!("must be one of: {options}");
    }
    if raw.starts_with("missing field") {
        return "is required".to_owned();
    }
    if raw.starts_with("unknown field") {
        return "is not a parameter of this request".to_owned();
    }
    match raw {
        "invalid digit found in string" | "cannot parse integer from empty string" => {
            "must be a whole number".to_owned()
        }
        "number too large to fit in target type" => "is too large".to_owned(),
        "number too small to fit in target type" => "is too small".to_owned(),
        "provided string was not `true` or `false`" => "must be true or false".to_owned(),
        "invalid float literal" => "must be a number".to_owned(),
        _ if raw.starts_with("invalid value: integer") => {
            "must be a whole number of 0 or more".to_owned()
        }
        _ if raw.starts_with("invalid length") || raw.starts_with("UUID parsing failed") => {
            "must be an id (a UUID)".to_owned()
        }
        // Anything else: serde's words, cut short so a long input is not sent back.
        _ => format!("is not valid: {}", shortened(raw, SHOWN)),
    }
}

fn quoted_after(raw: &str, prefix: &str) -> Option<String> {
    let rest = raw.strip_prefix(prefix)?;
    rest.find('`').map(|end| rest[..end].to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "snake_case")]
    enum Status {
        Open,
        Closed,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Q {
        status: Option<Status>,
        limit: Option<u32>,
        id: Option<uuid::Uuid>,
        flag: Option<bool>,
        cursor: Option<String>,
    }

    fn field_error(query: &str) -> (String, String) {
        match parse::<Q>(query) {
            Err(ApiError::BadParameter(e)) => (e.field, e.message),
            other => panic!("{query}: {other:?}"),
        }
    }

    #[test]
    fn good_queries_parse() {
        let q: Q = parse("status=open&limit=5&cursor=abc").unwrap();
        assert_eq!((q.status, q.limit), (Some(Status::Open), Some(5)));
        let q: Q = parse("").unwrap();
        assert_eq!(q.limit, None);
    }

    #[test]
    fn a_bad_value_names_its_parameter_in_words_for_people() {
        for (query, field, message) in [
            ("status=nope", "status", "must be one of: open, closed"),
            ("limit=abc", "limit", "must be a whole number"),
            ("status=open&limit=", "limit", "must be a whole number"),
            ("limit=-1", "limit", "must be a whole number"),
            ("limit=99999999999", "limit", "is too large"),
            ("id=42", "id", "must be an id (a UUID)"),
            ("flag=maybe", "flag", "must be true or false"),
            ("colour=red", "colour", "is not a parameter of this request"),
        ] {
            assert_eq!(
                field_error(query),
                (field.to_owned(), message.to_owned()),
                "{query}"
            );
        }
    }

    #[test]
    fn a_long_value_is_not_sent_back() {
        let long = "x".repeat(10_000);
        let (field, message) = field_error(&format!("status={long}"));
        assert_eq!(field, "status");
        assert!(message.len() < 200, "{message}");
    }
}
