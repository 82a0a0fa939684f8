//! Per-request metrics and the request id header, and the `/metrics` endpoint.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpResponse};
use tracing_actix_web::RequestId;

use super::State;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Counts each request by route template and status, times it, and returns the request id
/// that tags its log lines (set by `TracingLogger`, which wraps this).
pub async fn record(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let method = method_label(req.method());
    let request_id = req.extensions().get::<RequestId>().map(ToString::to_string);
    let mut response = next.call(req).await?;
    let RouteLabel(route) = *response
        .request()
        .app_data::<RouteLabel>()
        .unwrap_or(&NO_ROUTE);
    let status = status_label(response.status().as_u16());
    metrics::counter!("engfeed_http_requests_total", "method" => method, "route" => route, "status" => status)
        .increment(1);
    metrics::histogram!("engfeed_http_request_duration_seconds", "route" => route)
        .record(started.elapsed().as_secs_f64());
    if let Some(value) = request_id.and_then(|id| HeaderValue::from_str(&id).ok()) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    Ok(response)
}

/// A route's name in metrics, given once per route by the route table
/// (`crate::routes`) as resource data: one series per route however many authors there
/// are, found after routing without matching the path again.
#[derive(Debug, Clone, Copy)]
pub struct RouteLabel(pub &'static str);

/// Requests no route took (404s of the default service) share one series.
const NO_ROUTE: RouteLabel = RouteLabel("other");

fn method_label(method: &actix_web::http::Method) -> &'static str {
    match method.as_str() {
        "GET" => "GET",
        "HEAD" => "HEAD",
        "POST" => "POST",
        "PATCH" => "PATCH",
        "DELETE" => "DELETE",
        "OPTIONS" => "OPTIONS",
        _ => "other",
    }
}

fn status_label(status: u16) -> &'static str {
    const KNOWN: &[(u16, &str)] = &[
        (200, "200"),
        (201, "201"),
        (204, "204"),
        (301, "301"),
        (304, "304"),
        (400, "400"),
        (401, "401"),
        (404, "404"),
        (405, "405"),
        (406, "406"),
        (409, "409"),
        (412, "412"),
        (413, "413"),
        (415, "415"),
        (422, "422"),
        (429, "429"),
        (500, "500"),
        (503, "503"),
    ];
    KNOWN.iter().find(|(code, _)| *code == status).map_or(
        match status {
            200..=299 => "2xx",
            300..=399 => "3xx",
            400..=499 => "4xx",
            _ => "5xx",
        },
        |(_, label)| label,
    )
}

/// Prometheus text format: the counters and histograms recorded as requests go, and
/// gauges read now (database pool, feed cache).
pub async fn metrics(state: State) -> HttpResponse {
    let pool = state.pool.status();
    metrics::gauge!("engfeed_db_pool_connections").set(pool.size as f64);
    metrics::gauge!("engfeed_db_pool_idle_connections").set(pool.available as f64);
    metrics::gauge!("engfeed_db_pool_waiting_requests").set(pool.waiting as f64);
    metrics::gauge!("engfeed_db_pool_max_connections").set(pool.max_size as f64);
    metrics::gauge!("engfeed_feed_cache_bytes").set(state.cache.weighted_size().await as f64);
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(crate::telemetry::metrics().render())
}
