//! Transfers between warehouses: requested → in transit → received; cancelled
//! while requested.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TransferStatus {
    Requested,
    InTransit,
    Received,
    Cancelled,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransferAction {
    Dispatch,
    Receive,
    Cancel,
}

impl TransferStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            TransferStatus::Requested => "requested",
            TransferStatus::InTransit => "in_transit",
            TransferStatus::Received => "received",
            TransferStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            TransferStatus::Requested,
            TransferStatus::InTransit,
            TransferStatus::Received,
            TransferStatus::Cancelled,
        ]
        .into_iter()
        .find(|t| t.as_str() == s)
    }

    /// The one place that says which action is allowed from which status.
    pub fn transition(self, action: TransferAction) -> Result<TransferStatus, String> {
        use TransferAction::*;
        use TransferStatus::*;
        match (self, action) {
            (Requested, Dispatch) => Ok(InTransit),
            (InTransit, Receive) => Ok(Received),
            (Requested, Cancel) => Ok(Cancelled),
            (from, action) => Err(format!(
                "a transfer that is {} cannot be {}",
                from.as_str(),
                match action {
                    Dispatch => "dispatched",
                    Receive => "received",
                    Cancel => "cancelled",
                }
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::TransferAction::*;
    use super::TransferStatus::*;

    #[test]
    fn transitions() {
        assert_eq!(Requested.transition(Dispatch), Ok(InTransit));
        assert_eq!(InTransit.transition(Receive), Ok(Received));
        assert_eq!(Requested.transition(Cancel), Ok(Cancelled));
        assert!(InTransit.transition(Cancel).is_err());
        assert!(Requested.transition(Receive).is_err());
        assert!(Received.transition(Dispatch).is_err());
        assert!(Cancelled.transition(Dispatch).is_err());
    }
}
