//! `/api/v1/authors`: list with article counts and feed URLs, read one, rename.

use actix_web::{HttpResponse, web};

use super::auth::ApiClient;
use super::body::JsonBody;
use super::dto::{AuthorListResponse, AuthorResponse, RenameAuthorRequest};
use crate::db;
use crate::db::authors::RenameError;
use crate::domain::{AuthorName, AuthorSlug};
use crate::error::AppError;
use crate::handlers::{State, connection};

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
        (status = 404, description = "No such author"),
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
        (status = 400, description = "The name is invalid"),
        (status = 404, description = "No such author"),
        (status = 409, description = "Another author has that name"),
        (status = 413, description = "Body over 1 MiB"),
        (status = 415, description = "Not JSON"),
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
    let renamed = db::authors::rename(
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
    state.catalogue_changed(&mut conn, &renamed.changed).await;
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
