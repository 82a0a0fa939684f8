//! Limits on what a request may send, checked before any handler runs.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::HeaderMap;
use actix_web::middleware::Next;

use crate::error::AppError;

/// Header fields a request may send, in bytes (names and values): browsers and feed
/// readers send 1–2 KiB; nginx's default buffers allow 8 KiB.
pub const MAX_HEADER_BYTES: usize = 16 * 1024;

/// The bytes of a request's header fields, names and values.
pub fn header_bytes(headers: &HeaderMap) -> usize {
    headers
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len())
        .sum()
}

/// Answers 431 to a request whose header fields exceed [`MAX_HEADER_BYTES`] (actix reads
/// heads of up to 128 KiB). Answered as a response, so it is logged and counted.
pub async fn header_size(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let size = header_bytes(req.headers());
    if size > MAX_HEADER_BYTES {
        let refusal = AppError::HeadersTooLarge(format!(
            "the request's header fields take {size} bytes; at most {MAX_HEADER_BYTES} are read"
        ));
        return Ok(req.error_response(refusal).map_into_right_body());
    }
    Ok(next.call(req).await?.map_into_left_body())
}
