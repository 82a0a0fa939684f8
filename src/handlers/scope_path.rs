//! The feed scope a path names: `/…` (everything), `/levels/{level}/…`, `/authors/{slug}/…`.
//! Feeds and pages take it as an extractor.

use std::future::{Ready, ready};

use actix_web::{FromRequest, HttpRequest, dev::Payload};

use super::state::AppState;
use crate::domain::{AuthorSlug, FeedScope, Level};
use crate::error::AppError;

/// A scope as the path wrote it. An author is a slug until the database is asked, so a
/// cached feed is served without a query.
pub enum ScopePath {
    Known {
        scope: FeedScope,
        /// `/levels/Advanced` names `advanced`, but not as its canonical URL does.
        canonical: bool,
    },
    Author(AuthorSlug),
}

impl ScopePath {
    pub fn is_canonical(&self) -> bool {
        match self {
            ScopePath::Known { canonical, .. } => *canonical,
            ScopePath::Author(_) => true,
        }
    }

    /// The scope itself; for an author, one query, on the read replica when there is one
    /// (a 404 when there is no such author).
    pub async fn resolve(self, state: &AppState) -> Result<FeedScope, AppError> {
        match self {
            ScopePath::Known { scope, .. } => Ok(scope),
            ScopePath::Author(slug) => {
                let author = state
                    .documents
                    .author(&slug)
                    .await?
                    .ok_or_else(|| unknown_author(slug.as_ref()))?;
                Ok(FeedScope::Author(author))
            }
        }
    }

    pub fn from_path(req: &HttpRequest) -> Result<Self, AppError> {
        let path = req.match_info();
        if let Some(written) = path.get("level") {
            let level: Level = written
                .parse()
                .map_err(|e| AppError::NotFound(format!("{e}")))?;
            return Ok(ScopePath::Known {
                canonical: written == level.as_str(),
                scope: FeedScope::Level(level),
            });
        }
        if let Some(slug) = path.get("slug") {
            // A slug that is not well formed cannot exist: a 404 without a query.
            let slug = AuthorSlug::parse(slug).map_err(|_| unknown_author(slug))?;
            return Ok(ScopePath::Author(slug));
        }
        Ok(ScopePath::Known {
            scope: FeedScope::All,
            canonical: true,
        })
    }
}

impl FromRequest for ScopePath {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Self::from_path(req))
    }
}

fn unknown_author(slug: &str) -> AppError {
    AppError::NotFound(format!("no author with slug '{slug}'"))
}
