//! `/feed.{ext}`, `/levels/{level}/feed.{ext}`, `/authors/{slug}/feed.{ext}`, and the same
//! paths without an extension, which negotiate the format on `Accept`.
//!
//! A canonical feed URL is served from the rendered-feed cache: on a hit, no database
//! query runs, not even the author lookup.

use std::sync::Arc;

use actix_web::http::header::{self, Header};
use actix_web::{HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};

use super::conditional::{self, FeedHeaders};
use super::negotiation::{self, Representation};
use super::{State, connection};
use crate::db::{self, DbPool};
use crate::domain::{
    Article, ArticleQuery, AuthorSlug, Cursor, FeedScope, Level, Listing, Tombstone,
};
use crate::error::AppError;
use crate::feed_cache::RenderedFeed;
use crate::feeds::{self, FeedContent, FeedContext, FeedFormat};
use crate::pages;

/// Tombstones per feed at most: the latest deletions are the ones readers still hold.
const MAX_TOMBSTONES: i64 = 200;

pub async fn all_articles(state: State, req: HttpRequest) -> Result<HttpResponse, AppError> {
    serve(
        &state,
        Scope::Known(FeedScope::All),
        &req,
        Spelling::Canonical,
    )
    .await
}

pub async fn by_level(state: State, req: HttpRequest) -> Result<HttpResponse, AppError> {
    let written = req.match_info().query("level");
    let level = parse_level(written)?;
    let spelling = if written == level.as_str() {
        Spelling::Canonical
    } else {
        Spelling::Other
    };
    serve(
        &state,
        Scope::Known(FeedScope::Level(level)),
        &req,
        spelling,
    )
    .await
}

pub async fn by_author(state: State, req: HttpRequest) -> Result<HttpResponse, AppError> {
    let slug = req.match_info().query("slug");
    let slug = AuthorSlug::parse(slug).map_err(|_| unknown_author(slug))?;
    serve(&state, Scope::Author(slug), &req, Spelling::Canonical).await
}

/// A feed's scope as the URL names it: an author is a slug until the database is asked.
enum Scope {
    Known(FeedScope),
    Author(AuthorSlug),
}

impl Scope {
    async fn resolve(self, state: &State) -> Result<FeedScope, AppError> {
        match self {
            Scope::Known(scope) => Ok(scope),
            Scope::Author(slug) => {
                let mut conn = connection(state).await?;
                let author = db::authors::find_by_slug(&mut conn, &slug)
                    .await?
                    .ok_or_else(|| unknown_author(slug.as_ref()))?;
                Ok(FeedScope::Author(author))
            }
        }
    }
}

/// How the request wrote the path's scope (`/levels/Advanced` is `advanced` spelt otherwise).
#[derive(PartialEq, Eq)]
enum Spelling {
    Canonical,
    Other,
}

/// The query string narrows the path's feed: `/levels/advanced/feed.rss?code=true`.
async fn serve(
    state: &State,
    scope: Scope,
    req: &HttpRequest,
    path: Spelling,
) -> Result<HttpResponse, AppError> {
    let query =
        ArticleQuery::parse(req.query_string(), Listing::Feed).map_err(AppError::Invalid)?;
    let Some(extension) = req.match_info().get("ext") else {
        return negotiated(state, scope, &query, req).await;
    };
    let format = parse_format(extension)?;
    if path == Spelling::Other || req.query_string() != query.canonical_query() {
        // Other spellings (parameter order, case, repeats, an explicit default) answer 301
        // with the canonical URL: readers then subscribe to one URL per feed, and the
        // document's `rel="self"` matches where it was fetched from.
        let scope = scope.resolve(state).await?;
        let location = context(state, &scope, &query).self_url(format);
        return Ok(HttpResponse::MovedPermanently()
            .insert_header((header::LOCATION, location))
            .finish());
    }
    // The request is canonical, so its own path and query name the document.
    let self_url = state
        .site
        .public_url
        .join(&format!("{}{}", req.path(), query_suffix(&query)));
    let feed = cached(state, scope, &query, format, &self_url).await?;
    conditional::respond(req, &feed, &feed_headers(state, format, self_url, false))
}

/// `/feed` and friends: the format `Accept` prefers, or the preview page for browsers.
/// Not redirected: readers keep the URL they subscribed to, and `Content-Location` names the
/// canonical URL of what they got.
async fn negotiated(
    state: &State,
    scope: Scope,
    query: &ArticleQuery,
    req: &HttpRequest,
) -> Result<HttpResponse, AppError> {
    let accept = header::Accept::parse(req).ok();
    let representation = negotiation::choose(accept.as_ref()).ok_or_else(|| {
        AppError::NotAcceptable(
            "this feed comes as application/atom+xml, application/rss+xml, \
             application/feed+json or text/html"
                .to_owned(),
        )
    })?;
    let scope = scope.resolve(state).await?;
    let context = context(state, &scope, query);
    match representation {
        Representation::Feed(format) => {
            let self_url = context.self_url(format);
            let feed = cached(state, Scope::Known(scope.clone()), query, format, &self_url).await?;
            let headers = FeedHeaders {
                content_location: Some(self_url.clone()),
                ..feed_headers(state, format, self_url, true)
            };
            conditional::respond(req, &feed, &headers)
        }
        Representation::Html => {
            let loaded = load(state, &scope, query).await?;
            let context = FeedContext {
                next: loaded.next,
                ..context
            };
            let mut response = super::pages::html(pages::feed_preview(&context, &loaded.articles))?;
            response
                .headers_mut()
                .insert(header::VARY, header::HeaderValue::from_static("Accept"));
            Ok(response)
        }
    }
}

fn context<'a>(state: &'a State, scope: &'a FeedScope, query: &'a ArticleQuery) -> FeedContext<'a> {
    FeedContext {
        site: &state.site,
        scope,
        query,
        next: None,
    }
}

