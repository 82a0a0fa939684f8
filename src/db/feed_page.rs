//! One page of a feed as a reader sees it: its articles, its scope's recent deletions and
//! the catalogue clock, all read in one snapshot so that the clock dates exactly them;
//! from the read replica when it has caught up and answers, else from the primary.

use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

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

/// A replica that gave no connection is left alone this long, then twice as long after
/// each further failure, up to [`REPLICA_REST_MAX`]: while it is down (or its address
/// black-holes packets), reads go straight to the primary instead of each waiting for it.
const REPLICA_REST_FIRST: Duration = Duration::from_secs(1);
const REPLICA_REST_MAX: Duration = Duration::from_secs(30);

/// Loads feed pages, choosing the primary or the read replica.
pub struct FeedReader {
    primary: DbPool,
    replica: Option<DbPool>,
    /// The newest catalogue clock announced (epoch seconds): a replica snapshot older than
    /// it is behind.
    newest_clock: AtomicI64,
    /// How long deleted articles are announced; `None`: never.
    tombstone_window: Option<TimeDelta>,
    /// When a replica that failed to connect is tried again.
    replica_rest: Mutex<Rest>,
}

/// The replica's backoff: no reads from it before `until`.
#[derive(Default)]
struct Rest {
    until: Option<Instant>,
    next: Duration,
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
            replica_rest: Mutex::default(),
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
        let why_primary = match (from, &self.replica) {
            (ReadFrom::ReplicaWhenCurrent, Some(replica)) => {
                match self.load_replica(replica, scope, query, since).await {
                    Ok(page)
                        if page.clock.timestamp() >= self.newest_clock.load(Ordering::SeqCst) =>
                    {
                        return Ok(self.dated(page, now, "replica", "current"));
                    }
                    Ok(_) => {
                        tracing::debug!("the read replica is behind; reading the primary");
                        "replica_behind"
                    }
                    // A query cancelled by replay (SQLSTATE 40001), a connection the replica
                    // closed, a replica down: the primary answers this read.
                    Err(error) => {
                        tracing::info!(%error, "the read replica did not answer; reading the primary");
                        "replica_failed"
                    }
                }
            }
            (ReadFrom::ReplicaWhenCurrent, None) => "no_replica",
            (ReadFrom::Primary, _) => "asked",
        };
        let page = load(&mut *self.primary.get().await?, scope, query, since).await?;
        Ok(self.dated(page, now, "primary", why_primary))
    }

    /// The page from the replica, unless it is resting after failing to connect.
    async fn load_replica(
        &self,
        replica: &DbPool,
        scope: &FeedScope,
        query: &ArticleQuery,
        since: Option<DateTime<Utc>>,
    ) -> Result<FeedPage> {
        load(
            &mut *self.replica_connection(replica).await?,
            scope,
            query,
            since,
        )
        .await
    }

    /// A connection to the replica; a failure rests it (see [`REPLICA_REST_FIRST`]).
    async fn replica_connection(&self, replica: &DbPool) -> Result<super::DbConn> {
        if self
            .rest()
            .until
            .is_some_and(|until| Instant::now() < until)
        {
            return Err(super::Error::Unavailable(
                "the read replica failed to connect recently; resting it".to_owned(),
            ));
        }
        let connection = replica.get().await;
        let mut rest = self.rest();
        match connection {
            Ok(conn) => {
                *rest = Rest::default();
                Ok(conn)
            }
            Err(error) => {
                let pause = rest.next.max(REPLICA_REST_FIRST);
                tracing::warn!(%error, resting_for = ?pause, "the read replica gave no connection");
                *rest = Rest {
                    until: Some(Instant::now() + pause),
                    next: (pause * 2).min(REPLICA_REST_MAX),
                };
                Err(error)
            }
        }
    }

    fn rest(&self) -> std::sync::MutexGuard<'_, Rest> {
        // Nothing panics while holding it; a poisoned lock still holds a usable value.
        self.replica_rest
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Counts where the page was read and why, and dates it.
    fn dated(
        &self,
        mut page: FeedPage,
        now: DateTime<Utc>,
        from: &'static str,
        reason: &'static str,
    ) -> FeedPage {
        metrics::counter!("engfeed_feed_reads_total", "from" => from, "reason" => reason)
            .increment(1);
        if self.tombstone_window.is_some() {
            page.last_modified = page.clock.max(start_of_day(now));
        }
        page
    }

    /// The author a feed URL names: from the read replica when there is one (so author
    /// feeds keep working while the primary is down), else, or when the replica does not
    /// know the author yet or cannot answer, from the primary.
    pub async fn author(&self, slug: &AuthorSlug) -> Result<Option<AuthorRef>> {
        if let Some(replica) = &self.replica {
            let found = match self.replica_connection(replica).await {
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
