//! `LISTEN engfeed_catalogue`: every write to the catalogue, through any instance or
//! straight into the database, moves the catalogue clock and sends a NOTIFY (a trigger
//! does both; see the `catalogue_clock` migration). Each instance listens on a connection
//! of its own and drops its rendered feeds when one arrives, so a change made anywhere is
//! served everywhere within the time a notification takes, with no polling per request.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use diesel_async::RunQueryDsl;
use futures_util::StreamExt;

use crate::config::DatabaseUrl;
use crate::db;
use crate::feed_cache::FeedCache;

pub const CHANNEL: &str = "engfeed_catalogue";
/// A silent connection is checked this often, so a dead one is noticed and replaced.
const PING_EVERY: Duration = Duration::from_secs(30);
const MAX_RECONNECT_DELAY: Duration = Duration::from_secs(30);

/// Listens until the runtime stops, reconnecting with backoff when the connection is lost.
pub fn spawn(database_url: DatabaseUrl, cache: Arc<FeedCache>) {
    tokio::spawn(async move {
        let mut delay = Duration::from_millis(250);
        loop {
            if let Err(error) = listen(&database_url, &cache).await {
                tracing::warn!(%error, retry_in = ?delay, "lost the catalogue change listener");
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(MAX_RECONNECT_DELAY);
        }
    });
}

async fn listen(database_url: &DatabaseUrl, cache: &FeedCache) -> anyhow::Result<()> {
    let mut conn = db::connect(database_url.expose()).await?;
    diesel::sql_query(format!("LISTEN {CHANNEL}"))
        .execute(&mut conn)
        .await?;
    // Whatever changed while nobody listened is unknown: render everything anew.
    cache.catalogue_changed();
    tracing::debug!("listening for catalogue changes");
    loop {
        let next = {
            let mut notifications = std::pin::pin!(conn.notifications_stream());
            tokio::time::timeout(PING_EVERY, notifications.next()).await
        };
        match next {
            Ok(Some(notification)) => {
                let notification = notification?;
                match clock_of(&notification.payload) {
                    Some(clock) => cache.announce(clock),
                    None => cache.catalogue_changed(),
                }
            }
            Ok(None) => anyhow::bail!("the notification stream ended"),
            Err(_quiet) => db::ping(&mut conn).await?,
        }
    }
}

/// The payload is the new catalogue clock in epoch seconds.
fn clock_of(payload: &str) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(payload.parse().ok()?, 0)
}
