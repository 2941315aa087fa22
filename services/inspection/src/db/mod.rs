//! Diesel schema, models and queries: the only place that writes SQL.
//!
//! Every function takes the caller's connection, so callers decide the transaction.
//! Enum-like columns are read and written as the domain's enums (`text_enum!`): a
//! stored value the enum does not know is an error, never a default. Rows the audit
//! trail records whole (`Entry::created`, `Entry::diff`) derive `Serialize`.

use diesel::pg::Pg;
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::Text;

use crate::domain::goodwill::PreauthStatus;
use crate::domain::{ClaimStatus, ReasonCode, UsageUnit, Verdict};

pub mod approval_limits;
pub mod campaigns;
pub mod claims;
pub mod labor;
pub mod policies;
pub mod preauthorizations;
pub mod read_models;
pub mod reports;
pub mod schema;
pub mod scorecards;
pub mod units;

#[derive(diesel::QueryableByName)]
struct NextVal {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// The next human number from `sequence`: `PREFIX-000045` (unique, not gap-free).
async fn next_number(
    conn: &mut diesel_async::AsyncPgConnection,
    sequence: &str,
    prefix: &str,
) -> diesel::QueryResult<String> {
    use diesel_async::RunQueryDsl as _;
    let next: NextVal = aftersales_web::db::prepared("SELECT nextval($1::regclass) AS n")
        .bind::<Text, _>(sequence)
        .get_result(conn)
        .await?;
    Ok(format!("{prefix}-{:06}", next.n))
}

// `CauseCode` and `DispositionKind` are shared vocabulary: `aftersales_types` maps them.
aftersales_web::text_enum!(ClaimStatus, Verdict, ReasonCode, UsageUnit, PreauthStatus);

// A claim's reasons are a `TEXT[]`: diesel writes an array of values through their
// `ToSql`, which `text_enum!` (expression-based) does not give.
impl ToSql<Text, Pg> for ReasonCode {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        <str as ToSql<Text, Pg>>::to_sql(self.as_str(), out)
    }
}

/// Whether `err` is a violation of a unique key (a concurrent twin insert).
pub fn is_unique_violation(err: &diesel::result::Error) -> bool {
    matches!(
        err,
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)
    )
}
