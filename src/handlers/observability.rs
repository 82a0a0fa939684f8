//! Per request: an id, the access log line, the metrics; and the `/metrics` endpoint.
//!
//! This is every request's fixed cost, so it is kept small: the id is a counter, not a
//! random draw; the log line is formatted by hand and written by a background thread
//! (`crate::access_log`); the metric handles are looked up once per route and kept.

use std::cell::RefCell;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use actix_web::body::{BodySize, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpResponse};
use chrono::{DateTime, Utc};
use metrics::{Counter, Histogram};
use tracing::Instrument;
use uuid::Uuid;

use super::State;
use crate::access_log::{self, AccessLine};

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The id of a request: in its `X-Request-Id` response header, its span and its access
/// log line.
#[derive(Debug, Clone, Copy)]
pub struct RequestId(pub Uuid);

/// A UUID (v4 layout) made of this process's random 64 bits and a counter: unique without
/// a random draw per request.
pub fn next_request_id() -> Uuid {
    static PROCESS: OnceLock<u64> = OnceLock::new();
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let process = *PROCESS.get_or_init(|| Uuid::new_v4().as_u64_pair().0);
    let count = COUNTER.fetch_add(1, Ordering::Relaxed);
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&process.to_be_bytes());
    bytes[8..].copy_from_slice(&count.to_be_bytes());
    uuid::Builder::from_random_bytes(bytes).into_uuid()
}

/// When a request arrived, read once: its access line's timestamp, and where its duration
/// starts.
#[derive(Debug, Clone, Copy)]
pub struct Arrival {
    pub instant: Instant,
    pub time: DateTime<Utc>,
}

impl Arrival {
    pub fn now() -> Self {
        Self {
            instant: Instant::now(),
            time: Utc::now(),
        }
    }
}

/// Gives the request an id and a span, then logs it (one line, target `engfeed::access`),
/// counts it by route, method and status, and times it.
pub async fn record(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let arrival = Arrival::now();
    let id = next_request_id();
    req.extensions_mut().insert(RequestId(id));
    let span = tracing::info_span!("request", request_id = %id);
    let mut response = next.call(req).instrument(span).await?;
    served(&mut response, id, arrival, None);
    Ok(response)
}

/// What every answered request gets at the end: its access log line, its metrics (under
/// `route`, else the route that took it), and its `X-Request-Id` header.
pub fn served<B: MessageBody>(
    response: &mut ServiceResponse<B>,
    id: Uuid,
    arrival: Arrival,
    route: Option<&RouteMetrics>,
) {
    log_and_count(response, id, arrival, route);
    let mut buffer = Uuid::encode_buffer();
    if let Ok(value) = HeaderValue::from_str(id.hyphenated().encode_lower(&mut buffer)) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
}

fn log_and_count<B: MessageBody>(
    response: &ServiceResponse<B>,
    id: Uuid,
    arrival: Arrival,
    route: Option<&RouteMetrics>,
) {
    let elapsed = arrival.instant.elapsed();
    let status = response.status().as_u16();
    let request = response.request();
    let method = method_label(request.method());
    let bytes = match response.response().body().size() {
        BodySize::Sized(n) => n,
        BodySize::None | BodySize::Stream => 0,
    };
    access_log::write(&AccessLine {
        at: arrival.time,
        client: request.peer_addr().map(|address| address.ip()),
        method,
        uri: request
            .uri()
            .path_and_query()
            .map_or("/", |target| target.as_str()),
        status,
        bytes,
        micros: elapsed.as_micros() as u64,
        request_id: id,
    });
    match route.or_else(|| request.app_data::<RouteMetrics>()) {
        Some(route) => route.record(method, status, elapsed),
        None => NO_ROUTE.with(|route| route.record(method, status, elapsed)),
    }
}

/// A route's metrics, given once per route by the route table (`crate::routes`) as
/// resource data: one series per route however many authors there are, found after
/// routing without matching the path again, and handles kept rather than looked up by
/// name and labels on every request.
pub struct RouteMetrics {
    label: &'static str,
    duration: Histogram,
    /// Per method and status, made on first use; a handful per route.
    requests: RefCell<Vec<(&'static str, u16, Counter)>>,
}

thread_local! {
    /// Requests no route took (404s of the default service) share one series.
    static NO_ROUTE: RouteMetrics = RouteMetrics::new("other");
}

impl RouteMetrics {
    pub fn new(label: &'static str) -> Self {
        Self {
            label,
            duration: metrics::histogram!("engfeed_http_request_duration_seconds", "route" => label),
            requests: RefCell::new(Vec::new()),
        }
    }

    fn record(&self, method: &'static str, status: u16, elapsed: std::time::Duration) {
        self.duration.record(elapsed.as_secs_f64());
        let mut requests = self.requests.borrow_mut();
        if let Some((_, _, counter)) = requests
            .iter()
            .find(|(m, s, _)| *s == status && *m == method)
        {
            counter.increment(1);
            return;
        }
        let counter = metrics::counter!("engfeed_http_requests_total",
            "method" => method, "route" => self.label, "status" => status_label(status));
        counter.increment(1);
        requests.push((method, status, counter));
    }
}

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
