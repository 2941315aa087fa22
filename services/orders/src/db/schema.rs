//! The service's tables, written by hand to match `migrations/`.

diesel::table! {
    dealers (code) {
        code -> Text,
        name -> Text,
        tier -> Text,
        labor_rate -> Numeric,
        currency -> Text,
        home_warehouse -> Text,
        active -> Bool,
        version -> Integer,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    price_book (part_number) {
        part_number -> Text,
        description -> Text,
        list_price -> Numeric,
        currency -> Text,
        active -> Bool,
        superseded_by -> Nullable<Text>,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    orders (id) {
        id -> Uuid,
        number -> Text,
        dealer_code -> Text,
        warehouse -> Text,
        priority -> Text,
        status -> Text,
        currency -> Text,
        total -> Numeric,
        allocation_version -> BigInt,
        initial_allocation_version -> Nullable<BigInt>,
        cancel_requested_at -> Nullable<Timestamptz>,
        placed_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    order_lines (order_id, line_no) {
        order_id -> Uuid,
        line_no -> Integer,
        part_number -> Text,
        reserved_part_number -> Nullable<Text>,
        qty -> Integer,
        unit_list_price -> Numeric,
        discount_pct -> Numeric,
        unit_net_price -> Numeric,
        line_total -> Numeric,
        reserved -> Integer,
        backordered -> Integer,
        shipped -> Integer,
        released -> Integer,
        initial_reserved -> Nullable<Integer>,
        expected_date -> Nullable<Date>,
    }
}

diesel::table! {
    order_timeline (id) {
        id -> BigInt,
        order_id -> Uuid,
        at -> Timestamptz,
        from_status -> Nullable<Text>,
        to_status -> Text,
        event_id -> Uuid,
        event_type -> Text,
        allocation_version -> Nullable<BigInt>,
    }
}

diesel::table! {
    order_shipments (shipment_id) {
        shipment_id -> Uuid,
        order_id -> Uuid,
        dispatched_at -> Timestamptz,
        qty -> Integer,
        carrier -> Text,
        tracking_ref -> Text,
        event_id -> Nullable<Uuid>,
    }
}

diesel::table! {
    order_shipment_lines (shipment_id, line_no, part_number) {
        shipment_id -> Uuid,
        line_no -> Integer,
        part_number -> Text,
        qty -> Integer,
    }
}

diesel::table! {
    tier_discounts (tier, effective_from) {
        tier -> Text,
        effective_from -> Timestamptz,
        discount_pct -> Numeric,
        created_by -> Text,
        created_at -> Timestamptz,
    }
}

diesel::joinable!(order_lines -> orders (order_id));
diesel::joinable!(order_timeline -> orders (order_id));
diesel::joinable!(order_shipments -> orders (order_id));
diesel::joinable!(order_shipment_lines -> order_shipments (shipment_id));
diesel::joinable!(orders -> dealers (dealer_code));
diesel::allow_tables_to_appear_in_same_query!(
    dealers,
    price_book,
    orders,
    order_lines,
    order_timeline,
    order_shipments,
    order_shipment_lines,
    tier_discounts,
);
