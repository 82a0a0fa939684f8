//! Serving a rendered feed: content coding by `Accept-Encoding`, validators, conditional
//! requests (RFC 9110 13) and caching headers.

use std::time::SystemTime;

use actix_web::http::header::{
    self, AcceptEncoding, ContentEncoding, Header, HeaderValue, HttpDate, IfModifiedSince,
    IfNoneMatch,
};
use actix_web::{HttpRequest, HttpResponse};
use chrono::Utc;

use crate::error::AppError;
use crate::feed_cache::{Encoding, RenderedFeed};

/// What a feed response says besides its body.
pub struct FeedHeaders {
    pub content_type: &'static str,
    /// The `Cache-Control` value (see [`cache_control`]).
    pub cache_control: HeaderValue,
    /// `Link` header values (WebSub `hub` and `self`).
    pub links: Vec<String>,
    /// The canonical URL, for a response at a negotiated URL.
    pub content_location: Option<String>,
    /// The response also varies with `Accept` (negotiated URLs).
    pub varies_on_accept: bool,
}

/// 200 with the body in the best encoding the client accepts, or 304 when its validators
/// still match. `If-None-Match` wins over `If-Modified-Since`, as RFC 9110 13.2.2 orders.
pub fn respond(
    req: &HttpRequest,
    feed: &RenderedFeed,
    headers: &FeedHeaders,
) -> Result<HttpResponse, AppError> {
    let encoding = negotiate_encoding(req);
    let not_modified = if req.headers().contains_key(header::IF_NONE_MATCH) {
        match IfNoneMatch::parse(req) {
            Ok(IfNoneMatch::Any) => true,
            Ok(IfNoneMatch::Items(tags)) => tags.iter().any(|tag| feed.matches(tag)),
            Err(_) => false,
        }
    } else {
        IfModifiedSince::parse(req)
            .is_ok_and(|since| SystemTime::from(feed.last_modified) <= SystemTime::from(since.0))
    };
    let mut response = if not_modified {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::ETAG, feed.etag_header(encoding)))
        .insert_header((header::LAST_MODIFIED, last_modified_value(feed)))
        .insert_header((header::CACHE_CONTROL, headers.cache_control.clone()))
        .insert_header((
            header::VARY,
            if headers.varies_on_accept {
                "Accept, Accept-Encoding"
            } else {
                "Accept-Encoding"
            },
        ));
    for link in &headers.links {
        response.append_header((header::LINK, link.as_str()));
    }
    if let Some(location) = &headers.content_location {
        response.insert_header((header::CONTENT_LOCATION, location.as_str()));
    }
    if not_modified {
        return Ok(response.finish());
    }
    response.content_type(headers.content_type);
    if let Some(coding) = encoding.content_coding() {
        response.insert_header((header::CONTENT_ENCODING, coding));
    }
    let body = feed
        .body(encoding)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("compressing a feed: {e}")))?;
    Ok(response.body(body))
}

/// Readers may keep a feed `max_age` seconds, use a stale one for a minute while they
/// fetch it again, and for a day when engfeed cannot answer.
pub fn cache_control(max_age: u32) -> HeaderValue {
    let value =
        format!("public, max-age={max_age}, stale-while-revalidate=60, stale-if-error=86400");
    HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static("public"))
}

/// The best supported coding the client accepts; identity when it accepts none of them
/// (every client can read identity unless it refuses it outright, which no reader does).
fn negotiate_encoding(req: &HttpRequest) -> Encoding {
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
fn last_modified_value(feed: &RenderedFeed) -> HeaderValue {
    let now = Utc::now();
    if feed.last_modified <= now {
        return feed.last_modified_header();
    }
    let date = HttpDate::from(SystemTime::from(now)).to_string();
    HeaderValue::from_str(&date).unwrap_or_else(|_| HeaderValue::from_static(""))
}
