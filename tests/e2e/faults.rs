//! Fault injection over the four services as processes, each in one or more replicas
//! side by side (same schema, same broker): dealers place orders (stock and
//! emergency, some cancelled) and file warranty claims, the warehouse receives and
//! ships, quality inspects, decides and disposes of returned parts, finance charges
//! supplier defects back, each call going to the next replica of its service;
//! meanwhile a seeded schedule SIGKILLs and restarts a replica of every service,
//! restarts RabbitMQ and PostgreSQL and cuts the broker connections through a proxy.
//! Then, once every event settled, every invariant is checked from the services' own
//! data.
//!
//! A third form runs on the servers as production runs them: three RabbitMQ nodes and
//! a PostgreSQL primary with a synchronous standby, services given every address; its
//! faults are node losses (the RabbitMQ node leading the busiest queue killed, the
//! PostgreSQL primary killed while its standby lags and the standby promoted).
//! `AFTERSALES_FAULT_REPLICATION=async` runs it with asynchronous replication instead,
//! and then expects the checker to find the commits the failover lost.
//!
//! Short forms by default, part of the suite (see the tests for their sizes). Full
//! form and replay: `AFTERSALES_FAULT_ORDERS=10000 AFTERSALES_FAULT_SEED=<seed printed
//! by a run> cargo xtask test --no-lint -- -p aftersales-e2e faults --no-capture`
//! (`AFTERSALES_FAULT_CLAIMS` sets the number of claims, 1000 in the full form;
//! `AFTERSALES_FAULT_REPLICAS` the replicas per service, 2 in the full form).

mod claims;
mod finance;
mod notifications;
mod orders;
mod purchasing;
mod run;
mod schedule;
mod seed;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use aftersales_e2e::chaos::{RetryingClient, Rng};
use aftersales_e2e::invariants::{self, Stores};
use aftersales_e2e::{ServiceProcess, issuer_env};
use aftersales_messaging::contracts::SERVICES;
use aftersales_testkit::provision::connect;
use aftersales_testkit::{
    BrokerCluster, PrivateBroker, PrivateDatabase, Proxy, ReplicatedDatabase,
};
use aftersales_web::Role;
use diesel_async::{AsyncPgConnection, SimpleAsyncConnection};

use run::{DEALERS, Run, Tokens};
use schedule::Servers;

fn from_env(var: &str, default: usize) -> usize {
    std::env::var(var)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// The size of a short form; the environment overrides each.
struct Short {
    replicas: usize,
    orders: usize,
    claims: usize,
    servers: Kind,
}

/// What the services run on.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Single,
    Clusters,
}

#[tokio::test(flavor = "multi_thread")]
async fn every_invariant_holds_after_crashes_and_outages() {
    scenario(Short {
        replicas: 1,
        orders: 150,
        claims: 40,
        servers: Kind::Single,
    })
    .await;
}

/// The same with two processes of every service side by side, on fewer items.
#[tokio::test(flavor = "multi_thread")]
async fn every_invariant_holds_with_two_replicas_of_every_service() {
    scenario(Short {
        replicas: 2,
        orders: 60,
        claims: 16,
        servers: Kind::Single,
    })
    .await;
}

/// The loss of a node: a RabbitMQ node of three, the PostgreSQL primary.
#[tokio::test(flavor = "multi_thread")]
async fn every_invariant_holds_through_the_loss_of_a_node() {
    scenario(Short {
        replicas: 1,
        orders: 120,
        claims: 30,
        servers: Kind::Clusters,
    })
    .await;
}

