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
