//! The admin API's reads and writes of single articles. Every write runs in one transaction
//! with its audit entry, bumps `version` and `updated_at`, and marks the article edited, so
//! that a re-import of its catalogue leaves the editor's version alone.

use super::Result;
use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::audit::{self, Actor};
use super::authors;
use super::models::{
    ArticleInsert, ArticleRow, AuthorRow, RecordMetaRow, into_record, record_query, values_of,
};
use super::schema::articles;
use crate::domain::{
    ArticleRecord, ChangedFacets, FieldError, NewArticle, Precondition, new_public_id,
};

/// Why a write did not happen.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("no such article")]
    NotFound,
    #[error("the article is at version {current}")]
    PreconditionFailed { current: i64 },
    /// The update, applied to the stored article, is not a valid article.
    #[error("invalid fields")]
    Invalid(Vec<FieldError>),
    #[error(transparent)]
    Store(#[from] super::Error),
}

impl From<diesel::result::Error> for WriteError {
    fn from(error: diesel::result::Error) -> Self {
        WriteError::Store(error.into())
    }
}

type RecordRow = (ArticleRow, RecordMetaRow, Option<AuthorRow>);

/// An article by public id, deleted or not.
pub async fn find(conn: &mut AsyncPgConnection, public_id: Uuid) -> Result<Option<ArticleRecord>> {
    let row: Option<RecordRow> = record_query!()
        .filter(articles::public_id.eq(public_id))
        .first(conn)
        .await
        .optional()?;
    row.map(|(a, m, au)| into_record(a, m, au)).transpose()
}

pub async fn create(
    conn: &mut AsyncPgConnection,
    article: &NewArticle,
    now: DateTime<Utc>,
    actor: Actor,
) -> Result<ArticleRecord> {
    conn.transaction(async |conn| {
        super::site::begin_catalogue_write(conn).await?;
        let author_id = author_id(conn, article).await?;
        let published_at = article.published_at.unwrap_or(now);
        let id: i64 = diesel::insert_into(articles::table)
            .values(ArticleInsert {
                public_id: article.public_id.unwrap_or_else(new_public_id),
                import_key: None,
                deleted_at: None,
                edited_since_import: true,
                values: values_of(
                    article,
                    author_id,
                    published_at,
                    article.updated_at.unwrap_or(published_at),
                ),
            })
            .returning(articles::id)
            .get_result(conn)
            .await?;
        let created = by_id(conn, id).await?;
        audit::record(conn, entry(actor, "create", id, None, Some(&created))).await?;
        let changed = ChangedFacets::of([&created.article]);
        super::site::end_catalogue_write(conn, &changed).await?;
        Ok(created)
    })
    .await
}

/// An update's outcome: the article before and after (the same when nothing changed).
pub struct Updated {
    pub previous: ArticleRecord,
    pub current: ArticleRecord,
}

impl Updated {
    /// Both versions: the article may have left one feed for another.
    pub fn changed(&self) -> ChangedFacets {
        ChangedFacets::of([&self.previous.article, &self.current.article])
    }
}

