//! Feed documents: one page of a feed loaded from PostgreSQL (from the read replica when it
//! has caught up), rendered in one format and kept in the rendered-feed cache. The feed
//! handlers serve them; the WebSub publisher renders the directory's to tell which changed.
//!
//! Every call takes `now`, read once per request, so that the cache key's day and the
//! tombstone cutoff always agree.

use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};

use crate::config::FeedOptions;
use crate::db::DbPool;
use crate::db::feed_page::{self, FeedPage};
use crate::domain::{ArticleQuery, FeedScope, Site};
use crate::error::AppError;
use crate::feed_cache::{FeedCache, RenderedFeed};
use crate::feeds::{self, FeedContent, FeedContext, FeedFormat};

/// Where a page may be read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadFrom {
    /// The read replica when there is one and it has seen every change announced so far,
    /// else the primary.
    ReplicaWhenCurrent,
    /// The primary: what was just written is certainly there.
    Primary,
}

pub struct FeedDocuments {
    pool: DbPool,
    read_pool: Option<DbPool>,
    cache: Arc<FeedCache>,
    site: Site,
    tombstone_window: Option<TimeDelta>,
}

impl FeedDocuments {
    pub fn new(
        pool: DbPool,
        read_pool: Option<DbPool>,
        cache: Arc<FeedCache>,
        site: Site,
        options: &FeedOptions,
    ) -> Self {
        Self {
            pool,
            read_pool,
            cache,
            site,
            tombstone_window: options.tombstone_window(),
        }
    }

    pub fn site(&self) -> &Site {
        &self.site
    }

    /// The document at the canonical `url` as of `now`: from the cache, else `render`ed
    /// (once, however many ask at the same time).
    pub async fn cached<F>(
        &self,
        url: &str,
        now: DateTime<Utc>,
        render: F,
    ) -> Result<Arc<RenderedFeed>, AppError>
    where
        F: Future<Output = Result<RenderedFeed, AppError>>,
    {
        // Tombstones expire at midnight UTC, so the day is part of what the document shows.
        let day = self.tombstone_cutoff(now).map_or(0, |c| c.timestamp());
        self.cache
            .get_or_render(format!("{url} {day}"), render)
            .await
            .map_err(AppError::from_shared)
    }

    /// Loads and renders one document, bypassing the cache.
    pub async fn render(
        &self,
        scope: &FeedScope,
        query: &ArticleQuery,
        format: FeedFormat,
        now: DateTime<Utc>,
        from: ReadFrom,
    ) -> Result<RenderedFeed, AppError> {
        let mut page = self.load(scope, query, now, from).await?;
        let html_bytes = feeds::keep_within_content_budget(&mut page.articles);
        let last_modified = self.last_modified(&page, now);
        if html_bytes < RENDER_ON_WORKER_BYTES {
            let body = render_page(format, &self.site, scope, query, &page)?;
            return Ok(RenderedFeed::new(body, last_modified));
        }
        // Large documents take milliseconds to write: not on a worker serving others.
        let (site, scope, query) = (self.site.clone(), scope.clone(), query.clone());
        let body =
            tokio::task::spawn_blocking(move || render_page(format, &site, &scope, &query, &page))
                .await
                .map_err(|e| AppError::Internal(anyhow::anyhow!("rendering stopped: {e}")))??;
        Ok(RenderedFeed::new(body, last_modified))
    }

    /// The page's articles and, on the first page, the scope's recent deletions.
    pub async fn load(
        &self,
        scope: &FeedScope,
        query: &ArticleQuery,
        now: DateTime<Utc>,
        from: ReadFrom,
    ) -> Result<FeedPage, AppError> {
        let since = self.tombstone_cutoff(now);
        if let (ReadFrom::ReplicaWhenCurrent, Some(replica)) = (from, &self.read_pool) {
            let mut conn = replica.get().await?;
            let page = feed_page::load(&mut conn, scope, query, since).await?;
            if self.cache.is_current(page.clock) {
                return Ok(page);
            }
            tracing::debug!("the read replica is behind; reading the primary");
        }
        let mut conn = self.pool.get().await?;
        Ok(feed_page::load(&mut conn, scope, query, since).await?)
    }

    /// The catalogue clock, or when today's expired tombstones left: the last time the
    /// document could have changed.
    fn last_modified(&self, page: &FeedPage, now: DateTime<Utc>) -> DateTime<Utc> {
        match self.tombstone_window {
            Some(_) => page.clock.max(start_of_day(now)),
            None => page.clock,
        }
    }

    /// Deletions at or after this time are shown: the retention in days, counted from the
    /// start of today (UTC), so the set of tombstones only changes at midnight.
    fn tombstone_cutoff(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        Some(start_of_day(now) - self.tombstone_window?)
    }
}

/// Documents with less article HTML than this are rendered on the worker thread.
const RENDER_ON_WORKER_BYTES: usize = 64 * 1024;

fn render_page(
    format: FeedFormat,
    site: &Site,
    scope: &FeedScope,
    query: &ArticleQuery,
    page: &FeedPage,
) -> Result<Vec<u8>, feeds::RenderError> {
    let context = FeedContext {
        site,
        scope,
        query,
        next: page.next,
    };
    let content = FeedContent {
        articles: &page.articles,
        deleted: &page.deleted,
    };
    feeds::render(format, &context, &content)
}

fn start_of_day(now: DateTime<Utc>) -> DateTime<Utc> {
    now.date_naive()
        .and_hms_opt(0, 0, 0)
        .map_or(now, |midnight| midnight.and_utc())
}
