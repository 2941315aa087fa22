//! The service's tables, written by hand to match `migrations/`.

diesel::table! {
    parts (part_number) {
        part_number -> Text,
        description -> Text,
        supplier_code -> Text,
        active -> Bool,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    agreements (id) {
        id -> Uuid,
        supplier_code -> Text,
        valid_from -> Date,
        valid_to -> Nullable<Date>,
        parts_recovery_pct -> Numeric,
        labor_recovery_pct -> Numeric,
        handling_fee -> Numeric,
        currency -> Text,
        claim_window_days -> Integer,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    recovery_claims (id) {
        id -> Uuid,
        number -> Text,
        supplier_code -> Text,
        currency -> Text,
        status -> Text,
        created_at -> Timestamptz,
        submitted_at -> Nullable<Timestamptz>,
        responded_at -> Nullable<Timestamptz>,
        settled_at -> Nullable<Timestamptz>,
        origin -> Text,
    }
}

diesel::table! {
    recovery_lines (id) {
        id -> Uuid,
        claim_id -> Uuid,
        claim_number -> Text,
        supplier_code -> Text,
        causal_part_number -> Text,
        decision -> Text,
        decided_at -> Timestamptz,
        parts_amount -> Numeric,
        labor_amount -> Numeric,
        currency -> Text,
        agreement_id -> Nullable<Uuid>,
        amount -> Nullable<Numeric>,
        status -> Text,
        reason -> Nullable<Text>,
        recovery_claim_id -> Nullable<Uuid>,
        created_at -> Timestamptz,
        filing_deadline -> Nullable<Date>,
        at_risk_since -> Nullable<Timestamptz>,
        forfeited_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    line_responses (line_id) {
        line_id -> Uuid,
        outcome -> Text,
        accepted_amount -> Numeric,
        reason -> Nullable<Text>,
        responded_at -> Timestamptz,
    }
}

diesel::table! {
    credit_memos (id) {
        id -> Uuid,
        supplier_code -> Text,
        reference -> Text,
        memo_date -> Date,
        amount -> Numeric,
        currency -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    write_offs (id) {
        id -> Uuid,
        recovery_claim_id -> Uuid,
        amount -> Numeric,
        reason -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    allocations (id) {
        id -> BigInt,
        line_id -> Uuid,
        credit_memo_id -> Nullable<Uuid>,
        write_off_id -> Nullable<Uuid>,
        amount -> Numeric,
    }
}

diesel::joinable!(recovery_lines -> recovery_claims (recovery_claim_id));
diesel::joinable!(line_responses -> recovery_lines (line_id));
diesel::joinable!(allocations -> recovery_lines (line_id));
diesel::joinable!(write_offs -> recovery_claims (recovery_claim_id));
diesel::allow_tables_to_appear_in_same_query!(
    recovery_claims,
    recovery_lines,
    line_responses,
    allocations,
    write_offs
);
