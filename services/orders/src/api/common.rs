//! Small helpers shared by the handlers.

use std::borrow::Cow;

use validator::ValidationError;

use crate::domain::InvalidValue;
pub use aftersales_web::request::{etag, if_match, period_bound, wants_csv};

/// The validator error for a domain parse failure, with its message.
pub fn validation(e: InvalidValue) -> ValidationError {
    ValidationError::new("invalid").with_message(Cow::Owned(e.into_message()))
}
