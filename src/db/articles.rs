use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::level_sql::DbLevel;
use super::models::{ArticleRow, AuthorRow, into_article};
use super::schema::{articles, authors};
use crate::domain::{Article, FeedLimit, FeedScope};

/// The newest live articles of a scope: `ORDER BY published_at DESC, id DESC LIMIT n`,
/// served by one of the partial `articles_live_*_recent` indexes.
pub async fn list_recent(
    conn: &mut AsyncPgConnection,
    scope: &FeedScope,
    limit: FeedLimit,
) -> QueryResult<Vec<Article>> {
    let mut query = articles::table
        .left_join(authors::table)
        .filter(articles::deleted_at.is_null())
        .select((ArticleRow::as_select(), Option::<AuthorRow>::as_select()))
        .order((articles::published_at.desc(), articles::id.desc()))
        .limit(i64::from(limit.get()))
        .into_boxed();
    query = match scope {
        FeedScope::All => query,
        FeedScope::Level(level) => query.filter(articles::level.eq(DbLevel(*level))),
        FeedScope::Author(author) => query.filter(authors::slug.eq(author.slug.as_ref())),
    };
    let rows: Vec<(ArticleRow, Option<AuthorRow>)> = query.load(conn).await?;
    rows.into_iter()
        .map(|(article, author)| into_article(article, author))
        .collect()
}

/// A live article by its public id.
pub async fn find_live(
    conn: &mut AsyncPgConnection,
    public_id: Uuid,
) -> QueryResult<Option<Article>> {
    let row: Option<(ArticleRow, Option<AuthorRow>)> = articles::table
        .left_join(authors::table)
        .filter(articles::public_id.eq(public_id))
        .filter(articles::deleted_at.is_null())
        .select((ArticleRow::as_select(), Option::<AuthorRow>::as_select()))
        .first(conn)
        .await
        .optional()?;
    row.map(|(article, author)| into_article(article, author))
        .transpose()
}
