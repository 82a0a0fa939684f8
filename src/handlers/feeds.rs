//! `/feed.{ext}`, `/levels/{level}/feed.{ext}`, `/authors/{slug}/feed.{ext}`, and the same
//! paths without an extension, which negotiate the format on `Accept`.
//!
//! A canonical feed URL is served from the rendered-feed cache: on a hit, no database
//! query runs, not even the author lookup.

use std::sync::Arc;

use actix_web::body::{BodySize, MessageBody};
use actix_web::http::header::{self, Header};
use actix_web::http::{Method, StatusCode};
use actix_web::{HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};

use super::State;
use super::conditional;
use super::html::html;
use super::negotiation::{self, Representation};
use super::scope_path::ScopePath;
use crate::db::feed_page::ReadFrom;
use crate::domain::{ArticleQuery, FeedScope, Listing};
use crate::error::AppError;
use crate::feed_cache::RenderedFeed;
use crate::feeds::{FeedContext, FeedFormat};
use crate::pages;
use crate::poll_stats::{Poll, PollStats};

/// Every feed route: the path names the scope, the query string narrows it
/// (`/levels/advanced/feed.rss?code=true`), the extension or `Accept` picks the format.
///
/// A document already rendered is looked up by the request's own path and query before
/// anything is parsed: only canonical URLs are ever cached, so a hit is one.
pub async fn feed(state: State, req: HttpRequest) -> Result<HttpResponse, AppError> {
    let now = Utc::now();
    if req.match_info().get("ext").is_some()
        && let Some(feed) = state
            .documents
            .hit(req.path(), req.query_string(), now)
            .await
    {
        let response = conditional::respond(&req, &feed, None, now).await?;
        count_poll(
            &state.polls,
            &req,
            req.path(),
            req.query_string(),
            &response,
            now,
        );
        return Ok(response);
    }
    // Boxed: the slow path's state is large, and the hit path should not move it around.
    Box::pin(render_or_redirect(state, req, now)).await
}

async fn render_or_redirect(
    state: State,
    req: HttpRequest,
    now: DateTime<Utc>,
) -> Result<HttpResponse, AppError> {
    let scope = ScopePath::from_path(&req)?;
    let query =
        ArticleQuery::parse(req.query_string(), Listing::Feed).map_err(AppError::Invalid)?;
    let Some(extension) = req.match_info().get("ext") else {
        return negotiated(&state, scope, &query, &req, now).await;
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
    let document = Document {
        path: path_and_query(&req),
        format,
    };
    let feed = cached(&state, scope, &query, &document, now).await?;
    let response = conditional::respond(&req, &feed, None, now).await?;
    let (path, query) = split_query(&document.path);
    count_poll(&state.polls, &req, path, query, &response, now);
    Ok(response)
}

/// `/feed` and friends: the format `Accept` prefers, or the preview page for browsers.
/// Not redirected: readers keep the URL they subscribed to, and `Content-Location` names the
/// canonical URL of what they got.
async fn negotiated(
    state: &State,
    scope: ScopePath,
    query: &ArticleQuery,
    req: &HttpRequest,
    now: DateTime<Utc>,
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
            let document = Document {
                path: self_url
                    .strip_prefix(state.site.public_url.as_str())
                    .unwrap_or(&self_url)
                    .to_owned(),
                format,
            };
            let known = ScopePath::Known {
                scope: scope.clone(),
                canonical: true,
            };
            let feed = cached(state, known, query, &document, now).await?;
            let response = conditional::respond(req, &feed, Some(&self_url), now).await?;
            let (path, query) = split_query(&document.path);
            count_poll(&state.polls, req, path, query, &response, now);
            Ok(response)
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

/// Counts a feed served (200 or 304) in the poll statistics, under its canonical path and
/// query. In memory only: no database work on the request's path.
pub(super) fn count_poll(
    polls: &PollStats,
    req: &HttpRequest,
    path: &str,
    query: &str,
    response: &HttpResponse,
    now: DateTime<Utc>,
) {
    let not_modified = match response.status() {
        StatusCode::OK => false,
        StatusCode::NOT_MODIFIED => true,
        _ => return,
    };
    let bytes = match response.body().size() {
        BodySize::Sized(n) if req.method() != Method::HEAD => n,
        _ => 0,
    };
    let user_agent = req
        .headers()
        .get(header::USER_AGENT)
        .map_or(&b""[..], |value| value.as_bytes());
    let poll = Poll {
        path,
        query,
        not_modified,
        bytes,
        client: req.peer_addr().map(|address| address.ip()),
        user_agent,
    };
    polls.record(&poll, now);
}

fn split_query(path_and_query: &str) -> (&str, &str) {
    path_and_query
        .split_once('?')
        .unwrap_or((path_and_query, ""))
}

/// The request's path and query string, as the document cache knows it.
fn path_and_query(req: &HttpRequest) -> String {
    match req.query_string() {
        "" => req.path().to_owned(),
        query => format!("{}?{query}", req.path()),
    }
}

/// A canonical feed document: where it lives (path and query, after the public URL) and
/// its format.
struct Document {
    path: String,
    format: FeedFormat,
}

/// The document from the cache, else loaded and rendered (once, however many ask at the
/// same time). A hit resolves nothing, not even the author.
async fn cached(
    state: &State,
    scope: ScopePath,
    query: &ArticleQuery,
    document: &Document,
    now: DateTime<Utc>,
) -> Result<Arc<RenderedFeed>, AppError> {
    let documents = &state.documents;
    documents
        .cached(&document.path, now, async {
            let scope = scope.resolve(state).await?;
            documents
                .render(
                    &scope,
                    query,
                    document.format,
                    now,
                    ReadFrom::ReplicaWhenCurrent,
                )
                .await
        })
        .await
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
