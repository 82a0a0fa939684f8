//! `/feed.{ext}`, `/levels/{level}/feed.{ext}`, `/authors/{slug}/feed.{ext}`.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::{State, connection};
use crate::db;
use crate::domain::{AuthorSlug, FeedLimit, FeedScope, Level};
use crate::error::AppError;
use crate::feeds::{self, FeedContext, FeedFormat};

#[derive(Debug, Deserialize)]
pub struct FeedParams {
    limit: Option<String>,
}

impl FeedParams {
    fn limit(&self) -> Result<FeedLimit, AppError> {
        match &self.limit {
            None => Ok(FeedLimit::default()),
            Some(value) => FeedLimit::parse(value).map_err(AppError::invalid),
        }
    }
}

pub async fn all_articles(
    state: State,
    extension: web::Path<String>,
    params: web::Query<FeedParams>,
) -> Result<HttpResponse, AppError> {
    serve(&state, FeedScope::All, &extension, &params).await
}

pub async fn by_level(
    state: State,
    path: web::Path<(String, String)>,
    params: web::Query<FeedParams>,
) -> Result<HttpResponse, AppError> {
    let (level, extension) = path.into_inner();
    let level = parse_level(&level)?;
    serve(&state, FeedScope::Level(level), &extension, &params).await
}

pub async fn by_author(
    state: State,
    path: web::Path<(String, String)>,
    params: web::Query<FeedParams>,
) -> Result<HttpResponse, AppError> {
    let (slug, extension) = path.into_inner();
    let scope = resolve_author(&state, &slug).await?;
    serve(&state, scope, &extension, &params).await
}

async fn serve(
    state: &State,
    scope: FeedScope,
    extension: &str,
    params: &FeedParams,
) -> Result<HttpResponse, AppError> {
    let format = parse_format(extension)?;
    let limit = params.limit()?;
    let mut conn = connection(state).await?;
    let articles = db::articles::list_recent(&mut conn, &scope, limit).await?;
    let context = FeedContext {
        site: &state.site,
        scope: &scope,
        limit,
    };
    let body = feeds::render(format, &context, &articles)?;
    Ok(HttpResponse::Ok()
        .content_type(format.content_type())
        .body(body))
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
