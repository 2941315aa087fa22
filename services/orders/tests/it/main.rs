//! Integration tests of the orders service against the real PostgreSQL and RabbitMQ:
//! each test starts the service in its own schema and vhost and plays catalog by
//! publishing catalog events itself.

mod dealers;
mod events;
mod orders;
mod platform;
mod price_book;
mod reports;
mod support;
