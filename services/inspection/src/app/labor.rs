//! Flat-rate labor operations and their standard hours.

use aftersales_web::ApiError;
use aftersales_web::audit::{Entry, Origin};
use diesel_async::AsyncPgConnection;
use rust_decimal::Decimal;

use crate::db;
use crate::domain::OperationCode;

/// Creates operation `code`; 409 when the code is taken.
pub async fn create(
    c: &mut AsyncPgConnection,
    origin: &Origin,
    code: &OperationCode,
    description: &str,
    standard_hours: Decimal,
) -> Result<db::labor::Operation, ApiError> {
    let op = db::labor::insert(c, code.as_str(), description, standard_hours)
        .await?
        .ok_or_else(|| ApiError::conflict(format!("labor operation {code} exists already")))?;
    let entry = Entry::new("labor_operation.created", "labor_operation", &op.code).created(&op);
    origin.record(c, &[entry]).await?;
    Ok(op)
}
