//! `POST /api/v1/import`: a whole catalogue, all or nothing.

use actix_web::{HttpRequest, HttpResponse, web};

use super::auth::ApiClient;
use super::body::JsonBytes;
use super::dto::ImportReportResponse;
use super::idempotency::at_most_once;
use crate::db;
use crate::db::import::EditedArticles;
use crate::domain::FieldError;
use crate::error::AppError;
use crate::handlers::{State, connection};
use crate::import::{Catalogue, CatalogueArticle, CatalogueError};

#[utoipa::path(post, path = "/api/v1/import", tag = "import",
    params(
        ("Idempotency-Key" = Option<String>, Header, description = "Send a retried POST again safely"),
        ImportOptions,
    ),
    request_body(content = Vec<CatalogueArticle>, description = "A catalogue, newest first, in the format of seed/stripe-articles.json"),
    responses(
        (status = 200, description = "Imported, all or nothing", body = ImportReportResponse),
        (status = 400, description = "An item is invalid; nothing was written"),
        (status = 409, description = "The same request is still running"),
        (status = 413, description = "Body over 32 MiB"),
        (status = 415, description = "Not JSON"),
        (status = 422, description = "Idempotency-Key reused with another body"),
    ),
)]
/// The body is the catalogue file itself (`seed/stripe-articles.json`'s format). Articles
/// edited through this API since the last import are left as they are (`kept_edited`),
/// unless `overwrite=true`.
pub async fn import_catalogue(
    state: State,
    client: ApiClient,
    req: HttpRequest,
    options: web::Query<ImportOptions>,
    body: JsonBytes,
) -> Result<HttpResponse, AppError> {
    let edited = if options.overwrite {
        EditedArticles::Overwrite
    } else {
        EditedArticles::Keep
    };
    at_most_once(
        &state,
        client,
        &req,
        &body.0,
        import(&state, client, &body.0, edited),
    )
    .await
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ImportOptions {
    /// Write the catalogue's version over articles edited through the API since the last
    /// import (default: keep the editor's version).
    #[serde(default)]
    overwrite: bool,
}

async fn import(
    state: &State,
    client: ApiClient,
    body: &[u8],
    edited: EditedArticles,
) -> Result<HttpResponse, AppError> {
    // Up to 32 MiB of JSON, every article's HTML cleaned: seconds of CPU, off the worker
    // so that other requests on it are not held up.
    let bytes = body.to_vec();
    let parsed = web::block(move || Catalogue::from_json(&bytes))
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("the import parser stopped: {e}")))?;
    let catalogue = parsed.map_err(|e| match e {
        CatalogueError::Syntax { .. } => AppError::BadRequest(e.to_string()),
        CatalogueError::Item { item, ref error } => AppError::Invalid(vec![FieldError::new(
            format!("[{}].{}", item - 1, error.field),
            format!("item {item}: {}", error.message),
        )]),
    })?;
    let mut conn = connection(state).await?;
    let imported = db::import::import(
        &mut conn,
        &catalogue.articles,
        chrono::Utc::now(),
        Some(client.token_id),
        edited,
    )
    .await?;
    state.catalogue_changed(&mut conn, &imported.changed).await;
    let report = &imported.report;
    for (outcome, count) in [
        ("created", report.created),
        ("updated", report.updated),
        ("unchanged", report.unchanged),
        ("kept_edited", report.kept_edited),
    ] {
        metrics::counter!("engfeed_imported_articles_total", "outcome" => outcome)
            .increment(count as u64);
    }
    Ok(HttpResponse::Ok().json(ImportReportResponse::from(imported.report)))
}

/// Catalogues are large: up to 32 MiB (about 50,000 articles).
pub fn body_limit() -> web::PayloadConfig {
    web::PayloadConfig::new(32 * 1024 * 1024)
}
