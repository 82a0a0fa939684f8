//! `/api/v1/articles`: list, create, read, partial update, soft delete, restore.

use actix_web::http::header::{self, EntityTag};
use actix_web::{HttpRequest, HttpResponse, web};
use uuid::Uuid;

use super::auth::ApiClient;
use super::body::JsonBody;
use super::dto::{ArticleBody, ArticleListResponse, ArticlePatch, ArticleResponse};
use super::idempotency::at_most_once;
use crate::db;
use crate::domain::{
    ArticleInput, ArticleQuery, ArticleRecord, ChangedFacets, FeedScope, FieldError, Listing,
    Precondition, Site,
};
use crate::error::AppError;
use crate::handlers::{State, connection};

/// The listing's query parameters, for the OpenAPI document; `ArticleQuery::parse` reads them.
#[derive(Debug, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct ListParams {
    /// Levels, comma-separated: `advanced,beginner`.
    level: Option<String>,
    /// Author slugs, comma-separated.
    author: Option<String>,
    /// Sources, comma-separated.
    source: Option<String>,
    /// `true` or `false`: whether the article includes code.
    code: Option<String>,
    /// Read time of at least this many minutes.
    min_minutes: Option<String>,
    /// Read time of at most this many minutes.
    max_minutes: Option<String>,
    /// Published at or after (RFC 3339).
    since: Option<String>,
    /// Published before (RFC 3339).
    until: Option<String>,
    /// Words to find in title or summary.
    q: Option<String>,
    /// `true` to list deleted articles too.
    include_deleted: Option<String>,
    /// 1 to 200; default 50.
    limit: Option<String>,
    /// From the `next` link of the previous page.
    cursor: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/articles", tag = "articles",
    params(ListParams),
    responses(
        (status = 200, description = "One page, newest first", body = ArticleListResponse<'static>),
        (status = 400, description = "A parameter is invalid"),
    ),
)]
pub async fn list_articles(state: State, req: HttpRequest) -> Result<HttpResponse, AppError> {
    let mut query =
        ArticleQuery::parse(req.query_string(), Listing::Admin).map_err(AppError::Invalid)?;
    let mut conn = connection(&state).await?;
    let page = db::articles::list(&mut conn, &FeedScope::All, &query).await?;
    let next = page.next.map(|cursor| {
        query.after = Some(cursor);
        state
            .site
            .public_url
            .join(&format!("/api/v1/articles?{}", query.canonical_query()))
    });
    let mut response = HttpResponse::Ok();
    if let Some(next) = &next {
        response.insert_header((header::LINK, format!("<{next}>; rel=\"next\"")));
    }
    let articles = page
        .records
        .iter()
        .map(|r| ArticleResponse::new(&state.site, r))
        .collect();
    Ok(response.json(ArticleListResponse { articles, next }))
}

#[utoipa::path(get, path = "/api/v1/articles/{id}", tag = "articles",
    params(("id" = String, Path, description = "The article's public id (UUID)")),
    responses(
        (status = 200, description = "The article", body = ArticleResponse<'static>, headers(("ETag" = String))),
        (status = 404, description = "No such article"),
    ),
)]
pub async fn get_article(state: State, id: web::Path<String>) -> Result<HttpResponse, AppError> {
    let public_id = parse_id(&id)?;
    let mut conn = connection(&state).await?;
    let record = db::article_admin::find(&mut conn, public_id)
        .await?
        .ok_or_else(not_found)?;
    Ok(article_response(HttpResponse::Ok(), &state.site, &record))
}

#[utoipa::path(post, path = "/api/v1/articles", tag = "articles",
    params(("Idempotency-Key" = Option<String>, Header, description = "Send a retried POST again safely")),
    request_body = ArticleBody,
    responses(
        (status = 201, description = "Created", body = ArticleResponse<'static>, headers(("ETag" = String), ("Location" = String))),
        (status = 400, description = "A field is invalid"),
        (status = 409, description = "The same request is still running"),
        (status = 413, description = "Body over 1 MiB"),
        (status = 415, description = "Not JSON"),
        (status = 422, description = "Idempotency-Key reused with another body"),
    ),
)]
pub async fn create_article(
    state: State,
    client: ApiClient,
    req: HttpRequest,
    body: JsonBody<ArticleBody>,
) -> Result<HttpResponse, AppError> {
    at_most_once(
        &state,
        client,
        &req,
        &body.bytes,
        create(&state, client, body.value),
    )
    .await
}

async fn create(
    state: &State,
    client: ApiClient,
    request: ArticleBody,
) -> Result<HttpResponse, AppError> {
    let article = ArticleInput::from(request)
        .validate()
        .map_err(AppError::Invalid)?;
    let mut conn = connection(state).await?;
    let record = db::article_admin::create(
        &mut conn,
        &article,
        chrono::Utc::now(),
        Some(client.token_id),
    )
    .await?;
    state
        .catalogue_changed(&mut conn, &ChangedFacets::of([&record.article]))
        .await;
    let location = state
        .site
        .public_url
        .join(&format!("/api/v1/articles/{}", record.article.public_id));
    let mut response = HttpResponse::Created();
    response.insert_header((header::LOCATION, location));
    Ok(article_response(response, &state.site, &record))
}

