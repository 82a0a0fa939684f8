use actix_web::HttpResponse;

use super::State;
use crate::error::AppError;

/// The process is up. Never touches the database.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body("ok\n")
}

/// The primary database answers a query. When it does not, the 503 says why, and what
/// still works: a load balancer's log then tells an operator more than "unavailable".
pub async fn readyz(state: State) -> Result<HttpResponse, AppError> {
    let answered = match state.pool.get().await {
        Ok(mut conn) => crate::db::ping(&mut conn).await,
        Err(error) => Err(error),
    };
    match answered {
        Ok(()) => Ok(HttpResponse::Ok()
            .content_type("text/plain; charset=utf-8")
            .body("ready\n")),
        Err(error) => Err(AppError::NotReady(format!(
            "the primary database does not answer ({error}): writes fail; feeds already \
             rendered are served from memory, others from the read replica if there is one"
        ))),
    }
}
