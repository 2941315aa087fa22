//! Throwaway PostgreSQL and RabbitMQ servers from the system packages, no Docker.
//!
//! Both launchers are idempotent: starting a server that already runs from the same
//! folder returns at once. Everything listens on 127.0.0.1 only.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::time::Duration;

mod postgres;
mod rabbitmq;

pub use postgres::{PgServer, pg_bin_dir};
pub use rabbitmq::{RabbitServer, amqp_url};

/// A free TCP port on 127.0.0.1, chosen by the OS.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("cannot bind 127.0.0.1:0 to find a free port")
}

/// The first of `n` consecutive TCP ports that are all free on 127.0.0.1.
///
/// Blocks are picked at random below the Linux ephemeral range (20000–32000), so
/// outgoing connections and [`free_port`] do not collide with them.
pub fn free_port_block(n: u16) -> u16 {
    assert!((1..=100).contains(&n), "port block size must be 1..=100");
    for _ in 0..500 {
        let r = u16::from_le_bytes(uuid::Uuid::new_v4().as_bytes()[..2].try_into().unwrap());
        let base = 20000 + r % (12000 - n);
        let held: Result<Vec<TcpListener>, _> = (base..base + n)
            .map(|p| TcpListener::bind(("127.0.0.1", p)))
            .collect();
        if held.is_ok() {
            return base;
        }
    }
    panic!("no block of {n} free consecutive ports found on 127.0.0.1");
}

fn port_open(port: u16) -> bool {
    TcpStream::connect_timeout(
        &std::net::SocketAddr::from(([127, 0, 0, 1], port)),
        Duration::from_millis(300),
    )
    .is_ok()
}

/// `p` as an absolute path (relative to the current directory).
fn absolute(p: &Path) -> anyhow::Result<PathBuf> {
    if p.is_absolute() {
        Ok(p.to_path_buf())
    } else {
        Ok(std::env::current_dir()?.join(p))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_urls() {
        let r = RabbitServer::at(Path::new("/tmp/x"), 30000).unwrap();
        assert_eq!(r.amqp_url("/"), "amqp://guest:guest@127.0.0.1:30000/%2f");
        assert_eq!(
            r.amqp_url("t_abc"),
            "amqp://guest:guest@127.0.0.1:30000/t_abc"
        );
        assert_eq!(r.mgmt_url(), "http://127.0.0.1:30001");
        assert_eq!(
            (r.prometheus_port, r.dist_port, r.epmd_port),
            (30002, 30003, 30004)
        );
        assert_eq!(r.node_name, "rabbit_30000@localhost");
        assert_eq!(
            amqp_url("amqp://guest:guest@h:1/", "a/b"),
            "amqp://guest:guest@h:1/a%2fb"
        );
        assert_eq!(
            postgres::pg_admin_url(5432, "aftersales"),
            "postgres://postgres@127.0.0.1:5432/aftersales"
        );
    }

    #[test]
    fn port_blocks_are_free() {
        let base = free_port_block(5);
        for p in base..base + 5 {
            TcpListener::bind(("127.0.0.1", p)).expect("port of block is free");
        }
        assert_ne!(free_port(), 0);
    }
}
