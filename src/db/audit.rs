//! The audit log: every change through the API, with the version it replaced.

use super::Result;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;

use super::schema::audit_log;

/// Who made a change: an API token, or `None` for the command line.
pub type Actor = Option<i64>;

/// What changed.
pub struct Entry<'a, T: Serialize> {
    pub actor: Actor,
    pub action: &'a str,
    pub article_id: Option<i64>,
    pub author_id: Option<i64>,
    pub previous: Option<&'a T>,
    pub current: Option<&'a T>,
}

pub async fn record<T: Serialize>(conn: &mut AsyncPgConnection, entry: Entry<'_, T>) -> Result<()> {
    let json = |value: Option<&T>| {
        value
            .map(serde_json::to_value)
            .transpose()
            .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))
    };
    Ok(diesel::insert_into(audit_log::table)
        .values((
            audit_log::token_id.eq(entry.actor),
            audit_log::action.eq(entry.action),
            audit_log::article_id.eq(entry.article_id),
            audit_log::author_id.eq(entry.author_id),
            audit_log::previous.eq(json(entry.previous)?),
            audit_log::current.eq(json(entry.current)?),
        ))
        .execute(conn)
        .await
        .map(drop)?)
}
