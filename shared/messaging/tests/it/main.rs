//! The messaging kernel against the real PostgreSQL and RabbitMQ: each test has its
//! own schema and vhost (or its own broker, when it stops the broker).

mod consumer;
mod relay;
mod support;
