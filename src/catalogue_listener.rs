//! Keeps this instance's rendered feeds fresh: every change to the catalogue, made through
//! any instance or straight into the database, is announced by PostgreSQL (see
//! [`crate::db::listen`]); the cache drops the feeds the change may show (all of them when the
//! announcement does not say what changed), so a change made anywhere is served everywhere
//! within the time a notification takes, with no polling per request.
//!
//! This instance hears its own writes too. The write's handler has already told the cache
//! and the `FeedReader` (`FeedDocuments::wrote`); the second telling costs a render of the
//! touched feeds, and keeps the instance right when the handler could not read the clock
//! back (a render from a lagging replica in between is dropped again).

use std::sync::Arc;
use std::time::Duration;

use crate::config::DatabaseUrl;
use crate::db::feed_page::FeedReader;
use crate::db::listen::{CatalogueEvent, CatalogueListener};
use crate::feed_cache::FeedCache;

/// A silent connection is checked this often, so a dead one is noticed and replaced.
const PING_EVERY: Duration = Duration::from_secs(30);
const MAX_RECONNECT_DELAY: Duration = Duration::from_secs(30);

/// Listens until the runtime stops, reconnecting with backoff when the connection is lost.
pub fn spawn(database_url: DatabaseUrl, cache: Arc<FeedCache>, reader: Arc<FeedReader>) {
    tokio::spawn(async move {
        let mut delay = Duration::from_millis(250);
        loop {
            if let Err(error) = listen(&database_url, &cache, &reader).await {
                tracing::warn!(%error, retry_in = ?delay, "lost the catalogue change listener");
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(MAX_RECONNECT_DELAY);
        }
    });
}

async fn listen(
    database_url: &DatabaseUrl,
    cache: &FeedCache,
    reader: &FeedReader,
) -> crate::db::Result<()> {
    let (mut listener, clock) = CatalogueListener::start(database_url.expose()).await?;
    // Whatever changed while nobody listened is unknown: render everything anew, and
    // trust a read replica only once it has seen the clock as it stands now (without
    // this, a write made while the listener was away could stay hidden behind a lagging
    // replica until the next change).
    reader.saw_clock(clock);
    cache.catalogue_changed();
    tracing::debug!("listening for catalogue changes");
    loop {
        match listener.next(PING_EVERY).await? {
            CatalogueEvent::Changed(clock, changed) => {
                reader.saw_clock(clock);
                match changed {
                    Some(changed) => cache.articles_changed(&changed),
                    None => cache.catalogue_changed(),
                }
            }
            CatalogueEvent::ChangedAtSomeTime => cache.catalogue_changed(),
            CatalogueEvent::Quiet => {}
        }
    }
}
