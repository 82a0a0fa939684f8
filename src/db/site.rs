use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::site;

/// This installation's identity, minted by the first migration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = site, check_for_backend(diesel::pg::Pg))]
pub struct SiteIdentity {
    pub site_id: Uuid,
    pub created_at: DateTime<Utc>,
}

pub async fn load(conn: &mut AsyncPgConnection) -> QueryResult<SiteIdentity> {
    site::table
        .select(SiteIdentity::as_select())
        .first(conn)
        .await
}

/// When the catalogue last changed (whole seconds, strictly later with every change; moved
/// by a trigger on every write): read in the same snapshot as a feed's items, it is that
/// feed's `Last-Modified`.
pub async fn catalogue_clock(conn: &mut AsyncPgConnection) -> QueryResult<DateTime<Utc>> {
    site::table
        .select(site::catalogue_changed_at)
        .first(conn)
        .await
}
