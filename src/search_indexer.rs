//! Fills in the text-search documents imports leave pending (`db::search`), in the
//! background, so that a bulk import does not pay for them. Until it has, `q=` computes a
//! pending article's document on the fly: searches find the same articles, only slower.

use std::time::Duration;

use crate::db::{self, DbPool};

/// Articles indexed per transaction: short enough that an edit waiting on one of them
/// waits well under the lock timeout.
const BATCH: i64 = 2_000;
/// How often an idle indexer looks for work (an import in another process says nothing).
const IDLE_POLL: Duration = Duration::from_secs(1);

/// Indexes until the runtime stops.
pub fn spawn(pool: DbPool) {
    tokio::spawn(async move {
        loop {
            match index_batch(&pool).await {
                Ok(0) => tokio::time::sleep(IDLE_POLL).await,
                Ok(indexed) => tracing::debug!(indexed, "indexed articles for search"),
                Err(error) => {
                    tracing::warn!(%error, "the search indexer failed; retrying");
                    tokio::time::sleep(IDLE_POLL).await;
                }
            }
        }
    });
}

async fn index_batch(pool: &DbPool) -> db::Result<usize> {
    let mut conn = pool.get().await?;
    db::search::index_pending(&mut conn, BATCH).await
}
