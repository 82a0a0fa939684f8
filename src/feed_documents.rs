//! Feed documents: one page of a feed loaded from PostgreSQL (from the read replica when it
//! has caught up), rendered in one format and kept in the rendered-feed cache. The feed
//! handlers serve them; the WebSub publisher renders the directory's to tell which changed.
//!
//! Every call takes `now`, read once per request, so that the cache key's day and the
//! tombstone cutoff always agree.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::db::feed_page::{FeedPage, FeedReader, ReadFrom};
use crate::domain::{ArticleQuery, FeedScope, Site};
use crate::error::AppError;
use crate::feed_cache::{FeedCache, RenderedFeed};
use crate::feeds::{self, FeedContent, FeedContext, FeedFormat};

pub struct FeedDocuments {
    reader: Arc<FeedReader>,
    cache: Arc<FeedCache>,
    site: Site,
}

impl FeedDocuments {
    pub fn new(reader: Arc<FeedReader>, cache: Arc<FeedCache>, site: Site) -> Self {
        Self {
            reader,
            cache,
            site,
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
        let day = self
            .reader
            .tombstone_cutoff(now)
            .map_or(0, |c| c.timestamp());
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
        let last_modified = page.last_modified;
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
        Ok(self.reader.load(scope, query, now, from).await?)
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
