//! Bearer-token authentication for the whole `/api/v1` scope.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};

use crate::db;
use crate::domain::TokenHash;
use crate::error::AppError;
use crate::state::AppState;

/// The token a request was authenticated with; handlers take it to record who acted.
#[derive(Debug, Clone, Copy)]
pub struct ApiClient {
    pub token_id: i64,
}

/// Refuses every request without a live token before it reaches a handler, so no route
/// added to the scope can forget to check.
pub async fn require_token(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let presented = bearer_token(&req).ok_or_else(|| {
        AppError::Unauthorized(
            "send a token as `Authorization: Bearer <token>` (see `engfeed token create`)"
                .to_owned(),
        )
    })?;
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("AppState is not registered")))?;
    let mut conn = state.pool.get().await.map_err(AppError::from)?;
    let token_id = db::tokens::authenticate(&mut conn, TokenHash::of(presented.as_str()))
        .await
        .map_err(AppError::from)?
        .ok_or_else(|| AppError::Unauthorized("the token is unknown or revoked".to_owned()))?;
    drop(conn);
    req.extensions_mut().insert(ApiClient { token_id });
    next.call(req).await
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
