use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use super::level_sql::DbLevel;
use super::schema::{articles, authors};
use crate::domain::{Article, AuthorRef, AuthorSlug};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = articles, check_for_backend(diesel::pg::Pg))]
pub struct ArticleRow {
    pub id: i64,
    pub public_id: Uuid,
    pub title: String,
    pub summary: String,
    pub content_html: Option<String>,
    pub url: Option<String>,
    pub author_id: Option<i64>,
    pub level: DbLevel,
    pub read_minutes: Option<i32>,
    pub includes_code: bool,
    pub has_summary: bool,
    pub source: String,
    pub published_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = authors, check_for_backend(diesel::pg::Pg))]
pub struct AuthorRow {
    pub name: String,
    pub slug: String,
}

impl TryFrom<AuthorRow> for AuthorRef {
    type Error = diesel::result::Error;

    fn try_from(row: AuthorRow) -> Result<Self, Self::Error> {
        let slug = AuthorSlug::parse(&row.slug)
            .map_err(|e| diesel::result::Error::DeserializationError(Box::new(e)))?;
        Ok(AuthorRef {
            name: row.name,
            slug,
        })
    }
}

/// An article row joined with its author, as the feed queries select it.
pub fn into_article(row: ArticleRow, author: Option<AuthorRow>) -> QueryResult<Article> {
    Ok(Article {
        public_id: row.public_id,
        title: row.title,
        summary: row.summary,
        content_html: row.content_html,
        url: row.url,
        author: author.map(AuthorRef::try_from).transpose()?,
        level: row.level.0,
        // The CHECK constraint keeps it within 1..=600.
        read_minutes: row.read_minutes.and_then(|m| u16::try_from(m).ok()),
        includes_code: row.includes_code,
        has_summary: row.has_summary,
        source: row.source,
        published_at: row.published_at,
        updated_at: row.updated_at,
    })
}
