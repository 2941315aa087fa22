//! Diesel table definitions of the messaging tables. Names are unqualified: the
//! connection's `search_path` selects the service's schema.

diesel::table! {
    outbox (id) {
        id -> Int8,
        event_id -> Uuid,
        event_type -> Text,
        envelope -> Jsonb,
        created_at -> Timestamptz,
        published_at -> Nullable<Timestamptz>,
        traceparent -> Nullable<Text>,
        tracestate -> Nullable<Text>,
    }
}

diesel::table! {
    inbox (event_id) {
        event_id -> Uuid,
        event_type -> Text,
        producer -> Text,
        received_at -> Timestamptz,
    }
}
