//! Cursor pagination: `?cursor=&limit=` in, `{items, next_cursor}` out.
//!
//! A cursor is opaque to clients: base64url (no padding) of the JSON of whatever
//! position the service needs (usually the sort key of the last item returned).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::ApiError;

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 200;
/// Cursors longer than this are rejected before decoding.
const MAX_CURSOR_LEN: usize = 2048;

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Opaque position from a previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// Page size, 1 to 200 (default 50).
    pub limit: Option<u32>,
}

impl PageQuery {
    /// The page size: default 50, clamped to 1..=200.
    pub fn limit(&self) -> i64 {
        self.limit
            .map_or(DEFAULT_LIMIT, |l| i64::from(l).clamp(1, MAX_LIMIT))
    }

    /// The decoded cursor, `None` on the first page; 400 if it is not one of ours.
    pub fn position<T: DeserializeOwned>(&self) -> Result<Option<T>, ApiError> {
        self.cursor
            .as_deref()
            .filter(|c| !c.is_empty())
            .map(Cursor::decode)
            .transpose()
    }
}

/// Encoding and decoding of opaque cursors.
pub struct Cursor;

impl Cursor {
    pub fn encode<T: Serialize>(position: &T) -> String {
        // Serializing plain data to a Vec cannot fail; a type whose Serialize impl
        // errors (e.g. a map with non-string keys) would be a programming error.
        let json = serde_json::to_vec(position).unwrap_or_default();
        URL_SAFE_NO_PAD.encode(json)
    }

    pub fn decode<T: DeserializeOwned>(cursor: &str) -> Result<T, ApiError> {
        let invalid = || ApiError::bad_request("invalid cursor");
        if cursor.len() > MAX_CURSOR_LEN {
            return Err(invalid());
        }
        let bytes = URL_SAFE_NO_PAD
            .decode(cursor.trim_end_matches('='))
            .map_err(|_| invalid())?;
        serde_json::from_slice(&bytes).map_err(|_| invalid())
    }
}

/// One page of a list.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// Builds a page from up to `limit + 1` rows fetched in order: the extra row only
    /// tells that there is more, and the cursor is made from the last row kept.
    pub fn from_rows<C: Serialize>(
        mut rows: Vec<T>,
        limit: i64,
        cursor_of: impl Fn(&T) -> C,
    ) -> Self {
        let limit = usize::try_from(limit.max(0)).unwrap_or(usize::MAX);
        let more = rows.len() > limit;
        rows.truncate(limit);
        let next_cursor = if more {
            rows.last().map(|last| Cursor::encode(&cursor_of(last)))
        } else {
            None
        };
        Page {
            items: rows,
            next_cursor,
        }
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next_cursor: self.next_cursor,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn limit_defaults_and_clamps() {
        let q = |limit| PageQuery {
            cursor: None,
            limit,
        };
        assert_eq!(q(None).limit(), 50);
        assert_eq!(q(Some(0)).limit(), 1);
        assert_eq!(q(Some(7)).limit(), 7);
        assert_eq!(q(Some(200)).limit(), 200);
        assert_eq!(q(Some(u32::MAX)).limit(), 200);
    }

    #[test]
    fn garbage_cursor_is_400() {
        for bad in ["!!!", "eyJ", "bm90IGpzb24", &"A".repeat(5000)] {
            let err = Cursor::decode::<(i64, String)>(bad).unwrap_err();
            assert!(matches!(err, ApiError::BadRequest(ref d) if d == "invalid cursor"));
        }
        // Valid JSON of the wrong shape is not ours either.
        let wrong = Cursor::encode(&"text");
        assert!(Cursor::decode::<(i64, String)>(&wrong).is_err());
    }

    #[test]
    fn position_of_first_page_is_none() {
        let q = PageQuery::default();
        assert_eq!(q.position::<i64>().unwrap(), None);
        let q = PageQuery {
            cursor: Some(Cursor::encode(&42_i64)),
            limit: None,
        };
        assert_eq!(q.position::<i64>().unwrap(), Some(42));
    }

    #[test]
    fn page_from_rows() {
        let page = Page::from_rows(vec![1, 2, 3], 2, |n| *n);
        assert_eq!(page.items, vec![1, 2]);
        assert_eq!(
            Cursor::decode::<i32>(page.next_cursor.as_deref().unwrap()).unwrap(),
            2
        );
        let last = Page::from_rows(vec![1, 2], 2, |n| *n);
        assert_eq!(last.next_cursor, None);
        let json = serde_json::to_value(last.map(|n| n * 10)).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"items": [10, 20], "next_cursor": null})
        );
    }

    proptest! {
        #[test]
        fn cursor_round_trips(ts in any::<i64>(), id in "\\PC{0,40}", flag in any::<bool>()) {
            let position = (ts, id, flag);
            let encoded = Cursor::encode(&position);
            prop_assert!(encoded.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
            let decoded: (i64, String, bool) = Cursor::decode(&encoded).unwrap();
            prop_assert_eq!(decoded, position);
        }

        #[test]
        fn decode_never_panics(s in "\\PC{0,100}") {
            let _ = Cursor::decode::<serde_json::Value>(&s);
        }
    }
}
