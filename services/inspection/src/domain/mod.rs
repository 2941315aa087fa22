//! Pure types and rules of the service: state machines, pricing, coverage,
//! allocation. No IO, no diesel, no actix; unit- and property-tested.
