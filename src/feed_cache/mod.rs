//! Rendered feeds, kept in memory until a change touches them.
//!
//! Each feed document (canonical URL, so one entry per filter, page and format) is rendered
//! once and then served from memory; each content coding (gzip, brotli, zstd) is made the
//! first time a client asks for it. A change described by what it touched (every write
//! engfeed makes, here or on another instance: see [`crate::db::listen`]) drops only the
//! documents that may show it (`freshness`); a change that cannot say (a write from
//! outside engfeed, an import of thousands of articles) moves the cache's generation,
//! which is part of every key, so nothing rendered before it is served after it.
//! Memory is bounded by bytes (moka, least recently used evicted first); concurrent misses
//! for one key render once.
//!
//! ETags are hashes of the uncompressed bytes, so a feed whose bytes a change did not touch
//! keeps its ETag across generations.

mod freshness;
mod representation;

use std::hash::Hash;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use moka::Equivalent;
use moka::future::Cache;
use moka::policy::EvictionPolicy;

use crate::domain::ChangedFacets;
use freshness::ChangeLog;
pub use freshness::Shows;
pub use representation::{Encoding, RenderedFeed, cache_control};

/// The hit counter's handle, looked up once.
fn hits() -> &'static metrics::Counter {
    static HITS: std::sync::OnceLock<metrics::Counter> = std::sync::OnceLock::new();
    HITS.get_or_init(|| metrics::counter!("engfeed_feed_cache_hits_total"))
}

/// The cache's generation, and the document's path, query and day.
type Key = (u64, String);

/// A [`Key`] with its text borrowed, to look a document up without allocating. Hashes as
/// the tuple does: its fields in order.
#[derive(Hash)]
struct KeyRef<'a>(u64, &'a str);

impl Equivalent<Key> for KeyRef<'_> {
    fn equivalent(&self, key: &Key) -> bool {
        self.0 == key.0 && self.1 == key.1
    }
}

/// The rendered-feed cache, shared by every worker.
pub struct FeedCache {
    entries: Option<Cache<Key, Arc<RenderedFeed>>>,
    generation: AtomicU64,
    changes: ChangeLog,
    renders: AtomicU64,
}

impl FeedCache {
    /// At most `max_bytes` of feeds in memory; 0 turns the cache off (every request renders).
    pub fn new(max_bytes: u64) -> Self {
        let entries = (max_bytes > 0).then(|| {
            Cache::builder()
                .max_capacity(max_bytes)
                .weigher(|_key: &Key, feed: &Arc<RenderedFeed>| {
                    u32::try_from(feed.weight()).unwrap_or(u32::MAX)
                })
                .eviction_policy(EvictionPolicy::lru())
                .build()
        });
        Self {
            entries,
            generation: AtomicU64::new(0),
            changes: ChangeLog::default(),
            renders: AtomicU64::new(0),
        }
    }

    /// Anything may have changed: nothing rendered so far is served again.
    pub fn catalogue_changed(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        if let Some(entries) = &self.entries {
            entries.invalidate_all();
        }
    }

    /// These articles changed: the documents that may show them are rendered anew, the
    /// others kept.
    pub fn articles_changed(&self, changed: &ChangedFacets) {
        if !changed.is_described() {
            self.catalogue_changed();
        } else if !changed.is_empty() {
            self.changes.record(changed.clone());
        }
    }

    /// Moves with every change heard, described or not; tests wait on it.
    pub fn changes_heard(&self) -> u64 {
        self.generation.load(Ordering::SeqCst) + self.changes.newest()
    }

    /// Documents rendered so far for the cache (misses); tests count them.
    pub fn renders(&self) -> u64 {
        self.renders.load(Ordering::Relaxed)
    }

    fn key(&self, path: String) -> Key {
        (self.generation.load(Ordering::SeqCst), path)
    }

    /// The document cached under `key`, else `render`s it (once, however many ask at the
    /// same time). The caller's key names everything the document depends on.
    pub async fn get_or_render<F, E>(
        &self,
        key: String,
        render: F,
    ) -> Result<Arc<RenderedFeed>, Arc<E>>
    where
        F: Future<Output = Result<RenderedFeed, E>>,
        E: Send + Sync + 'static,
    {
        let Some(entries) = &self.entries else {
            return render.await.map(Arc::new).map_err(Arc::new);
        };
        let key = self.key(key);
        if let Some(feed) = self.get_key(&key).await {
            return Ok(feed);
        }
        metrics::counter!("engfeed_feed_cache_misses_total").increment(1);
        // The catalogue as read by a render that begins now shows every change so far.
        let began_after = self.changes.newest();
        let mut render = Some(render);
        let feed = entries
            .try_get_with(key.clone(), async {
                let render = render.take().expect("moka runs an entry's init once");
                self.renders.fetch_add(1, Ordering::Relaxed);
                let feed = render.await?;
                feed.currency().mark_current_through(began_after);
                Ok(Arc::new(feed))
            })
            .await?;
        let Some(render) = render.take() else {
            return Ok(feed);
        };
        if self.changes.spares(feed.currency()) {
            return Ok(feed);
        }
        // A concurrent request's render, begun before a change it may not show: this
        // request came after the change, so it renders its own.
        self.renders.fetch_add(1, Ordering::Relaxed);
        let feed = Arc::new(render.await.map_err(Arc::new)?);
        feed.currency().mark_current_through(began_after);
        entries.insert(key, feed.clone()).await;
        Ok(feed)
    }

