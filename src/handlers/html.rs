//! HTML responses: the pages' security headers in one place.

use actix_web::HttpResponse;
use actix_web::http::header;

use crate::error::AppError;

/// A rendered page as a response, or the template's error as a 500.
pub fn html(page: Result<String, askama::Error>) -> Result<HttpResponse, AppError> {
    let body = page.map_err(|e| AppError::Internal(e.into()))?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
        .insert_header((header::REFERRER_POLICY, "strict-origin-when-cross-origin"))
        .body(body))
}

/// Pages run no script and load nothing but their own inline style and images (an
/// article's sanitised HTML may show some); nobody may frame them.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; \
     img-src 'self' https: data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
