//! Which cached feeds a change leaves as they are.
//!
//! Every change the cache hears is numbered and kept for a while (the newest
//! [`KEPT_CHANGES`]). Each cached feed knows what it shows (its scope and filter) and the
//! number of the newest change it is known to be current with: the newest when its render
//! began, since the render read the catalogue after that change. A hit compares that
//! number with the newest change's: equal (the usual case), the feed is served at once; if
//! behind, the changes since are checked against what the feed shows, and it is served and
//! marked current when none touches it, or dropped and rendered anew when one may.
//!
//! Checking on the hit, not on the change, is what keeps a render that raced a change
//! honest: it began before the change, so it is checked against it, wherever it lands.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

use crate::domain::{ArticleFilter, ChangedFacets, FeedScope};

/// Changes kept for checking. A feed last known current further back is rendered anew
/// (it has not been asked for through that many changes). With at most
/// [`ChangedFacets::MAX_DESCRIBED_ARTICLES`] (256) articles a change, the log holds at
/// most 64k article descriptions: a few MB.
const KEPT_CHANGES: usize = 256;

/// What a feed document shows, as changes are checked against it.
#[derive(Debug, Clone)]
pub struct Shows {
    pub scope: FeedScope,
    pub filter: ArticleFilter,
}

/// A cached feed's side of the check.
#[derive(Debug, Default)]
pub(super) struct Currency {
    /// `None` shows anything: every change touches it.
    shows: Option<Shows>,
    /// The newest change the feed is known to show.
    current_through: AtomicU64,
}

impl Currency {
    pub(super) fn new(shows: Option<Shows>) -> Self {
        Self {
            shows,
            current_through: AtomicU64::new(0),
        }
    }

    /// The feed's render began after change `change`.
    pub(super) fn mark_current_through(&self, change: u64) {
        self.current_through.fetch_max(change, Ordering::AcqRel);
    }
}

/// The changes heard lately, numbered from 1.
#[derive(Default)]
pub(super) struct ChangeLog {
    newest: AtomicU64,
    recent: Mutex<VecDeque<(u64, ChangedFacets)>>,
}

impl ChangeLog {
    /// The newest change's number; 0 before any.
    pub(super) fn newest(&self) -> u64 {
        self.newest.load(Ordering::Acquire)
    }

    pub(super) fn record(&self, change: ChangedFacets) {
        let mut recent = self.recent.lock().unwrap_or_else(PoisonError::into_inner);
        let number = self.newest() + 1;
        recent.push_back((number, change));
        if recent.len() > KEPT_CHANGES {
            recent.pop_front();
        }
        // Published last, under the lock: whoever sees the number finds the change.
        self.newest.store(number, Ordering::Release);
    }

    /// Whether no change since the feed was last known current touches it; if none does,
    /// it is known current through the newest.
    pub(super) fn spares(&self, feed: &Currency) -> bool {
        let newest = self.newest();
        let through = feed.current_through.load(Ordering::Acquire);
        if through >= newest {
            return true;
        }
        let Some(shows) = &feed.shows else {
            return false;
        };
        let touched = {
            let recent = self.recent.lock().unwrap_or_else(PoisonError::into_inner);
            let reaches_back = recent
                .front()
                .is_some_and(|(first, _)| *first <= through + 1);
            !reaches_back
                || recent
                    .iter()
                    .filter(|(number, _)| *number > through)
                    .any(|(_, change)| change.may_change(&shows.scope, &shows.filter))
        };
        if !touched {
            feed.mark_current_through(newest);
        }
        !touched
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{ArticleFacets, Level};

    fn change_at(level: Level) -> ChangedFacets {
        ChangedFacets {
            articles: [ArticleFacets {
                level,
                author: None,
                source: "Stripe".into(),
                includes_code: false,
                read_minutes: None,
            }]
            .into(),
            renamed: Default::default(),
        }
    }

    fn level_feed(level: Level) -> Currency {
        Currency::new(Some(Shows {
            scope: FeedScope::Level(level),
            filter: ArticleFilter::default(),
        }))
    }

    #[test]
    fn a_feed_survives_changes_it_does_not_show_and_not_one_it_does() {
        let log = ChangeLog::default();
        let beginner = level_feed(Level::Beginner);
        assert!(log.spares(&beginner));
        log.record(change_at(Level::Advanced));
        log.record(change_at(Level::Intermediate));
        assert!(log.spares(&beginner));
        log.record(change_at(Level::Beginner));
        assert!(!log.spares(&beginner));
        assert!(!log.spares(&Currency::new(None)), "shows anything");
    }

    #[test]
    fn a_render_that_began_before_a_change_is_checked_against_it() {
        let log = ChangeLog::default();
        log.record(change_at(Level::Advanced));
        let began = log.newest();
        log.record(change_at(Level::Beginner));
        let rendered = level_feed(Level::Beginner);
        rendered.mark_current_through(began);
        assert!(!log.spares(&rendered));
        let after = level_feed(Level::Beginner);
        after.mark_current_through(log.newest());
        assert!(log.spares(&after));
    }

    #[test]
    fn a_feed_behind_every_kept_change_is_rendered_anew() {
        let log = ChangeLog::default();
        let beginner = level_feed(Level::Beginner);
        for _ in 0..=KEPT_CHANGES {
            log.record(change_at(Level::Advanced));
        }
        assert!(!log.spares(&beginner));
    }
}
