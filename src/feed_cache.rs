//! Rendered feeds, kept in memory until the catalogue changes.
//!
//! Each feed document (canonical URL, so one entry per filter, page and format) is rendered
//! and compressed once (gzip, brotli, zstd) and then served from memory. Entries are keyed
//! by the catalogue generation: a change anywhere (a local write, or a NOTIFY from another
//! instance) moves the generation, so nothing rendered before it is served after it.
//! Memory is bounded by bytes (moka, least recently used evicted first); concurrent misses
//! for one key render once.
//!
//! ETags are hashes of the uncompressed bytes, so a feed whose bytes a change did not touch
//! keeps its ETag across generations.

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use actix_web::http::header::{EntityTag, HeaderValue, HttpDate};
use actix_web::web::Bytes;
use chrono::{DateTime, Utc};
use moka::future::Cache;
use moka::policy::EvictionPolicy;
use sha2::{Digest, Sha256};

/// A content coding engfeed can send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Identity,
    Gzip,
    Brotli,
    Zstd,
}

impl Encoding {
    pub const ALL: [Encoding; 4] = [
        Encoding::Identity,
        Encoding::Gzip,
        Encoding::Brotli,
        Encoding::Zstd,
    ];

    fn index(self) -> usize {
        self as usize
    }

    /// The `Content-Encoding` value; `None` for identity.
    pub fn content_coding(self) -> Option<&'static str> {
        match self {
            Encoding::Identity => None,
            Encoding::Gzip => Some("gzip"),
            Encoding::Brotli => Some("br"),
            Encoding::Zstd => Some("zstd"),
        }
    }

    fn compress(self, bytes: &[u8]) -> std::io::Result<Vec<u8>> {
        match self {
            Encoding::Identity => Ok(bytes.to_vec()),
            Encoding::Gzip => {
                let mut encoder =
                    flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
                encoder.write_all(bytes)?;
                encoder.finish()
            }
            Encoding::Brotli => {
                let mut out = Vec::new();
                // Quality 5 of 11: ~1 ms for a 60 KB feed where 9 takes 10 ms (benches/render),
                // and every change re-renders every feed asked for.
                let params = brotli::enc::BrotliEncoderParams {
                    quality: 5,
                    ..Default::default()
                };
                brotli::BrotliCompress(&mut &bytes[..], &mut out, &params)?;
                Ok(out)
            }
            Encoding::Zstd => zstd::encode_all(bytes, 3),
        }
    }
}

/// One feed document as served: its bytes in every encoding asked for so far, and the
/// validators of conditional requests.
pub struct RenderedFeed {
    bodies: [OnceLock<Bytes>; 4],
    /// Hex of the uncompressed bytes' hash: the ETag, less the encoding suffix.
    hash: String,
    /// The `ETag` header of each encoding, made once: a hit only copies it.
    etag_headers: [HeaderValue; 4],
    /// `last_modified` as an HTTP date.
    last_modified_header: HeaderValue,
    /// Whole seconds.
    pub last_modified: DateTime<Utc>,
}

impl RenderedFeed {
    pub fn new(body: Vec<u8>, last_modified: DateTime<Utc>) -> Self {
        let digest = Sha256::digest(&body);
        let hash = digest[..12]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>();
        let bodies: [OnceLock<Bytes>; 4] = Default::default();
        let _ = bodies[Encoding::Identity.index()].set(Bytes::from(body));
        let etag_headers = Encoding::ALL.map(|encoding| {
            let tag = match encoding.content_coding() {
                None => format!("\"{hash}\""),
                Some(coding) => format!("\"{hash}-{coding}\""),
            };
            // Hex digits, a dash and letters: always a valid header value.
            HeaderValue::from_str(&tag).unwrap_or_else(|_| HeaderValue::from_static("\"\""))
        });
        let date = HttpDate::from(std::time::SystemTime::from(last_modified)).to_string();
        Self {
            bodies,
            hash,
            etag_headers,
            last_modified_header: HeaderValue::from_str(&date)
                .unwrap_or_else(|_| HeaderValue::from_static("")),
            last_modified,
        }
    }

    /// The body in `encoding`, compressed on first use.
    pub fn body(&self, encoding: Encoding) -> std::io::Result<Bytes> {
        if let Some(body) = self.bodies[encoding.index()].get() {
            return Ok(body.clone());
        }
        let compressed = Bytes::from(encoding.compress(&self.identity())?);
        Ok(self.bodies[encoding.index()]
            .get_or_init(|| compressed)
            .clone())
    }

