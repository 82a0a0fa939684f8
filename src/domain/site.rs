use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{FeedScope, PublicUrl};

/// This installation: where readers reach it, and the identity its feed ids derive from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    pub public_url: PublicUrl,
    /// Minted once per database; feed ids stay the same when the host name changes.
    pub site_id: Uuid,
    /// The `updated` time of a feed that has no items yet.
    pub created_at: DateTime<Utc>,
    /// The WebSub hub that every feed names as `rel="hub"`.
    pub websub_hub: Option<url::Url>,
    /// Seconds readers may keep a feed before asking again (`max-age`, RSS `ttl`).
    pub feed_max_age: u32,
}

impl Site {
    /// The page of one article on this service; the link of articles without a URL.
    pub fn article_permalink(&self, public_id: Uuid) -> String {
        self.public_url.join(&format!("/articles/{public_id}"))
    }

    pub fn page_url(&self, scope: &FeedScope) -> String {
        self.public_url.join(&scope.page_path())
    }

    pub fn feed_url(&self, scope: &FeedScope, extension: &str) -> String {
        self.public_url.join(&scope.feed_path(extension))
    }

    /// `urn:uuid:` id of a feed, the same in every format and on every host: derived from
    /// the scope's path and the filter's canonical query (empty for an unfiltered feed).
    pub fn feed_id(&self, scope: &FeedScope, canonical_filter: &str) -> String {
        let mut name = scope.page_path();
        if !canonical_filter.is_empty() {
            name = format!("{name}?{canonical_filter}");
        }
        format!("urn:uuid:{}", Uuid::new_v5(&self.site_id, name.as_bytes()))
    }
}

/// The id of an article in every feed, forever: `urn:uuid:<public id>`.
pub fn article_feed_id(public_id: Uuid) -> String {
    format!("urn:uuid:{public_id}")
}
