//! Feed documents: one page of a feed loaded from PostgreSQL (from the read replica when it
//! has caught up), rendered in one format and kept in the rendered-feed cache. The feed
//! handlers serve them; the WebSub publisher renders the directory's to tell which changed.
//!
//! Every call takes `now`, read once per request, so that the cache key's day and the
//! tombstone cutoff always agree.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::db::feed_page::{FeedPage, FeedReader, ReadFrom};
use crate::domain::{ArticleQuery, AuthorRef, AuthorSlug, FeedScope, Site};
use crate::error::AppError;
use actix_web::http::header::{self, HeaderName, HeaderValue};

use crate::feed_cache::{FeedCache, RenderedFeed, Shows, cache_control};
use crate::feeds::{self, FeedContent, FeedContext, FeedFormat};

pub struct FeedDocuments {
    reader: Arc<FeedReader>,
    cache: Arc<FeedCache>,
    site: Site,
    /// Every feed's `Cache-Control` header, made once.
    cache_control: HeaderValue,
}

impl FeedDocuments {
    pub fn new(reader: Arc<FeedReader>, cache: Arc<FeedCache>, site: Site) -> Self {
        Self {
            reader,
            cache,
            cache_control: cache_control(site.feed_max_age),
            site,
        }
    }

    pub fn site(&self) -> &Site {
        &self.site
    }

    /// The document at `path` (its canonical path and query, after the public URL) as of
    /// `now`: from the cache, else `render`ed (once, however many ask at the same time).
    pub async fn cached<F>(
        &self,
        path: &str,
        now: DateTime<Utc>,
        render: F,
    ) -> Result<Arc<RenderedFeed>, AppError>
    where
        F: Future<Output = Result<RenderedFeed, AppError>>,
    {
        self.cache
            .get_or_render(self.key(path, "", now), render)
            .await
            .map_err(AppError::from_shared)
    }

    /// The document at `path`, with `query` when it has one, as of `now` if it is cached.
    pub async fn hit(
        &self,
        path: &str,
        query: &str,
        now: DateTime<Utc>,
    ) -> Option<Arc<RenderedFeed>> {
        self.cache.get(&self.key(path, query, now)).await
    }

    /// The cache key of the document at `path` (and `query`, when not empty) as of `now`.
    /// Tombstones expire at midnight UTC, so the day is part of what a document shows.
    /// Every poll makes a key, so it is put together without `format!`.
    fn key(&self, path: &str, query: &str, now: DateTime<Utc>) -> String {
        let mut day = itoa::Buffer::new();
        let day = day.format(self.day(now));
        let mut key = String::with_capacity(path.len() + query.len() + day.len() + 2);
        key.push_str(path);
        if !query.is_empty() {
            key.push('?');
            key.push_str(query);
        }
        key.push(' ');
        key.push_str(day);
        key
    }

    fn day(&self, now: DateTime<Utc>) -> i64 {
        self.reader
            .tombstone_cutoff(now)
            .map_or(0, |c| c.timestamp())
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
        let headers = self.response_headers(scope, query, format);
        let content_type = HeaderValue::from_static(format.content_type());
        let body = if html_bytes < RENDER_ON_WORKER_BYTES {
            render_page(format, &self.site, scope, query, &page)?
        } else {
            // Large documents take milliseconds to write: not on a worker serving others.
            let (site, scope, query) = (self.site.clone(), scope.clone(), query.clone());
            tokio::task::spawn_blocking(move || render_page(format, &site, &scope, &query, &page))
                .await
                .map_err(|e| AppError::Internal(anyhow::anyhow!("rendering stopped: {e}")))??
        };
        let shows = Shows {
            scope: scope.clone(),
            filter: query.filter.clone(),
        };
        Ok(RenderedFeed::new(body, last_modified)
            .with_headers(content_type, headers)
            .showing(shows))
    }

    /// What every response for the document carries, 200 or 304: its caching, and for the
    /// documents the WebSub hub is told about, `Link` headers naming the hub and the topic
    /// (WebSub 4). Other documents name no hub: it would never hear of their changes.
    fn response_headers(
        &self,
        scope: &FeedScope,
        query: &ArticleQuery,
        format: FeedFormat,
    ) -> Vec<(HeaderName, HeaderValue)> {
        let mut headers = vec![
            (header::CACHE_CONTROL, self.cache_control.clone()),
            (header::VARY, HeaderValue::from_static("Accept-Encoding")),
        ];
        let announced = query.is_directory_page(*scope == FeedScope::All);
        if let (Some(hub), true) = (&self.site.websub_hub, announced) {
            let self_url = self.context(scope, query).self_url(format);
            for link in [
                format!("<{hub}>; rel=\"hub\""),
                format!("<{self_url}>; rel=\"self\""),
            ] {
                if let Ok(value) = HeaderValue::from_str(&link) {
                    headers.push((header::LINK, value));
                }
            }
        }
        headers
    }

    fn context<'a>(&'a self, scope: &'a FeedScope, query: &'a ArticleQuery) -> FeedContext<'a> {
        FeedContext {
            site: &self.site,
            scope,
            query,
            next: None,
        }
    }

    /// A document's canonical URL as the cache knows it: its path and query.
    pub fn path_of<'u>(&self, url: &'u str) -> &'u str {
        url.strip_prefix(self.site.public_url.as_str())
            .unwrap_or(url)
    }

    /// A write committed on `conn`, a connection to the primary: this instance reads the
    /// replica again only once it holds the catalogue clock as it stands now. The NOTIFY
    /// telling every instance so comes too, but maybe after the writer's next read, or,
    /// while the change listener reconnects, seconds later.
    pub async fn wrote(&self, conn: &mut crate::db::Connection) {
        match crate::db::site::catalogue_clock(conn).await {
            Ok(clock) => self.reader.saw_clock(clock),
            Err(error) => tracing::warn!(%error, "the catalogue clock after a write is unknown"),
        }
    }

    /// The author a feed URL names, read where feed pages are read (see
    /// [`FeedReader::author`]).
    pub async fn author(&self, slug: &AuthorSlug) -> Result<Option<AuthorRef>, AppError> {
        Ok(self.reader.author(slug).await?)
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
