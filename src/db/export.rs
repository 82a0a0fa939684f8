//! The whole catalogue, deleted articles included, in pages: what `engfeed export` writes.

use super::Result;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::models::{ArticleRow, AuthorRow, RecordMetaRow, into_record, record_query};
use super::schema::articles;
use crate::domain::ArticleRecord;

/// How many articles there are, deleted ones included.
pub async fn count(conn: &mut AsyncPgConnection) -> Result<u64> {
    let count: i64 = articles::table.count().get_result(conn).await?;
    Ok(count.unsigned_abs())
}

/// Articles (live and deleted) newest first, `batch` at a time: keyset pages, so memory stays
/// flat however large the catalogue.
pub async fn for_each_batch(
    conn: &mut AsyncPgConnection,
    batch: i64,
    mut write: impl FnMut(&[ArticleRecord]) -> anyhow::Result<()>,
) -> anyhow::Result<usize> {
    let mut after: Option<(chrono::DateTime<chrono::Utc>, i64)> = None;
    let mut total = 0;
    loop {
        let mut select = record_query!()
            .order((articles::published_at.desc(), articles::id.desc()))
            .limit(batch)
            .into_boxed();
        if let Some((published_at, id)) = after {
            select = select.filter(
                articles::published_at
                    .lt(published_at)
                    .or(articles::published_at
                        .eq(published_at)
                        .and(articles::id.lt(id))),
            );
        }
        let rows: Vec<(ArticleRow, RecordMetaRow, Option<AuthorRow>)> = select.load(conn).await?;
        let Some((last, _, _)) = rows.last() else {
            return Ok(total);
        };
        after = Some((last.published_at, last.id));
        let records = rows
            .into_iter()
            .map(|(a, m, au)| into_record(a, m, au))
            .collect::<Result<Vec<_>>>()?;
        total += records.len();
        write(&records)?;
    }
}
