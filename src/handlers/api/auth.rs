//! Bearer-token authentication for the whole `/api/v1` scope.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};

use crate::db;
use crate::domain::TokenHash;
use crate::error::AppError;
use crate::handlers::failed_logins::FAILURE_WINDOW;
use crate::handlers::state::AppState;

/// The token a request was authenticated with; handlers take it to record who acted.
#[derive(Debug, Clone, Copy)]
pub struct ApiClient {
    pub token_id: i64,
}

/// Refuses every request without a live token before it reaches a handler, so no route
/// added to the scope can forget to check. A client that keeps failing is refused with 429
/// before its token is even looked at. Refusals are answered here as responses (not
/// errors), so they pass through the access log, metrics and common headers like any other.
pub async fn require_token(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    match authenticate(&req).await {
        Ok(client) => {
            req.extensions_mut().insert(client);
            Ok(next.call(req).await?.map_into_left_body())
        }
        Err(refusal) => Ok(req.error_response(refusal).map_into_right_body()),
    }
}

async fn authenticate(req: &ServiceRequest) -> Result<ApiClient, AppError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("AppState is not registered")))?;
    let client = req.peer_addr().map(|address| address.ip());
    if let Some(ip) = client
        && state.failed_logins.is_blocked(ip)
    {
        return Err(too_many_failures());
    }
    let presented = bearer_token(req).ok_or_else(|| {
        AppError::Unauthorized(
            "send a token as `Authorization: Bearer <token>` (see `engfeed token create`)"
                .to_owned(),
        )
    })?;
    let mut conn = state.pool.get().await?;
    let token_id = db::tokens::authenticate(&mut conn, TokenHash::of(presented.as_str())).await?;
    drop(conn);
    // Only a token that was presented and refused counts: that is what guessing looks like.
    let Some(token_id) = token_id else {
        if let Some(ip) = client {
            state.failed_logins.record(ip);
        }
        return Err(AppError::Unauthorized(
            "the token is unknown or revoked".to_owned(),
        ));
    };
    Ok(ApiClient { token_id })
}

fn too_many_failures() -> AppError {
    AppError::TooManyRequests {
        detail: format!(
            "too many failed authentications from this address; wait {} s",
            FAILURE_WINDOW.as_secs()
        ),
        retry_after: FAILURE_WINDOW,
    }
}

fn bearer_token(req: &ServiceRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then(|| token.to_owned())
}

impl FromRequest for ApiClient {
    type Error = AppError;
    type Future = std::future::Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let client = req.extensions().get::<ApiClient>().copied();
        std::future::ready(
            client.ok_or_else(|| AppError::Unauthorized("not authenticated".to_owned())),
        )
    }
}
