//! `Idempotency-Key` on POST: the same key and body replay the first response; the same
//! key with another body is a 422. Keys are kept 24 hours, per token.

use std::future::Future;

use actix_web::body::to_bytes;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use sha2::{Digest, Sha256};

use super::auth::ApiClient;
use crate::db;
use crate::db::idempotency::{Claim, StoredResponse};
use crate::domain::FieldError;
use crate::error::AppError;
use crate::handlers::{State, connection};

const HEADER: &str = "idempotency-key";
/// Headers worth sending again with a replayed response.
const KEPT_HEADERS: [HeaderName; 4] = [
    header::CONTENT_TYPE,
    header::ETAG,
    header::LOCATION,
    header::LINK,
];

/// Runs `request` at most once per key: later copies get the stored response.
pub async fn at_most_once(
    state: &State,
    client: ApiClient,
    req: &HttpRequest,
    body: &[u8],
    request: impl Future<Output = Result<HttpResponse, AppError>>,
) -> Result<HttpResponse, AppError> {
    let Some(key) = key(req)? else {
        return request.await;
    };
    let fingerprint = fingerprint(req, body);
    let claim = {
        let mut conn = connection(state).await?;
        db::idempotency::claim(&mut conn, client.token_id, &key, &fingerprint).await?
    };
    match claim {
        Claim::Replay(stored) => Ok(replay(stored)),
        Claim::Mismatch => Err(AppError::Unprocessable(format!(
            "Idempotency-Key '{key}' was already used with a different request; use a new key"
        ))),
        Claim::InProgress => Err(AppError::Conflict(format!(
            "a request with Idempotency-Key '{key}' is still running; retry shortly"
        ))),
        Claim::Claimed => {
            let response = request.await.unwrap_or_else(|e| e.error_response());
            let mut conn = connection(state).await?;
            // A server-side failure may succeed when retried, so it is not remembered.
            if response.status().is_server_error() {
                db::idempotency::release(&mut conn, client.token_id, &key).await?;
                return Ok(response);
            }
            let (response, stored) = capture(response).await?;
            db::idempotency::complete(&mut conn, client.token_id, &key, &stored).await?;
            Ok(response)
        }
    }
}

fn key(req: &HttpRequest) -> Result<Option<String>, AppError> {
    let Some(value) = req.headers().get(HEADER) else {
        return Ok(None);
    };
    let key = value
        .to_str()
        .ok()
        .map(str::trim)
        .filter(|k| (1..=255).contains(&k.len()));
    key.map(|k| Some(k.to_owned())).ok_or_else(|| {
        AppError::invalid(FieldError::new(
            "Idempotency-Key",
            "must be 1 to 255 visible ASCII characters",
        ))
    })
}

/// What makes two requests "the same": method, path and body.
fn fingerprint(req: &HttpRequest, body: &[u8]) -> Vec<u8> {
    let mut hash = Sha256::new();
    hash.update(req.method().as_str());
    hash.update(b" ");
    hash.update(req.path());
    hash.update(b"\n");
    hash.update(body);
    hash.finalize().to_vec()
}

async fn capture(response: HttpResponse) -> Result<(HttpResponse, StoredResponse), AppError> {
    let (head, body) = response.into_parts();
    let body = to_bytes(body)
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("reading a response body: {e}")))?;
    let headers = KEPT_HEADERS
        .iter()
        .filter_map(|name| {
            let value = head.headers().get(name)?.to_str().ok()?;
            Some((name.as_str().to_owned(), value.to_owned()))
        })
        .collect();
    let stored = StoredResponse {
        status: head.status().as_u16(),
        headers,
        body: body.to_vec(),
    };
    Ok((head.set_body(body).map_into_boxed_body(), stored))
}

fn replay(stored: StoredResponse) -> HttpResponse {
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = HttpResponse::build(status);
    for (name, value) in stored.headers {
        if let (Ok(name), Ok(value)) = (HeaderName::try_from(name), HeaderValue::try_from(value)) {
            response.insert_header((name, value));
        }
    }
    response.insert_header(("idempotent-replayed", "true"));
    response.body(stored.body)
}
