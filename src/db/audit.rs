//! The audit log: every change through the API or an import, with the version it
//! replaced. Its JSON snapshots are a stored format of their own, defined here.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use uuid::Uuid;

use super::Result;
use super::schema::audit_log;
use crate::domain::{ArticleRecord, AuthorRef, ImportReport};

/// Who made a change: an API token, or `None` for the command line.
pub type Actor = Option<i64>;

/// What changed.
pub struct Entry<'a> {
    pub actor: Actor,
    pub action: &'a str,
    pub article_id: Option<i64>,
    pub author_id: Option<i64>,
    pub previous: Option<Snapshot<'a>>,
    pub current: Option<Snapshot<'a>>,
}

/// A value as the log keeps it.
#[derive(Clone, Copy)]
pub enum Snapshot<'a> {
    Article(&'a ArticleRecord),
    Author(&'a AuthorRef),
    Import(&'a ImportReport),
}

pub async fn record(conn: &mut AsyncPgConnection, entry: Entry<'_>) -> Result<()> {
    let json = |value: Option<Snapshot<'_>>| value.map(Snapshot::to_json).transpose();
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::token_id.eq(entry.actor),
            audit_log::action.eq(entry.action),
            audit_log::article_id.eq(entry.article_id),
            audit_log::author_id.eq(entry.author_id),
            audit_log::previous.eq(json(entry.previous)?),
            audit_log::current.eq(json(entry.current)?),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

impl Snapshot<'_> {
    fn to_json(self) -> Result<serde_json::Value> {
        Ok(match self {
            Snapshot::Article(record) => serde_json::to_value(ArticleJson::from(record))?,
            Snapshot::Author(author) => serde_json::to_value(AuthorJson::from(author))?,
            Snapshot::Import(report) => serde_json::json!({
                "created": report.created,
                "updated": report.updated,
                "unchanged": report.unchanged,
                "kept_edited": report.kept_edited,
            }),
        })
    }
}

#[derive(Serialize)]
struct ArticleJson<'a> {
    id: Uuid,
    title: &'a str,
    summary: &'a str,
    content_html: Option<&'a str>,
    url: Option<&'a str>,
    author: Option<AuthorJson<'a>>,
    level: &'static str,
    read_minutes: Option<u16>,
    includes_code: bool,
    has_summary: bool,
    source: &'a str,
    published_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    version: i64,
    created_at: DateTime<Utc>,
    deleted_at: Option<DateTime<Utc>>,
}

impl<'a> From<&'a ArticleRecord> for ArticleJson<'a> {
    fn from(record: &'a ArticleRecord) -> Self {
        let article = &record.article;
        Self {
            id: article.public_id,
            title: &article.title,
            summary: &article.summary,
            content_html: article.content_html.as_deref(),
            url: article.url.as_deref(),
            author: article.author.as_ref().map(AuthorJson::from),
            level: article.level.as_str(),
            read_minutes: article.read_minutes,
            includes_code: article.includes_code,
            has_summary: article.has_summary,
            source: &article.source,
            published_at: article.published_at,
            updated_at: article.updated_at,
            version: record.version,
            created_at: record.created_at,
            deleted_at: record.deleted_at,
        }
    }
}

#[derive(Serialize)]
struct AuthorJson<'a> {
    name: &'a str,
    slug: &'a str,
}

impl<'a> From<&'a AuthorRef> for AuthorJson<'a> {
    fn from(author: &'a AuthorRef) -> Self {
        Self {
            name: &author.name,
            slug: author.slug.as_ref(),
        }
    }
}
