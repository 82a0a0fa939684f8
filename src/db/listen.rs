//! `LISTEN engfeed_catalogue` on a connection of its own. Every write to the catalogue,
//! through any instance or straight into the database, moves the catalogue clock and sends
//! a NOTIFY whose payload is the new clock (the `catalogue_clock` migration's trigger).

use std::time::Duration;

use chrono::{DateTime, Utc};
use diesel_async::RunQueryDsl;
use futures_util::StreamExt;

use super::{Connection, Result};

pub const CHANNEL: &str = "engfeed_catalogue";

/// What a listener hears.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CatalogueEvent {
    /// The catalogue clock moved to this time.
    Changed(DateTime<Utc>),
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
            Ok(Some(notification)) => Ok(match clock_of(&notification?.payload) {
                Some(clock) => CatalogueEvent::Changed(clock),
                None => CatalogueEvent::ChangedAtSomeTime,
            }),
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

/// The payload is the new catalogue clock in epoch seconds.
fn clock_of(payload: &str) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(payload.parse().ok()?, 0)
}
