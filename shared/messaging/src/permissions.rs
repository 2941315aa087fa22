//! What each service's RabbitMQ user may do, derived from the topology (which the
//! event catalog in `contracts.rs` fills): one place says who produces and consumes
//! what, and the broker enforces it. Every deployment (the testkit, `cargo xtask`,
//! `k8s/`) sets exactly these permissions; `k8s/base/dependencies/rabbitmq-topology.yaml`
//! is checked against [`render_k8s`].
//!
//! RabbitMQ checks, per vhost and user (regular expressions, unanchored unless
//! anchored):
//! - *configure* on declaring or deleting a queue or exchange;
//! - *write* on publishing to an exchange and on binding a queue (the queue's side);
//! - *read* on consuming, getting or purging a queue and on binding from an exchange;
//! - *topic* permissions on `aftersales.events`: *write* on the routing key of every
//!   publish, *read* on the key of every binding from it.
//!
//! So a service may declare only its own inbox and dead-letter queue, consume, get
//! and purge only those, publish only its own event types and bind its inbox only to
//! the types it consumes. It may not declare or delete exchanges (the provisioning
//! declares them) nor bind from `aftersales.dead` (the provisioning binds each
//! dead-letter queue to its own key).

use serde::Serialize;

use crate::topology::{DEAD_EXCHANGE, EVENTS_EXCHANGE, Topology, dead_queue, inbox_queue};

/// The permissions of one service's user in one vhost.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BrokerPermissions {
    pub service: String,
    pub configure: String,
    pub write: String,
    pub read: String,
    /// Topic permissions on [`EVENTS_EXCHANGE`].
    pub topic: TopicPermissions,
}

/// One exchange's topic permissions, in the management API's shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TopicPermissions {
    pub exchange: String,
    /// Routing keys the user may publish with.
    pub write: String,
    /// Binding keys the user may bind with.
    pub read: String,
}

/// The RabbitMQ user name of `service` (the same in every vhost and deployment).
pub fn user_name(service: &str) -> String {
    format!("aftersales-{service}")
}

impl Topology {
    /// The least permissions `service` needs in its vhost.
    pub fn permissions(&self, service: &str) -> BrokerPermissions {
        let own_queues = [inbox_queue(service), dead_queue(service)];
        let own_and_events = [
            own_queues[0].clone(),
            own_queues[1].clone(),
            EVENTS_EXCHANGE.to_owned(),
        ];
        let consumed: &[String] = self
            .subscription(service)
            .map_or(&[], |s| s.event_types.as_slice());
        BrokerPermissions {
            service: service.to_owned(),
            configure: exactly(&own_queues),
            write: exactly(&own_and_events),
            read: exactly(&own_and_events),
            topic: TopicPermissions {
                exchange: EVENTS_EXCHANGE.to_owned(),
                write: exactly(self.produced_by(service)),
                read: exactly(consumed),
            },
        }
    }
}

/// A regular expression matching exactly the names in `names` (none when empty).
fn exactly<S: AsRef<str>>(names: &[S]) -> String {
    if names.is_empty() {
        // An empty alternation would match the empty name; this matches nothing.
        return "^(?!)$".to_owned();
    }
    let alternatives: Vec<String> = names.iter().map(|n| escape(n.as_ref())).collect();
    format!("^({})$", alternatives.join("|"))
}

