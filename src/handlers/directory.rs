//! `/feeds.json` and `/feeds.opml`: every feed, to subscribe to all at once.

use actix_web::HttpResponse;

use super::{State, connection};
use crate::db;
use crate::error::AppError;
use crate::feeds::directory::{self, FeedEntry};

pub async fn feeds_json(state: State) -> Result<HttpResponse, AppError> {
    let entries = entries(&state).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "feeds": entries })))
}

pub async fn feeds_opml(state: State) -> Result<HttpResponse, AppError> {
    let entries = entries(&state).await?;
    let body = directory::opml(&entries).map_err(|e| AppError::Internal(e.into()))?;
    Ok(HttpResponse::Ok()
        .content_type("text/x-opml; charset=utf-8")
        .body(body))
}

async fn entries(state: &State) -> Result<Vec<FeedEntry>, AppError> {
    let mut conn = connection(state).await?;
    let authors = db::authors::list_published(&mut conn).await?;
    let sources = db::articles::live_sources(&mut conn).await?;
    Ok(directory::entries(&state.site, &authors, &sources))
}
