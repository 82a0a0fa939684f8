//! The cache-hit fast path, outermost of the middleware: a GET or HEAD for a feed document
//! already rendered is answered here, before routing, CORS, the request span and the other
//! layers, with the response the full stack would give. Anything else goes on to the full
//! stack: misses, requests with an `Origin` (CORS answers those), oversized heads (431).
//!
//! A cached document is only ever a canonical feed URL, so a hit on the raw path and query
//! is one. Polling is engfeed's main traffic, and on the full stack a hit spent about two
//! thirds of its time outside the handler (docs/PERFORMANCE.md). `tests/api/cached_hits.rs`
//! holds the two paths' responses to each other.

use std::future::{Ready, ready};
use std::rc::Rc;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::http::Method;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{Error, HttpResponse};
use chrono::{DateTime, Utc};
use futures_util::future::LocalBoxFuture;

use super::observability::{self, Arrival, RouteMetrics};
use super::{State, conditional, feeds, limits};
use crate::feeds::FeedFormat;
use crate::routes;

/// The middleware factory: `App::wrap(CachedHits)`, last, so that it runs first.
pub struct CachedHits;

impl<S, B> Transform<S, ServiceRequest> for CachedHits
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Transform = CachedHitsMiddleware<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(CachedHitsMiddleware {
            service: Rc::new(service),
            routes: FeedRoutes::new(),
        }))
    }
}

pub struct CachedHitsMiddleware<S> {
    service: Rc<S>,
    routes: Rc<FeedRoutes>,
}

impl<S, B> Service<ServiceRequest> for CachedHitsMiddleware<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let service = self.service.clone();
        let routes = self.routes.clone();
        Box::pin(async move {
            let arrival = Arrival::now();
            let Some(response) = cached_response(&req, arrival.time).await else {
                return Ok(service.call(req).await?.map_into_left_body());
            };
            let route = routes.of(req.path());
            let mut response = req.into_response(response);
            observability::served(
                &mut response,
                observability::next_request_id(),
                arrival,
                Some(route),
            );
            Ok(response.map_into_right_body())
        })
    }
}

/// The metrics of the three feed routes, as the route table names them, per worker.
struct FeedRoutes {
    all: RouteMetrics,
    level: RouteMetrics,
    author: RouteMetrics,
}

impl FeedRoutes {
    fn new() -> Rc<Self> {
        Rc::new(Self {
            all: RouteMetrics::new(routes::FEED),
            level: RouteMetrics::new(routes::LEVEL_FEED),
            author: RouteMetrics::new(routes::AUTHOR_FEED),
        })
    }

    fn of(&self, path: &str) -> &RouteMetrics {
        if path.starts_with("/authors/") {
            &self.author
        } else if path.starts_with("/levels/") {
            &self.level
        } else {
            &self.all
        }
    }
}

/// The response to `req` from the cache, as the full stack would make it, or `None` when
/// the full stack must answer.
async fn cached_response(req: &ServiceRequest, now: DateTime<Utc>) -> Option<HttpResponse> {
    let headers = req.headers();
    if !matches!(*req.method(), Method::GET | Method::HEAD)
        || !names_a_feed_format(req.path())
        || headers.contains_key(header::ORIGIN)
        || limits::header_bytes(headers) > limits::MAX_HEADER_BYTES
    {
        return None;
    }
    let state = req.app_data::<State>()?;
    let feed = state
        .documents
        .hit(req.path(), req.query_string(), now)
        .await?;
    // A coding too large to make on the worker is made by the full stack.
    let mut response = conditional::respond_from_memory(req.request(), &feed, None, now).ok()??;
    with_common_headers(&mut response);
    feeds::count_poll(
        &state.polls,
        req.request(),
        req.path(),
        req.query_string(),
        &response,
        now,
    );
    Some(response)
}

/// Only feed documents are cached, all under a path ending in a format's extension: pages,
/// the API and health checks skip the lookup.
fn names_a_feed_format(path: &str) -> bool {
    FeedFormat::ALL.into_iter().any(|format| {
        path.strip_suffix(format.extension())
            .is_some_and(|stem| stem.ends_with('.'))
    })
}

const VARY_WITH_CORS: &str =
    "Accept-Encoding, Origin, Access-Control-Request-Method, Access-Control-Request-Headers";

/// What the layers the fast path skips add to a feed response for a request without
/// `Origin`: `nosniff` (every response) and the feed routes' CORS headers.
fn with_common_headers(response: &mut HttpResponse) {
    let headers = response.headers_mut();
    // Neither is among a feed document's own headers.
    headers.append(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.append(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static(routes::FEED_EXPOSED_HEADERS),
    );
    let vary = match headers.get(header::VARY) {
        // Every feed document's own Vary, made once.
        Some(vary) if vary == "Accept-Encoding" => Some(HeaderValue::from_static(VARY_WITH_CORS)),
        Some(vary) => {
            let mut value = vary.as_bytes().to_vec();
            value.extend_from_slice(b", ");
            value.extend_from_slice(routes::FEED_CORS_VARY.as_bytes());
            HeaderValue::from_bytes(&value).ok()
        }
        None => Some(HeaderValue::from_static(routes::FEED_CORS_VARY)),
    };
    if let Some(vary) = vary {
        headers.insert(header::VARY, vary);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_paths_ending_in_a_format_are_looked_up() {
        for path in [
            "/feed.atom",
            "/levels/advanced/feed.rss",
            "/authors/a/feed.json",
        ] {
            assert!(names_a_feed_format(path), "{path}");
        }
        for path in ["/", "/feed", "/api/v1/articles", "/healthz", "/feedatom"] {
            assert!(!names_a_feed_format(path), "{path}");
        }
    }

    #[test]
    fn the_made_vary_is_the_feed_vary_with_the_cors_one() {
        assert_eq!(
            VARY_WITH_CORS,
            format!("Accept-Encoding, {}", routes::FEED_CORS_VARY)
        );
    }
}