async fn scenario(short: Short) {
    let orders_wanted = from_env("AFTERSALES_FAULT_ORDERS", short.orders);
    let full = orders_wanted > 1000;
    let claims_wanted = from_env(
        "AFTERSALES_FAULT_CLAIMS",
        if full { 1000 } else { short.claims },
    );
    let replicas = from_env(
        "AFTERSALES_FAULT_REPLICAS",
        if full { 2 } else { short.replicas },
    )
    .max(1);
    let seed = Rng::seed_from_env("AFTERSALES_FAULT_SEED");
    eprintln!(
        "[faults] seed {seed}, {replicas} replicas of each service, {orders_wanted} orders, \
         {claims_wanted} claims (replay with AFTERSALES_FAULT_SEED={seed} \
         AFTERSALES_FAULT_REPLICAS={replicas})"
    );
    let mut rng = Rng::new(seed);

    // Asynchronous replication, on demand: the run that proves the checker catches
    // what it loses.
    let asynchronous = std::env::var("AFTERSALES_FAULT_REPLICATION").is_ok_and(|v| v == "async");
    let setup = Instant::now();
    let (servers, db_url, amqp_urls) = match short.servers {
        Kind::Single => {
            let (database, broker) = tokio::join!(PrivateDatabase::start(), PrivateBroker::start());
            let proxy = Proxy::start(([127, 0, 0, 1], broker.server().amqp_port).into())
                .await
                .expect("proxy");
            // Each service as its own broker user, through the proxy.
            let proxied = format!("amqp://guest:guest@{}", proxy.addr());
            let users = broker.users();
            let amqp_urls = SERVICES.map(|s| users.amqp_url(&proxied, s).expect("a service"));
            let db_url = database.admin_url();
            let servers = Servers::Single {
                broker: Arc::new(broker),
                database: Arc::new(database),
                proxy: Arc::new(proxy),
            };
            (servers, db_url, amqp_urls)
        }
        Kind::Clusters => {
            let (database, brokers) = tokio::join!(
                ReplicatedDatabase::start(!asynchronous),
                BrokerCluster::start()
            );
            // Every address, as in production: the services find the primary and a
            // broker node that runs.
            let amqp_urls = SERVICES.map(|s| brokers.service_amqp_url(s));
            let db_url = database.admin_url();
            eprintln!(
                "[faults] {} replication; database {db_url}; broker {}",
                if asynchronous {
                    "asynchronous"
                } else {
                    "synchronous"
                },
                brokers.amqp_base()
            );
            let servers = Servers::Clusters {
                brokers: Arc::new(brokers),
                database: Arc::new(database),
            };
            (servers, db_url, amqp_urls)
        }
    };
    let amqp_url = |service: &str| {
        let i = SERVICES
            .iter()
            .position(|s| *s == service)
            .expect("a service");
        amqp_urls[i].clone()
    };
    let create_schemas: String = SERVICES.map(|s| format!("CREATE SCHEMA {s};")).concat();
    connect(&db_url)
        .await
        .expect("private database")
        .batch_execute(&create_schemas)
        .await
        .expect("schemas");
    let mut services = Vec::new();
    for name in SERVICES {
        // One after the other: the first replica migrates the schema alone.
        for _ in 0..replicas {
            // Recovery's filing-deadline sweep every 2 s instead of 5 minutes.
            let env = issuer_env(&[("FILING_SWEEP_SECONDS", "2")]);
            services
                .push(ServiceProcess::start_with(name, &db_url, name, &amqp_url(name), env).await);
        }
    }

    let keys = aftersales_e2e::keys();
    let mint = |role, dealer| {
        keys.sign(&aftersales_web::Claims::new(
            "faults",
            role,
            dealer,
            chrono::Duration::hours(6),
        ))
    };
    let tokens = Tokens {
        admin: mint(Role::Admin, None),
        warehouse: mint(Role::Warehouse, None),
        quality: mint(Role::Quality, None),
        quality_lead: mint(Role::QualityLead, None),
        finance: mint(Role::Finance, None),
        dealers: DEALERS
            .iter()
            .map(|d| mint(Role::Dealer, Some(d)))
            .collect(),
    };
    let patience = Duration::from_secs(if full { 300 } else { 90 });
    let bases = SERVICES.map(|name| {
        let replicas = services.iter().filter(|s| s.name == name);
        replicas.map(|s| s.base.clone()).collect()
    });
    let run = Arc::new(Run::new(RetryingClient::new(patience), tokens, bases));
    seed::seed_data(&run, &db_url).await;
    let receiver = aftersales_testkit::WebhookReceiver::start().await;
    let secrets = notifications::subscribe(&run, &receiver.url()).await;
    let receiver = Arc::new(tokio::sync::Mutex::new(receiver));
    run.log(&format!(
        "servers, services and data ready in {:.1}s; the drivers and the fault schedule start",
        setup.elapsed().as_secs_f64()
    ));

    let done = Arc::new(AtomicBool::new(false));
    let faults = tokio::spawn(schedule::fault_schedule(
        run.clone(),
        rng.fork(0xFA),
        full,
        done.clone(),
        services,
        servers.clone(),
    ));
    let expected_faults = servers.faults();
    let receiver_outages = tokio::spawn(notifications::outages(
        run.clone(),
        receiver.clone(),
        done.clone(),
        Duration::from_secs(if full { 60 } else { 8 }),
    ));
    let pace = Duration::from_millis(if full { 10 } else { 700 });
    let finance = tokio::spawn(finance::drive_finance(
        run.clone(),
        rng.fork(0xF1),
        done.clone(),
        Duration::from_secs(if full { 5 } else { 3 }),
    ));
    let mut drivers = Vec::new();
    for dealer in 0..DEALERS.len() {
        let share = |wanted: usize| {
            let each = wanted.div_ceil(DEALERS.len());
            each.min(wanted.saturating_sub(dealer * each))
        };
        drivers.push(tokio::spawn(orders::drive_orders(
            run.clone(),
            rng.fork(dealer as u64),
            dealer,
            share(orders_wanted),
            pace,
        )));
        drivers.push(tokio::spawn(claims::drive_claims(
            run.clone(),
            rng.fork(0xC0 + dealer as u64),
            dealer,
            share(claims_wanted),
            pace,
        )));
    }
    for d in drivers {
        d.await.expect("driver task");
    }
    done.store(true, Ordering::SeqCst);
    run.log("drivers done; finance's last round, then the fault schedule finishes");
    finance.await.expect("finance task");
    let (injected, services) = faults.await.expect("fault schedule");
    let receiver_outages = receiver_outages.await.expect("receiver outages");

    let url = |name: &str| {
        services
            .iter()
            .find(|s| s.name == name)
            .map(|s| s.base.clone())
    };
    let mgmt_url = servers.mgmt_url();
    let admin_amqp_url = servers.admin_amqp_url();
    let stores = Stores {
        admin_url: db_url.clone(),
        schemas: SERVICES.map(str::to_owned),
        mgmt_url: mgmt_url.clone(),
        vhost: "/".into(),
        amqp_url: admin_amqp_url,
        ready_urls: services.iter().map(|s| s.url("/health/ready")).collect(),
        reconciliation_url: format!(
            "{}/api/v1/reports/reconciliation",
            url("recovery").unwrap_or_default()
        ),
        finance_token: run.tokens.finance.clone(),
    };
    let mut violations = run.errors();
    match invariants::settle(&stores, Duration::from_secs(if full { 600 } else { 90 })).await {
        Ok(took) => run.log(&format!("events settled in {took:?}")),
        Err(e) => violations.push(e),
    }
    let answered = run.answered().clone();
    violations.extend(invariants::check(&stores, &answered).await);
    match connect(&db_url).await {
        Ok(mut conn) => {
            let checked = async {
                let mut v =
                    invariants::notifications::wait_for_deliveries(&mut conn, &stores).await?;
                // Only now: a delivery that lands while the checker waits is in it.
                let received = receiver.lock().await.received();
                v.extend(
                    invariants::notifications::check(&mut conn, &stores, &received, &secrets)
                        .await?,
                );
                Ok::<_, String>(v)
            };
            match checked.await {
                Ok(v) => violations.extend(v),
                Err(e) => violations.push(format!("the checker could not read notifications: {e}")),
            }
        }
        Err(e) => violations.push(format!("the checker could not connect: {e}")),
    }

    if let Ok(mut conn) = connect(&db_url).await {
        for (what, sql) in [
            (
                "orders",
                "SELECT priority || ' ' || status AS k, count(*) AS n FROM orders.orders GROUP BY 1",
            ),
            (
                "purchase orders",
                "SELECT status AS k, count(*) AS n FROM catalog.purchase_orders GROUP BY 1",
            ),
            (
                "backordered lines",
                "SELECT CASE WHEN expected_date IS NULL THEN 'without a date' ELSE 'with an expected date' END AS k,
                        count(*) AS n FROM catalog.allocation_lines WHERE backordered > 0 GROUP BY 1",
            ),
            (
                "claims",
                "SELECT status AS k, count(*) AS n FROM inspection.claims GROUP BY 1",
            ),
            (
                "recovery lines",
                "SELECT status AS k, count(*) AS n FROM recovery.recovery_lines GROUP BY 1",
            ),
            (
                "recovery claims",
                "SELECT origin || ' ' || status AS k, count(*) AS n FROM recovery.recovery_claims GROUP BY 1",
            ),
            (
                "recovery lines drafted by the filing-deadline sweep",
                "SELECT c.status AS k, count(*) AS n FROM recovery.recovery_lines l
                 JOIN recovery.recovery_claims c ON c.id = l.recovery_claim_id
                 WHERE c.origin = 'filing_deadline_sweep' GROUP BY 1",
            ),
        ] {
            eprintln!("[faults] {what} by status: {}", mix(&mut conn, sql).await);
        }
    }
    eprintln!("[faults] HTTP: {}", run.http.stats.summary());
    eprintln!("[faults] webhook receiver outages: {receiver_outages}");
    eprintln!(
        "{} orders, {} claims, {} faults injected, {} violations \
         (seed {seed}, {replicas} replicas, {:.1}s)",
        answered.orders.len(),
        answered.claims.len(),
        injected.len(),
        violations.len(),
        run.started.elapsed().as_secs_f64()
    );
    for v in &violations {
        eprintln!("  violation: {v}");
    }
    if asynchronous && short.servers == Kind::Clusters {
        // The proof that the checker would catch the hazard: a failover without a
        // synchronous standby loses commits, and the checks must say so.
        assert!(
            !violations.is_empty(),
            "asynchronous replication lost nothing the checker could see (seed {seed})"
        );
        eprintln!(
            "[faults] as expected with asynchronous replication, the checker found {} violations",
            violations.len()
        );
        return;
    }
    if !violations.is_empty() {
        schedule::keep_evidence(seed, &mgmt_url, &services).await;
    }
    assert!(
        violations.is_empty(),
        "{} violations (seed {seed}); first: {}",
        violations.len(),
        violations[0]
    );
    assert_eq!(
        answered.orders.len(),
        orders_wanted,
        "every order was placed"
    );
    assert_eq!(
        answered.claims.len(),
        claims_wanted,
        "every claim was filed"
    );
    if !full {
        for fault in expected_faults {
            assert!(injected.contains(fault), "{fault:?} never struck");
        }
    }
}

/// `count key, …` of a query answering `k` and `n`, largest first.
async fn mix(conn: &mut AsyncPgConnection, sql: &str) -> String {
    let sorted = format!("{sql} ORDER BY n DESC, k");
    let found = invariants::rows(conn, &sorted).await.unwrap_or_default();
    let parts: Vec<String> = found
        .iter()
        .map(|r| format!("{} {}", r["n"], r["k"].as_str().unwrap_or("?")))
        .collect();
    parts.join(", ")
}
