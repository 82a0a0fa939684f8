//! WebSub publishing: after a change, tell the hub which feeds (topics) changed, so that
//! it fetches them and pushes them to subscribers.
//!
//! Pings leave the request path at once: an admin write only queues its topics, and a
//! background task sends one `hub.mode=publish` request per topic, retrying with
//! exponential backoff. A hub that is slow or down costs the writer nothing; when the queue
//! is full, the newest topics are dropped with a warning (subscribers then see the change
//! at their next poll, as without WebSub).

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Semaphore, mpsc};
use url::Url;

/// Batches of topics waiting for the background task.
const QUEUE: usize = 1024;
/// Pings in flight at once.
const CONCURRENT_PINGS: usize = 8;
/// The first retry waits this long; each next one twice as long.
const FIRST_RETRY: Duration = Duration::from_secs(1);
/// 1 + 7 attempts: the last retry is about two minutes after the change.
const RETRIES: u32 = 7;
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// Queues publish pings. Cheap to clone; a disabled one does nothing.
#[derive(Clone, Default)]
pub struct Publisher {
    queue: Option<mpsc::Sender<Vec<String>>>,
}

impl Publisher {
    /// No hub configured.
    pub fn disabled() -> Self {
        Self::default()
    }

    /// Starts the background task on the current Tokio runtime.
    pub fn start(hub: Url) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .user_agent(concat!(
                "engfeed/",
                env!("CARGO_PKG_VERSION"),
                " (WebSub publisher)"
            ))
            .build()?;
        let (queue, batches) = mpsc::channel(QUEUE);
        tokio::spawn(deliver(client, hub, batches));
        Ok(Self { queue: Some(queue) })
    }

    /// Announces that these feeds changed. Never waits.
    pub fn publish(&self, topics: Vec<String>) {
        let Some(queue) = &self.queue else { return };
        if topics.is_empty() {
            return;
        }
        if let Err(error) = queue.try_send(topics) {
            tracing::warn!(%error, "WebSub queue full or closed; these changes are not announced");
        }
    }
}

async fn deliver(client: reqwest::Client, hub: Url, mut batches: mpsc::Receiver<Vec<String>>) {
    let slots = Arc::new(Semaphore::new(CONCURRENT_PINGS));
    while let Some(topics) = batches.recv().await {
        for topic in topics {
            let (client, hub, slots) = (client.clone(), hub.clone(), slots.clone());
            tokio::spawn(async move {
                ping_with_retries(&client, &hub, &topic, &slots).await;
            });
        }
    }
}

async fn ping_with_retries(client: &reqwest::Client, hub: &Url, topic: &str, slots: &Semaphore) {
    let mut delay = FIRST_RETRY;
    for attempt in 0..=RETRIES {
        let outcome = match slots.acquire().await {
            Ok(_slot) => ping(client, hub, topic).await,
            Err(_) => return, // the semaphore is never closed
        };
        match outcome {
            Ok(()) => {
                metrics::counter!("engfeed_websub_pings_total", "outcome" => "accepted")
                    .increment(1);
                tracing::debug!(topic, attempt, "WebSub hub accepted the publish ping");
                return;
            }
            Err(error) if attempt < RETRIES => {
                tracing::info!(topic, attempt, %error, retry_in = ?delay, "WebSub publish ping failed");
                tokio::time::sleep(delay).await;
                delay *= 2;
            }
            Err(error) => {
                metrics::counter!("engfeed_websub_pings_total", "outcome" => "abandoned")
                    .increment(1);
                tracing::warn!(topic, %error, "WebSub publish ping failed; giving up");
            }
        }
    }
}

/// One publish ping; any 2xx is success (hubs answer 202 or 204).
async fn ping(client: &reqwest::Client, hub: &Url, topic: &str) -> Result<(), String> {
    let response = client
        .post(hub.clone())
        .form(&[("hub.mode", "publish"), ("hub.url", topic)])
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if response.status().is_success() {
        Ok(())
    } else {
        Err(format!("the hub answered {}", response.status()))
    }
}
