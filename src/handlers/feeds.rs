//! `/feed.{ext}`, `/levels/{level}/feed.{ext}`, `/authors/{slug}/feed.{ext}`.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};

use super::{State, connection};
use crate::db;
use crate::domain::{Article, ArticleQuery, AuthorSlug, FeedScope, Level, Listing};
use crate::error::AppError;
use crate::feeds::{self, FeedContext, FeedFormat};

pub async fn all_articles(
    state: State,
    req: HttpRequest,
    extension: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    serve(
        &state,
        FeedScope::All,
        &extension,
        &req,
        Spelling::Canonical,
    )
    .await
}

pub async fn by_level(
    state: State,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (written, extension) = path.into_inner();
    let level = parse_level(&written)?;
    let spelling = if written == level.as_str() {
        Spelling::Canonical
    } else {
        Spelling::Other
    };
    serve(&state, FeedScope::Level(level), &extension, &req, spelling).await
}

pub async fn by_author(
    state: State,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (slug, extension) = path.into_inner();
    let scope = resolve_author(&state, &slug).await?;
    serve(&state, scope, &extension, &req, Spelling::Canonical).await
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
    extension: &str,
    req: &HttpRequest,
    path: Spelling,
) -> Result<HttpResponse, AppError> {
    let format = parse_format(extension)?;
    let query =
        ArticleQuery::parse(req.query_string(), Listing::Feed).map_err(AppError::Invalid)?;
    if path == Spelling::Other || req.query_string() != query.canonical_query() {
        return Ok(moved_permanently(state, &scope, &query, format));
    }
    let mut conn = connection(state).await?;
    let page = db::articles::list(&mut conn, &scope, &query).await?;
    let articles: Vec<Article> = page
        .records
        .into_iter()
        .map(|record| record.article)
        .collect();
    let context = FeedContext {
        site: &state.site,
        scope: &scope,
        query: &query,
        next: page.next,
    };
    let body = feeds::render(format, &context, &articles)?;
    Ok(HttpResponse::Ok()
        .content_type(format.content_type())
        .body(body))
}

/// A feed asked for in another spelling (parameter order, case, repeats, an explicit
/// default) answers 301 with its canonical URL: readers then subscribe to one URL per feed,
/// and the document's `rel="self"` matches where it was fetched from.
fn moved_permanently(
    state: &State,
    scope: &FeedScope,
    query: &ArticleQuery,
    format: FeedFormat,
) -> HttpResponse {
    let context = FeedContext {
        site: &state.site,
        scope,
        query,
        next: None,
    };
    HttpResponse::MovedPermanently()
        .insert_header((header::LOCATION, context.self_url(format)))
        .finish()
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
