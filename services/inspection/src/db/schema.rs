//! The service's tables, written by hand to match `migrations/`.

diesel::table! {
    parts (part_number) {
        part_number -> Text,
        description -> Text,
        category -> Text,
        list_price -> Numeric,
        currency -> Text,
        supplier_code -> Text,
        warranty_months -> Integer,
        core -> Bool,
        returnable -> Bool,
        active -> Bool,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    dealers (dealer_code) {
        dealer_code -> Text,
        name -> Text,
        labor_rate -> Numeric,
        currency -> Text,
        active -> Bool,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    units (serial) {
        serial -> Text,
        dealer_code -> Text,
        model -> Text,
        in_service_date -> Date,
        usage_at_sale -> BigInt,
        usage_unit -> Text,
        registered_at -> Timestamptz,
    }
}

diesel::table! {
    policies (id) {
        id -> Uuid,
        category -> Nullable<Text>,
        part_number -> Nullable<Text>,
        warranty_months -> Integer,
        usage_limit -> Nullable<BigInt>,
        core_replace_only_months -> Integer,
        submission_window_days -> Integer,
        return_required -> Bool,
        return_deadline_days -> Integer,
        version -> Integer,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    labor_operations (code) {
        code -> Text,
        description -> Text,
        standard_hours -> Numeric,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    claims (id) {
        id -> Uuid,
        number -> Text,
        dealer_code -> Text,
        unit_serial -> Text,
        causal_part_number -> Text,
        supplier_code -> Text,
        status -> Text,
        decision -> Nullable<Text>,
        reasons -> Array<Text>,
        currency -> Text,
        parts_amount -> Numeric,
        labor_amount -> Numeric,
        return_required -> Bool,
        return_deadline -> Nullable<Timestamptz>,
        submitted_at -> Timestamptz,
        decided_at -> Nullable<Timestamptz>,
        preauthorization_id -> Nullable<Uuid>,
        goodwill_pct -> Nullable<Numeric>,
        waived_reasons -> Array<Text>,
        campaign_code -> Nullable<Text>,
    }
}

diesel::table! {
    campaigns (code) {
        code -> Text,
        title -> Text,
        models -> Array<Text>,
        serial_from -> Nullable<Text>,
        serial_to -> Nullable<Text>,
        in_service_from -> Nullable<Date>,
        in_service_to -> Nullable<Date>,
        fix_parts -> Jsonb,
        fix_labor -> Jsonb,
        valid_from -> Date,
        valid_to -> Date,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    preauthorizations (id) {
        id -> Uuid,
        number -> Text,
        dealer_code -> Text,
        unit_serial -> Text,
        causal_part_number -> Text,
        description -> Text,
        estimate_parts -> Numeric,
        estimate_labor -> Numeric,
        currency -> Text,
        status -> Text,
        goodwill_pct -> Nullable<Numeric>,
        decision_note -> Nullable<Text>,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<Timestamptz>,
        requested_at -> Timestamptz,
    }
}

diesel::table! {
    claim_details (claim_id) {
        claim_id -> Uuid,
        failure_date -> Date,
        repair_date -> Date,
        usage_at_failure -> BigInt,
        complaint -> Text,
        cause -> Text,
        correction -> Text,
    }
}

diesel::table! {
    claim_inspections (claim_id) {
        claim_id -> Uuid,
        received_at -> Nullable<Timestamptz>,
        receipt_warehouse -> Nullable<Text>,
        receipt_quantity -> Nullable<Integer>,
        failure_mode -> Nullable<Text>,
        cause_code -> Nullable<Text>,
        responsible_supplier -> Nullable<Text>,
        approved_parts_amount -> Nullable<Numeric>,
        approved_labor_amount -> Nullable<Numeric>,
        decided_by -> Nullable<Text>,
        disposition -> Nullable<Text>,
        disposed_at -> Nullable<Timestamptz>,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    claim_part_lines (claim_id, line_no) {
        claim_id -> Uuid,
        line_no -> Integer,
        part_number -> Text,
        qty -> Integer,
        unit_price -> Numeric,
        currency -> Text,
        amount -> Numeric,
    }
}

diesel::table! {
    claim_labor_lines (claim_id, line_no) {
        claim_id -> Uuid,
        line_no -> Integer,
        operation_code -> Text,
        claimed_hours -> Numeric,
        standard_hours -> Numeric,
        paid_hours -> Numeric,
        rate -> Numeric,
        amount -> Numeric,
    }
}

diesel::table! {
    claim_return_reminders (claim_id) {
        claim_id -> Uuid,
        return_deadline -> Timestamptz,
        reminded_at -> Timestamptz,
    }
}

diesel::joinable!(claim_return_reminders -> claims (claim_id));
diesel::joinable!(claim_part_lines -> claims (claim_id));
diesel::joinable!(claim_labor_lines -> claims (claim_id));
diesel::joinable!(claim_details -> claims (claim_id));
diesel::joinable!(claim_inspections -> claims (claim_id));
diesel::joinable!(claims -> units (unit_serial));
diesel::table! {
    approval_limits (subject) {
        subject -> Text,
        approval_limit -> Numeric,
        set_by -> Text,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    placed_orders (order_id) {
        order_id -> Uuid,
        dealer_code -> Text,
        placed_at -> Timestamptz,
        ordered -> BigInt,
    }
}

diesel::table! {
    order_shipments (shipment_id) {
        shipment_id -> Uuid,
        order_id -> Uuid,
        dispatched_at -> Timestamptz,
        qty -> BigInt,
    }
}

diesel::table! {
    placed_order_lines (order_id, line_no) {
        order_id -> Uuid,
        line_no -> Integer,
        qty -> BigInt,
    }
}

diesel::table! {
    order_shipment_lines (shipment_id, line_no) {
        shipment_id -> Uuid,
        line_no -> Integer,
        qty -> BigInt,
    }
}

diesel::table! {
    cancelled_orders (order_id) {
        order_id -> Uuid,
        cancelled_at -> Timestamptz,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    parts,
    dealers,
    units,
    policies,
    labor_operations,
    claims,
    claim_details,
    claim_inspections,
    claim_part_lines,
    claim_labor_lines
);
