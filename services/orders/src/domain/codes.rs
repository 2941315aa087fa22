//! The shared vocabulary (`aftersales-types`) as orders uses it, and orders' own
//! limit on it: how many units one order line may hold.

pub use aftersales_types::{
    Currency, DealerCode, InvalidValue, PartNumber, Quantity, WarehouseCode,
};

/// The most units one order line may hold: keeps every line total far inside
/// `NUMERIC(14,2)`.
pub const MAX_LINE_QTY: i32 = 100_000;

/// An ordered quantity: whole units, 1 to [`MAX_LINE_QTY`].
pub fn line_qty(value: i64) -> Result<Quantity, InvalidValue> {
    Quantity::parse_at_most(value, MAX_LINE_QTY)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities() {
        assert_eq!(line_qty(1).map(Quantity::get), Ok(1));
        assert!(line_qty(100_000).is_ok());
        for bad in [0, -1, 100_001, i64::MAX] {
            assert!(line_qty(bad).is_err(), "{bad}");
        }
    }
}