#[utoipa::path(patch, path = "/api/v1/articles/{id}", tag = "articles",
    params(("id" = String, Path, description = "The article's public id (UUID)"), ("If-Match" = Option<String>, Header, description = "Only change this version, e.g. \"v3\"")),
    request_body = ArticlePatch,
    responses(
        (status = 200, description = "Updated", body = ArticleResponse<'static>, headers(("ETag" = String))),
        (status = 400, description = "A field is invalid"),
        (status = 404, description = "No such article"),
        (status = 412, description = "If-Match does not match"),
        (status = 413, description = "Body over 1 MiB"),
        (status = 415, description = "Not JSON"),
    ),
)]
pub async fn update_article(
    state: State,
    client: ApiClient,
    req: HttpRequest,
    id: web::Path<String>,
    body: JsonBody<ArticlePatch>,
) -> Result<HttpResponse, AppError> {
    let public_id = parse_id(&id)?;
    let precondition = precondition(&req)?;
    let patch = body.value;
    // Merged into the article as stored under the row lock, not as read before it.
    let merge = |stored: &ArticleRecord| {
        let unchanged = ArticleInput::from(&stored.article);
        let mut input = unchanged.clone();
        patch.apply_to(&mut input);
        if input == unchanged {
            return Ok(None);
        }
        input.validate().map(Some)
    };
    let mut conn = connection(&state).await?;
    let updated = db::article_admin::update(
        &mut conn,
        public_id,
        merge,
        &precondition,
        chrono::Utc::now(),
        Some(client.token_id),
    )
    .await?;
    if updated.current.version != updated.previous.version {
        state.catalogue_changed(&mut conn, &updated.changed()).await;
    }
    Ok(article_response(
        HttpResponse::Ok(),
        &state.site,
        &updated.current,
    ))
}

#[utoipa::path(delete, path = "/api/v1/articles/{id}", tag = "articles",
    params(("id" = String, Path, description = "The article's public id (UUID)"), ("If-Match" = Option<String>, Header, description = "Only change this version, e.g. \"v3\"")),
    responses(
        (status = 200, description = "Deleted: gone from feeds, kept in the database", body = ArticleResponse<'static>, headers(("ETag" = String))),
        (status = 400, description = "If-Match is malformed"),
        (status = 404, description = "No such article"),
        (status = 412, description = "If-Match does not match"),
    ),
)]
pub async fn delete_article(
    state: State,
    client: ApiClient,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    set_deleted(&state, client, &req, &id, true).await
}

#[utoipa::path(post, path = "/api/v1/articles/{id}/restore", tag = "articles",
    params(("id" = String, Path, description = "The article's public id (UUID)"), ("If-Match" = Option<String>, Header, description = "Only change this version, e.g. \"v3\""), ("Idempotency-Key" = Option<String>, Header, description = "Send a retried POST again safely")),
    responses(
        (status = 200, description = "Restored: back in the feeds", body = ArticleResponse<'static>, headers(("ETag" = String))),
        (status = 400, description = "A header is malformed"),
        (status = 404, description = "No such article"),
        (status = 409, description = "The same request is still running"),
        (status = 412, description = "If-Match does not match"),
        (status = 422, description = "Idempotency-Key reused with another request"),
    ),
)]
pub async fn restore_article(
    state: State,
    client: ApiClient,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    at_most_once(
        &state,
        client,
        &req,
        b"",
        set_deleted(&state, client, &req, &id, false),
    )
    .await
}

async fn set_deleted(
    state: &State,
    client: ApiClient,
    req: &HttpRequest,
    id: &str,
    deleted: bool,
) -> Result<HttpResponse, AppError> {
    let public_id = parse_id(id)?;
    let precondition = precondition(req)?;
    let mut conn = connection(state).await?;
    let record = db::article_admin::set_deleted(
        &mut conn,
        public_id,
        deleted,
        &precondition,
        chrono::Utc::now(),
        Some(client.token_id),
    )
    .await?;
    state
        .catalogue_changed(&mut conn, &ChangedFacets::of([&record.article]))
        .await;
    Ok(article_response(HttpResponse::Ok(), &state.site, &record))
}

fn article_response(
    mut builder: actix_web::HttpResponseBuilder,
    site: &Site,
    record: &ArticleRecord,
) -> HttpResponse {
    builder
        .insert_header((header::ETAG, etag(record.version)))
        .json(ArticleResponse::new(site, record))
}

pub(super) fn etag(version: i64) -> EntityTag {
    EntityTag::new_strong(format!("v{version}"))
}

/// `If-Match` as a precondition; weak tags never match (RFC 9110 13.1.1).
fn precondition(req: &HttpRequest) -> Result<Precondition, AppError> {
    let Some(value) = req.headers().get(header::IF_MATCH) else {
        return Ok(Precondition::None);
    };
    let invalid = || {
        AppError::invalid(FieldError::new(
            "If-Match",
            "must be * or a list of ETags such as \"v3\"",
        ))
    };
    let value = value.to_str().map_err(|_| invalid())?.trim();
    if value == "*" {
        return Ok(Precondition::AnyVersion);
    }
    let tags = value
        .split(',')
        .map(|tag| tag.trim().parse::<EntityTag>().map_err(|_| invalid()))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Precondition::OneOf(
        tags.iter()
            .filter(|tag| !tag.weak)
            .filter_map(|tag| tag.tag().strip_prefix('v')?.parse().ok())
            .collect(),
    ))
}

fn parse_id(id: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(id).map_err(|_| AppError::NotFound(format!("no article with id '{id}'")))
}

fn not_found() -> AppError {
    AppError::NotFound("no article with that id".to_owned())
}
