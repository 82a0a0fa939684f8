//! Serving a rendered feed: content coding by `Accept-Encoding`, validators, conditional
//! requests (RFC 9110 13) and caching headers.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::time::SystemTime;

use actix_web::http::StatusCode;
use actix_web::http::header::{
    self, AcceptEncoding, ContentEncoding, Header, HeaderValue, HttpDate, IfModifiedSince,
    IfNoneMatch,
};
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};

use crate::error::AppError;
use crate::feed_cache::{Encoding, RenderedFeed};

/// 200 with the body in the best encoding the client accepts, or 304 when its validators
/// still match. `If-None-Match` wins over `If-Modified-Since`, as RFC 9110 13.2.2 orders.
/// `content_location` is set for a response at a negotiated URL: it names the canonical
/// URL, and the response varies with `Accept` too. `now` is the request's time, read once.
pub async fn respond(
    req: &HttpRequest,
    feed: &RenderedFeed,
    content_location: Option<&str>,
    now: DateTime<Utc>,
) -> Result<HttpResponse, AppError> {
    if let Some(response) = respond_from_memory(req, feed, content_location, now)? {
        return Ok(response);
    }
    compress_off_worker(feed, negotiate_encoding(req)).await?;
    respond_from_memory(req, feed, content_location, now)?.ok_or_else(|| {
        AppError::Internal(anyhow::anyhow!(
            "a compressed feed was made but is not kept"
        ))
    })
}

/// [`respond`] without waiting: `None` when the body in the encoding the client asks for
/// is not made yet and is too large to compress on the worker.
pub fn respond_from_memory(
    req: &HttpRequest,
    feed: &RenderedFeed,
    content_location: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Option<HttpResponse>, AppError> {
    let encoding = negotiate_encoding(req);
    let not_modified = is_not_modified(req, feed, encoding);
    let body = if not_modified {
        None
    } else {
        let Some(body) = body_from_memory(feed, encoding)? else {
            return Ok(None);
        };
        Some(body)
    };
    // Built on the response's own header map, not `HttpResponseBuilder`: this is every
    // cache hit's work, and the builder re-checks each header it is given.
    let has_body = body.is_some();
    let mut response = match body {
        None => HttpResponse::new(StatusCode::NOT_MODIFIED),
        Some(body) => HttpResponse::with_body(StatusCode::OK, body).map_into_boxed_body(),
    };
    let headers = response.headers_mut();
    for (name, value) in feed.headers() {
        headers.append(name.clone(), value.clone());
    }
    headers.append(header::ETAG, feed.etag_header(encoding));
    headers.append(header::LAST_MODIFIED, last_modified_value(feed, now));
    if let Some(location) = content_location {
        headers.insert(
            header::VARY,
            HeaderValue::from_static("Accept, Accept-Encoding"),
        );
        // A URL engfeed made from its public URL: always a valid header value.
        if let Ok(location) = HeaderValue::from_str(location) {
            headers.append(header::CONTENT_LOCATION, location);
        }
    }
    if has_body {
        headers.append(header::CONTENT_TYPE, feed.content_type().clone());
        if let Some(coding) = encoding.content_coding() {
            headers.append(header::CONTENT_ENCODING, HeaderValue::from_static(coding));
        }
    }
    Ok(Some(response))
}

/// Documents larger than this are compressed off the worker the first time a coding is
/// asked for: brotli takes tens of milliseconds on them.
const COMPRESS_ON_WORKER_BYTES: usize = 256 * 1024;

fn compress_failed(e: std::io::Error) -> AppError {
    AppError::Internal(anyhow::anyhow!("compressing a feed: {e}"))
}

/// The body in `encoding`, made now if it is small; `None` if it must be made off the worker.
fn body_from_memory(feed: &RenderedFeed, encoding: Encoding) -> Result<Option<Bytes>, AppError> {
    let identity_len = feed
        .body(Encoding::Identity)
        .map_err(compress_failed)?
        .len();
    if feed.has_body(encoding) || identity_len < COMPRESS_ON_WORKER_BYTES {
        return feed.body(encoding).map(Some).map_err(compress_failed);
    }
    Ok(None)
}

async fn compress_off_worker(feed: &RenderedFeed, encoding: Encoding) -> Result<(), AppError> {
    let identity = feed.body(Encoding::Identity).map_err(compress_failed)?;
    let compressed = tokio::task::spawn_blocking(move || encoding.compress(&identity))
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("compressing a feed stopped: {e}")))?
        .map_err(compress_failed)?;
    feed.set_body(encoding, compressed);
    Ok(())
}

/// The validators still match. A client echoing the ETag it was sent (nearly all) is
/// recognised without parsing the header.
fn is_not_modified(req: &HttpRequest, feed: &RenderedFeed, encoding: Encoding) -> bool {
    if let Some(raw) = req.headers().get(header::IF_NONE_MATCH) {
        if *raw == feed.etag_header(encoding) {
            return true;
        }
        return match IfNoneMatch::parse(req) {
            Ok(IfNoneMatch::Any) => true,
            Ok(IfNoneMatch::Items(tags)) => tags.iter().any(|tag| feed.matches(tag)),
            Err(_) => false,
        };
    }
    IfModifiedSince::parse(req)
        .is_ok_and(|since| SystemTime::from(feed.last_modified) <= SystemTime::from(since.0))
}

