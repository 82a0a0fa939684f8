//! WebSub publishing (W3C WebSub §7): tell the hub which topics changed, so that it
//! fetches them and pushes them to subscribers.
//!
//! **Which topics.** Exactly the directory's documents (each feed of `/feeds.opml` at its
//! first page and default size, in each format) whose bytes changed. After a write, the
//! background task renders every document the write could have touched (the full feed and
//! those of the levels, authors and sources of the article before and after), from the
//! primary and through the feed cache, so the hub's fetch that follows is a cache hit. It
//! compares each with the hash of the last version it saw and pings those that differ. At
//! start it renders the whole directory once to know where it stands. Writes in a burst
//! are gathered for [`GATHER`] and judged once. Other documents (filtered feeds, other
//! sizes, later pages) are never pinged, so they name no hub (`FeedContext::websub_hub`).
//!
//! **How.** One `hub.mode=publish` request per topic, naming it as both `hub.topic`
//! (WebSub) and `hub.url` (PubSubHubbub 0.4, which many hubs still read). Transport errors,
//! 429 and 5xx are retried after the hub's `Retry-After`, else after 1 s doubling to about
//! a minute; any other answer is logged once with the hub's words and dropped. A topic
//! already waiting for its ping is not queued again: when the hub fetches, it gets the
//! newest bytes anyway. A write only records its candidate documents and never waits.
//!
//! **Several instances.** Each instance judges and pings the writes made through it,
//! against the versions it last rendered itself, so a document another instance changed
//! meanwhile may be announced by both (never missed).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use actix_web::http::header::HttpDate;
use chrono::Utc;
use tokio::sync::{Notify, Semaphore};
use url::Url;

use crate::db::feed_page::ReadFrom;
use crate::db::{self, DbPool};
use crate::error::AppError;
use crate::feed_documents::FeedDocuments;
use crate::feeds::directory::{self, DirectoryDocument};

/// Writes this close together are judged (and pinged) as one.
pub const GATHER: Duration = Duration::from_millis(250);
/// Pings in flight at once.
const CONCURRENT_PINGS: usize = 8;
/// The first retry waits this long; each next one twice as long.
const FIRST_RETRY: Duration = Duration::from_secs(1);
/// 1 + 7 attempts: the last retry is about two minutes after the change.
const RETRIES: u32 = 7;
/// A hub's `Retry-After` is honoured up to this long.
const LONGEST_RETRY_AFTER: Duration = Duration::from_secs(600);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// How much of a refusing hub's answer is logged.
const LOGGED_ANSWER_BYTES: usize = 500;

/// Queues candidate documents for the background task. Cheap to clone; a disabled one
/// does nothing.
#[derive(Clone, Default)]
pub struct Publisher {
    shared: Option<Arc<Shared>>,
}

#[derive(Default)]
struct Shared {
    pending: Mutex<Pending>,
    wake: Notify,
}

#[derive(Default)]
struct Pending {
    /// By URL: the documents writes may have changed since the last round.
    documents: BTreeMap<String, DirectoryDocument>,
    /// Queued before the start-up rendering finished, which may already show the change:
    /// pinged whether or not they look changed.
    before_baseline: BTreeSet<String>,
    baseline_done: bool,
}

impl Publisher {
    /// No hub configured.
    pub fn disabled() -> Self {
        Self::default()
    }

    /// Starts the background task on the current Tokio runtime.
    pub fn start(hub: Url, documents: Arc<FeedDocuments>, pool: DbPool) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .user_agent(concat!(
                "engfeed/",
                env!("CARGO_PKG_VERSION"),
                " (WebSub publisher)"
            ))
            .build()?;
        let shared = Arc::new(Shared::default());
        let pinger = Pinger {
            client,
            hub,
            waiting: Arc::default(),
            slots: Arc::new(Semaphore::new(CONCURRENT_PINGS)),
        };
        tokio::spawn(judge_changes(shared.clone(), documents, pool, pinger));
        Ok(Self {
            shared: Some(shared),
        })
    }

    /// These documents may have changed (a write committed). Never waits.
    pub fn publish(&self, documents: Vec<DirectoryDocument>) {
        let Some(shared) = &self.shared else { return };
        if documents.is_empty() {
            return;
        }
        let mut pending = shared
            .pending
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        for document in documents {
            if !pending.baseline_done {
                pending.before_baseline.insert(document.url.clone());
            }
            pending.documents.insert(document.url.clone(), document);
        }
        drop(pending);
        shared.wake.notify_one();
    }
}

