//! `/`, `/levels/{level}`, `/authors/{slug}`, `/articles/{public id}`.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use uuid::Uuid;

use super::feeds::{parse_level, resolve_author};
use super::{State, connection};
use crate::db;
use crate::domain::{Article, ArticleQuery, FeedScope};
use crate::error::AppError;
use crate::feeds::directory;
use crate::pages::{self, Facets};

pub async fn index(state: State) -> Result<HttpResponse, AppError> {
    let mut conn = connection(&state).await?;
    let authors = db::authors::list_published(&mut conn).await?;
    let sources = db::articles::live_sources(&mut conn).await?;
    let articles = latest(&mut conn, &FeedScope::All).await?;
    let directory = directory::entries(&state.site, &authors, &sources);
    let facets = Facets {
        authors: &authors,
        directory: &directory,
    };
    html(pages::listing(
        &state.site,
        &FeedScope::All,
        &articles,
        &facets,
    ))
}

pub async fn level(state: State, level: web::Path<String>) -> Result<HttpResponse, AppError> {
    let scope = FeedScope::Level(parse_level(&level)?);
    listing(&state, scope).await
}

pub async fn author(state: State, slug: web::Path<String>) -> Result<HttpResponse, AppError> {
    let scope = resolve_author(&state, &slug).await?;
    listing(&state, scope).await
}

pub async fn article(state: State, id: web::Path<String>) -> Result<HttpResponse, AppError> {
    let unknown = || AppError::NotFound(format!("no article with id '{id}'"));
    let public_id = Uuid::parse_str(&id).map_err(|_| unknown())?;
    let mut conn = connection(&state).await?;
    let article = db::articles::find_live(&mut conn, public_id)
        .await?
        .ok_or_else(unknown)?;
    html(pages::article(&state.site, &article))
}

pub async fn namespace(state: State) -> Result<HttpResponse, AppError> {
    html(pages::namespace(&state.site))
}

async fn listing(state: &State, scope: FeedScope) -> Result<HttpResponse, AppError> {
    let mut conn = connection(state).await?;
    let articles = latest(&mut conn, &scope).await?;
    html(pages::listing(
        &state.site,
        &scope,
        &articles,
        &Facets::default(),
    ))
}

/// The newest live articles of a scope, as many as a feed holds by default.
async fn latest(conn: &mut crate::db::DbConn, scope: &FeedScope) -> Result<Vec<Article>, AppError> {
    let page = db::articles::list(conn, scope, &ArticleQuery::default()).await?;
    Ok(page
        .records
        .into_iter()
        .map(|record| record.article)
        .collect())
}

pub(super) fn html(page: Result<String, askama::Error>) -> Result<HttpResponse, AppError> {
    let body = page.map_err(|e| AppError::Internal(e.into()))?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
        .insert_header((header::REFERRER_POLICY, "strict-origin-when-cross-origin"))
        .body(body))
}

/// Pages run no script and load nothing but their own inline style and images (an
/// article's sanitised HTML may show some); nobody may frame them.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; \
     img-src 'self' https: data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
