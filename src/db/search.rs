//! Text-search documents (`article_search`, migration 11): what an import leaves pending and
//! the search indexer fills in. `q=` finds the same articles either way (see
//! [`super::articles`]); the stored document only makes it fast.

use diesel::prelude::*;
use diesel::sql_types::BigInt;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::Result;

/// Computes the documents of up to `batch` pending articles, in one transaction, and
/// returns how many. The newest first (an import inserts oldest first, so the highest ids
/// are the newest articles): those are what feeds and searches meet first, and a search
/// that meets indexed articles need not compute their documents as it goes. Rows another indexer holds are skipped, so instances share the work.
/// An edit that lands meanwhile waits for this transaction and then writes its own
/// document; an import that changes an article's text meanwhile makes it pending again.
pub async fn index_pending(conn: &mut AsyncPgConnection, batch: i64) -> Result<usize> {
    // The batch as an array, so its rows are found by key: as a join, the planner chose
    // to read the whole table for every batch.
    Ok(diesel::sql_query(
        "UPDATE article_search AS indexed \
            SET search = engfeed_search_document(articles.title, articles.summary) \
           FROM articles \
          WHERE articles.id = indexed.article_id \
            AND indexed.article_id = ANY (ARRAY( \
                SELECT pending.article_id FROM article_search AS pending \
                  JOIN articles AS written ON written.id = pending.article_id \
                 WHERE pending.search IS NULL \
                 ORDER BY pending.article_id DESC LIMIT $1 \
                   FOR UPDATE OF pending SKIP LOCKED))",
    )
    .bind::<BigInt, _>(batch)
    .execute(conn)
    .await?)
}

/// How many articles wait for their document.
pub async fn pending(conn: &mut AsyncPgConnection) -> Result<i64> {
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        count: i64,
    }
    let row: Count =
        diesel::sql_query("SELECT count(*) AS count FROM article_search WHERE search IS NULL")
            .get_result(conn)
            .await?;
    Ok(row.count)
}
