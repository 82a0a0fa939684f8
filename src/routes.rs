//! The whole route table. Every read route answers GET and HEAD.

use actix_web::dev::Handler;
use actix_web::{FromRequest, HttpRequest, HttpResponse, Resource, Responder, web};

use crate::error::AppError;
use crate::handlers::{api, directory, feeds, health, pages};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::QueryConfig::default().error_handler(|e, _| bad_request(e.to_string())))
        .app_data(web::PathConfig::default().error_handler(|e, _| bad_request(e.to_string())))
        .service(readable("/healthz", health::healthz))
        .service(readable("/readyz", health::readyz))
        .service(readable("/", pages::index))
        .service(readable("/feed", feeds::all_articles))
        .service(readable("/feed.{ext}", feeds::all_articles))
        .service(readable("/feeds.json", directory::feeds_json))
        .service(readable("/feeds.opml", directory::feeds_opml))
        .service(readable("/levels/{level}", pages::level))
        .service(readable("/levels/{level}/feed", feeds::by_level))
        .service(readable("/levels/{level}/feed.{ext}", feeds::by_level))
        .service(readable("/authors/{slug}", pages::author))
        .service(readable("/authors/{slug}/feed", feeds::by_author))
        .service(readable("/authors/{slug}/feed.{ext}", feeds::by_author))
        .service(readable("/articles/{id}", pages::article))
        .service(readable(crate::feeds::EXTENSION_DOC_PATH, pages::namespace))
        .service(api::scope())
        .default_service(web::to(not_found));
}

/// A resource answering GET and HEAD with the same handler; actix's `web::get()` alone
/// leaves HEAD unanswered. actix sends no body for HEAD but keeps the headers.
fn readable<F, Args>(path: &str, handler: F) -> Resource
where
    F: Handler<Args> + Clone,
    Args: FromRequest + 'static,
    F::Output: Responder + 'static,
{
    web::resource(path)
        .route(web::get().to(handler.clone()))
        .route(web::head().to(handler))
}

fn bad_request(detail: String) -> actix_web::Error {
    AppError::BadRequest(detail).into()
}

async fn not_found(request: HttpRequest) -> Result<HttpResponse, AppError> {
    Err(AppError::NotFound(format!("nothing at {}", request.path())))
}
