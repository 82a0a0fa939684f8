//! `/feed.{ext}`, `/levels/{level}/feed.{ext}`, `/authors/{slug}/feed.{ext}`, and the same
//! paths without an extension, which negotiate the format on `Accept`.

use actix_web::http::header::{self, Header};
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder};
use chrono::Utc;

use super::negotiation::{self, Representation};
use super::{State, connection};
use crate::db;
use crate::domain::{Article, ArticleQuery, AuthorSlug, FeedScope, Level, Listing, Tombstone};
use crate::error::AppError;
use crate::feeds::{self, FeedContent, FeedContext, FeedFormat};
use crate::pages;

/// Tombstones per feed at most: the latest deletions are the ones readers still hold.
const MAX_TOMBSTONES: i64 = 200;

pub async fn all_articles(state: State, req: HttpRequest) -> Result<HttpResponse, AppError> {
    serve(&state, FeedScope::All, &req, Spelling::Canonical).await
}

pub async fn by_level(state: State, req: HttpRequest) -> Result<HttpResponse, AppError> {
    let written = req.match_info().query("level");
    let level = parse_level(written)?;
    let spelling = if written == level.as_str() {
        Spelling::Canonical
    } else {
        Spelling::Other
    };
    serve(&state, FeedScope::Level(level), &req, spelling).await
}

pub async fn by_author(state: State, req: HttpRequest) -> Result<HttpResponse, AppError> {
    let scope = resolve_author(&state, req.match_info().query("slug")).await?;
    serve(&state, scope, &req, Spelling::Canonical).await
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
    scope: FeedScope,
    req: &HttpRequest,
    path: Spelling,
) -> Result<HttpResponse, AppError> {
    let query =
        ArticleQuery::parse(req.query_string(), Listing::Feed).map_err(AppError::Invalid)?;
    let Some(extension) = req.match_info().get("ext") else {
        return negotiated(state, &scope, &query, req).await;
    };
    let format = parse_format(extension)?;
    let context = FeedContext {
        site: &state.site,
        scope: &scope,
        query: &query,
        next: None,
    };
    if path == Spelling::Other || req.query_string() != query.canonical_query() {
        // Other spellings (parameter order, case, repeats, an explicit default) answer 301
        // with the canonical URL: readers then subscribe to one URL per feed, and the
        // document's `rel="self"` matches where it was fetched from.
        return Ok(HttpResponse::MovedPermanently()
            .insert_header((header::LOCATION, context.self_url(format)))
            .finish());
    }
    let feed = load(state, &scope, &query).await?;
    let body = feed.render(format, &context)?;
    Ok(feed_response(state, &context, format).body(body))
}

/// `/feed` and friends: the format `Accept` prefers, or the preview page for browsers.
/// Not redirected: readers keep the URL they subscribed to, and `Content-Location` names the
/// canonical URL of what they got.
async fn negotiated(
    state: &State,
    scope: &FeedScope,
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
    let feed = load(state, scope, query).await?;
    let context = FeedContext {
        site: &state.site,
        scope,
        query,
        next: feed.next,
    };
    let mut response = match representation {
        Representation::Feed(format) => {
            let body = feed.render(format, &context)?;
            let mut response = feed_response(state, &context, format);
            response.insert_header((header::CONTENT_LOCATION, context.self_url(format)));
            response.body(body)
        }
        Representation::Html => {
            let page = pages::feed_preview(&context, &feed.articles)
                .map_err(|e| AppError::Internal(e.into()))?;
            HttpResponse::Ok()
                .content_type("text/html; charset=utf-8")
                .body(page)
        }
    };
    response
        .headers_mut()
        .insert(header::VARY, header::HeaderValue::from_static("Accept"));
    Ok(response)
}

/// Status and headers of a feed document: its media type, and with a WebSub hub
/// configured, `Link` headers naming the hub and the topic (WebSub 4).
fn feed_response(
    state: &State,
    context: &FeedContext<'_>,
    format: FeedFormat,
) -> HttpResponseBuilder {
    let mut response = HttpResponse::Ok();
    response.content_type(format.content_type());
    if let Some(hub) = &state.site.websub_hub {
        response.append_header((header::LINK, format!("<{hub}>; rel=\"hub\"")));
        response.append_header((
            header::LINK,
            format!("<{}>; rel=\"self\"", context.self_url(format)),
        ));
    }
    response
}

/// One page of a feed, read from the database.
struct LoadedFeed {
    articles: Vec<Article>,
    deleted: Vec<Tombstone>,
    next: Option<crate::domain::Cursor>,
}

impl LoadedFeed {
    fn render(&self, format: FeedFormat, context: &FeedContext<'_>) -> Result<Vec<u8>, AppError> {
        let context = FeedContext {
            next: self.next,
            ..*context
        };
        let content = FeedContent {
            articles: &self.articles,
            deleted: &self.deleted,
        };
        Ok(feeds::render(format, &context, &content)?)
    }
}

/// The page's articles and, on the first page, the scope's recent deletions.
async fn load(
    state: &State,
    scope: &FeedScope,
    query: &ArticleQuery,
) -> Result<LoadedFeed, AppError> {
    let mut conn = connection(state).await?;
    let page = db::articles::list(&mut conn, scope, query).await?;
    let deleted = match (query.after, state.feeds.tombstone_window()) {
        (None, Some(window)) => {
            let since = Utc::now() - window;
            db::articles::deleted_since(&mut conn, scope, &query.filter, since, MAX_TOMBSTONES)
                .await?
        }
        _ => Vec::new(),
    };
    Ok(LoadedFeed {
        articles: page.records.into_iter().map(|r| r.article).collect(),
        deleted,
        next: page.next,
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

/// A slug that is not well formed cannot exist, so it is a 404 without a query.
pub(crate) async fn resolve_author(state: &State, slug: &str) -> Result<FeedScope, AppError> {
    let unknown = || AppError::NotFound(format!("no author with slug '{slug}'"));
    let slug = AuthorSlug::parse(slug).map_err(|_| unknown())?;
    let mut conn = connection(state).await?;
    let author = db::authors::find_by_slug(&mut conn, &slug)
        .await?
        .ok_or_else(unknown)?;
    Ok(FeedScope::Author(author))
}
