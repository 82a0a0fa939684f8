//! One page of a feed as a reader sees it: its articles, its scope's recent deletions and
//! the catalogue clock, all read in one snapshot so that the clock dates exactly them;
//! from the read replica when it has caught up, else from the primary.

use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, TimeDelta, Utc};
use diesel_async::AsyncPgConnection;

use super::{DbPool, Result, articles, site};
use crate::domain::{Article, ArticleQuery, AuthorRef, AuthorSlug, Cursor, FeedScope, Tombstone};

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
    /// The last time the page could have changed: the clock, or when today's expired
    /// tombstones left.
    pub last_modified: DateTime<Utc>,
}

/// Where a page may be read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadFrom {
    /// The read replica when there is one and it has seen every change announced so far,
    /// else the primary.
    ReplicaWhenCurrent,
    /// The primary: what was just written is certainly there.
    Primary,
}

/// Loads feed pages, choosing the primary or the read replica.
pub struct FeedReader {
    primary: DbPool,
    replica: Option<DbPool>,
    /// The newest catalogue clock announced (epoch seconds): a replica snapshot older than
    /// it is behind.
    newest_clock: AtomicI64,
    /// How long deleted articles are announced; `None`: never.
    tombstone_window: Option<TimeDelta>,
}

impl FeedReader {
    pub fn new(
        primary: DbPool,
        replica: Option<DbPool>,
        tombstone_window: Option<TimeDelta>,
    ) -> Self {
        Self {
            primary,
            replica,
            newest_clock: AtomicI64::new(i64::MIN),
            tombstone_window,
        }
    }

    /// The catalogue clock moved to `clock` (announced by PostgreSQL): replica snapshots
    /// older than it are not read from now on.
    pub fn saw_clock(&self, clock: DateTime<Utc>) {
        self.newest_clock
            .fetch_max(clock.timestamp(), Ordering::SeqCst);
    }

    /// The page `query` selects in `scope` as of `now` and, on the first page, the scope's
    /// deletions since the tombstone cutoff.
    pub async fn load(
        &self,
        scope: &FeedScope,
        query: &ArticleQuery,
        now: DateTime<Utc>,
        from: ReadFrom,
    ) -> Result<FeedPage> {
        let since = self.tombstone_cutoff(now);
        let mut page = match (from, &self.replica) {
            (ReadFrom::ReplicaWhenCurrent, Some(replica)) => {
                let page = load(&mut *replica.get().await?, scope, query, since).await?;
                if page.clock.timestamp() >= self.newest_clock.load(Ordering::SeqCst) {
                    page
                } else {
                    tracing::debug!("the read replica is behind; reading the primary");
                    load(&mut *self.primary.get().await?, scope, query, since).await?
                }
            }
            _ => load(&mut *self.primary.get().await?, scope, query, since).await?,
        };
        if self.tombstone_window.is_some() {
            page.last_modified = page.clock.max(start_of_day(now));
        }
        Ok(page)
    }

    /// The author a feed URL names: from the read replica when there is one (so author
    /// feeds keep working while the primary is down), else, or when the replica does not
    /// know the author yet or cannot answer, from the primary.
    pub async fn author(&self, slug: &AuthorSlug) -> Result<Option<AuthorRef>> {
        if let Some(replica) = &self.replica {
            let found = match replica.get().await {
                Ok(mut conn) => super::authors::find_by_slug(&mut conn, slug).await,
                Err(error) => Err(error),
            };
            match found {
                Ok(Some(author)) => return Ok(Some(author)),
                Ok(None) => {}
                Err(error) => {
                    tracing::debug!(%error, "the read replica did not answer; asking the primary")
                }
            }
        }
        super::authors::find_by_slug(&mut *self.primary.get().await?, slug).await
    }

    /// Deletions at or after this time are shown: the retention in days, counted from the
    /// start of today (UTC), so the set of tombstones only changes at midnight.
    pub fn tombstone_cutoff(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        Some(start_of_day(now) - self.tombstone_window?)
    }
}

fn start_of_day(now: DateTime<Utc>) -> DateTime<Utc> {
    now.date_naive()
        .and_hms_opt(0, 0, 0)
        .map_or(now, |midnight| midnight.and_utc())
}

/// Reads the page `query` selects in `scope` and, on the first page, the deletions at or
/// after `tombstones_since` (none when it is `None`), in one read-only repeatable-read
/// transaction.
async fn load(
    conn: &mut AsyncPgConnection,
    scope: &FeedScope,
    query: &ArticleQuery,
    tombstones_since: Option<DateTime<Utc>>,
) -> Result<FeedPage> {
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
                last_modified: clock,
            })
        })
        .await
}