    /// The document cached under `key`, if there is one and no change since its render
    /// may have touched it (counted as a hit).
    pub async fn get(&self, key: &str) -> Option<Arc<RenderedFeed>> {
        let key = KeyRef(self.generation.load(Ordering::SeqCst), key);
        self.get_key(&key).await
    }

    async fn get_key<Q>(&self, key: &Q) -> Option<Arc<RenderedFeed>>
    where
        Q: Equivalent<Key> + Hash + ?Sized,
    {
        let entries = self.entries.as_ref()?;
        let feed = entries.get(key).await?;
        if !self.changes.spares(feed.currency()) {
            entries.invalidate(key).await;
            return None;
        }
        hits().increment(1);
        Some(feed)
    }

    /// Bytes held now, after pending evictions.
    pub async fn weighted_size(&self) -> u64 {
        match &self.entries {
            Some(entries) => {
                entries.run_pending_tasks().await;
                entries.weighted_size()
            }
            None => 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use actix_web::http::header::EntityTag;
    use chrono::DateTime;

    use super::*;

    fn feed(body: &str) -> RenderedFeed {
        RenderedFeed::new(body.as_bytes().to_vec(), DateTime::UNIX_EPOCH)
    }

    #[test]
    fn every_encoding_decodes_back_to_the_body() {
        let body = "<feed>".repeat(1000);
        let rendered = feed(&body);
        let gzip = rendered.body(Encoding::Gzip).unwrap();
        let mut decoded = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&gzip[..]), &mut decoded)
            .unwrap();
        assert_eq!(decoded, body);
        let zstd = zstd::decode_all(&rendered.body(Encoding::Zstd).unwrap()[..]).unwrap();
        assert_eq!(zstd, body.as_bytes());
        let mut brotli = Vec::new();
        brotli::BrotliDecompress(
            &mut &rendered.body(Encoding::Brotli).unwrap()[..],
            &mut brotli,
        )
        .unwrap();
        assert_eq!(brotli, body.as_bytes());
        assert!(gzip.len() < body.len() / 10);
    }

    #[tokio::test]
    async fn concurrent_misses_render_once() {
        let cache = Arc::new(FeedCache::new(1 << 20));
        let renders = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let fetches = (0..20).map(|_| {
            let (cache, renders) = (cache.clone(), renders.clone());
            async move {
                cache
                    .get_or_render("/feed.atom".to_owned(), async {
                        renders.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                        Ok::<_, std::io::Error>(feed("<feed/>"))
                    })
                    .await
                    .map(|f| f.etag(Encoding::Identity))
            }
        });
        let tags = futures_util::future::join_all(fetches).await;
        assert_eq!(renders.load(Ordering::SeqCst), 1);
        assert!(
            tags.iter()
                .all(|t| t.as_ref().ok() == tags[0].as_ref().ok())
        );
    }

    #[tokio::test]
    async fn a_change_renders_anew_and_memory_stays_bounded() {
        let cache = FeedCache::new(64 * 1024);
        let render = |body: String| async move { Ok::<_, std::io::Error>(feed(&body)) };
        let first = cache
            .get_or_render("a".to_owned(), render("one".to_owned()))
            .await
            .unwrap();
        let again = cache
            .get_or_render("a".to_owned(), render("two".to_owned()))
            .await
            .unwrap();
        assert!(Arc::ptr_eq(&first, &again), "a hit, not a render");
        cache.catalogue_changed();
        let after = cache
            .get_or_render("a".to_owned(), render("two".to_owned()))
            .await
            .unwrap();
        assert_ne!(
            after.etag(Encoding::Identity),
            first.etag(Encoding::Identity)
        );

        // Incompressible 8 KiB bodies: far more than 64 KiB asked for, 64 KiB kept at most.
        for n in 0..100u64 {
            let body: String = (0..8192u64)
                .map(|i| char::from(b'a' + ((i * 7919 + n * 104729) % 26) as u8))
                .collect();
            cache
                .get_or_render(format!("feed-{n}"), render(body))
                .await
                .unwrap();
        }
        assert!(cache.weighted_size().await <= 64 * 1024);
    }

    #[test]
    fn etags_follow_the_bytes_and_differ_per_encoding() {
        let a = feed("same");
        assert_eq!(
            a.etag(Encoding::Identity),
            feed("same").etag(Encoding::Identity)
        );
        assert_ne!(
            a.etag(Encoding::Identity),
            feed("other").etag(Encoding::Identity)
        );
        assert_ne!(a.etag(Encoding::Identity), a.etag(Encoding::Gzip));
        assert!(a.matches(&a.etag(Encoding::Brotli)));
        let weak = EntityTag::new_weak(a.etag(Encoding::Identity).tag().to_owned());
        assert!(a.matches(&weak));
        assert!(!a.matches(&EntityTag::new_strong("nope".to_owned())));
    }
}