fn query_suffix(query: &ArticleQuery) -> String {
    match query.canonical_query() {
        q if q.is_empty() => String::new(),
        q => format!("?{q}"),
    }
}

/// The feed document at `url` (canonical) from the cache, else loaded and rendered (once,
/// however many ask at the same time).
async fn cached(
    state: &State,
    scope: Scope,
    query: &ArticleQuery,
    format: FeedFormat,
    url: &str,
) -> Result<Arc<RenderedFeed>, AppError> {
    // Tombstones expire at midnight UTC, so the day is part of what the document shows.
    let day = tombstone_cutoff(state).map_or(0, |cutoff| cutoff.timestamp());
    let key = format!("{url} {day}");
    state
        .cache
        .get_or_render(key, async {
            let scope = scope.resolve(state).await?;
            let loaded = load(state, &scope, query).await?;
            let context = FeedContext {
                next: loaded.next,
                ..context(state, &scope, query)
            };
            let content = FeedContent {
                articles: &loaded.articles,
                deleted: &loaded.deleted,
            };
            let body = feeds::render(format, &context, &content)?;
            Ok(RenderedFeed::new(body, loaded.last_modified(state)))
        })
        .await
        .map_err(AppError::from_shared)
}

/// Status line aside, what every feed response carries: its media type, its caching, and
/// with a WebSub hub configured, `Link` headers naming the hub and the topic (WebSub 4).
fn feed_headers(
    state: &State,
    format: FeedFormat,
    self_url: String,
    negotiated: bool,
) -> FeedHeaders {
    let links = match &state.site.websub_hub {
        Some(hub) => vec![
            format!("<{hub}>; rel=\"hub\""),
            format!("<{self_url}>; rel=\"self\""),
        ],
        None => Vec::new(),
    };
    FeedHeaders {
        content_type: format.content_type(),
        cache_control: state.feed_cache_control.clone(),
        links,
        content_location: None,
        varies_on_accept: negotiated,
    }
}

/// One page of a feed, read from the database in one snapshot.
struct LoadedFeed {
    articles: Vec<Article>,
    deleted: Vec<Tombstone>,
    next: Option<Cursor>,
    /// The catalogue clock of the snapshot.
    clock: DateTime<Utc>,
}

impl LoadedFeed {
    /// The catalogue clock, or when today's expired tombstones left: the last time the
    /// document could have changed.
    fn last_modified(&self, state: &State) -> DateTime<Utc> {
        match tombstone_cutoff(state) {
            Some(_) => self.clock.max(start_of_today()),
            None => self.clock,
        }
    }
}

/// Deletions at or after this time are shown: the retention in days, counted from the
/// start of today (UTC), so the set of tombstones only changes at midnight.
fn tombstone_cutoff(state: &State) -> Option<DateTime<Utc>> {
    let window = state.feeds.tombstone_window()?;
    Some(start_of_today() - window)
}

fn start_of_today() -> DateTime<Utc> {
    Utc::now()
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .map_or_else(Utc::now, |midnight| midnight.and_utc())
}

/// The page's articles and, on the first page, the scope's recent deletions, from the
/// read replica when there is one and it has caught up with every change announced, else
/// from the primary.
async fn load(
    state: &State,
    scope: &FeedScope,
    query: &ArticleQuery,
) -> Result<LoadedFeed, AppError> {
    if let Some(replica) = &state.read_pool {
        let loaded = load_from(replica, state, scope, query).await?;
        if state.cache.is_current(loaded.clock) {
            return Ok(loaded);
        }
        tracing::debug!("the read replica is behind; reading the primary");
    }
    load_from(&state.pool, state, scope, query).await
}

async fn load_from(
    pool: &DbPool,
    state: &State,
    scope: &FeedScope,
    query: &ArticleQuery,
) -> Result<LoadedFeed, AppError> {
    let cutoff = tombstone_cutoff(state).filter(|_| query.after.is_none());
    let mut conn = pool.get().await?;
    // One snapshot, so that the clock dates exactly these items.
    let (page, deleted, clock) = conn
        .build_transaction()
        .read_only()
        .repeatable_read()
        .run(async |conn| {
            let page = db::articles::list(conn, scope, query).await?;
            let deleted = match cutoff {
                Some(since) => {
                    db::articles::deleted_since(conn, scope, &query.filter, since, MAX_TOMBSTONES)
                        .await?
                }
                None => Vec::new(),
            };
            let clock = db::site::catalogue_clock(conn).await?;
            Ok::<_, diesel::result::Error>((page, deleted, clock))
        })
        .await?;
    Ok(LoadedFeed {
        articles: page.records.into_iter().map(|r| r.article).collect(),
        deleted,
        next: page.next,
        clock,
    })
}

fn parse_format(extension: &str) -> Result<FeedFormat, AppError> {
    FeedFormat::ALL
        .into_iter()
        .find(|format| format.extension() == extension)
        .ok_or_else(|| {
            AppError::NotFound(format!(
                "no feed format '{extension}' (use .rss, .atom or .json)"
            ))
        })
}

pub(crate) fn parse_level(level: &str) -> Result<Level, AppError> {
    level
        .parse()
        .map_err(|e| AppError::NotFound(format!("{e}")))
}

fn unknown_author(slug: &str) -> AppError {
    AppError::NotFound(format!("no author with slug '{slug}'"))
}

/// A slug that is not well formed cannot exist, so it is a 404 without a query.
pub(crate) async fn resolve_author(state: &State, slug: &str) -> Result<FeedScope, AppError> {
    let slug = AuthorSlug::parse(slug).map_err(|_| unknown_author(slug))?;
    Scope::Author(slug).resolve(state).await
}
