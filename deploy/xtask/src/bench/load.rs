//! The load: dealers placing orders, closed loop (throughput) and open loop (latency).

use super::*;

#[derive(Clone)]
pub(super) struct Client {
    http: reqwest::Client,
    watch: Arc<StatusWatch>,
    catalog: String,
    /// The orders replicas; dealer `i` places its orders with replica `i % len`.
    orders: Vec<String>,
    pub(super) admin: String,
    warehouse: String,
    /// A token per dealer, `dealer_code(i)` at `i`.
    pub(super) dealers: Vec<String>,
}

impl Client {
    pub(super) fn new(
        catalog: &str,
        orders: Vec<String>,
        dealers: usize,
        watch: StatusWatch,
    ) -> Client {
        let keys = JwtKeys::new(SECRET);
        let mint = |role, dealer: Option<&str>| {
            keys.mint("bench", role, dealer, chrono::Duration::hours(4))
        };
        Client {
            http: aftersales_web::http_client::builder()
                .timeout(Duration::from_secs(30))
                .pool_max_idle_per_host(256)
                .build()
                .expect("reqwest client"),
            watch: Arc::new(watch),
            catalog: catalog.to_owned(),
            orders,
            admin: mint(Role::Admin, None),
            warehouse: mint(Role::Warehouse, None),
            dealers: (0..dealers)
                .map(|i| mint(Role::Dealer, Some(&dealer_code(i))))
                .collect(),
        }
    }

    /// The same dealers and watch, placing orders with `orders` instead.
    pub(super) fn with_orders(&self, orders: Vec<String>) -> Client {
        Client {
            orders,
            ..self.clone()
        }
    }

    fn orders_url(&self, dealer: usize, path: &str) -> String {
        format!("{}{path}", self.orders[dealer % self.orders.len()])
    }

    pub(super) async fn post(
        &self,
        url: String,
        token: &str,
        body: Value,
    ) -> anyhow::Result<Value> {
        let res = self
            .http
            .post(&url)
            .bearer_auth(token)
            .json(&body)
            .send()
            .await?;
        let status = res.status();
        let answer: Value = res.json().await.unwrap_or(Value::Null);
        if !status.is_success() {
            bail!("POST {url}: {status} {answer}");
        }
        Ok(answer)
    }

    async fn get(&self, url: String, token: &str) -> anyhow::Result<Value> {
        Ok(self
            .http
            .get(&url)
            .bearer_auth(token)
            .send()
            .await?
            .json()
            .await?)
    }

    pub(super) fn catalog_url(&self, path: &str) -> String {
        format!("{}{path}", self.catalog)
    }

