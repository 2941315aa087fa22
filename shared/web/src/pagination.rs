//! Cursor pagination: `?cursor=&limit=` in, `{items, next_cursor}` out.
//!
//! A cursor is opaque to clients: base64url (no padding) of the JSON of whatever
//! position the service needs (usually the sort key of the last item returned).
//!
//! Most lists are ordered by a timestamp, ties broken by id: their position is a
//! [`Position`], and the WHERE fragments here resume after it (keyset pagination:
//! no OFFSET, stable while rows are added). The queries themselves stay in each
//! service's `db` module; they take their filters from here.

use aftersales_types::Timestamp;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use diesel::dsl;
use diesel::expression::{BoxableExpression, ValidGrouping};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Text, Timestamptz};
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
    /// Page size, default 50; a value outside 1 to 200 counts as the nearer of the two.
    // Any whole number a u32 holds is taken (docs/api.md, Pagination), and the document
    // says so: left alone, utoipa documents a u32 as an int32, which ends at 2^31 - 1.
    #[param(format = Int64, minimum = 0, maximum = 4294967295_u64)]
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
            .map(|c| {
                Cursor::decode(c).map_err(|_| {
                    ApiError::bad_parameter(
                        "cursor",
                        "is not a cursor of this list; start again from the first page",
                    )
                })
            })
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

/// Where a list ordered by `(timestamp, id)` resumes: the sort key of the last row
/// of the previous page (in the cursor as the JSON `["<RFC 3339>", "<uuid>"]`). A
/// cursor is only base64 of JSON: a forged one may carry any time, and a
/// [`Timestamp`] holds none PostgreSQL cannot compare with.
pub type Position = (Timestamp, uuid::Uuid);

/// A WHERE fragment on the table (or join) `QS`.
pub type Predicate<QS> = Box<dyn BoxableExpression<QS, Pg, SqlType = Bool>>;

/// A column (or any plain, non-aggregate expression) of `QS` whose SQL type is `ST`,
/// usable in a [`Predicate`].
pub trait ColumnOf<QS, ST>:
    BoxableExpression<QS, Pg, SqlType = ST>
    + ValidGrouping<(), IsAggregate = diesel::expression::is_aggregate::No>
    + Copy
    + 'static
{
}

impl<QS, ST, T> ColumnOf<QS, ST> for T where
    T: BoxableExpression<QS, Pg, SqlType = ST>
        + ValidGrouping<(), IsAggregate = diesel::expression::is_aggregate::No>
        + Copy
        + 'static
{
}

/// Rows after `position` in a newest-first list: `at < t OR (at = t AND id < i)`.
pub fn older_than<QS, At, Id>(at: At, id: Id, position: Position) -> Predicate<QS>
where
    At: ColumnOf<QS, Timestamptz>,
    Id: ColumnOf<QS, diesel::sql_types::Uuid>,
{
    let (t, i) = (position.0.get(), position.1);
    Box::new(at.lt(t).or(at.eq(t).and(id.lt(i))))
}

/// Rows after `position` in an oldest-first list: `at > t OR (at = t AND id > i)`.
pub fn newer_than<QS, At, Id>(at: At, id: Id, position: Position) -> Predicate<QS>
where
    At: ColumnOf<QS, Timestamptz>,
    Id: ColumnOf<QS, diesel::sql_types::Uuid>,
{
    let (t, i) = (position.0.get(), position.1);
    Box::new(at.gt(t).or(at.eq(t).and(id.gt(i))))
}

/// Which end of a list ordered by a timestamp comes first: `?order=newest` (the
/// default) or `?order=oldest` (work queues, where the longest-waiting row is next).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ListOrder {
    #[default]
    Newest,
    Oldest,
}

impl ListOrder {
    /// Rows after `position` in this order (see [`older_than`], [`newer_than`]).
    pub fn after<QS, At, Id>(self, at: At, id: Id, position: Position) -> Predicate<QS>
    where
        At: ColumnOf<QS, Timestamptz>,
        Id: ColumnOf<QS, diesel::sql_types::Uuid>,
    {
        match self {
            ListOrder::Newest => older_than(at, id, position),
            ListOrder::Oldest => newer_than(at, id, position),
        }
    }
}

/// `column = value` when a value is given (an optional filter of a list).
pub fn eq_if<QS, C>(column: C, value: Option<&str>) -> Option<Predicate<QS>>
where
    C: ColumnOf<QS, Text>,
{
    value.map(|v| Box::new(column.eq(v.to_owned())) as Predicate<QS>)
}

/// All of `parts`, ANDed (`TRUE` when there are none).
pub fn all<QS: 'static>(parts: impl IntoIterator<Item = Option<Predicate<QS>>>) -> Predicate<QS> {
    parts
        .into_iter()
        .flatten()
        .reduce(|a, b| Box::new(a.and(b)))
        .unwrap_or_else(|| Box::new(dsl::sql::<Bool>("TRUE")))
}

/// The filters of a list a dealer sees only its own part of (orders, claims),
/// ordered by a timestamp (newest or oldest first): the dealer, a status, a period
/// `[from, to)` of that timestamp, and the [`Position`] to resume after.
#[derive(Debug, Default)]
pub struct DealerListFilter {
    pub dealer_code: Option<String>,
    pub status: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub order: ListOrder,
    pub after: Option<Position>,
}

