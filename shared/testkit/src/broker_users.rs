//! The broker's side of a deployment, as the testkit and `cargo xtask` provision it:
//! the whole topology declared by the administrator, and one user per service with
//! the least permissions the event catalog gives it
//! (`aftersales_messaging::permissions`), through the management API.
//!
//! Users are global in RabbitMQ while permissions belong to a vhost. Tests run side by
//! side, each on its own vhost, so a test's users carry the vhost in their name
//! ([`ServiceUsers::for_vhost`]) and are deleted with it; a local stack with one vhost
//! uses the plain names ([`ServiceUsers::plain`]).

use anyhow::{Context, bail};
use serde_json::json;

use aftersales_messaging::Topology;
use aftersales_messaging::contracts::{SERVICES, topology_v1};
use aftersales_messaging::permissions::user_name;

use crate::util::percent_encode;

/// One service's broker credentials.
#[derive(Debug, Clone)]
pub struct ServiceUser {
    pub service: String,
    pub user: String,
    pub password: String,
}

/// The users of every service in one vhost.
#[derive(Debug, Clone)]
pub struct ServiceUsers {
    pub vhost: String,
    pub users: Vec<ServiceUser>,
}

impl ServiceUsers {
    /// Users `<vhost>.aftersales-<service>` with random passwords, for a test vhost.
    pub fn for_vhost(vhost: &str) -> Self {
        let users = SERVICES
            .iter()
            .map(|service| ServiceUser {
                service: (*service).to_owned(),
                user: format!("{vhost}.{}", user_name(service)),
                password: uuid::Uuid::new_v4().simple().to_string(),
            })
            .collect();
        ServiceUsers {
            vhost: vhost.to_owned(),
            users,
        }
    }

    /// Users `aftersales-<service>` whose password is the service's name, like the
    /// local stacks' database roles: for a throwaway broker on loopback only.
    pub fn plain(vhost: &str) -> Self {
        let users = SERVICES
            .iter()
            .map(|service| ServiceUser {
                service: (*service).to_owned(),
                user: user_name(service),
                password: (*service).to_owned(),
            })
            .collect();
        ServiceUsers {
            vhost: vhost.to_owned(),
            users,
        }
    }

    pub fn get(&self, service: &str) -> Option<&ServiceUser> {
        self.users.iter().find(|u| u.service == service)
    }

    /// `amqp://<user>:<password>@host:port/<vhost>` for `service`, from the admin's
    /// `amqp_base` (`amqp://guest:guest@host:port`, no vhost).
    pub fn amqp_url(&self, amqp_base: &str, service: &str) -> Option<String> {
        let user = self.get(service)?;
        let host = amqp_base.rsplit_once('@').map_or(amqp_base, |(_, h)| h);
        let host = host.trim_start_matches("amqp://").trim_end_matches('/');
        Some(format!(
            "amqp://{}:{}@{host}/{}",
            percent_encode(&user.user),
            percent_encode(&user.password),
            percent_encode(&self.vhost)
        ))
    }

    /// Creates (or updates) the users and sets their permissions in the vhost, through
    /// the management API at `mgmt` as `admin` (user, password).
    pub async fn create(
        &self,
        client: &reqwest::Client,
        mgmt: &str,
        admin: (&str, &str),
        topology: &Topology,
    ) -> anyhow::Result<()> {
        let vhost = percent_encode(&self.vhost);
        for u in &self.users {
            let name = percent_encode(&u.user);
            let p = topology.permissions(&u.service);
            let calls = [
                (
                    format!("{mgmt}/api/users/{name}"),
                    json!({"password": u.password, "tags": ""}),
                ),
                (
                    format!("{mgmt}/api/permissions/{vhost}/{name}"),
                    json!({"configure": p.configure, "write": p.write, "read": p.read}),
                ),
                (
                    format!("{mgmt}/api/topic-permissions/{vhost}/{name}"),
                    json!(p.topic),
                ),
            ];
            for (url, body) in calls {
                let r = client
                    .put(&url)
                    .basic_auth(admin.0, Some(admin.1))
                    .json(&body)
                    .send()
                    .await
                    .with_context(|| format!("PUT {url}"))?;
                if !r.status().is_success() {
                    bail!("PUT {url}: {} {}", r.status(), r.text().await?);
                }
            }
        }
        Ok(())
    }

    /// Deletes the users (their permissions go with them).
    pub async fn delete(
        &self,
        client: &reqwest::Client,
        mgmt: &str,
        admin: (&str, &str),
    ) -> anyhow::Result<()> {
        for u in &self.users {
            let url = format!("{mgmt}/api/users/{}", percent_encode(&u.user));
            let r = client
                .delete(&url)
                .basic_auth(admin.0, Some(admin.1))
                .send()
                .await
                .with_context(|| format!("DELETE {url}"))?;
            if !(r.status().is_success() || r.status() == 404) {
                bail!("DELETE {url}: {}", r.status());
            }
        }
        Ok(())
    }
}

/// Declares the whole topology of the event catalog as the administrator at
/// `admin_amqp_url` (with its vhost): what a service's own user may not.
pub async fn declare_topology(admin_amqp_url: &str) -> anyhow::Result<()> {
    // Through the services' own opener, so a TLS-only broker (`amqps://` with its
    // `cacertfile`) is set up like any other.
    let conn = aftersales_messaging::broker::open(admin_amqp_url, "aftersales-testkit")
        .await
        .context("connect as the broker's administrator")?;
    let channel = conn.create_channel().await?;
    topology_v1()
        .declare(&channel)
        .await
        .context("declare the topology")?;
    let _ = conn.close(200, "provisioned".into()).await;
    Ok(())
}

/// The whole broker side of a deployment in one vhost: the topology, then `users`.
pub async fn provision(
    client: &reqwest::Client,
    admin_amqp_url: &str,
    mgmt: &str,
    admin: (&str, &str),
    users: &ServiceUsers,
) -> anyhow::Result<()> {
    declare_topology(admin_amqp_url).await?;
    users.create(client, mgmt, admin, &topology_v1()).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_service_url_carries_its_own_user_and_the_vhost() {
        let users = ServiceUsers::plain("/");
        assert_eq!(
            users
                .amqp_url("amqp://guest:guest@127.0.0.1:5672", "orders")
                .as_deref(),
            Some("amqp://aftersales-orders:orders@127.0.0.1:5672/%2f")
        );
        let users = ServiceUsers::for_vhost("t_abc");
        assert_eq!(users.users.len(), 4);
        assert!(users.get("catalog").unwrap().user == "t_abc.aftersales-catalog");
        assert_ne!(users.users[0].password, users.users[1].password);
    }
}
