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
    // The route's pattern, not the path: one series per route, however many authors.
    let route = req
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned());
    let method = req.method().to_string();
    let request_id = req.extensions().get::<RequestId>().map(ToString::to_string);
    let mut response = next.call(req).await?;
    let status = response.status().as_u16().to_string();
    metrics::counter!("engfeed_http_requests_total", "method" => method, "route" => route.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("engfeed_http_request_duration_seconds", "route" => route)
        .record(started.elapsed().as_secs_f64());
    if let Some(value) = request_id.and_then(|id| HeaderValue::from_str(&id).ok()) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    Ok(response)
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
