//! Poll statistics: which kind of feed a canonical URL is (for metrics), and the query of
//! the statistics report.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::FieldError;

/// The kind of feed polled, a bounded label (metrics must not have one series per URL).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PollScope {
    Full,
    Level,
    Author,
    Source,
    Filtered,
}

impl PollScope {
    pub const ALL: [PollScope; 5] = [
        PollScope::Full,
        PollScope::Level,
        PollScope::Author,
        PollScope::Source,
        PollScope::Filtered,
    ];

    pub fn label(self) -> &'static str {
        match self {
            PollScope::Full => "full",
            PollScope::Level => "level",
            PollScope::Author => "author",
            PollScope::Source => "source",
            PollScope::Filtered => "filtered",
        }
    }

    /// The scope of a canonical feed path and query: a level or author by the path; the full
    /// feed with nothing but `source=` is a source feed; any other query (another filter, a
    /// page size, a later page) makes it a filtered feed.
    pub fn of(path: &str, query: &str) -> Self {
        let by_path = if path.starts_with("/levels/") {
            PollScope::Level
        } else if path.starts_with("/authors/") {
            PollScope::Author
        } else {
            PollScope::Full
        };
        match query {
            "" => by_path,
            query if by_path == PollScope::Full && is_source_only(query) => PollScope::Source,
            _ => PollScope::Filtered,
        }
    }
}

fn is_source_only(query: &str) -> bool {
    query.starts_with("source=") && !query.contains('&')
}

/// Days a report covers by default, and at most.
pub const DEFAULT_STATS_DAYS: u16 = 7;
pub const MAX_STATS_DAYS: u16 = 366;
/// A feed is named by its canonical path and query, which is never longer than this.
const MAX_FEED_LENGTH: usize = 2048;

/// What a statistics report covers: the last `days` days (today included), one feed or all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatsQuery {
    pub days: u16,
    pub feed: Option<String>,
}

impl StatsQuery {
    /// `days=1..366` (default 7) and `feed=` a canonical path and query
    /// (`/levels/advanced/feed.atom?code=true`); anything else is an error naming it.
    pub fn parse(query: &str) -> Result<Self, Vec<FieldError>> {
        let mut days = None;
        let mut feed = None;
        let mut errors = Vec::new();
        for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
            match key.as_ref() {
                "days" if days.is_some() => errors.push(FieldError::new("days", "given twice")),
                "days" => match value.parse::<u16>() {
                    Ok(n) if (1..=MAX_STATS_DAYS).contains(&n) => days = Some(n),
                    _ => errors.push(FieldError::new(
                        "days",
                        format!("must be a whole number from 1 to {MAX_STATS_DAYS}"),
                    )),
                },
                "feed" if feed.is_some() => errors.push(FieldError::new("feed", "given twice")),
                "feed" => {
                    if value.starts_with('/')
                        && value.len() <= MAX_FEED_LENGTH
                        && !value.chars().any(char::is_control)
                    {
                        feed = Some(value.into_owned());
                    } else {
                        errors.push(FieldError::new(
                            "feed",
                            format!(
                                "must be a feed's path and query, starting with '/' \
                                 (e.g. /levels/advanced/feed.atom), at most {MAX_FEED_LENGTH} characters"
                            ),
                        ));
                    }
                }
                other => errors.push(FieldError::new(
                    other.to_owned(),
                    "unknown parameter (use days, feed)",
                )),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Self {
            days: days.unwrap_or(DEFAULT_STATS_DAYS),
            feed,
        })
    }
}

/// One feed's polls on one day, as counted in memory between two flushes.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FeedPolls {
    pub requests: u64,
    pub not_modified: u64,
    pub bytes: u64,
    /// Each client's salted hash, and whether it polled directly (not an aggregator that
    /// reports its own subscribers).
    pub clients: HashMap<i64, bool>,
    /// Per aggregator name: the subscribers it last reported, and when.
    pub reports: HashMap<String, (u32, DateTime<Utc>)>,
}

impl FeedPolls {
    /// Adds `other`'s counts (a flush that failed, put back): the later report wins.
    pub fn merge(&mut self, other: FeedPolls) {
        self.requests += other.requests;
        self.not_modified += other.not_modified;
        self.bytes += other.bytes;
        self.clients.extend(other.clients);
        for (aggregator, (count, at)) in other.reports {
            let entry = self.reports.entry(aggregator).or_insert((count, at));
            if at > entry.1 {
                *entry = (count, at);
            }
        }
    }
}

/// A feed's polls over a report's days.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedStats {
    /// The canonical path and query.
    pub feed: String,
    pub requests: u64,
    pub not_modified: u64,
    pub bytes: u64,
    /// Distinct clients on the busiest day (a client's hash changes every day, so days
    /// cannot be joined).
    pub distinct_clients: u64,
    /// The same, counting only clients that are not aggregators reporting subscribers.
    pub direct_clients: u64,
    /// Each aggregator's latest report in the period, by name.
    pub reported: Vec<(String, u64)>,
}

impl FeedStats {
    pub fn reported_subscribers(&self) -> u64 {
        self.reported.iter().map(|(_, n)| n).sum()
    }

    /// Subscribers: what aggregators report, plus each direct client once.
    pub fn estimated_subscribers(&self) -> u64 {
        self.reported_subscribers() + self.direct_clients
    }

    /// The share of requests answered 304 Not Modified, 0 to 1.
    pub fn not_modified_share(&self) -> f64 {
        if self.requests == 0 {
            return 0.0;
        }
        self.not_modified as f64 / self.requests as f64
    }
}

/// Most subscribers first, then by feed.
pub fn sort_by_estimate(stats: &mut [FeedStats]) {
    stats.sort_by(|a, b| {
        b.estimated_subscribers()
            .cmp(&a.estimated_subscribers())
            .then_with(|| b.requests.cmp(&a.requests))
            .then_with(|| a.feed.cmp(&b.feed))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_by_path_and_query() {
        assert_eq!(PollScope::of("/feed.atom", ""), PollScope::Full);
        assert_eq!(
            PollScope::of("/levels/advanced/feed.rss", ""),
            PollScope::Level
        );
        assert_eq!(
            PollScope::of("/authors/ana/feed.json", ""),
            PollScope::Author
        );
        assert_eq!(
            PollScope::of("/feed.atom", "source=stripe"),
            PollScope::Source
        );
        assert_eq!(
            PollScope::of("/feed.atom", "code=true&source=stripe"),
            PollScope::Filtered
        );
        assert_eq!(
            PollScope::of("/levels/advanced/feed.rss", "source=stripe"),
            PollScope::Filtered
        );
        assert_eq!(PollScope::of("/feed.atom", "limit=10"), PollScope::Filtered);
    }

    #[test]
    fn stats_query_defaults_and_bounds() {
        assert_eq!(
            StatsQuery::parse(""),
            Ok(StatsQuery {
                days: 7,
                feed: None
            })
        );
        assert_eq!(
            StatsQuery::parse("days=30&feed=%2Ffeed.atom%3Fcode%3Dtrue"),
            Ok(StatsQuery {
                days: 30,
                feed: Some("/feed.atom?code=true".to_owned())
            })
        );
        for bad in ["days=0", "days=367", "days=x", "days=1&days=2"] {
            let errors = StatsQuery::parse(bad).unwrap_err();
            assert_eq!(errors[0].field, "days", "{bad}");
        }
        assert_eq!(
            StatsQuery::parse("feed=feed.atom").unwrap_err()[0].field,
            "feed"
        );
        assert_eq!(StatsQuery::parse("limit=3").unwrap_err()[0].field, "limit");
    }
}
