use super::Result;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use super::level_sql::DbLevel;
use super::schema::{articles, authors};
use crate::domain::NewArticle;
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
    // Read by nothing since imports compare digests; kept so that the feed queries stay
    // the ones docs/QUERY-PLANS.md and scripts/sql/explain-feed-queries.sql show.
    #[allow(dead_code)]
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
pub fn into_article(row: ArticleRow, author: Option<AuthorRow>) -> Result<Article> {
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

/// The values an article row should hold; both the insert and the update write these.
#[derive(Debug, Insertable, AsChangeset)]
#[diesel(table_name = articles, treat_none_as_null = true)]
pub(super) struct ArticleValues<'a> {
    pub(super) title: &'a str,
    pub(super) summary: &'a str,
    pub(super) content_html: Option<&'a str>,
    pub(super) url: Option<&'a str>,
    pub(super) author_id: Option<i64>,
    pub(super) level: DbLevel,
    pub(super) read_minutes: Option<i32>,
    pub(super) includes_code: bool,
    pub(super) has_summary: bool,
    pub(super) source: &'a str,
    pub(super) published_at: DateTime<Utc>,
    pub(super) updated_at: DateTime<Utc>,
}

pub(super) fn values_of<'a>(
    article: &'a NewArticle,
    author_id: Option<i64>,
    published_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
) -> ArticleValues<'a> {
    ArticleValues {
        title: article.title.as_ref(),
        summary: article.summary.as_ref(),
        content_html: article.content_html.as_ref().map(AsRef::as_ref),
        url: article.url.as_ref().map(AsRef::as_ref),
        author_id,
        level: DbLevel(article.level),
        read_minutes: article.read_minutes.map(|m| i32::from(m.get())),
        includes_code: article.includes_code,
        has_summary: article.has_summary,
        source: article.source.as_ref(),
        published_at,
        updated_at,
    }
}

/// A new row: its permanent public id, how imports recognise it, and its values.
#[derive(Debug, Insertable)]
#[diesel(table_name = articles)]
pub(super) struct ArticleInsert<'a> {
    pub(super) public_id: Uuid,
    pub(super) import_key: Option<String>,
    pub(super) deleted_at: Option<DateTime<Utc>>,
    /// Written through the admin API (not by an import).
    pub(super) edited_since_import: bool,
    #[diesel(embed)]
    pub(super) values: ArticleValues<'a>,
}

/// The columns the admin API shows besides the article itself.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = articles, check_for_backend(diesel::pg::Pg))]
pub struct RecordMetaRow {
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

pub fn into_record(
    row: ArticleRow,
    meta: RecordMetaRow,
    author: Option<AuthorRow>,
) -> Result<crate::domain::ArticleRecord> {
    Ok(crate::domain::ArticleRecord {
        article: into_article(row, author)?,
        version: meta.version,
        created_at: meta.created_at,
        deleted_at: meta.deleted_at,
    })
}

/// The select of an admin record: article, version and dates, author.
macro_rules! record_query {
    () => {
        $crate::db::schema::articles::table
            .left_join($crate::db::schema::authors::table)
            .select((
                $crate::db::models::ArticleRow::as_select(),
                $crate::db::models::RecordMetaRow::as_select(),
                Option::<$crate::db::models::AuthorRow>::as_select(),
            ))
    };
}
pub(crate) use record_query;
