//! One page of a feed as a reader sees it: its articles, its scope's recent deletions and
//! the catalogue clock, all read in one snapshot so that the clock dates exactly them.

use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;

use super::{QueryResult, articles, site};
use crate::domain::{Article, ArticleQuery, Cursor, FeedScope, Tombstone};

/// Tombstones per feed at most: the latest deletions are the ones readers still hold.
const MAX_TOMBSTONES: i64 = 200;

pub struct FeedPage {
    /// Newest first.
    pub articles: Vec<Article>,
    /// Deletions since the cutoff, on the first page only.
    pub deleted: Vec<Tombstone>,
    pub next: Option<Cursor>,
    /// The catalogue clock of the snapshot.
    pub clock: DateTime<Utc>,
}

/// Reads the page `query` selects in `scope` and, on the first page, the deletions at or
/// after `tombstones_since` (none when it is `None`), in one read-only repeatable-read
/// transaction.
pub async fn load(
    conn: &mut AsyncPgConnection,
    scope: &FeedScope,
    query: &ArticleQuery,
    tombstones_since: Option<DateTime<Utc>>,
) -> QueryResult<FeedPage> {
    let tombstones_since = tombstones_since.filter(|_| query.after.is_none());
    conn.build_transaction()
        .read_only()
        .repeatable_read()
        .run(async |conn| {
            let page = articles::list(conn, scope, query).await?;
            let deleted = match tombstones_since {
                Some(since) => {
                    articles::deleted_since(conn, scope, &query.filter, since, MAX_TOMBSTONES)
                        .await?
                }
                None => Vec::new(),
            };
            let clock = site::catalogue_clock(conn).await?;
            Ok(FeedPage {
                articles: page.records.into_iter().map(|r| r.article).collect(),
                deleted,
                next: page.next,
                clock,
            })
        })
        .await
}
