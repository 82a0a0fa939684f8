//! `JsonBody<T>`: a JSON request body parsed into `T`, with errors that name the field.

use std::future::Future;
use std::pin::Pin;

use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpMessage, HttpRequest, mime, web};
use serde::de::DeserializeOwned;

use crate::domain::{FieldError, json_error_text};
use crate::error::AppError;

/// How long a client may take to send a request body (a 32 MiB import at 2 MB/s).
const BODY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

pub struct JsonBody<T> {
    pub value: T,
    /// The body as received, for idempotency checks.
    pub bytes: web::Bytes,
}

impl<T: DeserializeOwned + 'static> FromRequest for JsonBody<T> {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let bytes = JsonBytes::from_request(req, payload);
        Box::pin(async move {
            let JsonBytes(bytes) = bytes.await?;
            let value = parse(&bytes)?;
            Ok(JsonBody { value, bytes })
        })
    }
}

/// A JSON request body, read (within the route's `PayloadConfig` limit) but not parsed.
pub struct JsonBytes(pub web::Bytes);

impl FromRequest for JsonBytes {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let content_type = check_content_type(req);
        let bytes = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            content_type?;
            // A client trickling its body would hold a connection and a buffer forever.
            let bytes = tokio::time::timeout(BODY_TIMEOUT, bytes)
                .await
                .map_err(|_| {
                    AppError::RequestTimeout(format!(
                        "the request body did not arrive within {} s",
                        BODY_TIMEOUT.as_secs()
                    ))
                })?
                .map_err(|e| match e.as_response_error().status_code() {
                    StatusCode::PAYLOAD_TOO_LARGE => {
                        AppError::PayloadTooLarge(format!("the request body is too large: {e}"))
                    }
                    _ => AppError::BadRequest(format!("the request body could not be read: {e}")),
                })?;
            Ok(JsonBytes(bytes))
        })
    }
}

fn check_content_type(req: &HttpRequest) -> Result<(), AppError> {
    let unsupported = || {
        AppError::UnsupportedMediaType("send the body as Content-Type: application/json".to_owned())
    };
    let mime = req
        .mime_type()
        .map_err(|_| unsupported())?
        .ok_or_else(unsupported)?;
    let is_json = mime.subtype() == mime::JSON || mime.suffix() == Some(mime::JSON);
    if mime.type_() == mime::APPLICATION && is_json {
        Ok(())
    } else {
        Err(unsupported())
    }
}

/// Parses a JSON object into `T`; a value of the wrong type, a missing or unknown field is a 400
/// naming the field (`tags[2]`, `title`), malformed JSON a 400 with its position.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    // serde would also fill a struct from an array, by position; an API body is an object.
    if bytes
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|&b| b != b'{')
    {
        return Err(AppError::invalid(FieldError::new(
            "(body)",
            "must be a JSON object",
        )));
    }
    let deserializer = &mut serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut *deserializer).map_err(|e| {
        let inner = e.inner();
        let message = json_error_text(inner);
        if !inner.is_data() {
            return AppError::BadRequest(format!(
                "malformed JSON at line {}, column {}: {message}",
                inner.line(),
                inner.column()
            ));
        }
        let path = e.path().to_string();
        let field = match message.strip_prefix("missing field `") {
            Some(rest) if path == "." => rest.trim_end_matches('`').to_owned(),
            _ if path == "." => "(body)".to_owned(),
            _ => path,
        };
        AppError::invalid(FieldError::new(field, message))
    })?;
    // Anything after the object (`{...} xyz`) makes the body malformed, not ignored.
    deserializer.end().map_err(|e| {
        AppError::BadRequest(format!(
            "malformed JSON at line {}, column {}: {}",
            e.line(),
            e.column(),
            json_error_text(&e)
        ))
    })?;
    Ok(value)
}
