//! Enum-like `TEXT` columns read and written as the domain's own enums.
//!
//! A domain enum stays free of diesel (the `domain/` rule): it only has
//! `fn as_str(self) -> &'static str` and `fn parse(&str) -> Option<Self>`. In the
//! service's `db/` module, `aftersales_types::text_enum!(OrderStatus, Tier);` (also
//! re-exported as `aftersales_web::text_enum!`) makes
//! it a column type: row structs and inserts hold the enum, not a `String` parsed by
//! hand. A stored value the enum does not know is a deserialization error, which the
//! API reports (and logs) as an internal error: never a silent default.

/// Needs `diesel` in the calling crate (this crate's `diesel` feature uses it for
/// [`crate::Priority`]).
///
/// Implements diesel's `Text` column traits (read; write, also into `Nullable`) for enums with
/// `as_str(self) -> &'static str` and `parse(&str) -> Option<Self>`. See the module
/// docs.
#[macro_export]
macro_rules! text_enum {
    ($($ty:ty),+ $(,)?) => {$(
        impl ::diesel::deserialize::FromSql<::diesel::sql_types::Text, ::diesel::pg::Pg> for $ty {
            fn from_sql(
                value: ::diesel::pg::PgValue<'_>,
            ) -> ::diesel::deserialize::Result<Self> {
                let text = ::std::str::from_utf8(value.as_bytes())?;
                <$ty>::parse(text).ok_or_else(|| {
                    ::std::format!(
                        "stored value {text:?} is not a {}",
                        ::std::stringify!($ty)
                    )
                    .into()
                })
            }
        }

        impl<__ST> ::diesel::deserialize::Queryable<__ST, ::diesel::pg::Pg> for $ty
        where
            __ST: ::diesel::sql_types::SingleValue,
            Self: ::diesel::deserialize::FromSql<__ST, ::diesel::pg::Pg>,
        {
            type Row = Self;

            fn build(row: Self) -> ::diesel::deserialize::Result<Self> {
                ::std::result::Result::Ok(row)
            }
        }

        // Written as its text: the expression is the one of a `&'static str`.
        impl ::diesel::expression::AsExpression<::diesel::sql_types::Text> for $ty {
            type Expression =
                <&'static str as ::diesel::expression::AsExpression<::diesel::sql_types::Text>>::Expression;

            fn as_expression(self) -> Self::Expression {
                ::diesel::expression::AsExpression::<::diesel::sql_types::Text>::as_expression(
                    <$ty>::as_str(self),
                )
            }
        }

        impl<'__a> ::diesel::expression::AsExpression<::diesel::sql_types::Text> for &'__a $ty {
            type Expression =
                <&'static str as ::diesel::expression::AsExpression<::diesel::sql_types::Text>>::Expression;

            fn as_expression(self) -> Self::Expression {
                ::diesel::expression::AsExpression::<::diesel::sql_types::Text>::as_expression(
                    <$ty>::as_str(*self),
                )
            }
        }

        impl ::diesel::expression::AsExpression<::diesel::sql_types::Nullable<::diesel::sql_types::Text>> for $ty {
            type Expression = <&'static str as ::diesel::expression::AsExpression<
                ::diesel::sql_types::Nullable<::diesel::sql_types::Text>,
            >>::Expression;

            fn as_expression(self) -> Self::Expression {
                ::diesel::expression::AsExpression::<
                    ::diesel::sql_types::Nullable<::diesel::sql_types::Text>,
                >::as_expression(<$ty>::as_str(self))
            }
        }

        impl<'__a> ::diesel::expression::AsExpression<::diesel::sql_types::Nullable<::diesel::sql_types::Text>> for &'__a $ty {
            type Expression = <&'static str as ::diesel::expression::AsExpression<
                ::diesel::sql_types::Nullable<::diesel::sql_types::Text>,
            >>::Expression;

            fn as_expression(self) -> Self::Expression {
                ::diesel::expression::AsExpression::<
                    ::diesel::sql_types::Nullable<::diesel::sql_types::Text>,
                >::as_expression(<$ty>::as_str(*self))
            }
        }
    )+};
}
