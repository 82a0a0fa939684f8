//! Stored responses of POST requests sent with an `Idempotency-Key`, kept 24 hours.

use super::Result;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::schema::idempotency_keys as keys;

/// A response as stored, to be sent again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// What claiming a key found.
#[derive(Debug)]
pub enum Claim {
    /// The key is new: run the request, then [`complete`] it.
    Claimed,
    /// The same request ran before: send its response again.
    Replay(StoredResponse),
    /// The key was used for a different request.
    Mismatch,
    /// The same request is running right now.
    InProgress,
}

/// A claim not completed within this long (the process died mid-request) may be taken over.
const STALE_CLAIM: &str = "1 minute";

pub async fn claim(
    conn: &mut AsyncPgConnection,
    token_id: i64,
    key: &str,
    request_hash: &[u8],
) -> Result<Claim> {
    diesel::sql_query(format!(
        "DELETE FROM idempotency_keys WHERE created_at < now() - interval '24 hours' \
         OR (response_status IS NULL AND created_at < now() - interval '{STALE_CLAIM}')"
    ))
    .execute(conn)
    .await?;
    let inserted = diesel::insert_into(keys::table)
        .values((
            keys::token_id.eq(token_id),
            keys::key.eq(key),
            keys::request_hash.eq(request_hash),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    if inserted == 1 {
        return Ok(Claim::Claimed);
    }
    type Row = (
        Vec<u8>,
        Option<i16>,
        Option<serde_json::Value>,
        Option<Vec<u8>>,
    );
    let (hash, status, headers, body): Row = keys::table
        .find((token_id, key))
        .select((
            keys::request_hash,
            keys::response_status,
            keys::response_headers,
            keys::response_body,
        ))
        .first(conn)
        .await?;
    if hash != request_hash {
        return Ok(Claim::Mismatch);
    }
    match (status, headers, body) {
        (Some(status), Some(headers), Some(body)) => Ok(Claim::Replay(StoredResponse {
            status: u16::try_from(status).unwrap_or(500),
            headers: serde_json::from_value(headers).unwrap_or_default(),
            body,
        })),
        _ => Ok(Claim::InProgress),
    }
}

pub async fn complete(
    conn: &mut AsyncPgConnection,
    token_id: i64,
    key: &str,
    response: &StoredResponse,
) -> Result<()> {
    let headers = serde_json::to_value(&response.headers)
        .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?;
    Ok(diesel::update(keys::table.find((token_id, key)))
        .set((
            keys::response_status.eq(response.status as i16),
            keys::response_headers.eq(headers),
            keys::response_body.eq(&response.body),
        ))
        .execute(conn)
        .await
        .map(drop)?)
}

/// Forgets a claim whose request failed in a way worth retrying (5xx).
pub async fn release(conn: &mut AsyncPgConnection, token_id: i64, key: &str) -> Result<()> {
    Ok(diesel::delete(keys::table.find((token_id, key)))
        .execute(conn)
        .await
        .map(drop)?)
}
