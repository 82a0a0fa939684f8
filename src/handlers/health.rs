use actix_web::HttpResponse;

use super::{State, connection};
use crate::error::AppError;

/// The process is up. Never touches the database.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body("ok\n")
}

/// The database answers a query.
pub async fn readyz(state: State) -> Result<HttpResponse, AppError> {
    let mut conn = connection(&state).await?;
    crate::db::ping(&mut conn).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body("ready\n"))
}
