//! `/feed.{ext}`, `/levels/{level}/feed.{ext}`, `/authors/{slug}/feed.{ext}`, and the same
//! paths without an extension, which negotiate the format on `Accept`.
//!
//! A canonical feed URL is served from the rendered-feed cache: on a hit, no database
//! query runs, not even the author lookup.

use std::sync::Arc;

use actix_web::http::header::{self, Header};
use actix_web::{HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};

use super::State;
use super::conditional::{self, FeedHeaders};
use super::html::html;
use super::negotiation::{self, Representation};
use super::scope_path::ScopePath;
use crate::db::feed_page::ReadFrom;
use crate::domain::{ArticleQuery, FeedScope, Listing};
use crate::error::AppError;
use crate::feed_cache::RenderedFeed;
use crate::feeds::{FeedContext, FeedFormat};
use crate::pages;

/// Every feed route: the path names the scope, the query string narrows it
/// (`/levels/advanced/feed.rss?code=true`), the extension or `Accept` picks the format.
pub async fn feed(
    state: State,
    scope: ScopePath,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let query =
        ArticleQuery::parse(req.query_string(), Listing::Feed).map_err(AppError::Invalid)?;
    let Some(extension) = req.match_info().get("ext") else {
        return negotiated(&state, scope, &query, &req).await;
    };
    let format = parse_format(extension)?;
    if !scope.is_canonical() || req.query_string() != query.canonical_query() {
        // Other spellings (parameter order, case, repeats, an explicit default) answer 301
        // with the canonical URL: readers then subscribe to one URL per feed, and the
        // document's `rel="self"` matches where it was fetched from.
        let scope = scope.resolve(&state).await?;
        let location = context(&state, &scope, &query).self_url(format);
        return Ok(HttpResponse::MovedPermanently()
            .insert_header((header::LOCATION, location))
            .finish());
    }
    // The request is canonical, so its own path and query name the document.
    let self_url = state
        .site
        .public_url
        .join(&format!("{}{}", req.path(), query_suffix(&query)));
    let announced = query.is_directory_page(scope.is_everything());
    let feed = cached(&state, scope, &query, format, &self_url, Utc::now()).await?;
    let headers = feed_headers(&state, format, self_url, false, announced);
    conditional::respond(&req, &feed, &headers)
}

/// `/feed` and friends: the format `Accept` prefers, or the preview page for browsers.
/// Not redirected: readers keep the URL they subscribed to, and `Content-Location` names the
/// canonical URL of what they got.
async fn negotiated(
    state: &State,
    scope: ScopePath,
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
    let now = Utc::now();
    match representation {
        Representation::Feed(format) => {
            let self_url = context.self_url(format);
            let announced = query.is_directory_page(scope == FeedScope::All);
            let known = ScopePath::Known {
                scope: scope.clone(),
                canonical: true,
            };
            let feed = cached(state, known, query, format, &self_url, now).await?;
            let headers = FeedHeaders {
                content_location: Some(self_url.clone()),
                ..feed_headers(state, format, self_url, true, announced)
            };
            conditional::respond(req, &feed, &headers)
        }
        Representation::Html => {
            let from = ReadFrom::ReplicaWhenCurrent;
            let loaded = state.documents.load(&scope, query, now, from).await?;
            let context = FeedContext {
                next: loaded.next,
                ..context
            };
            let mut response = html(pages::feed_preview(&context, &loaded.articles))?;
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
/// however many ask at the same time). A hit resolves nothing, not even the author.
async fn cached(
    state: &State,
    scope: ScopePath,
    query: &ArticleQuery,
    format: FeedFormat,
    url: &str,
    now: DateTime<Utc>,
) -> Result<Arc<RenderedFeed>, AppError> {
    let documents = &state.documents;
    documents
        .cached(url, now, async {
            let scope = scope.resolve(state).await?;
            documents
                .render(&scope, query, format, now, ReadFrom::ReplicaWhenCurrent)
                .await
        })
        .await
}

/// Status line aside, what every feed response carries: its media type, its caching, and
/// for the documents the WebSub hub is told about, `Link` headers naming the hub and the
/// topic (WebSub 4). Other documents name no hub: it would never hear of their changes.
fn feed_headers(
    state: &State,
    format: FeedFormat,
    self_url: String,
    negotiated: bool,
    announced: bool,
) -> FeedHeaders {
    let links = match (&state.site.websub_hub, announced) {
        (Some(hub), true) => vec![
            format!("<{hub}>; rel=\"hub\""),
            format!("<{self_url}>; rel=\"self\""),
        ],
        _ => Vec::new(),
    };
    FeedHeaders {
        content_type: format.content_type(),
        cache_control: state.feed_cache_control.clone(),
        links,
        content_location: None,
        varies_on_accept: negotiated,
    }
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
