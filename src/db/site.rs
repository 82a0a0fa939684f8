use super::Result;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::site;
use crate::domain::{ChangedFacets, PublicUrl, Site};
use diesel::sql_types::{Nullable, Text};

/// This installation's identity, minted by the first migration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = site, check_for_backend(diesel::pg::Pg))]
pub struct SiteIdentity {
    pub site_id: Uuid,
    pub created_at: DateTime<Utc>,
}

impl SiteIdentity {
    /// This installation as readers reach it at `public_url`.
    pub fn site(self, public_url: PublicUrl, feeds: &crate::config::FeedOptions) -> Site {
        Site {
            public_url,
            site_id: self.site_id,
            created_at: self.created_at,
            websub_hub: feeds.websub_hub.clone(),
            feed_max_age: feeds.max_age_seconds,
        }
    }
}

pub async fn load(conn: &mut AsyncPgConnection) -> Result<SiteIdentity> {
    Ok(site::table
        .select(SiteIdentity::as_select())
        .first(conn)
        .await?)
}

/// When the catalogue last changed (whole seconds, strictly later with every change; moved
/// by a trigger on every write): read in the same snapshot as a feed's items, it is that
/// feed's `Last-Modified`.
pub async fn catalogue_clock(conn: &mut AsyncPgConnection) -> Result<DateTime<Utc>> {
    Ok(site::table
        .select(site::catalogue_changed_at)
        .first(conn)
        .await?)
}

/// Starts a write to the catalogue in the current transaction: until
/// [`end_catalogue_write`], the triggers only note that articles or authors changed.
/// Moving the catalogue clock locks the `site` row until commit; taken last, it never holds
/// up other writers for a whole import, and a writer holding it never waits for another
/// (two writers could deadlock: one holding `site` and waiting for the other's new author
/// row, the other the reverse).
pub(super) async fn begin_catalogue_write(conn: &mut AsyncPgConnection) -> Result<()> {
    Ok(
        diesel::sql_query("SELECT set_config('engfeed.defer_catalogue_clock', 'on', true)")
            .execute(conn)
            .await
            .map(drop)?,
    )
}

/// Moves the clock once if the transaction touched the catalogue, and NOTIFYs at commit
/// what `changed` (see [`super::listen`]). The transaction's last statement.
pub(super) async fn end_catalogue_write(
    conn: &mut AsyncPgConnection,
    changed: &ChangedFacets,
) -> Result<()> {
    let payload = super::listen::Payload::encode(changed);
    Ok(
        diesel::sql_query("SELECT engfeed_move_catalogue_clock_if_touched($1)")
            .bind::<Nullable<Text>, _>(payload)
            .execute(conn)
            .await
            .map(drop)?,
    )
}
