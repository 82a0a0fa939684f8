use super::Result;
use chrono::{DateTime, Utc};
use diesel::expression::SqlLiteral;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Text};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::level_sql::DbLevel;
use super::models::{
    ArticleRow, AuthorRow, RecordMetaRow, into_article, into_record, record_query,
};
use super::schema::{articles, authors};
use crate::domain::{
    Article, ArticleFilter, ArticleQuery, ArticleRecord, Cursor, FeedScope, Level, Tombstone,
};

/// One page of a listing, and where the next one starts.
pub struct Page {
    pub records: Vec<ArticleRecord>,
    pub next: Option<Cursor>,
}

/// The select of admin records, boxed so that filters can be added one by one.
type RecordSelect<'a> = diesel::dsl::IntoBoxed<
    'a,
    diesel::dsl::Select<
        diesel::dsl::LeftJoin<articles::table, authors::table>,
        (
            diesel::dsl::AsSelect<ArticleRow, Pg>,
            diesel::dsl::AsSelect<RecordMetaRow, Pg>,
            diesel::dsl::AsSelect<Option<AuthorRow>, Pg>,
        ),
    >,
    Pg,
>;

/// The newest articles of a scope, narrowed by `query`, after `query.after`:
/// `ORDER BY published_at DESC, id DESC LIMIT n`. Unfiltered feeds of a scope are served by
/// one of the partial `articles_live_*_recent` indexes (docs/QUERY-PLANS.md).
pub async fn list(
    conn: &mut AsyncPgConnection,
    scope: &FeedScope,
    query: &ArticleQuery,
) -> Result<Page> {
    if query.filter.text.is_some() {
        return conn
            .transaction(async |conn| {
                plan_for_these_words(conn).await?;
                list_page(conn, scope, query).await
            })
            .await;
    }
    list_page(conn, scope, query).await
}

/// Plans the transaction's next queries for the words they search. How many articles a
/// word matches decides the plan: a common word is best found by walking the newest
/// articles and checking each, a rare one through the GIN index. A prepared statement's
/// generic plan cannot know the words, and settles on one plan for all.
async fn plan_for_these_words(conn: &mut AsyncPgConnection) -> Result<()> {
    diesel::sql_query("SELECT set_config('plan_cache_mode', 'force_custom_plan', true)")
        .execute(conn)
        .await?;
    Ok(())
}

async fn list_page(
    conn: &mut AsyncPgConnection,
    scope: &FeedScope,
    query: &ArticleQuery,
) -> Result<Page> {
    let limit = usize::from(query.limit.get());
    let mut select = matching(scope, &query.filter)
        .order((articles::published_at.desc(), articles::id.desc()))
        .limit(limit as i64 + 1);
    if !query.include_deleted {
        select = select.filter(articles::deleted_at.is_null());
    }
    if let Some(after) = query.after {
        select = select.filter(
            articles::published_at
                .lt(after.published_at)
                .or(articles::published_at
                    .eq(after.published_at)
                    .and(articles::id.lt(after.id))),
        );
    }
    let mut rows: Vec<(ArticleRow, RecordMetaRow, Option<AuthorRow>)> = select.load(conn).await?;
    let next = if rows.len() > limit {
        rows.truncate(limit);
        rows.last().map(|(a, _, _)| Cursor {
            published_at: a.published_at,
            id: a.id,
        })
    } else {
        None
    };
    let records = rows
        .into_iter()
        .map(|(a, m, au)| into_record(a, m, au))
        .collect::<Result<_>>()?;
    Ok(Page { records, next })
}

/// Articles of the scope and filter deleted at or after `since`, the latest deletion
/// first, at most `limit`: the feed's RFC 6721 tombstones.
pub async fn deleted_since(
    conn: &mut AsyncPgConnection,
    scope: &FeedScope,
    filter: &ArticleFilter,
    since: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<Tombstone>> {
    if filter.text.is_some() {
        return conn
            .transaction(async |conn| {
                plan_for_these_words(conn).await?;
                deleted_rows(conn, scope, filter, since, limit).await
            })
            .await;
    }
    deleted_rows(conn, scope, filter, since, limit).await
}

async fn deleted_rows(
    conn: &mut AsyncPgConnection,
    scope: &FeedScope,
    filter: &ArticleFilter,
    since: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<Tombstone>> {
    let rows: Vec<(ArticleRow, RecordMetaRow, Option<AuthorRow>)> = matching(scope, filter)
        .filter(articles::deleted_at.ge(since))
        .order((articles::deleted_at.desc(), articles::id.desc()))
        .limit(limit)
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(article, meta, _)| {
            meta.deleted_at.map(|deleted_at| Tombstone {
                public_id: article.public_id,
                deleted_at,
            })
        })
        .collect())
}

