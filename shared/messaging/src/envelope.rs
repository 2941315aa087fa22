//! The envelope every event travels in (DESIGN.md, "Messaging").

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use uuid::Uuid;

/// A payload type of the event catalog. The type name doubles as the routing key.
pub trait Event: Serialize + DeserializeOwned {
    const TYPE: &'static str;
    const SCHEMA_VERSION: u32 = 1;
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope {
    pub event_id: Uuid,
    pub event_type: String,
    pub schema_version: u32,
    pub occurred_at: DateTime<Utc>,
    pub producer: String,
    pub correlation_id: Uuid,
    pub causation_id: Option<Uuid>,
    pub payload: serde_json::Value,
}

#[derive(Debug, thiserror::Error)]
pub enum EnvelopeError {
    #[error("expected event {expected}, got {actual}")]
    WrongType {
        expected: &'static str,
        actual: String,
    },
    #[error("{event_type} schema version {actual} is not understood (this build reads {expected})")]
    UnknownVersion {
        event_type: String,
        expected: u32,
        actual: u32,
    },
    #[error("malformed payload: {0}")]
    Payload(#[from] serde_json::Error),
}

impl Envelope {
    /// A new event that starts (or continues, with the caller's id) a correlation.
    pub fn new<E: Event>(
        producer: &str,
        payload: &E,
        correlation_id: Uuid,
    ) -> Result<Self, serde_json::Error> {
        Ok(Envelope {
            // v7 ids sort by creation time, which keeps the inbox index append-mostly.
            event_id: Uuid::now_v7(),
            event_type: E::TYPE.to_owned(),
            schema_version: E::SCHEMA_VERSION,
            occurred_at: Utc::now(),
            producer: producer.to_owned(),
            correlation_id,
            causation_id: None,
            payload: serde_json::to_value(payload)?,
        })
    }

    /// An event produced while handling `cause`: same correlation, caused by it.
    pub fn caused_by<E: Event>(
        cause: &Envelope,
        producer: &str,
        payload: &E,
    ) -> Result<Self, serde_json::Error> {
        let mut envelope = Self::new(producer, payload, cause.correlation_id)?;
        envelope.causation_id = Some(cause.event_id);
        Ok(envelope)
    }

    /// The typed payload, refusing an envelope of another type or schema version.
    pub fn payload<E: Event>(&self) -> Result<E, EnvelopeError> {
        if self.event_type != E::TYPE {
            return Err(EnvelopeError::WrongType {
                expected: E::TYPE,
                actual: self.event_type.clone(),
            });
        }
        if self.schema_version != E::SCHEMA_VERSION {
            return Err(EnvelopeError::UnknownVersion {
                event_type: self.event_type.clone(),
                expected: E::SCHEMA_VERSION,
                actual: self.schema_version,
            });
        }
        Ok(E::deserialize(&self.payload)?)
    }

    /// The JSON body of the message. An error rather than an empty body: a message
    /// without its event must never reach the broker.
    pub fn to_bytes(&self) -> Result<Vec<u8>, serde_json::Error> {
        serde_json::to_vec(self)
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self, serde_json::Error> {
        serde_json::from_slice(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Ping {
        n: u32,
    }
    impl Event for Ping {
        const TYPE: &'static str = "test.ping";
    }

    #[derive(Debug, Serialize, Deserialize)]
    struct Pong {}
    impl Event for Pong {
        const TYPE: &'static str = "test.pong";
        const SCHEMA_VERSION: u32 = 2;
    }

    #[test]
    fn round_trips_through_json_with_the_design_field_names() {
        let corr = Uuid::new_v4();
        let env = Envelope::new("orders", &Ping { n: 7 }, corr).unwrap();
        let json: serde_json::Value = serde_json::from_slice(&env.to_bytes().unwrap()).unwrap();
        for field in [
            "event_id",
            "event_type",
            "schema_version",
            "occurred_at",
            "producer",
            "correlation_id",
            "causation_id",
            "payload",
        ] {
            assert!(json.get(field).is_some(), "missing {field}");
        }
        assert_eq!(json["event_type"], "test.ping");
        assert_eq!(json["causation_id"], serde_json::Value::Null);
        let back = Envelope::from_bytes(&env.to_bytes().unwrap()).unwrap();
        assert_eq!(back, env);
        assert_eq!(back.payload::<Ping>().unwrap(), Ping { n: 7 });
    }

    #[test]
    fn caused_by_keeps_the_correlation_and_links_the_cause() {
        let first = Envelope::new("orders", &Ping { n: 1 }, Uuid::new_v4()).unwrap();
        let second = Envelope::caused_by(&first, "catalog", &Ping { n: 2 }).unwrap();
        assert_eq!(second.correlation_id, first.correlation_id);
        assert_eq!(second.causation_id, Some(first.event_id));
        assert_ne!(second.event_id, first.event_id);
    }

    #[test]
    fn refuses_another_type_or_version() {
        let env = Envelope::new("orders", &Ping { n: 1 }, Uuid::new_v4()).unwrap();
        assert!(matches!(
            env.payload::<Pong>(),
            Err(EnvelopeError::WrongType { .. })
        ));
        let mut env = Envelope::new("orders", &Pong {}, Uuid::new_v4()).unwrap();
        env.schema_version = 1;
        assert!(matches!(
            env.payload::<Pong>(),
            Err(EnvelopeError::UnknownVersion { .. })
        ));
    }

    #[test]
    fn malformed_bytes_are_an_error_not_a_panic() {
        assert!(Envelope::from_bytes(b"{not json").is_err());
        assert!(Envelope::from_bytes(br#"{"event_id": 3}"#).is_err());
    }
}