/// How many distinct `Accept-Encoding` values each worker remembers the outcome of.
const REMEMBERED_NEGOTIATIONS: usize = 8;

thread_local! {
    /// The latest `Accept-Encoding` values negotiated on this thread, newest first, and the
    /// coding each gave. Clients send a handful of distinct values; parsing and negotiating
    /// one was 4% of a cached gzip hit's samples. Copies: a request's `HeaderValue` shares
    /// its whole head, which remembering it would keep alive.
    static NEGOTIATED: RefCell<VecDeque<(Box<[u8]>, Encoding)>> =
        const { RefCell::new(VecDeque::new()) };
}

/// The best supported coding the client accepts; identity when it accepts none of them
/// (every client can read identity unless it refuses it outright, which no reader does).
fn negotiate_encoding(req: &HttpRequest) -> Encoding {
    let mut values = req.headers().get_all(header::ACCEPT_ENCODING);
    let Some(value) = values.next() else {
        return Encoding::Identity;
    };
    if values.next().is_some() {
        // Several lines are negotiated together: the first alone does not name the outcome.
        return negotiate(req);
    }
    NEGOTIATED.with_borrow_mut(|negotiated| {
        let value = value.as_bytes();
        if let Some((_, encoding)) = negotiated.iter().find(|(seen, _)| **seen == *value) {
            return *encoding;
        }
        let encoding = negotiate(req);
        negotiated.truncate(REMEMBERED_NEGOTIATIONS - 1);
        negotiated.push_front((value.into(), encoding));
        encoding
    })
}

fn negotiate(req: &HttpRequest) -> Encoding {
    let Ok(accepted) = AcceptEncoding::parse(req) else {
        return Encoding::Identity;
    };
    let supported = [
        header::Encoding::Known(ContentEncoding::Brotli),
        header::Encoding::Known(ContentEncoding::Zstd),
        header::Encoding::Known(ContentEncoding::Gzip),
        header::Encoding::identity(),
    ];
    match accepted.negotiate(supported.iter()) {
        Some(header::Encoding::Known(ContentEncoding::Brotli)) => Encoding::Brotli,
        Some(header::Encoding::Known(ContentEncoding::Zstd)) => Encoding::Zstd,
        Some(header::Encoding::Known(ContentEncoding::Gzip)) => Encoding::Gzip,
        _ => Encoding::Identity,
    }
}

/// `Last-Modified` never later than the response's own date (RFC 9110 8.8.2.1): the clock
/// is rounded up to the next second, so for up to a second it is ahead of now.
fn last_modified_value(feed: &RenderedFeed, now: DateTime<Utc>) -> HeaderValue {
    if feed.last_modified <= now {
        return feed.last_modified_header();
    }
    let date = HttpDate::from(SystemTime::from(now)).to_string();
    HeaderValue::from_str(&date).unwrap_or_else(|_| HeaderValue::from_static(""))
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    const VALUES: &[&str] = &[
        "gzip",
        "gzip, deflate, br",
        "br;q=0, gzip",
        "gzip;q=0",
        "zstd, gzip;q=0.5",
        "identity",
        "*",
        "br;q=0.1, zstd;q=0.2, gzip;q=0.3",
        "deflate",
        "x-unknown",
    ];

    fn with_accept_encoding(values: &[&str]) -> HttpRequest {
        let mut request = TestRequest::default();
        for value in values {
            request = request.append_header((header::ACCEPT_ENCODING, *value));
        }
        request.to_http_request()
    }

    #[test]
    fn a_remembered_negotiation_gives_what_a_new_one_gives() {
        // Twice round more values than are remembered: first negotiated, then remembered
        // or forgotten and negotiated again.
        for _ in 0..2 {
            for value in VALUES {
                let req = with_accept_encoding(&[value]);
                assert_eq!(negotiate_encoding(&req), negotiate(&req), "{value}");
                assert_eq!(negotiate_encoding(&req), negotiate(&req), "{value} again");
            }
        }
        assert_eq!(
            negotiate_encoding(&with_accept_encoding(&["br;q=0, gzip"])),
            Encoding::Gzip
        );
        assert_eq!(
            negotiate_encoding(&with_accept_encoding(&[])),
            Encoding::Identity
        );
    }

    #[test]
    fn several_accept_encoding_lines_are_negotiated_together() {
        assert_eq!(
            negotiate_encoding(&with_accept_encoding(&["identity"])),
            Encoding::Identity
        );
        let req = with_accept_encoding(&["identity", "gzip"]);
        assert_eq!(negotiate_encoding(&req), Encoding::Gzip);
        assert_eq!(negotiate_encoding(&req), negotiate(&req));
    }
}