    pub(super) async fn seed(&self, dealers: usize) -> anyhow::Result<()> {
        let c = |p: &str| self.catalog_url(p);
        self.post(
            c("/api/v1/suppliers"),
            &self.admin,
            json!({"code": "SUP1", "name": "S"}),
        )
        .await?;
        self.post(
            c("/api/v1/warehouses"),
            &self.admin,
            json!({"code": "WH1", "name": "C", "kind": "central"}),
        )
        .await?;
        let parts = (0..PARTS).map(|i| (part_number(i), 1_000_000));
        for (part, qty) in parts.chain([("HOT-1".to_owned(), 50)]) {
            self.post(
                c("/api/v1/parts"),
                &self.admin,
                json!({"part_number": part, "description": part, "category": "brakes",
                       "supplier_code": "SUP1", "warranty_months": 24, "list_price": "10.00"}),
            )
            .await?;
            self.post(
                c("/api/v1/receipts"),
                &self.warehouse,
                json!({"warehouse": "WH1", "part_number": part, "qty": qty}),
            )
            .await?;
        }
        for i in 0..dealers {
            self.post(
                self.orders_url(0, "/api/v1/dealers"),
                &self.admin,
                json!({"code": dealer_code(i), "name": "D", "tier": "gold", "labor_rate": "80.00",
                       "currency": "EUR", "home_warehouse": "WH1"}),
            )
            .await?;
        }
        let deadline = Instant::now() + Duration::from_secs(30);
        for part in [part_number(PARTS - 1).as_str(), "HOT-1"] {
            let url = self.orders_url(0, &format!("/api/v1/price-book?part={part}"));
            while self
                .http
                .get(&url)
                .bearer_auth(&self.dealers[0])
                .send()
                .await
                .map(|r| r.status().as_u16())
                .ok()
                != Some(200)
            {
                if Instant::now() > deadline {
                    bail!("orders never learned {part}");
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
        Ok(())
    }

    /// Places one order of `part` and waits until it has one of the `want` statuses;
    /// the time from the POST's answer to that, and its id.
    async fn order_until(
        &self,
        dealer: usize,
        part: &str,
        want: &'static [&'static str],
    ) -> anyhow::Result<(Duration, String)> {
        let token = &self.dealers[dealer];
        let order = self
            .post(
                self.orders_url(dealer, "/api/v1/orders"),
                token,
                json!({"priority": "stock", "lines": [{"part_number": part, "qty": 1}]}),
            )
            .await?;
        let answered = Instant::now();
        let id = order["id"].as_str().context("order id")?.to_owned();
        let (seen, _) = self.watch.until(&id, want, Duration::from_secs(60)).await?;
        Ok((seen.saturating_duration_since(answered), id))
    }

    pub(super) async fn hot_part(self: &Arc<Self>) -> anyhow::Result<Value> {
        let tasks: Vec<_> = (0..100)
            .map(|i| {
                let me = self.clone();
                tokio::spawn(async move {
                    me.order_until(i, "HOT-1", &["reserved", "backordered"])
                        .await
                })
            })
            .collect();
        let (mut reserved, mut backordered) = (0, 0);
        for t in tasks {
            let (_, id) = t.await??;
            let order = self
                .get(
                    self.orders_url(0, &format!("/api/v1/orders/{id}")),
                    &self.admin,
                )
                .await?;
            reserved += order["lines"][0]["reserved"].as_i64().unwrap_or(0);
            backordered += order["lines"][0]["backordered"].as_i64().unwrap_or(0);
        }
        let stock = self
            .get(
                format!("{}/api/v1/stock/WH1/HOT-1", self.catalog),
                &self.warehouse,
            )
            .await?;
        let on_hand = stock["on_hand"].as_i64().unwrap_or(-1);
        let catalog_reserved = stock["reserved"].as_i64().unwrap_or(-1);
        Ok(json!({
            "reserved": reserved,
            "backordered": backordered,
            "on_hand": on_hand,
            "catalog_reserved": catalog_reserved,
            "oversold": (reserved - on_hand).max(0) + (catalog_reserved - on_hand).max(0),
        }))
    }
}

/// Parts the throughput and latency runs spread their orders over, so they measure
/// the pipeline rather than one stock row (the hot-part run measures that).
const PARTS: usize = 32;

fn part_number(i: usize) -> String {
    format!("B-{:03}", 100 + i % PARTS)
}

pub(super) fn dealer_code(i: usize) -> String {
    format!("B{i:03}")
}

/// `dealers` tasks each placing an order and waiting for `reserved`, again and again,
/// for `time`; returns orders/s and the latencies.
pub(super) async fn closed_loop(
    client: &Arc<Client>,
    dealers: usize,
    time: Duration,
) -> anyhow::Result<(f64, Vec<Duration>)> {
    let client = client.clone();
    repeat(dealers, time, move |d, n| {
        let client = client.clone();
        async move {
            let part = part_number(n * dealers + d);
            Ok(client.order_until(d, &part, &["reserved"]).await?.0)
        }
    })
    .await
}

/// `workers` tasks each running `one(worker, n)` for its `n`-th time (from 0), again
/// and again, for `time`: a closed loop. Returns runs per second and what each run
/// answered (its latency, say).
pub(super) async fn repeat<F, Fut, T>(
    workers: usize,
    time: Duration,
    one: F,
) -> anyhow::Result<(f64, Vec<T>)>
where
    F: Fn(usize, usize) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = anyhow::Result<T>> + Send + 'static,
    T: Send + 'static,
{
    let started = Instant::now();
    let tasks: Vec<_> = (0..workers)
        .map(|w| {
            let one = one.clone();
            tokio::spawn(async move {
                let mut lat = Vec::new();
                while started.elapsed() < time {
                    lat.push(one(w, lat.len()).await?);
                }
                anyhow::Ok(lat)
            })
        })
        .collect();
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await??);
    }
    Ok((all.len() as f64 / started.elapsed().as_secs_f64(), all))
}

/// Orders started at `rate` per second regardless of answers, for `time`.
pub(super) async fn open_loop(
    client: &Arc<Client>,
    rate: f64,
    time: Duration,
) -> anyhow::Result<Vec<Duration>> {
    let interval = Duration::from_secs_f64(1.0 / rate.max(0.1));
    let started = Instant::now();
    let mut tasks = Vec::new();
    let mut i = 0usize;
    while started.elapsed() < time {
        let client = client.clone();
        let dealer = i % client.dealers.len();
        tasks.push(tokio::spawn(async move {
            client
                .order_until(dealer, &part_number(i), &["reserved"])
                .await
        }));
        i += 1;
        let next = started + interval * i as u32;
        tokio::time::sleep_until(next.into()).await;
    }
    let mut lat = Vec::new();
    for t in tasks {
        lat.push(t.await??.0);
    }
    Ok(lat)
}
