//! The security suite of issue 15: one module per finding.

mod bodies;
mod tls;
