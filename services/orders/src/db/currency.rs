//! The shared `Currency` as a `TEXT` column. `aftersales-types` has no diesel support
//! and the orphan rule keeps this crate from adding it to `Currency` itself, so rows
//! read and write the column through this wrapper (`deserialize_as` /
//! `serialize_as`) and hold a `Currency`: a stored value that is not a currency is an
//! error naming it, never a default.

use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::pg::{Pg, PgValue};
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::Text;

use crate::domain::Currency;

#[derive(Debug, Clone, PartialEq, Eq, FromSqlRow, AsExpression)]
#[diesel(sql_type = Text)]
pub struct CurrencyText(pub Currency);

impl FromSql<Text, Pg> for CurrencyText {
    fn from_sql(value: PgValue<'_>) -> deserialize::Result<Self> {
        let text = std::str::from_utf8(value.as_bytes())?;
        Currency::parse(text)
            .map(CurrencyText)
            .map_err(|e| format!("stored value {text:?} is not a currency: {e}").into())
    }
}

impl ToSql<Text, Pg> for CurrencyText {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        <str as ToSql<Text, Pg>>::to_sql(self.0.as_ref(), out)
    }
}

impl From<CurrencyText> for Currency {
    fn from(value: CurrencyText) -> Self {
        value.0
    }
}

impl From<Currency> for CurrencyText {
    fn from(value: Currency) -> Self {
        CurrencyText(value)
    }
}