/// Every article, live or not, of the scope that passes the filter; unordered.
fn matching<'a>(scope: &'a FeedScope, filter: &'a ArticleFilter) -> RecordSelect<'a> {
    filtered(in_scope(scope), filter)
}

fn in_scope(scope: &FeedScope) -> RecordSelect<'_> {
    let authors_by_slug = diesel::alias!(authors as authors_by_slug);
    let select = record_query!().into_boxed();
    match scope {
        FeedScope::All => select,
        FeedScope::Level(level) => select.filter(level_is(*level)),
        // A scalar subquery, not a filter on the joined slug: with the author's id known
        // before the scan, `articles_live_author_recent` yields rows already in order.
        FeedScope::Author(author) => select.filter(
            articles::author_id.eq(authors_by_slug
                .filter(
                    authors_by_slug
                        .field(authors::slug)
                        .eq(author.slug.as_ref()),
                )
                .select(authors_by_slug.field(authors::id))
                .single_value()),
        ),
    }
}

/// The filter's conditions, each one only when the filter sets it.
fn filtered<'a>(mut select: RecordSelect<'a>, filter: &'a ArticleFilter) -> RecordSelect<'a> {
    if !filter.levels.is_empty() {
        let levels: Vec<DbLevel> = filter.levels.iter().map(|l| DbLevel(*l)).collect();
        select = select.filter(articles::level.eq_any(levels));
    }
    if !filter.authors.is_empty() {
        let slugs: Vec<&str> = filter.authors.iter().map(AsRef::as_ref).collect();
        select = select.filter(authors::slug.eq_any(slugs));
    }
    if !filter.sources.is_empty() {
        let sources: Vec<&str> = filter.sources.iter().map(String::as_str).collect();
        // Case-insensitive as ICU sees it (migration 9): Rust's lower-casing of the value
        // and PostgreSQL's of the column need not agree.
        select = select.filter(
            diesel::dsl::sql::<diesel::sql_types::Bool>(
                "\"articles\".\"source\" COLLATE engfeed_case_insensitive = ANY(",
            )
            .bind::<diesel::sql_types::Array<diesel::sql_types::Text>, _>(sources)
            .sql(")"),
        );
    }
    if let Some(code) = filter.includes_code {
        select = select.filter(articles::includes_code.eq(code));
    }
    if let Some(min) = filter.min_minutes {
        select = select.filter(articles::read_minutes.ge(i32::from(min)));
    }
    if let Some(max) = filter.max_minutes {
        select = select.filter(articles::read_minutes.le(i32::from(max)));
    }
    if let Some(since) = filter.since {
        select = select.filter(articles::published_at.ge(since));
    }
    if let Some(until) = filter.until {
        select = select.filter(articles::published_at.lt(until));
    }
    if let Some(text) = &filter.text {
        // The article's stored document (GIN-indexed), or, while the search indexer has
        // yet to compute it (after an import), the same document computed here: a search
        // finds the same articles before and after indexing (migration 11).
        select = select.filter(
            diesel::dsl::sql::<Bool>(
                "EXISTS (SELECT 1 FROM article_search \
                  WHERE article_search.article_id = articles.id \
                    AND (article_search.search @@ websearch_to_tsquery('english', ",
            )
            .bind::<Text, _>(text.clone())
            .sql(
                ") OR (article_search.search IS NULL \
                    AND engfeed_search_document(articles.title, articles.summary) \
                        @@ websearch_to_tsquery('english', ",
            )
            .bind::<Text, _>(text.clone())
            .sql("))))"),
        );
    }
    select
}

diesel::define_sql_function!(fn lower(text: diesel::sql_types::Text) -> diesel::sql_types::Text);

/// `articles.level = '<level>'` as a literal, not a bind parameter: each level has its own
/// partial index, and once PostgreSQL switches a prepared statement to its generic plan,
/// `level = $1` can no longer match a partial index's predicate.
fn level_is(level: Level) -> SqlLiteral<Bool> {
    // `as_str` is one of three fixed words, so nothing outside reaches the SQL text.
    diesel::dsl::sql(&format!("articles.level = '{}'", level.as_str()))
}

/// A live article by its public id.
pub async fn find_live(conn: &mut AsyncPgConnection, public_id: Uuid) -> Result<Option<Article>> {
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

/// The distinct sources of live articles, by name.
pub async fn live_sources(conn: &mut AsyncPgConnection) -> Result<Vec<String>> {
    Ok(articles::table
        .filter(articles::deleted_at.is_null())
        .select(articles::source)
        .distinct()
        .order(articles::source.asc())
        .load(conn)
        .await?)
}