/// The background task: the start-up rendering, then one round per burst of writes.
async fn judge_changes(
    shared: Arc<Shared>,
    documents: Arc<FeedDocuments>,
    pool: DbPool,
    pinger: Pinger,
) {
    let mut seen = baseline(&documents, &pool).await;
    shared
        .pending
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .baseline_done = true;
    loop {
        shared.wake.notified().await;
        tokio::time::sleep(GATHER).await;
        let (candidates, before_baseline) = {
            let mut pending = shared
                .pending
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            (
                std::mem::take(&mut pending.documents),
                std::mem::take(&mut pending.before_baseline),
            )
        };
        let now = Utc::now();
        for (url, document) in candidates {
            let changed = match render_hash(&documents, &document, now).await {
                Ok(hash) => seen.insert(url.clone(), hash.clone()).as_ref() != Some(&hash),
                Err(error) => {
                    // Cannot tell; an extra ping costs the hub one fetch.
                    tracing::warn!(%url, %error, "WebSub: cannot render a changed feed; announcing it");
                    seen.remove(&url);
                    true
                }
            };
            if changed || before_baseline.contains(&url) {
                pinger.queue(url);
            } else {
                metrics::counter!("engfeed_websub_pings_total", "outcome" => "unchanged")
                    .increment(1);
            }
        }
    }
}

/// The hash of every directory document now. A document it could not render is missing,
/// so its next change is announced.
async fn baseline(documents: &FeedDocuments, pool: &DbPool) -> HashMap<String, String> {
    let listed = async {
        let mut conn = pool.get().await?;
        let authors = db::authors::list_published(&mut conn).await?;
        let sources = db::articles::live_sources(&mut conn).await?;
        Ok::<_, AppError>(directory::documents(documents.site(), &authors, &sources))
    };
    let all = match listed.await {
        Ok(all) => all,
        Err(error) => {
            tracing::warn!(%error, "WebSub: cannot list the feeds; every change will be announced");
            return HashMap::new();
        }
    };
    let now = Utc::now();
    let mut seen = HashMap::with_capacity(all.len());
    for document in all {
        if let Ok(hash) = render_hash(documents, &document, now).await {
            seen.insert(document.url, hash);
        }
    }
    tracing::debug!(documents = seen.len(), "WebSub: directory rendered");
    seen
}

async fn render_hash(
    documents: &FeedDocuments,
    document: &DirectoryDocument,
    now: chrono::DateTime<Utc>,
) -> Result<String, AppError> {
    let DirectoryDocument {
        url,
        scope,
        query,
        format,
    } = document;
    let render = documents.render(scope, query, *format, now, ReadFrom::Primary);
    let feed = documents
        .cached(documents.path_of(url), now, render)
        .await?;
    Ok(feed.content_hash().to_owned())
}

/// Sends publish pings, one task per topic.
#[derive(Clone)]
struct Pinger {
    client: reqwest::Client,
    hub: Url,
    /// Topics queued or waiting to retry.
    waiting: Arc<Mutex<BTreeSet<String>>>,
    slots: Arc<Semaphore>,
}

impl Pinger {
    fn queue(&self, topic: String) {
        let fresh = self
            .waiting
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(topic.clone());
        if !fresh {
            metrics::counter!("engfeed_websub_pings_total", "outcome" => "coalesced").increment(1);
            return;
        }
        let pinger = self.clone();
        tokio::spawn(async move {
            pinger.ping_with_retries(&topic).await;
        });
    }

