//! Thin HTTP adapters: extract, parse into domain types, ask `feed_documents` or `db`,
//! render, respond.

pub mod api;
pub mod cached_hits;
mod conditional;

pub mod directory;
pub mod failed_logins;
pub mod feeds;
pub mod health;
mod html;
pub mod limits;
mod negotiation;
pub mod observability;
pub mod pages;
mod scope_path;
pub mod state;

use actix_web::web;

use crate::error::AppError;
use state::AppState;

pub(crate) type State = web::Data<AppState>;

/// Checks out a pooled connection; an exhausted or unreachable pool answers 503.
pub(crate) async fn connection(state: &AppState) -> Result<crate::db::DbConn, AppError> {
    Ok(state.pool.get().await?)
}
