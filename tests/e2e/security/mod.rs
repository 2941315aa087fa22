//! The security suite of issue 15: one module per finding.

mod auth;
mod bodies;
mod roles;
