//! The whole route table. Every read route answers GET and HEAD.

use actix_cors::Cors;
use actix_web::dev::{Handler, HttpServiceFactory};
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, HttpResponse, Resource, Responder, web};

use crate::error::AppError;
use crate::handlers::observability::RouteMetrics;
use crate::handlers::{api, directory, feeds, health, observability, pages};

/// The feed routes' names in metrics (their templates), shared with the cache-hit fast
/// path (`handlers::cached_hits`), which answers them before routing.
pub const FEED: &str = "/feed.{ext}";
pub const LEVEL_FEED: &str = "/levels/{level}/feed.{ext}";
pub const AUTHOR_FEED: &str = "/authors/{slug}/feed.{ext}";

/// What the feed routes' CORS layer adds to a response for a request without `Origin`
/// (actix-cors exposes the headers of [`feed`]'s `expose_headers` and extends `Vary`); the
/// fast path adds the same. `tests/api/cached_hits.rs` checks that the two agree.
pub const FEED_EXPOSED_HEADERS: &str = "etag, last-modified, link";
pub const FEED_CORS_VARY: &str =
    "Origin, Access-Control-Request-Method, Access-Control-Request-Headers";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::QueryConfig::default().error_handler(|e, _| bad_request(e.to_string())))
        .app_data(web::PathConfig::default().error_handler(|e, _| bad_request(e.to_string())))
        // Feeds first, as they are most of the traffic; the author and level routes in
        // scopes, so that a request is matched against a static prefix before any
        // pattern's regex runs.
        .service(feed(FEED, FEED, feeds::feed))
        .service(
            web::scope("/authors")
                .service(feed("/{slug}/feed.{ext}", AUTHOR_FEED, feeds::feed))
                .service(feed("/{slug}/feed", "/authors/{slug}/feed", feeds::feed))
                .service(readable("/{slug}", "/authors/{slug}", pages::listing)),
        )
        .service(
            web::scope("/levels")
                .service(feed("/{level}/feed.{ext}", LEVEL_FEED, feeds::feed))
                .service(feed("/{level}/feed", "/levels/{level}/feed", feeds::feed))
                .service(readable("/{level}", "/levels/{level}", pages::listing)),
        )
        .service(feed("/feed", "/feed", feeds::feed))
        .service(feed("/feeds.json", "/feeds.json", directory::feeds_json))
        .service(feed("/feeds.opml", "/feeds.opml", directory::feeds_opml))
        .service(readable("/", "/", pages::index))
        .service(readable("/build", "/build", pages::build))
        .service(readable("/healthz", "/healthz", health::healthz))
        .service(readable("/readyz", "/readyz", health::readyz))
        .service(readable("/metrics", "/metrics", observability::metrics))
        .service(readable("/articles/{id}", "/articles/{id}", pages::article))
        .service(readable(
            crate::feeds::EXTENSION_DOC_PATH,
            crate::feeds::EXTENSION_DOC_PATH,
            pages::namespace,
        ))
        .service(api::scope())
        .default_service(web::to(not_found));
}

/// A feed (or feed list): readable like any page, and by scripts on any web origin (CORS),
/// conditional requests included.
fn feed<F, Args>(path: &str, label: &'static str, handler: F) -> impl HttpServiceFactory
where
    F: Handler<Args> + Clone,
    Args: FromRequest + 'static,
    F::Output: Responder + 'static,
{
    let cors = Cors::default()
        .allow_any_origin()
        .allowed_methods(["GET", "HEAD"])
        .allowed_headers([
            header::ACCEPT,
            header::IF_NONE_MATCH,
            header::IF_MODIFIED_SINCE,
        ])
        .expose_headers([header::ETAG, header::LAST_MODIFIED, header::LINK])
        .max_age(86_400);
    readable(path, label, handler).wrap(cors)
}

/// A resource answering GET and HEAD with the same handler, `label` (its template in full)
/// naming it in metrics; actix's `web::get()` alone
/// leaves HEAD unanswered. actix sends no body for HEAD but keeps the headers.
fn readable<F, Args>(path: &str, label: &'static str, handler: F) -> Resource
where
    F: Handler<Args> + Clone,
    Args: FromRequest + 'static,
    F::Output: Responder + 'static,
{
    web::resource(path)
        .app_data(RouteMetrics::new(label))
        .route(web::get().to(handler.clone()))
        .route(web::head().to(handler))
}

fn bad_request(detail: String) -> actix_web::Error {
    AppError::BadRequest(detail).into()
}

async fn not_found(request: HttpRequest) -> Result<HttpResponse, AppError> {
    Err(AppError::NotFound(format!("nothing at {}", request.path())))
}
