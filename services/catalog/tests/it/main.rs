//! Integration tests of the catalog service against real PostgreSQL and RabbitMQ,
//! each test in its own schema and vhost.

mod catalog_api;
mod import;
mod platform;
mod reports;
mod reservations;
mod stock_api;
mod support;