/// Changes an article to what `merge` makes of it, read under the row lock: two concurrent
/// partial updates of different fields both land. `merge` answers `None` when the request
/// changes nothing; then nothing is written (no new version, no cache flush).
pub async fn update<M>(
    conn: &mut AsyncPgConnection,
    public_id: Uuid,
    merge: M,
    precondition: &Precondition,
    now: DateTime<Utc>,
    actor: Actor,
) -> Result<Updated, WriteError>
where
    M: FnOnce(&ArticleRecord) -> Result<Option<NewArticle>, Vec<FieldError>> + Send,
{
    conn.transaction(async |conn| {
        super::site::begin_catalogue_write(conn).await?;
        let (id, previous) = lock(conn, public_id, precondition).await?;
        let Some(article) = merge(&previous).map_err(WriteError::Invalid)? else {
            return Ok(Updated {
                current: previous.clone(),
                previous,
            });
        };
        let author_id = author_id(conn, &article).await?;
        let published_at = article
            .published_at
            .unwrap_or(previous.article.published_at);
        diesel::update(articles::table.find(id))
            .set((
                values_of(
                    &article,
                    author_id,
                    published_at,
                    article.updated_at.unwrap_or(now),
                ),
                articles::version.eq(articles::version + 1),
                articles::edited_since_import.eq(true),
            ))
            .execute(conn)
            .await?;
        let current = by_id(conn, id).await?;
        audit::record(
            conn,
            entry(actor, "update", id, Some(&previous), Some(&current)),
        )
        .await?;
        let updated = Updated { previous, current };
        super::site::end_catalogue_write(conn, &updated.changed()).await?;
        Ok(updated)
    })
    .await
}

/// Soft-deletes (`deleted = true`) or restores an article. Either way it is a change:
/// the article leaves or rejoins the feeds.
pub async fn set_deleted(
    conn: &mut AsyncPgConnection,
    public_id: Uuid,
    deleted: bool,
    precondition: &Precondition,
    now: DateTime<Utc>,
    actor: Actor,
) -> Result<ArticleRecord, WriteError> {
    conn.transaction(async |conn| {
        super::site::begin_catalogue_write(conn).await?;
        let (id, previous) = lock(conn, public_id, precondition).await?;
        if previous.deleted_at.is_some() == deleted {
            return Ok(previous);
        }
        diesel::update(articles::table.find(id))
            .set((
                articles::deleted_at.eq(deleted.then_some(now)),
                articles::updated_at.eq(now),
                articles::version.eq(articles::version + 1),
                articles::edited_since_import.eq(true),
            ))
            .execute(conn)
            .await?;
        let current = by_id(conn, id).await?;
        let action = if deleted { "delete" } else { "restore" };
        audit::record(
            conn,
            entry(actor, action, id, Some(&previous), Some(&current)),
        )
        .await?;
        let changed = ChangedFacets::of([&current.article]);
        super::site::end_catalogue_write(conn, &changed).await?;
        Ok(current)
    })
    .await
}

/// Locks the row for the rest of the transaction and checks `If-Match` against it.
async fn lock(
    conn: &mut AsyncPgConnection,
    public_id: Uuid,
    precondition: &Precondition,
) -> Result<(i64, ArticleRecord), WriteError> {
    let id: i64 = articles::table
        .filter(articles::public_id.eq(public_id))
        .select(articles::id)
        .for_update()
        .first(conn)
        .await
        .optional()?
        .ok_or(WriteError::NotFound)?;
    let record = by_id(conn, id).await?;
    if !precondition.allows(record.version) {
        return Err(WriteError::PreconditionFailed {
            current: record.version,
        });
    }
    Ok((id, record))
}

async fn by_id(conn: &mut AsyncPgConnection, id: i64) -> Result<ArticleRecord> {
    let (a, m, au): RecordRow = record_query!()
        .filter(articles::id.eq(id))
        .first(conn)
        .await?;
    into_record(a, m, au)
}

async fn author_id(conn: &mut AsyncPgConnection, article: &NewArticle) -> Result<Option<i64>> {
    let Some(name) = &article.author else {
        return Ok(None);
    };
    let ids = authors::ensure(conn, &BTreeSet::from([name])).await?;
    Ok(ids.get(name.as_ref()).copied())
}

fn entry<'a>(
    actor: Actor,
    action: &'a str,
    article_id: i64,
    previous: Option<&'a ArticleRecord>,
    current: Option<&'a ArticleRecord>,
) -> audit::Entry<'a> {
    audit::Entry {
        actor,
        action,
        article_id: Some(article_id),
        author_id: None,
        previous: previous.map(audit::Snapshot::Article),
        current: current.map(audit::Snapshot::Article),
    }
}
