//! The security suite of issue 15: one module per finding.

mod bodies;
mod dates;
mod decimals;
