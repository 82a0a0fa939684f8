//! `/api/v1/authors`: list with article counts and feed URLs, read one, rename.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::auth::ApiClient;
use super::body::JsonBody;
use crate::db;
use crate::db::authors::{AuthorSummary, RenameError};
use crate::domain::{AuthorName, AuthorSlug, FeedScope, Site};
use crate::error::{AppError, Problem};
use crate::feeds::FeedFormat;
use crate::handlers::{State, connection};

#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct AuthorResponse {
    name: String,
    slug: String,
    article_count: i64,
    page: String,
    feeds: Feeds,
}

#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct Feeds {
    rss: String,
    atom: String,
}

impl AuthorResponse {
    fn new(site: &Site, summary: AuthorSummary) -> Self {
        let scope = FeedScope::Author(summary.author.clone());
        Self {
            name: summary.author.name,
            slug: summary.author.slug.to_string(),
            article_count: summary.article_count,
            page: site.page_url(&scope),
            feeds: Feeds {
                rss: site.feed_url(&scope, FeedFormat::Rss.extension()),
                atom: site.feed_url(&scope, FeedFormat::Atom.extension()),
            },
        }
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RenameAuthorRequest {
    #[schema(min_length = 1, max_length = 200)]
    name: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct AuthorListResponse {
    authors: Vec<AuthorResponse>,
}

#[utoipa::path(get, path = "/api/v1/authors", tag = "authors",
    responses(
        (status = 200, description = "Every author, by name", body = AuthorListResponse),
    ),
)]
pub async fn list_authors(state: State) -> Result<HttpResponse, AppError> {
    let mut conn = connection(&state).await?;
    let authors: Vec<AuthorResponse> = db::authors::summaries(&mut conn, None)
        .await?
        .into_iter()
        .map(|summary| AuthorResponse::new(&state.site, summary))
        .collect();
    Ok(HttpResponse::Ok().json(AuthorListResponse { authors }))
}

#[utoipa::path(get, path = "/api/v1/authors/{slug}", tag = "authors",
    params(("slug" = String, Path, description = "The author's slug, e.g. james-beswick")),
    responses(
        (status = 200, description = "The author", body = AuthorResponse),
        (status = 404, description = "No such author", body = Problem<'static>, content_type = "application/problem+json"),
    ),
)]
pub async fn get_author(state: State, slug: web::Path<String>) -> Result<HttpResponse, AppError> {
    let slug = parse_slug(&slug)?;
    let mut conn = connection(&state).await?;
    let summary = db::authors::summaries(&mut conn, Some(&slug))
        .await?
        .pop()
        .ok_or_else(|| not_found(&slug))?;
    Ok(HttpResponse::Ok().json(AuthorResponse::new(&state.site, summary)))
}

#[utoipa::path(patch, path = "/api/v1/authors/{slug}", tag = "authors",
    params(("slug" = String, Path, description = "The author's slug, e.g. james-beswick")),
    request_body = RenameAuthorRequest,
    responses(
        (status = 200, description = "Renamed; the slug and feed URLs stay", body = AuthorResponse),
        (status = 400, description = "The name is invalid", body = Problem<'static>, content_type = "application/problem+json"),
        (status = 404, description = "No such author", body = Problem<'static>, content_type = "application/problem+json"),
        (status = 409, description = "Another author has that name", body = Problem<'static>, content_type = "application/problem+json"),
        (status = 413, description = "Body over 1 MiB", body = Problem<'static>, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem<'static>, content_type = "application/problem+json"),
    ),
)]
pub async fn rename_author(
    state: State,
    client: ApiClient,
    slug: web::Path<String>,
    body: JsonBody<RenameAuthorRequest>,
) -> Result<HttpResponse, AppError> {
    let slug = parse_slug(&slug)?;
    let name = AuthorName::parse("name", &body.value.name).map_err(AppError::invalid)?;
    let mut conn = connection(&state).await?;
    let author = db::authors::rename(
        &mut conn,
        &slug,
        &name,
        chrono::Utc::now(),
        Some(client.token_id),
    )
    .await
    .map_err(|e| match e {
        RenameError::NotFound => not_found(&slug),
        RenameError::NameTaken => {
            AppError::Conflict(format!("another author is already called '{name}'"))
        }
        RenameError::Store(e) => e.into(),
    })?;
    state.catalogue_changed(&db::authors::feeds_of(&mut conn, &author).await?);
    let summary = db::authors::summaries(&mut conn, Some(&slug))
        .await?
        .pop()
        .ok_or_else(|| not_found(&slug))?;
    Ok(HttpResponse::Ok().json(AuthorResponse::new(&state.site, summary)))
}

fn parse_slug(slug: &str) -> Result<AuthorSlug, AppError> {
    AuthorSlug::parse(slug).map_err(|_| AppError::NotFound(format!("no author with slug '{slug}'")))
}

fn not_found(slug: &AuthorSlug) -> AppError {
    AppError::NotFound(format!("no author with slug '{slug}'"))
}
