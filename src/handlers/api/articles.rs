//! `/api/v1/articles`: list, create, read, partial update, soft delete, restore.

use actix_web::http::header::{self, EntityTag};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Deserializer, Serialize};
use uuid::Uuid;

use super::auth::ApiClient;
use super::body::JsonBody;
use super::idempotency::at_most_once;
use crate::db;
use crate::domain::{
    ArticleInput, ArticleQuery, ArticleRecord, ChangedFacets, FeedScope, FieldError, Level,
    Listing, Precondition, Site,
};
use crate::error::{AppError, Problem};
use crate::handlers::{State, connection};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateArticleRequest {
    #[schema(min_length = 1, max_length = 300)]
    title: String,
    #[serde(default)]
    summary: String,
    content_html: Option<String>,
    url: Option<String>,
    author: Option<String>,
    #[schema(value_type = Level)]
    level: String,
    #[schema(minimum = 1, maximum = 600)]
    read_minutes: Option<i64>,
    #[serde(default)]
    includes_code: bool,
    #[serde(default)]
    has_summary: bool,
    source: String,
    #[schema(format = DateTime)]
    published_at: Option<String>,
}

/// Every field optional; `null` clears the nullable ones and is refused for the others.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateArticleRequest {
    #[serde(default, deserialize_with = "present")]
    title: Option<String>,
    #[serde(default, deserialize_with = "present")]
    summary: Option<String>,
    #[serde(default, deserialize_with = "present")]
    content_html: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    url: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    author: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Level>)]
    level: Option<String>,
    #[serde(default, deserialize_with = "present")]
    read_minutes: Option<Option<i64>>,
    #[serde(default, deserialize_with = "present")]
    includes_code: Option<bool>,
    #[serde(default, deserialize_with = "present")]
    has_summary: Option<bool>,
    #[serde(default, deserialize_with = "present")]
    source: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[schema(format = DateTime)]
    published_at: Option<String>,
}

/// A field that is present in the body, whatever its value (`null` included).
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

/// The article as the API shows it: its stored fields, version and permalink.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct ArticleResponse<'a> {
    #[serde(flatten)]
    record: &'a ArticleRecord,
    permalink: String,
}

impl<'a> ArticleResponse<'a> {
    pub(super) fn new(site: &Site, record: &'a ArticleRecord) -> Self {
        Self {
            record,
            permalink: site.article_permalink(record.article.public_id),
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct ArticleListResponse<'a> {
    articles: Vec<ArticleResponse<'a>>,
    /// The next page, or `null` on the last one.
    next: Option<String>,
}

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
        (status = 400, description = "A parameter is invalid", body = Problem<'static>, content_type = "application/problem+json"),
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
        (status = 404, description = "No such article", body = Problem<'static>, content_type = "application/problem+json"),
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
    request_body = CreateArticleRequest,
    responses(
        (status = 201, description = "Created", body = ArticleResponse<'static>, headers(("ETag" = String), ("Location" = String))),
        (status = 400, description = "A field is invalid", body = Problem<'static>, content_type = "application/problem+json"),
        (status = 409, description = "The same request is still running", body = Problem<'static>, content_type = "application/problem+json"),
        (status = 413, description = "Body over 1 MiB", body = Problem<'static>, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem<'static>, content_type = "application/problem+json"),
        (status = 422, description = "Idempotency-Key reused with another body", body = Problem<'static>, content_type = "application/problem+json"),
    ),
)]
pub async fn create_article(
    state: State,
    client: ApiClient,
    req: HttpRequest,
    body: JsonBody<CreateArticleRequest>,
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
    request: CreateArticleRequest,
) -> Result<HttpResponse, AppError> {
    let article = ArticleInput {
        id: None,
        title: request.title,
        summary: request.summary,
        content_html: request.content_html,
        url: request.url,
        author: request.author,
        level: request.level,
        read_minutes: request.read_minutes,
        includes_code: request.includes_code,
        has_summary: request.has_summary,
        source: request.source,
        published_at: request.published_at,
        updated_at: None,
        deleted_at: None,
    }
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
    state.catalogue_changed(&ChangedFacets::of([&record.article]));
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
    request_body = UpdateArticleRequest,
    responses(
        (status = 200, description = "Updated", body = ArticleResponse<'static>, headers(("ETag" = String))),
        (status = 400, description = "A field is invalid", body = Problem<'static>, content_type = "application/problem+json"),
        (status = 404, description = "No such article", body = Problem<'static>, content_type = "application/problem+json"),
        (status = 412, description = "If-Match does not match", body = Problem<'static>, content_type = "application/problem+json"),
        (status = 413, description = "Body over 1 MiB", body = Problem<'static>, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem<'static>, content_type = "application/problem+json"),
    ),
)]
pub async fn update_article(
    state: State,
    client: ApiClient,
    req: HttpRequest,
    id: web::Path<String>,
    body: JsonBody<UpdateArticleRequest>,
) -> Result<HttpResponse, AppError> {
    let public_id = parse_id(&id)?;
    let precondition = precondition(&req)?;
    let patch = body.value;
    // Merged into the article as stored under the row lock, not as read before it.
    let merge = |stored: &ArticleRecord| {
        let unchanged = ArticleInput::from(&stored.article);
        let mut input = unchanged.clone();
        apply(patch, &mut input);
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
        state.catalogue_changed(&ChangedFacets::of([
            &updated.previous.article,
            &updated.current.article,
        ]));
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
        (status = 400, description = "If-Match is malformed", body = Problem<'static>, content_type = "application/problem+json"),
        (status = 404, description = "No such article", body = Problem<'static>, content_type = "application/problem+json"),
        (status = 412, description = "If-Match does not match", body = Problem<'static>, content_type = "application/problem+json"),
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
        (status = 400, description = "A header is malformed", body = Problem<'static>, content_type = "application/problem+json"),
        (status = 404, description = "No such article", body = Problem<'static>, content_type = "application/problem+json"),
        (status = 409, description = "The same request is still running", body = Problem<'static>, content_type = "application/problem+json"),
        (status = 412, description = "If-Match does not match", body = Problem<'static>, content_type = "application/problem+json"),
        (status = 422, description = "Idempotency-Key reused with another request", body = Problem<'static>, content_type = "application/problem+json"),
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
    state.catalogue_changed(&ChangedFacets::of([&record.article]));
    Ok(article_response(HttpResponse::Ok(), &state.site, &record))
}

fn apply(patch: UpdateArticleRequest, input: &mut ArticleInput) {
    let UpdateArticleRequest {
        title,
        summary,
        content_html,
        url,
        author,
        level,
        read_minutes,
        includes_code,
        has_summary,
        source,
        published_at,
    } = patch;
    macro_rules! merge {
        ($($field:ident),*) => {$( if let Some(value) = $field { input.$field = value; } )*};
    }
    merge!(
        title,
        summary,
        content_html,
        url,
        author,
        level,
        read_minutes,
        includes_code,
        has_summary,
        source
    );
    if let Some(published_at) = published_at {
        input.published_at = Some(published_at);
    }
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
