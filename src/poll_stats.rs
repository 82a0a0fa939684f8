//! Who polls which feed: counted in memory as feeds are served (no database work per
//! request), added to the day's rows by a background task every minute and when the
//! server stops, and deleted after the retention period.
//!
//! A client is known only by a hash of its address and User-Agent keyed with a random
//! salt made for the day, in this process's memory only; the salt is dropped once the day
//! is over and flushed, so the stored hashes cannot be matched to an address, nor one
//! day's to the next. Each instance has its own salt: a client polling two instances
//! counts once on each.

use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::net::IpAddr;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use metrics::Counter;

use crate::db::{self, DbPool};
use crate::domain::{FeedPolls, PollScope, SubscriberReport};

/// How often the counts are written to the database.
pub const FLUSH_EVERY: Duration = Duration::from_secs(60);

/// One served feed response: a 200 or a 304 of a canonical feed document.
pub struct Poll<'a> {
    /// The canonical path, and query without its `?` (may be empty).
    pub path: &'a str,
    pub query: &'a str,
    pub not_modified: bool,
    /// Body bytes sent (0 for a 304).
    pub bytes: u64,
    pub client: Option<IpAddr>,
    pub user_agent: &'a [u8],
}

/// The counts not yet written, and the salts of the days they belong to.
pub struct PollStats {
    days: Mutex<Vec<DayPolls>>,
    pool: DbPool,
    retention_days: u16,
}

struct DayPolls {
    day: NaiveDate,
    salt: RandomState,
    feeds: HashMap<String, FeedPolls>,
}

impl DayPolls {
    fn new(day: NaiveDate) -> Self {
        Self {
            day,
            salt: RandomState::new(),
            feeds: HashMap::new(),
        }
    }
}

thread_local! {
    /// The feed's path and query, put together without allocating on every request.
    static FEED_KEY: RefCell<String> = const { RefCell::new(String::new()) };
}

/// `engfeed_feed_polls_total` per scope, looked up once.
fn poll_counter(scope: PollScope) -> &'static Counter {
    static COUNTERS: OnceLock<[Counter; 5]> = OnceLock::new();
    let counters = COUNTERS.get_or_init(|| {
        PollScope::ALL
            .map(|scope| metrics::counter!("engfeed_feed_polls_total", "scope" => scope.label()))
    });
    &counters[scope as usize]
}

impl PollStats {
    pub fn new(pool: DbPool, retention_days: u16) -> Self {
        Self {
            days: Mutex::new(Vec::new()),
            pool,
            retention_days,
        }
    }

    /// Counts one poll. A few hash-map operations under a lock held for microseconds; it
    /// allocates only for a feed, client or aggregator first seen since the last flush.
    pub fn record(&self, poll: &Poll<'_>, now: DateTime<Utc>) {
        poll_counter(PollScope::of(poll.path, poll.query)).increment(1);
        let report = std::str::from_utf8(poll.user_agent)
            .ok()
            .and_then(SubscriberReport::parse);
        let today = now.date_naive();
        FEED_KEY.with_borrow_mut(|key| {
            key.clear();
            key.push_str(poll.path);
            if !poll.query.is_empty() {
                key.push('?');
                key.push_str(poll.query);
            }
            let mut days = self.days.lock().unwrap_or_else(PoisonError::into_inner);
            let day = match days.iter().position(|d| d.day == today) {
                Some(i) => &mut days[i],
                None => {
                    days.push(DayPolls::new(today));
                    let last = days.len() - 1;
                    &mut days[last]
                }
            };
            // An aggregator is one client however its User-Agent's count changes.
            let agent = match &report {
                Some(report) => report.aggregator.name().as_bytes(),
                None => poll.user_agent,
            };
            let client = day.salt.hash_one((poll.client, agent)) as i64;
            let count = |feed: &mut FeedPolls| {
                feed.requests += 1;
                feed.not_modified += u64::from(poll.not_modified);
                feed.bytes += poll.bytes;
                feed.clients.insert(client, report.is_none());
                if let Some(report) = &report {
                    let name = report.aggregator.name();
                    match feed.reports.get_mut(name) {
                        Some(latest) => *latest = (report.subscribers, now),
                        None => {
                            feed.reports
                                .insert(name.to_owned(), (report.subscribers, now));
                        }
                    }
                }
            };
            match day.feeds.get_mut(key.as_str()) {
                Some(feed) => count(feed),
                None => {
                    let mut feed = FeedPolls::default();
                    count(&mut feed);
                    day.feeds.insert(key.clone(), feed);
                }
            }
        });
    }

    /// Writes the counts made since the last flush, drops the salts of days that are over,
    /// and deletes the rows older than the retention period. Counts that could not be
    /// written are kept for the next flush.
    pub async fn flush(&self) -> anyhow::Result<()> {
        let today = Utc::now().date_naive();
        let taken: Vec<(NaiveDate, HashMap<String, FeedPolls>)> = {
            let mut days = self.days.lock().unwrap_or_else(PoisonError::into_inner);
            let taken = days
                .iter_mut()
                .map(|d| (d.day, std::mem::take(&mut d.feeds)))
                .filter(|(_, feeds)| !feeds.is_empty())
                .collect();
            days.retain(|d| d.day >= today);
            taken
        };
        let written = self.write(&taken).await;
        if let Err(error) = written {
            self.put_back(taken);
            return Err(error);
        }
        let first_kept =
            today - chrono::Days::new(u64::from(self.retention_days.saturating_sub(1)));
        let mut conn = self.pool.get().await?;
        db::poll_stats::delete_before(&mut conn, first_kept).await?;
        Ok(())
    }

    async fn write(&self, taken: &[(NaiveDate, HashMap<String, FeedPolls>)]) -> anyhow::Result<()> {
        if taken.is_empty() {
            return Ok(());
        }
        let mut conn = self.pool.get().await?;
        for (day, feeds) in taken {
            let feeds: Vec<(&str, &FeedPolls)> = feeds
                .iter()
                .map(|(feed, polls)| (feed.as_str(), polls))
                .collect();
            db::poll_stats::add(&mut conn, *day, &feeds).await?;
        }
        Ok(())
    }

    fn put_back(&self, taken: Vec<(NaiveDate, HashMap<String, FeedPolls>)>) {
        let mut days = self.days.lock().unwrap_or_else(PoisonError::into_inner);
        for (day, feeds) in taken {
            let index = match days.iter().position(|d| d.day == day) {
                Some(i) => i,
                None => {
                    // The day is over: its hashes are already made, no new ones will be.
                    days.push(DayPolls::new(day));
                    days.len() - 1
                }
            };
            let kept = &mut days[index].feeds;
            for (feed, polls) in feeds {
                kept.entry(feed).or_default().merge(polls);
            }
        }
    }
}

/// Flushes every [`FLUSH_EVERY`] until the runtime stops.
pub fn spawn_flusher(stats: Arc<PollStats>) {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(FLUSH_EVERY);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        ticks.tick().await;
        loop {
            ticks.tick().await;
            if let Err(error) = stats.flush().await {
                tracing::warn!(
                    error = format!("{error:#}"),
                    "could not write poll statistics; kept for the next try"
                );
            }
        }
    });
}
