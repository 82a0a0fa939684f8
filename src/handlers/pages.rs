//! `/`, `/levels/{level}`, `/authors/{slug}`, `/articles/{public id}`, `/build`.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use uuid::Uuid;

use super::html::html;
use super::scope_path::ScopePath;
use super::{State, connection};
use crate::db;
use crate::domain::{Article, ArticleQuery, FeedScope, Listing};
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

/// `/build`: where the feed builder's form on `/` is sent. A form sends every field, the
/// ones left empty too; those mean "any", so they are dropped, and the rest is read as a
/// feed's filter (an invalid one is a 400 naming the field). Answers 303 to the preview
/// page of the canonical feed, which shows its articles and its RSS, Atom and JSON Feed
/// addresses, with autodiscovery links.
pub async fn build(state: State, req: HttpRequest) -> Result<HttpResponse, AppError> {
    let filled = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(
            url::form_urlencoded::parse(req.query_string().as_bytes())
                .filter(|(_, value)| !value.trim().is_empty()),
        )
        .finish();
    let query = ArticleQuery::parse(&filled, Listing::Feed).map_err(AppError::Invalid)?;
    let preview = match query.canonical_query() {
        canonical if canonical.is_empty() => "/feed".to_owned(),
        canonical => format!("/feed?{canonical}"),
    };
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, state.site.public_url.join(&preview)))
        .finish())
}

/// `/levels/{level}` and `/authors/{slug}`: a scope's newest articles and its feeds.
pub async fn listing(state: State, scope: ScopePath) -> Result<HttpResponse, AppError> {
    let scope = scope.resolve(&state).await?;
    let mut conn = connection(&state).await?;
    let articles = latest(&mut conn, &scope).await?;
    html(pages::listing(
        &state.site,
        &scope,
        &articles,
        &Facets::default(),
    ))
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

/// The newest live articles of a scope, as many as a feed holds by default.
async fn latest(conn: &mut crate::db::DbConn, scope: &FeedScope) -> Result<Vec<Article>, AppError> {
    let page = db::articles::list(conn, scope, &ArticleQuery::default()).await?;
    Ok(page
        .records
        .into_iter()
        .map(|record| record.article)
        .collect())
}