impl DealerListFilter {
    /// The WHERE clause of the list over its columns: the timestamp `at` it is ordered
    /// by (in `order`, ties by `id`), and its `dealer` and `status` columns.
    pub fn predicate<QS, At, Id, Dealer, Status>(
        &self,
        at: At,
        id: Id,
        dealer: Dealer,
        status: Status,
    ) -> Predicate<QS>
    where
        QS: 'static,
        At: ColumnOf<QS, Timestamptz>,
        Id: ColumnOf<QS, diesel::sql_types::Uuid>,
        Dealer: ColumnOf<QS, Text>,
        Status: ColumnOf<QS, Text>,
    {
        all([
            eq_if(dealer, self.dealer_code.as_deref()),
            eq_if(status, self.status.as_deref()),
            self.from.map(|from| Box::new(at.ge(from)) as Predicate<QS>),
            self.to.map(|to| Box::new(at.lt(to)) as Predicate<QS>),
            self.after.map(|after| self.order.after(at, id, after)),
        ])
    }
}

/// Writes the query function of a dealer-scoped list into a `db` module: rows of
/// `$table` matching a [`DealerListFilter`] and `also` (a service's own filter, if
/// any), in the filter's order by `$at` (ties by `id`), at most `limit` of them.
///
/// ```ignore
/// aftersales_web::dealer_list!(pub fn list(claims) -> Claim, at submitted_at, dealer dealer_code, status status);
/// ```
#[macro_export]
macro_rules! dealer_list {
    (pub fn $name:ident($table:ident) -> $row:ty,
     at $at:ident, dealer $dealer:ident, status $status:ident) => {
        /// In the filter's order, at most `limit` rows.
        pub async fn $name(
            conn: &mut ::diesel_async::AsyncPgConnection,
            filter: &$crate::pagination::DealerListFilter,
            also: ::std::option::Option<$crate::pagination::Predicate<$table::table>>,
            limit: i64,
        ) -> ::diesel::QueryResult<Vec<$row>> {
            use ::diesel::{ExpressionMethods as _, QueryDsl as _, SelectableHelper as _};
            use ::diesel_async::RunQueryDsl as _;
            let predicate = $crate::pagination::all([
                ::std::option::Option::Some(filter.predicate(
                    $table::$at,
                    $table::id,
                    $table::$dealer,
                    $table::$status,
                )),
                also,
            ]);
            let query = $table::table
                .select(<$row>::as_select())
                .filter(predicate)
                .limit(limit)
                .into_boxed();
            let query = match filter.order {
                $crate::pagination::ListOrder::Newest => {
                    query.order(($table::$at.desc(), $table::id.desc()))
                }
                $crate::pagination::ListOrder::Oldest => {
                    query.order(($table::$at.asc(), $table::id.asc()))
                }
            };
            query.load(conn).await
        }
    };
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

    diesel::table! {
        items (id) {
            id -> Uuid,
            at -> Timestamptz,
            dealer -> Text,
            status -> Text,
        }
    }

    fn where_of(filter: Predicate<items::table>) -> String {
        let sql = diesel::debug_query::<Pg, _>(&items::table.select(items::id).filter(filter))
            .to_string();
        let start = sql.find("WHERE ").map_or(0, |i| i + 6);
        let end = sql.find(" -- binds").unwrap_or(sql.len());
        sql[start..end].to_owned()
    }

    fn now() -> Timestamp {
        Timestamp::new(chrono::Utc::now()).unwrap()
    }

    #[test]
    fn a_forged_position_outside_the_years_is_not_a_cursor() {
        let forged = Cursor::encode(&("-5000-01-01T00:00:00Z", uuid::Uuid::nil()));
        assert!(Cursor::decode::<Position>(&forged).is_err());
        let ours = Cursor::encode(&(chrono::Utc::now(), uuid::Uuid::nil()));
        assert!(Cursor::decode::<Position>(&ours).is_ok());
    }

    #[test]
    fn keyset_fragments_resume_after_the_position_in_either_order() {
        let position = (now(), uuid::Uuid::nil());
        assert_eq!(
            where_of(older_than(items::at, items::id, position)),
            r#"(("items"."at" < $1) OR (("items"."at" = $2) AND ("items"."id" < $3)))"#
        );
        assert_eq!(
            where_of(newer_than(items::at, items::id, position)),
            r#"(("items"."at" > $1) OR (("items"."at" = $2) AND ("items"."id" > $3)))"#
        );
    }

    #[test]
    fn dealer_list_filter_ands_only_what_is_given() {
        let cols = |f: &DealerListFilter| {
            where_of(f.predicate(items::at, items::id, items::dealer, items::status))
        };
        assert_eq!(cols(&DealerListFilter::default()), "TRUE");
        let dealer_only = DealerListFilter {
            dealer_code: Some("D001".into()),
            ..DealerListFilter::default()
        };
        assert_eq!(cols(&dealer_only), r#"("items"."dealer" = $1)"#);
        let all = DealerListFilter {
            dealer_code: Some("D001".into()),
            status: Some("open".into()),
            from: Some(chrono::Utc::now()),
            to: Some(chrono::Utc::now()),
            order: ListOrder::Newest,
            after: Some((now(), uuid::Uuid::nil())),
        };
        assert_eq!(
            cols(&all),
            r#"((((("items"."dealer" = $1) AND ("items"."status" = $2)) AND ("items"."at" >= $3)) AND ("items"."at" < $4)) AND (("items"."at" < $5) OR (("items"."at" = $6) AND ("items"."id" < $7))))"#
        );
        let oldest = DealerListFilter {
            order: ListOrder::Oldest,
            after: Some((now(), uuid::Uuid::nil())),
            ..DealerListFilter::default()
        };
        assert_eq!(
            cols(&oldest),
            r#"(("items"."at" > $1) OR (("items"."at" = $2) AND ("items"."id" > $3)))"#
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
