//! The HTTP layer's one error type. Every error leaves as `application/problem+json`
//! (RFC 9457); causes of 5xx are logged, never sent.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use crate::db;
use crate::domain::FieldError;
use crate::feeds::RenderError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The resource does not exist; the text says which.
    #[error("{0}")]
    NotFound(String),
    /// Input fields failed validation.
    #[error("{}", summary(.0))]
    Invalid(Vec<FieldError>),
    /// The request could not be read at all (malformed query string, path, body).
    #[error("{0}")]
    BadRequest(String),
    /// No valid bearer token.
    #[error("{0}")]
    Unauthorized(String),
    /// `If-Match` names another version than the stored one.
    #[error("{0}")]
    PreconditionFailed(String),
    /// The request conflicts with the stored state (a name already taken).
    #[error("{0}")]
    Conflict(String),
    /// Well-formed but unusable (an idempotency key reused with another body).
    #[error("{0}")]
    Unprocessable(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// The client must wait before trying again.
    #[error("{detail}")]
    TooManyRequests {
        detail: String,
        retry_after: std::time::Duration,
    },
    /// `Accept` allows none of the formats this resource has.
    #[error("{0}")]
    NotAcceptable(String),
    /// The client took too long to send its request (body).
    #[error("{0}")]
    RequestTimeout(String),
    /// The request's header fields are too large (RFC 6585).
    #[error("{0}")]
    HeadersTooLarge(String),
    /// The database cannot be reached right now.
    #[error("the database is unavailable; try again shortly")]
    Unavailable,
    /// This instance cannot take every request now; the text says why (`/readyz`).
    #[error("{0}")]
    NotReady(String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

fn summary(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

impl AppError {
    pub fn invalid(error: FieldError) -> Self {
        AppError::Invalid(vec![error])
    }
}

/// An RFC 9457 problem: every error this service answers.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Problem<'a> {
    #[serde(rename = "type")]
    #[schema(value_type = String, example = "about:blank")]
    kind: &'a str,
    title: &'a str,
    status: u16,
    detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    errors: Option<Vec<ProblemField<'a>>>,
}

/// One field that failed validation.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ProblemField<'a> {
    field: &'a str,
    message: &'a str,
}

pub const PROBLEM_JSON: &str = "application/problem+json";

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Invalid(_) | AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            AppError::PreconditionFailed(_) => StatusCode::PRECONDITION_FAILED,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::NotAcceptable(_) => StatusCode::NOT_ACCEPTABLE,
            AppError::RequestTimeout(_) => StatusCode::REQUEST_TIMEOUT,
            AppError::HeadersTooLarge(_) => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable | AppError::NotReady(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        let detail = match self {
            AppError::Internal(cause) => {
                tracing::error!(error = format!("{cause:#}"), "request failed");
                "an unexpected error occurred; it has been logged".to_owned()
            }
            other => other.to_string(),
        };
        let errors = match self {
            AppError::Invalid(fields) => Some(
                fields
                    .iter()
                    .map(|f| ProblemField {
                        field: &f.field,
                        message: &f.message,
                    })
                    .collect(),
            ),
            _ => None,
        };
        let mut response = problem_builder(status);
        if let AppError::TooManyRequests { retry_after, .. } = self {
            response.insert_header((header::RETRY_AFTER, retry_after.as_secs().to_string()));
        }
        match status {
            StatusCode::SERVICE_UNAVAILABLE => {
                response.insert_header((header::RETRY_AFTER, HeaderValue::from_static("5")));
            }
            StatusCode::UNAUTHORIZED => {
                response.insert_header((
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static(r#"Bearer realm="engfeed""#),
                ));
            }
            _ => {}
        }
        response.json(problem(status, detail, errors))
    }
}

fn problem_builder(status: StatusCode) -> actix_web::HttpResponseBuilder {
    let mut response = HttpResponse::build(status);
    response.content_type(PROBLEM_JSON);
    response
}

fn problem<'a>(
    status: StatusCode,
    detail: String,
    errors: Option<Vec<ProblemField<'a>>>,
) -> Problem<'a> {
    Problem {
        kind: "about:blank",
        title: status.canonical_reason().unwrap_or("Error"),
        status: status.as_u16(),
        detail,
        errors,
    }
}

/// Middleware handler: error responses that actix builds itself (405 for a method a route
/// does not take, and the like) get the same `application/problem+json` body as ours.
pub fn problem_for_bare_errors<B>(
    res: actix_web::dev::ServiceResponse<B>,
) -> actix_web::Result<actix_web::middleware::ErrorHandlerResponse<B>> {
    use actix_web::middleware::ErrorHandlerResponse;
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    if is_problem {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let (req, res) = res.into_parts();
    let status = res.status();
    let detail = match status {
        StatusCode::METHOD_NOT_ALLOWED => {
            format!("{} is not allowed on {}", req.method(), req.path())
        }
        _ => status.canonical_reason().unwrap_or("error").to_lowercase(),
    };
    let mut replacement = problem_builder(status);
    for (name, value) in res.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            replacement.append_header((name.clone(), value.clone()));
        }
    }
    let response = replacement.json(problem(status, detail, None));
    Ok(ErrorHandlerResponse::Response(
        actix_web::dev::ServiceResponse::new(req, response)
            .map_into_boxed_body()
            .map_into_right_body(),
    ))
}

impl From<db::Error> for AppError {
    fn from(error: db::Error) -> Self {
        match error {
            db::Error::NotFound => AppError::NotFound("not found".to_owned()),
            db::Error::Unavailable(why) => {
                tracing::warn!(%why, "the database is unavailable");
                AppError::Unavailable
            }
            // A race the retries did not settle (two writers claiming one name at once).
            db::Error::Conflict(why) => AppError::Conflict(format!(
                "another write took the same name at the same time; try again ({why})"
            )),
            db::Error::Other(cause) => AppError::Internal(cause),
        }
    }
}

impl From<std::io::Error> for AppError {
    fn from(error: std::io::Error) -> Self {
        AppError::Internal(error.into())
    }
}

impl AppError {
    /// The error of a cache fill that several requests waited on: each of them answers
    /// with its own copy.
    pub fn from_shared(error: std::sync::Arc<AppError>) -> Self {
        match &*error {
            AppError::NotFound(detail) => AppError::NotFound(detail.clone()),
            AppError::Invalid(errors) => AppError::Invalid(errors.clone()),
            AppError::BadRequest(detail) => AppError::BadRequest(detail.clone()),
            AppError::Unavailable => AppError::Unavailable,
            other => AppError::Internal(anyhow::anyhow!("{other:#}")),
        }
    }
}

impl From<RenderError> for AppError {
    fn from(error: RenderError) -> Self {
        AppError::Internal(error.into())
    }
}

impl From<crate::db::article_admin::WriteError> for AppError {
    fn from(error: crate::db::article_admin::WriteError) -> Self {
        use crate::db::article_admin::WriteError;
        match error {
            WriteError::NotFound => AppError::NotFound("no article with that id".to_owned()),
            WriteError::PreconditionFailed { current } => AppError::PreconditionFailed(format!(
                "If-Match does not match: the article is now at version \"v{current}\"; fetch it again and retry"
            )),
            WriteError::Invalid(errors) => AppError::Invalid(errors),
            WriteError::Store(e) => e.into(),
        }
    }
}