    async fn ping_with_retries(&self, topic: &str) {
        let mut delay = FIRST_RETRY;
        for attempt in 0..=RETRIES {
            let outcome = {
                let Ok(_slot) = self.slots.acquire().await else {
                    return; // the semaphore is never closed
                };
                // Off the list before the request: a change from now on is pinged again.
                self.waiting
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .remove(topic);
                ping(&self.client, &self.hub, topic).await
            };
            let wait = match outcome {
                Ok(()) => {
                    count("accepted");
                    tracing::debug!(topic, attempt, "WebSub hub accepted the publish ping");
                    return;
                }
                Err(Refusal::Final(answer)) => {
                    count("refused");
                    tracing::warn!(topic, %answer, "WebSub hub refused the publish ping; not retrying");
                    return;
                }
                Err(Refusal::Retry { error, after }) if attempt < RETRIES => {
                    let wait = after.unwrap_or(delay);
                    tracing::info!(topic, attempt, %error, retry_in = ?wait, "WebSub publish ping failed");
                    wait
                }
                Err(Refusal::Retry { error, .. }) => {
                    count("abandoned");
                    tracing::warn!(topic, %error, "WebSub publish ping failed; giving up");
                    return;
                }
            };
            let fresh = self
                .waiting
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(topic.to_owned());
            if !fresh {
                return; // a newer change queued its own ping meanwhile
            }
            tokio::time::sleep(wait).await;
            delay = (delay * 2).min(Duration::from_secs(64));
        }
    }
}

fn count(outcome: &'static str) {
    metrics::counter!("engfeed_websub_pings_total", "outcome" => outcome).increment(1);
}

/// Why a ping did not land.
enum Refusal {
    /// The hub or the network may do better later (transport error, 429, 5xx).
    Retry {
        error: String,
        after: Option<Duration>,
    },
    /// The hub said no and will say it again: its answer.
    Final(String),
}

/// One publish ping; any 2xx is success (hubs answer 202 or 204).
async fn ping(client: &reqwest::Client, hub: &Url, topic: &str) -> Result<(), Refusal> {
    let response = client
        .post(hub.clone())
        .form(&[
            ("hub.mode", "publish"),
            ("hub.topic", topic),
            ("hub.url", topic),
        ])
        .send()
        .await
        .map_err(|e| Refusal::Retry {
            error: e.to_string(),
            after: None,
        })?;
    let status = response.status();
    if status.is_success() {
        return Ok(());
    }
    if status == reqwest::StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
        let after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(retry_after);
        return Err(Refusal::Retry {
            error: format!("the hub answered {status}"),
            after,
        });
    }
    let body = response.text().await.unwrap_or_default();
    let answer: String = body.chars().take(LOGGED_ANSWER_BYTES).collect();
    Err(Refusal::Final(format!("{status}: {}", answer.trim())))
}

/// `Retry-After` as delay-seconds or an HTTP date (RFC 9110 §10.2.3), capped.
fn retry_after(value: &str) -> Option<Duration> {
    let wait = match value.trim().parse::<u64>() {
        Ok(seconds) => Duration::from_secs(seconds),
        Err(_) => {
            let at: HttpDate = value.trim().parse().ok()?;
            std::time::SystemTime::from(at)
                .duration_since(std::time::SystemTime::now())
                .unwrap_or_default()
        }
    };
    Some(wait.min(LONGEST_RETRY_AFTER))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{ArticleQuery, FeedScope};
    use crate::feeds::FeedFormat;

    fn document(url: &str) -> DirectoryDocument {
        DirectoryDocument {
            url: url.to_owned(),
            scope: FeedScope::All,
            query: ArticleQuery::default(),
            format: FeedFormat::Atom,
        }
    }

    #[test]
    fn a_document_queued_twice_before_its_round_is_judged_once() {
        let shared = Arc::new(Shared::default());
        let publisher = Publisher {
            shared: Some(shared.clone()),
        };
        publisher.publish(vec![
            document("https://x/feed.atom"),
            document("https://x/feed.rss"),
        ]);
        publisher.publish(vec![document("https://x/feed.atom")]);
        let pending = shared.pending.lock().unwrap();
        assert_eq!(pending.documents.len(), 2);
        // Queued before the start-up rendering finished: pinged whatever it looks like.
        assert_eq!(pending.before_baseline.len(), 2);
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        assert_eq!(retry_after("3"), Some(Duration::from_secs(3)));
        assert_eq!(retry_after("86400"), Some(LONGEST_RETRY_AFTER));
        assert_eq!(
            retry_after("Thu, 01 Jan 1970 00:00:00 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(retry_after("soon"), None);
    }
}
