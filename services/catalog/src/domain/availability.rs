//! What a dealer may know of stock before ordering: a band per warehouse, never a
//! count. Counts would let a dealer watch what the others reserve; a band tells only
//! whether an order is likely to be served from there now.

use serde::{Deserialize, Serialize};

use super::stock::Levels;

/// How much of a part a warehouse can still promise (what is not reserved nor
/// quarantined), as a dealer sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Band {
    /// More available than the warehouse's reorder point.
    InStock,
    /// Some available, at or below the reorder point.
    Low,
    /// Nothing available.
    None,
}

impl Band {
    /// The band of a level with its reorder point; a warehouse that never stocked the
    /// part has none.
    pub fn of(levels: Option<(Levels, i32)>) -> Band {
        let Some((levels, reorder_point)) = levels else {
            return Band::None;
        };
        let available = levels.available();
        if available <= 0 {
            Band::None
        } else if available <= reorder_point {
            Band::Low
        } else {
            Band::InStock
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn band(on_hand: i32, reserved: i32, quarantined: i32, reorder_point: i32) -> Band {
        Band::of(Some((
            Levels {
                on_hand,
                reserved,
                quarantined,
            },
            reorder_point,
        )))
    }

    #[test]
    fn bands_follow_what_is_available_against_the_reorder_point() {
        assert_eq!(Band::of(None), Band::None);
        assert_eq!(band(0, 0, 0, 0), Band::None);
        // Everything reserved or quarantined: none, whoever holds it.
        assert_eq!(band(5, 3, 2, 1), Band::None);
        assert_eq!(band(5, 0, 0, 5), Band::Low);
        assert_eq!(band(6, 1, 0, 5), Band::Low);
        assert_eq!(band(6, 0, 0, 5), Band::InStock);
        // No reorder point set: any available unit is in stock.
        assert_eq!(band(1, 0, 0, 0), Band::InStock);
    }
}
