use diesel::expression::SqlLiteral;
use diesel::prelude::*;
use diesel::sql_types::Bool;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::models::{ArticleRow, AuthorRow, into_article};
use super::schema::{articles, authors};
use crate::domain::{Article, FeedLimit, FeedScope, Level};

/// The newest live articles of a scope: `ORDER BY published_at DESC, id DESC LIMIT n`,
/// served by one of the partial `articles_live_*_recent` indexes.
pub async fn list_recent(
    conn: &mut AsyncPgConnection,
    scope: &FeedScope,
    limit: FeedLimit,
) -> QueryResult<Vec<Article>> {
    let authors_by_slug = diesel::alias!(authors as authors_by_slug);
    let mut query = articles::table
        .left_join(authors::table)
        .filter(articles::deleted_at.is_null())
        .select((ArticleRow::as_select(), Option::<AuthorRow>::as_select()))
        .order((articles::published_at.desc(), articles::id.desc()))
        .limit(i64::from(limit.get()))
        .into_boxed();
    query = match scope {
        FeedScope::All => query,
        FeedScope::Level(level) => query.filter(level_is(*level)),
        // A scalar subquery, not a filter on the joined slug: with the author's id known
        // before the scan, `articles_live_author_recent` yields rows already in order.
        FeedScope::Author(author) => query.filter(
            articles::author_id.eq(authors_by_slug
                .filter(
                    authors_by_slug
                        .field(authors::slug)
                        .eq(author.slug.as_ref()),
                )
                .select(authors_by_slug.field(authors::id))
                .single_value()),
        ),
    };
    let rows: Vec<(ArticleRow, Option<AuthorRow>)> = query.load(conn).await?;
    rows.into_iter()
        .map(|(article, author)| into_article(article, author))
        .collect()
}

/// `articles.level = '<level>'` as a literal, not a bind parameter: each level has its own
/// partial index, and once PostgreSQL switches a prepared statement to its generic plan,
/// `level = $1` can no longer match a partial index's predicate.
fn level_is(level: Level) -> SqlLiteral<Bool> {
    // `as_str` is one of three fixed words, so nothing outside reaches the SQL text.
    diesel::dsl::sql(&format!("articles.level = '{}'", level.as_str()))
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
