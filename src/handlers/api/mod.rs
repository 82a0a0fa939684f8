//! The admin JSON API under `/api/v1`, every route behind a bearer token.

mod articles;
mod auth;
mod authors;
mod body;
pub mod dto;
mod idempotency;
mod import;
pub mod openapi;
mod stats;

use actix_web::middleware::from_fn;
use actix_web::web;

use super::observability::RouteMetrics;

/// JSON bodies other than catalogues: 1 MiB.
const BODY_LIMIT: usize = 1024 * 1024;

pub fn scope() -> actix_web::Scope<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    web::scope("/api/v1")
        .app_data(RouteMetrics::new("/api/v1"))
        .wrap(from_fn(auth::require_token))
        .app_data(web::PayloadConfig::new(BODY_LIMIT))
        // One resource per path, so a method it does not take is a 405, not a 404.
        .service(
            web::resource("/articles")
                .route(web::get().to(articles::list_articles))
                .route(web::post().to(articles::create_article)),
        )
        .service(
            web::resource("/articles/{id}")
                .route(web::get().to(articles::get_article))
                .route(web::patch().to(articles::update_article))
                .route(web::delete().to(articles::delete_article)),
        )
        .service(
            web::resource("/articles/{id}/restore")
                .route(web::post().to(articles::restore_article)),
        )
        .service(web::resource("/authors").route(web::get().to(authors::list_authors)))
        .service(
            web::resource("/authors/{slug}")
                .route(web::get().to(authors::get_author))
                .route(web::patch().to(authors::rename_author)),
        )
        .service(web::resource("/stats/feeds").route(web::get().to(stats::feed_stats)))
        .service(web::resource("/openapi.json").route(web::get().to(openapi::openapi_json)))
        .service(
            web::resource("/import")
                .app_data(import::body_limit())
                .route(web::post().to(import::import_catalogue)),
        )
}
