//! The HTTP layer's one error type. Every error leaves as `application/problem+json`
//! (RFC 9457); causes of 5xx are logged, never sent.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use crate::db::{PoolError, QueryError};
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
    /// The database cannot be reached right now.
    #[error("the database is unavailable; try again shortly")]
    Unavailable,
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

#[derive(Serialize)]
struct Problem<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    title: &'a str,
    status: u16,
    detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    errors: Option<Vec<ProblemField<'a>>>,
}

#[derive(Serialize)]
struct ProblemField<'a> {
    field: &'a str,
    message: &'a str,
}

pub const PROBLEM_JSON: &str = "application/problem+json";

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Invalid(_) | AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
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
        let problem = Problem {
            kind: "about:blank",
            title: status.canonical_reason().unwrap_or("Error"),
            status: status.as_u16(),
            detail,
            errors,
        };
        let mut response = HttpResponse::build(status);
        response.content_type(PROBLEM_JSON);
        if status == StatusCode::SERVICE_UNAVAILABLE {
            response.insert_header((header::RETRY_AFTER, HeaderValue::from_static("5")));
        }
        response.json(problem)
    }
}

impl From<QueryError> for AppError {
    fn from(error: QueryError) -> Self {
        match error {
            QueryError::NotFound => AppError::NotFound("not found".to_owned()),
            lost if crate::db::is_connection_lost(&lost) => AppError::Unavailable,
            other => AppError::Internal(other.into()),
        }
    }
}

impl From<PoolError> for AppError {
    fn from(error: PoolError) -> Self {
        tracing::warn!(error = %error, "no database connection");
        AppError::Unavailable
    }
}

impl From<RenderError> for AppError {
    fn from(error: RenderError) -> Self {
        AppError::Internal(error.into())
    }
}
