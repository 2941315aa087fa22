//! Diesel schema, models and queries: the only place that writes SQL.
