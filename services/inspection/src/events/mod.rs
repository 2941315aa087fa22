//! What the service publishes and how it applies what it consumes.

/// Until this service's handlers are built, what it consumes is dead-lettered (and
/// replayable), never dropped.
pub type EventHandler = aftersales_messaging::Unhandled;
