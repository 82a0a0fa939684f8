//! `LISTEN engfeed_catalogue` on a connection of its own. Every write to the catalogue,
//! through any instance or straight into the database, moves the catalogue clock and sends
//! a NOTIFY whose payload is the new clock (the `catalogue_clock` migration's trigger),
//! and, for engfeed's own writes, what they changed (`Payload`), so that every instance
//! drops only the feeds that show it.

use std::time::Duration;

use chrono::{DateTime, Utc};
use diesel_async::RunQueryDsl;
use futures_util::StreamExt;

use serde::{Deserialize, Serialize};

use super::{Connection, Result};
use crate::domain::{ArticleFacets, AuthorRef, AuthorSlug, ChangedFacets};

pub const CHANNEL: &str = "engfeed_catalogue";

/// What a listener hears.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CatalogueEvent {
    /// The catalogue clock moved to this time; the write said what it changed, or (a
    /// write from outside engfeed, or one too large to describe) did not.
    Changed(DateTime<Utc>, Option<ChangedFacets>),
    /// Something changed, but the payload did not say when.
    ChangedAtSomeTime,
    /// Nothing was heard for a while, and the connection answered a ping.
    Quiet,
}

pub struct CatalogueListener {
    conn: Connection,
}

impl CatalogueListener {
    /// Connects and starts listening. The clock as it stood just after `LISTEN` is the
    /// baseline: any later change is heard.
    pub async fn start(database_url: &str) -> Result<(Self, DateTime<Utc>)> {
        let mut conn = super::connect(database_url).await?;
        diesel::sql_query(format!("LISTEN {CHANNEL}"))
            .execute(&mut conn)
            .await?;
        let clock = super::site::catalogue_clock(&mut conn).await?;
        Ok((Self { conn }, clock))
    }

    /// The next notification, or [`CatalogueEvent::Quiet`] after `quiet_for` of silence
    /// (the connection is pinged then, so a dead one is noticed).
    pub async fn next(&mut self, quiet_for: Duration) -> Result<CatalogueEvent> {
        let next = {
            let mut notifications = std::pin::pin!(self.conn.notifications_stream());
            tokio::time::timeout(quiet_for, notifications.next()).await
        };
        match next {
            Ok(Some(notification)) => Ok(event_of(&notification?.payload)),
            Ok(None) => Err(super::Error::Unavailable(
                "the notification stream ended".to_owned(),
            )),
            Err(_quiet) => {
                super::ping(&mut self.conn).await?;
                Ok(CatalogueEvent::Quiet)
            }
        }
    }
}

/// The payload is the new catalogue clock in epoch seconds, then, after a space, the
/// change's [`Payload`] when the write gave one.
fn event_of(payload: &str) -> CatalogueEvent {
    let (clock, detail) = payload.split_once(' ').unwrap_or((payload, ""));
    match clock
        .parse()
        .ok()
        .and_then(|c| DateTime::from_timestamp(c, 0))
    {
        Some(clock) => CatalogueEvent::Changed(clock, Payload::decode(detail)),
        None => CatalogueEvent::ChangedAtSomeTime,
    }
}

/// What a write changed, as its NOTIFY carries it: compact JSON, at most
/// [`Payload::MAX_BYTES`] (PostgreSQL refuses payloads of 8000 bytes or more).
#[derive(Serialize, Deserialize)]
pub(super) struct Payload {
    #[serde(rename = "a")]
    articles: Vec<PayloadArticle>,
    #[serde(rename = "r")]
    renamed: Vec<PayloadAuthor>,
}

/// Level, author, source, includes code, read minutes.
type PayloadArticle = (String, Option<PayloadAuthor>, String, bool, Option<u16>);
/// Slug and name.
type PayloadAuthor = (String, String);

impl Payload {
    const MAX_BYTES: usize = 7900;

    /// The change as a payload; `None` when it does not fit (then listeners drop every
    /// feed, as for a write from outside engfeed).
    pub(super) fn encode(changed: &ChangedFacets) -> Option<String> {
        // Each article's facets take more than 16 bytes of JSON: a large import's cannot
        // fit, and encoding them all only to find that out took a tenth of a second per
        // 100,000 new articles.
        if changed.articles.len() + changed.renamed.len() > Self::MAX_BYTES / 16 {
            return None;
        }
        let author = |a: &AuthorRef| (a.slug.as_ref().to_owned(), a.name.clone());
        let payload = Payload {
            articles: changed
                .articles
                .iter()
                .map(|a| {
                    let level = a.level.as_str().to_owned();
                    let by = a.author.as_ref().map(author);
                    (level, by, a.source.clone(), a.includes_code, a.read_minutes)
                })
                .collect(),
            renamed: changed.renamed.iter().map(author).collect(),
        };
        let json = serde_json::to_string(&payload).ok()?;
        (json.len() <= Self::MAX_BYTES).then_some(json)
    }

    /// Anything unreadable is `None`: the listener then assumes everything changed.
    fn decode(detail: &str) -> Option<ChangedFacets> {
        let payload: Payload = serde_json::from_str(detail).ok()?;
        let author = |(slug, name): (String, String)| {
            let slug = AuthorSlug::parse(&slug).ok()?;
            Some(AuthorRef { name, slug })
        };
        let articles = payload
            .articles
            .into_iter()
            .map(|(level, by, source, includes_code, read_minutes)| {
                Some(ArticleFacets {
                    level: level.parse().ok()?,
                    author: match by {
                        Some(by) => Some(author(by)?),
                        None => None,
                    },
                    source,
                    includes_code,
                    read_minutes,
                })
            })
            .collect::<Option<_>>()?;
        let renamed = payload
            .renamed
            .into_iter()
            .map(author)
            .collect::<Option<_>>()?;
        Some(ChangedFacets { articles, renamed })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Level;

    #[test]
    fn a_change_travels_through_its_payload() {
        let ann = AuthorRef {
            name: "Ann \"A\" Lee".into(),
            slug: AuthorSlug::parse("ann-lee").unwrap(),
        };
        let changed = ChangedFacets {
            articles: [
                ArticleFacets {
                    level: Level::Advanced,
                    author: Some(ann.clone()),
                    source: "Stripe".into(),
                    includes_code: true,
                    read_minutes: Some(7),
                },
                ArticleFacets {
                    level: Level::Beginner,
                    author: None,
                    source: "AWS".into(),
                    includes_code: false,
                    read_minutes: None,
                },
            ]
            .into(),
            renamed: [ann].into(),
        };
        let payload = Payload::encode(&changed).unwrap();
        assert_eq!(
            event_of(&format!("1700000000 {payload}")),
            CatalogueEvent::Changed(
                DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
                Some(changed)
            )
        );
    }

    #[test]
    fn a_bare_or_unreadable_payload_means_anything_may_have_changed() {
        let clock = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        assert_eq!(event_of("1700000000"), CatalogueEvent::Changed(clock, None));
        assert_eq!(
            event_of("1700000000 {\"a\":[[\"expert\",null,\"x\",true,null]],\"r\":[]}"),
            CatalogueEvent::Changed(clock, None)
        );
        assert_eq!(event_of("soon"), CatalogueEvent::ChangedAtSomeTime);
    }

    #[test]
    fn a_change_too_large_for_one_notification_has_no_payload() {
        let many = (0..1000u16).map(|n| ArticleFacets {
            level: Level::Advanced,
            author: None,
            source: format!("source {n}"),
            includes_code: false,
            read_minutes: Some(n),
        });
        let changed = ChangedFacets {
            articles: many.collect(),
            renamed: Default::default(),
        };
        assert_eq!(Payload::encode(&changed), None);
    }
}
