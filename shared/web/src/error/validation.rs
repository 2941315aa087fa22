//! `validator`'s errors as one 422 listing every failing field, each with a message
//! a person can act on.

use validator::{ValidationError, ValidationErrors, ValidationErrorsKind};

use super::{ApiError, FieldError};

/// 422 listing every failing field; nested fields read `lines[0].qty`.
impl From<ValidationErrors> for ApiError {
    fn from(errors: ValidationErrors) -> Self {
        let mut fields = Vec::new();
        flatten_validation(&errors, "", &mut fields);
        fields.sort_by(|a, b| a.field.cmp(&b.field));
        let detail = match fields.as_slice() {
            [one] => format!("{}: {}", one.field, one.message),
            _ => format!("request has {} invalid fields", fields.len()),
        };
        Self::Unprocessable {
            detail,
            errors: fields,
        }
    }
}

fn flatten_validation(errors: &ValidationErrors, prefix: &str, out: &mut Vec<FieldError>) {
    for (name, kind) in errors.errors() {
        // `__all__` holds struct-level (schema) validations: they belong to the parent.
        let path = match (prefix.is_empty(), name.as_ref()) {
            (true, "__all__") => String::new(),
            (false, "__all__") => prefix.to_owned(),
            (true, n) => n.to_owned(),
            (false, n) => format!("{prefix}.{n}"),
        };
        match kind {
            ValidationErrorsKind::Field(list) => {
                out.extend(list.iter().map(|e| FieldError::new(&path, describe(e))));
            }
            ValidationErrorsKind::Struct(inner) => flatten_validation(inner, &path, out),
            ValidationErrorsKind::List(items) => {
                for (index, inner) in items {
                    flatten_validation(inner, &format!("{path}[{index}]"), out);
                }
            }
        }
    }
}

/// The custom message if the validator has one, else the rule in words ("must be
/// between 1 and 100000"). The rejected value itself is left out: it may be large or
/// sensitive.
fn describe(error: &ValidationError) -> String {
    if let Some(message) = &error.message {
        return message.to_string();
    }
    let param = |name: &str| error.params.get(name).map(|v| v.to_string());
    let (min, max) = (param("min"), param("max"));
    match error.code.as_ref() {
        "range" => bounds("must be", &min, &max),
        "length" => match param("equal") {
            Some(n) => format!("must have a length of exactly {n}"),
            None => bounds("must have a length", &min, &max),
        },
        "required" => "is required".to_owned(),
        "email" => "must be an email address".to_owned(),
        "url" => "must be a URL".to_owned(),
        "does_not_contain" | "contains" | "regex" => "has a form that is not accepted".to_owned(),
        "must_match" => param("other").map_or_else(
            || "must match".to_owned(),
            |other| format!("must match {other}"),
        ),
        code => format!("is not valid ({code})"),
    }
}

/// "must be between 1 and 10", "must be at least 1", "must be at most 10".
fn bounds(subject: &str, min: &Option<String>, max: &Option<String>) -> String {
    match (min, max) {
        (Some(min), Some(max)) => format!("{subject} between {min} and {max}"),
        (Some(min), None) => format!("{subject} at least {min}"),
        (None, Some(max)) => format!("{subject} at most {max}"),
        (None, None) => format!("{subject} within its limits"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use validator::Validate;

    #[derive(Validate)]
    struct Form {
        #[validate(range(min = 1, max = 100000))]
        qty: i64,
        #[validate(range(min = 1))]
        floor: i64,
        #[validate(length(min = 1, max = 10))]
        code: String,
        #[validate(length(equal = 3))]
        currency: String,
        #[validate(email)]
        contact: String,
    }

    #[test]
    fn rules_read_as_sentences() {
        let form = Form {
            qty: 0,
            floor: 0,
            code: String::new(),
            currency: "EU".into(),
            contact: "nobody".into(),
        };
        let ApiError::Unprocessable { errors, .. } = ApiError::from(form.validate().unwrap_err())
        else {
            panic!("not a 422");
        };
        let got: Vec<(String, String)> = errors.into_iter().map(|e| (e.field, e.message)).collect();
        let want = [
            ("code", "must have a length between 1 and 10"),
            ("contact", "must be an email address"),
            ("currency", "must have a length of exactly 3"),
            ("floor", "must be at least 1"),
            ("qty", "must be between 1 and 100000"),
        ];
        assert_eq!(
            got,
            want.map(|(f, m)| (f.to_owned(), m.to_owned())).to_vec()
        );
    }
}
