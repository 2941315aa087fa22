//! The catalog tables (see `migrations/`), written by hand.

diesel::table! {
    suppliers (code) {
        code -> Text,
        name -> Text,
        active -> Bool,
        version -> Integer,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    parts (part_number) {
        part_number -> Text,
        description -> Text,
        category -> Text,
        unit_of_measure -> Text,
        currency -> Text,
        supplier_code -> Text,
        warranty_months -> Integer,
        core -> Bool,
        returnable -> Bool,
        superseded_by -> Nullable<Text>,
        active -> Bool,
        version -> Integer,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    part_prices (id) {
        id -> BigInt,
        part_number -> Text,
        price -> Numeric,
        currency -> Text,
        effective_from -> Timestamptz,
        created_by -> Text,
        created_at -> Timestamptz,
        published_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    warehouses (code) {
        code -> Text,
        name -> Text,
        kind -> Text,
        active -> Bool,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    stock_levels (warehouse_code, part_number) {
        warehouse_code -> Text,
        part_number -> Text,
        on_hand -> Integer,
        reserved -> Integer,
        quarantined -> Integer,
        reorder_point -> Integer,
        reorder_qty -> Integer,
        bin -> Nullable<Text>,
        low_alerted -> Bool,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    stock_movements (id) {
        id -> BigInt,
        warehouse_code -> Text,
        part_number -> Text,
        kind -> Text,
        qty -> Integer,
        reason_code -> Nullable<Text>,
        reference -> Text,
        actor -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    cycle_counts (id) {
        id -> Uuid,
        warehouse_code -> Text,
        part_number -> Text,
        counted -> Integer,
        expected -> Integer,
        variance -> Integer,
        actor -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    order_allocations (order_id) {
        order_id -> Uuid,
        order_number -> Text,
        dealer_code -> Text,
        warehouse_code -> Text,
        priority -> Text,
        placed_at -> Timestamptz,
        version -> BigInt,
        cancelled -> Bool,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    allocation_lines (order_id, line_no) {
        order_id -> Uuid,
        line_no -> Integer,
        part_number -> Text,
        reserved_part_number -> Text,
        ordered -> Integer,
        reserved -> Integer,
        backordered -> Integer,
        shipped -> Integer,
        released -> Integer,
        expected_date -> Nullable<Date>,
    }
}

diesel::table! {
    order_tombstones (order_id) {
        order_id -> Uuid,
        received_at -> Timestamptz,
    }
}

diesel::table! {
    shipments (id) {
        id -> Uuid,
        order_id -> Uuid,
        warehouse_code -> Text,
        carrier -> Text,
        tracking_ref -> Text,
        actor -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    shipment_lines (shipment_id, line_no) {
        shipment_id -> Uuid,
        line_no -> Integer,
        part_number -> Text,
        qty -> Integer,
    }
}

diesel::table! {
    transfers (id) {
        id -> Uuid,
        from_warehouse -> Text,
        to_warehouse -> Text,
        part_number -> Text,
        qty -> Integer,
        status -> Text,
        requested_by -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        expected_date -> Nullable<Date>,
    }
}

diesel::table! {
    purchase_orders (id) {
        id -> Uuid,
        number -> Text,
        supplier_code -> Text,
        warehouse_code -> Text,
        currency -> Text,
        status -> Text,
        created_by -> Text,
        version -> Integer,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    purchase_order_lines (purchase_order_id, line_no) {
        purchase_order_id -> Uuid,
        line_no -> Integer,
        part_number -> Text,
        qty -> Integer,
        received -> Integer,
        unit_price -> Numeric,
        expected_date -> Date,
    }
}

diesel::table! {
    purchase_order_receipts (id) {
        id -> Uuid,
        purchase_order_id -> Uuid,
        line_no -> Integer,
        qty -> Integer,
        over_receipt -> Integer,
        over_receipt_reason -> Nullable<Text>,
        delivery_note -> Nullable<Text>,
        actor -> Text,
        created_at -> Timestamptz,
    }
}

diesel::joinable!(allocation_lines -> order_allocations (order_id));
diesel::joinable!(purchase_order_lines -> purchase_orders (purchase_order_id));
diesel::allow_tables_to_appear_in_same_query!(
    suppliers,
    parts,
    part_prices,
    warehouses,
    stock_levels,
    stock_movements,
    cycle_counts,
    order_allocations,
    allocation_lines,
    order_tombstones,
    shipments,
    shipment_lines,
    transfers,
    purchase_orders,
    purchase_order_lines,
    purchase_order_receipts,
);