    fn identity(&self) -> Bytes {
        self.bodies[Encoding::Identity.index()]
            .get()
            .cloned()
            .unwrap_or_default()
    }

    /// A hash of the uncompressed bytes: equal hashes, equal documents.
    pub fn content_hash(&self) -> &str {
        &self.hash
    }

    /// The strong ETag of the body in `encoding`: each encoding is its own representation.
    pub fn etag(&self, encoding: Encoding) -> EntityTag {
        match encoding.content_coding() {
            None => EntityTag::new_strong(self.hash.clone()),
            Some(coding) => EntityTag::new_strong(format!("{}-{coding}", self.hash)),
        }
    }

    /// `Last-Modified` as a header value.
    pub fn last_modified_header(&self) -> HeaderValue {
        self.last_modified_header.clone()
    }

    /// The `ETag` header value of the body in `encoding`.
    pub fn etag_header(&self, encoding: Encoding) -> HeaderValue {
        self.etag_headers[encoding.index()].clone()
    }

    /// Whether an `If-None-Match` tag names this content, in any encoding (the weak
    /// comparison RFC 9110 prescribes for `If-None-Match`: the opaque tags alone).
    pub fn matches(&self, tag: &EntityTag) -> bool {
        let opaque = tag.tag();
        Encoding::ALL.iter().any(|e| match e.content_coding() {
            None => opaque == self.hash,
            Some(coding) => {
                opaque
                    .strip_prefix(self.hash.as_str())
                    .and_then(|rest| rest.strip_prefix('-'))
                    == Some(coding)
            }
        })
    }

    /// Compresses every encoding now, so the entry's size is final before it is weighed.
    fn compress_all(&self) -> std::io::Result<()> {
        for encoding in Encoding::ALL {
            self.body(encoding)?;
        }
        Ok(())
    }

    fn size(&self) -> usize {
        self.bodies
            .iter()
            .filter_map(OnceLock::get)
            .map(Bytes::len)
            .sum::<usize>()
            + self.hash.len()
    }
}

/// Documents smaller than this are compressed on the worker thread.
const COMPRESS_ON_WORKER_BYTES: usize = 256 * 1024;

/// The rendered-feed cache, shared by every worker.
pub struct FeedCache {
    entries: Option<Cache<(u64, String), Arc<RenderedFeed>>>,
    generation: AtomicU64,
}

impl FeedCache {
    /// At most `max_bytes` of feeds in memory; 0 turns the cache off (every request renders).
    pub fn new(max_bytes: u64) -> Self {
        let entries = (max_bytes > 0).then(|| {
            Cache::builder()
                .max_capacity(max_bytes)
                .weigher(|_key: &(u64, String), feed: &Arc<RenderedFeed>| {
                    u32::try_from(feed.size()).unwrap_or(u32::MAX)
                })
                .eviction_policy(EvictionPolicy::lru())
                .build()
        });
        Self {
            entries,
            generation: AtomicU64::new(0),
        }
    }

    pub fn is_enabled(&self) -> bool {
        self.entries.is_some()
    }

    /// The catalogue changed: nothing rendered so far is served again.
    pub fn catalogue_changed(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        if let Some(entries) = &self.entries {
            entries.invalidate_all();
        }
    }

    /// Moves on every change; tests wait on it.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// The cached feed for `url`, else `render`s it (once, however many ask at the same time).
    pub async fn get_or_render<F, E>(
        &self,
        url: String,
        render: F,
    ) -> Result<Arc<RenderedFeed>, Arc<E>>
    where
        F: Future<Output = Result<RenderedFeed, E>>,
        E: Send + Sync + 'static,
        E: From<std::io::Error>,
    {
        let Some(entries) = &self.entries else {
            return render.await.map(Arc::new).map_err(Arc::new);
        };
        let key = (self.generation(), url);
        if let Some(feed) = entries.get(&key).await {
            metrics::counter!("engfeed_feed_cache_hits_total").increment(1);
            return Ok(feed);
        }
        metrics::counter!("engfeed_feed_cache_misses_total").increment(1);
        entries
            .try_get_with(key, async {
                let feed = Arc::new(render.await?);
                if feed.identity().len() < COMPRESS_ON_WORKER_BYTES {
                    feed.compress_all()?;
                } else {
                    // Brotli on a large document takes tens of milliseconds: not on a
                    // worker serving others.
                    let compressing = feed.clone();
                    tokio::task::spawn_blocking(move || compressing.compress_all())
                        .await
                        .map_err(std::io::Error::other)??;
                }
                Ok(feed)
            })
            .await
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