/// `name` with every regular-expression metacharacter escaped. Topic permissions
/// also expand `{username}`-style variables, so braces are escaped too.
fn escape(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for c in name.chars() {
        if "\\.^$|?*+()[]{}".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The Messaging Topology Operator resources of `topology` on the RabbitMQ cluster
/// `cluster` (vhost `/`), as one YAML stream: the exchanges, every service's queues
/// and bindings (what [`Topology::declare`] declares), and every service's `User`,
/// `Permission` and `TopicPermission`. Each `User`'s credentials come from the Secret
/// `<user>-credentials` (keys `username`, `password`), which the operator reads; the
/// service's own Secret holds the same password in its `AMQP_URL` (k8s/README.md).
pub fn render_k8s(topology: &Topology, services: &[&str], cluster: &str) -> String {
    let mut out = String::from(
        "# Generated from shared/messaging/src/contracts.rs by `cargo xtask broker-topology`;\n\
         # a test (aftersales-messaging, permissions) fails when this file and the event\n\
         # catalog disagree. Do not edit by hand.\n",
    );
    let reference = format!("  rabbitmqClusterReference:\n    name: {cluster}\n");
    let mut doc = |kind: &str, name: &str, spec: String| {
        out.push_str(&format!(
            "---\napiVersion: rabbitmq.com/v1beta1\nkind: {kind}\nmetadata:\n  name: {name}\n  \
             labels:\n    app.kubernetes.io/part-of: aftersales\nspec:\n{spec}{reference}"
        ));
    };
    for (exchange, kind) in [(EVENTS_EXCHANGE, "topic"), (DEAD_EXCHANGE, "direct")] {
        doc(
            "Exchange",
            &k8s_name(exchange),
            format!(
                "  name: {}\n  vhost: /\n  type: {kind}\n  durable: true\n  autoDelete: false\n",
                yaml_str(exchange)
            ),
        );
    }
    for service in services {
        let dead = dead_queue(service);
        doc(
            "Queue",
            &k8s_name(&dead),
            format!(
                "  name: {}\n  vhost: /\n  type: quorum\n  durable: true\n  autoDelete: false\n",
                yaml_str(&dead)
            ),
        );
        doc(
            "Binding",
            &k8s_name(&dead),
            binding_spec(DEAD_EXCHANGE, &dead, service),
        );
        let Some(sub) = topology.subscription(service) else {
            continue;
        };
        let inbox = inbox_queue(service);
        doc(
            "Queue",
            &k8s_name(&inbox),
            format!(
                "  name: {}\n  vhost: /\n  type: quorum\n  durable: true\n  autoDelete: false\n  \
                 arguments:\n    x-delivery-limit: {}\n    x-dead-letter-exchange: {}\n    \
                 x-dead-letter-routing-key: {}\n",
                yaml_str(&inbox),
                topology.delivery_limit,
                yaml_str(DEAD_EXCHANGE),
                yaml_str(service),
            ),
        );
        for event_type in &sub.event_types {
            doc(
                "Binding",
                &k8s_name(&format!("{inbox}.{event_type}")),
                binding_spec(EVENTS_EXCHANGE, &inbox, event_type),
            );
        }
    }
    for service in services {
        let p = topology.permissions(service);
        let user = user_name(service);
        let user_ref = format!("  vhost: /\n  userReference:\n    name: {user}\n");
        doc(
            "User",
            &user,
            format!("  tags: []\n  importCredentialsSecret:\n    name: {user}-credentials\n"),
        );
        doc(
            "Permission",
            &user,
            format!(
                "{user_ref}  permissions:\n    configure: {}\n    write: {}\n    read: {}\n",
                yaml_str(&p.configure),
                yaml_str(&p.write),
                yaml_str(&p.read),
            ),
        );
        doc(
            "TopicPermission",
            &user,
            format!(
                "{user_ref}  permissions:\n    exchange: {}\n    write: {}\n    read: {}\n",
                yaml_str(&p.topic.exchange),
                yaml_str(&p.topic.write),
                yaml_str(&p.topic.read),
            ),
        );
    }
    out
}

fn binding_spec(source: &str, queue: &str, routing_key: &str) -> String {
    format!(
        "  vhost: /\n  source: {}\n  destination: {}\n  destinationType: queue\n  routingKey: {}\n",
        yaml_str(source),
        yaml_str(queue),
        yaml_str(routing_key)
    )
}

/// A Kubernetes object name for a broker name: `.` and `_` become `-`.
fn k8s_name(name: &str) -> String {
    name.replace(['.', '_'], "-")
}

/// A YAML single-quoted scalar: backslashes are literal there, quotes doubled.
fn yaml_str(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// The name of the `RabbitmqCluster` in `k8s/base/dependencies`.
pub const K8S_CLUSTER: &str = "rabbitmq";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contracts::{SERVICES, topology_v1};

    #[test]
    fn catalog_may_touch_only_its_queues_and_publish_only_its_types() {
        let p = topology_v1().permissions("catalog");
        assert_eq!(p.configure, r"^(catalog\.inbox|catalog\.dead)$");
        assert_eq!(
            p.write,
            r"^(catalog\.inbox|catalog\.dead|aftersales\.events)$"
        );
        assert_eq!(p.read, p.write);
        assert_eq!(p.topic.exchange, "aftersales.events");
        assert_eq!(
            p.topic.write,
            r"^(catalog\.part_upserted|catalog\.stock_reserved|catalog\.stock_released|catalog\.shipment_dispatched|catalog\.stock_low)$"
        );
        assert_eq!(
            p.topic.read,
            r"^(orders\.order_placed|orders\.order_cancelled|inspection\.part_received|inspection\.part_disposed)$"
        );
    }

    #[test]
    fn no_service_may_publish_a_type_another_produces() {
        let topology = topology_v1();
        for service in SERVICES {
            let p = topology.permissions(service);
            for producer in &topology.producers {
                for event in &producer.event_types {
                    let allowed = p.topic.write.contains(&escape(event));
                    assert_eq!(allowed, producer.service == service, "{service}: {event}");
                }
            }
        }
    }

    #[test]
    fn an_empty_list_matches_nothing_and_names_are_escaped() {
        assert_eq!(exactly::<&str>(&[]), "^(?!)$");
        assert_eq!(escape("a.b{c}"), r"a\.b\{c\}");
        assert_eq!(yaml_str(r"^(a\.b)$"), r"'^(a\.b)$'");
    }

    /// The operator resources in `k8s/` are what the event catalog says.
    #[test]
    fn the_k8s_users_match_the_event_catalog() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../k8s/base/dependencies/rabbitmq-topology.yaml"
        );
        let on_disk = std::fs::read_to_string(path).unwrap_or_default();
        let rendered = render_k8s(&topology_v1(), &SERVICES, K8S_CLUSTER);
        if on_disk != rendered && std::env::var_os("AFTERSALES_BLESS").is_some() {
            std::fs::write(path, &rendered).expect("write the rendered resources");
            return;
        }
        assert!(
            on_disk == rendered,
            "{path} is out of date: run `cargo xtask broker-topology > {path}`"
        );
    }
}
