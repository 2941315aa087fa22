//! `cargo xtask dead-letters list|replay --service <name>`: the admin's view of what a
//! service could not apply, and the replay once the cause is fixed.

use aftersales_messaging::contracts::SERVICES;
use aftersales_messaging::dead_letters;
use anyhow::{Context, bail};

use crate::stack::AMQP_PORT;

pub async fn run(
    replay: bool,
    service: &str,
    limit: usize,
    amqp_url: Option<&str>,
) -> anyhow::Result<()> {
    if !SERVICES.contains(&service) {
        bail!(
            "unknown service {service:?}; services: {}",
            SERVICES.join(", ")
        );
    }
    let url = amqp_url
        .map(str::to_owned)
        .unwrap_or_else(|| format!("amqp://guest:guest@127.0.0.1:{AMQP_PORT}/%2f"));
    // The services' own opener: an `amqps://` URL's `cacertfile` is honoured.
    let conn = aftersales_messaging::broker::open(&url, "xtask dead-letters")
        .await
        .with_context(|| {
            format!("cannot reach the broker at {url} (is `cargo xtask up` running?)")
        })?;
    let channel = conn.create_channel().await?;
    if replay {
        let n = dead_letters::replay(&channel, service, limit).await?;
        println!("replayed {n} dead letter(s) of {service}");
    } else {
        let letters = dead_letters::list(&channel, service, limit).await?;
        if letters.is_empty() {
            println!("{service}.dead is empty");
        }
        for letter in letters {
            println!(
                "{}  {}  reason={}\n    {}",
                letter
                    .event_id
                    .map(|id| id.to_string())
                    .unwrap_or_else(|| "-".into()),
                letter.event_type.as_deref().unwrap_or("(not an envelope)"),
                letter.reason.as_deref().unwrap_or("-"),
                letter.body
            );
        }
    }
    Ok(())
}
