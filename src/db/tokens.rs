use super::Result;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::schema::api_tokens;
use crate::domain::TokenHash;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = api_tokens, check_for_backend(diesel::pg::Pg))]
pub struct TokenInfo {
    pub id: i64,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

pub async fn create(conn: &mut AsyncPgConnection, name: &str, hash: TokenHash) -> Result<i64> {
    Ok(diesel::insert_into(api_tokens::table)
        .values((
            api_tokens::name.eq(name),
            api_tokens::token_hash.eq(hash.0.as_slice()),
        ))
        .returning(api_tokens::id)
        .get_result(conn)
        .await?)
}

pub async fn list(conn: &mut AsyncPgConnection) -> Result<Vec<TokenInfo>> {
    Ok(api_tokens::table
        .order(api_tokens::id)
        .select(TokenInfo::as_select())
        .load(conn)
        .await?)
}

/// Revokes a live token; `false` when there is none with that id.
pub async fn revoke(conn: &mut AsyncPgConnection, id: i64) -> Result<bool> {
    let revoked = diesel::update(
        api_tokens::table
            .find(id)
            .filter(api_tokens::revoked_at.is_null()),
    )
    .set(api_tokens::revoked_at.eq(diesel::dsl::now))
    .execute(conn)
    .await?;
    Ok(revoked == 1)
}

/// The id of the live token with this hash.
pub async fn authenticate(conn: &mut AsyncPgConnection, hash: TokenHash) -> Result<Option<i64>> {
    Ok(api_tokens::table
        .filter(api_tokens::token_hash.eq(hash.0.as_slice()))
        .filter(api_tokens::revoked_at.is_null())
        .select(api_tokens::id)
        .first(conn)
        .await
        .optional()?)
}
