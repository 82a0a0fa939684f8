//! Everything that talks to PostgreSQL, and the only module that names diesel. Functions
//! here take a connection and return domain types or an [`Error`]; no HTTP types cross
//! this line.

pub mod article_admin;
pub mod articles;
pub mod audit;
pub mod authors;
mod error;
pub mod export;
pub mod feed_page;
pub mod idempotency;
pub mod import;
mod level_sql;
pub mod listen;
mod models;
pub mod poll_stats;
mod schema;
pub mod search;
pub mod site;
pub mod tokens;

use std::time::Duration;

use diesel::Connection as _;
use diesel_async::AsyncPgConnection;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_async::pooled_connection::deadpool::{BuildError, Object, Pool};
use diesel_async::pooled_connection::{AsyncDieselConnectionManager, ManagerConfig};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

pub use error::{Error, Result};

/// One connection to PostgreSQL.
pub type Connection = AsyncPgConnection;
/// The pool shared by every worker.
#[derive(Clone)]
pub struct DbPool(Pool<AsyncPgConnection>);

impl DbPool {
    /// Checks out a connection; an exhausted or unreachable pool is [`Error::Unavailable`].
    pub async fn get(&self) -> Result<DbConn> {
        Ok(self.0.get().await?)
    }

    /// Connections open, idle and waited for (metrics).
    pub fn status(&self) -> deadpool::Status {
        self.0.status()
    }
}

/// A pooled connection; dereferences to `AsyncPgConnection`.
pub type DbConn = Object<AsyncPgConnection>;

// Triggers, not a foreign key, keep `articles.author_id` pointing at an author (migration
// 14), so `diesel print-schema` no longer writes this join into `schema.rs`.
diesel::joinable!(schema::articles -> schema::authors (author_id));

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("./migrations");

/// Every pooled connection's session limits: a request blocked behind another
/// transaction's lock (a long import, say) fails fast (answered 503 with `Retry-After`)
/// instead of holding its worker; no statement of a request runs longer than that.
const SESSION_LIMITS: &str = "SET lock_timeout = '2s'; SET statement_timeout = '30s'";

/// Builds the pool. Connections open lazily; a request that waits longer than
/// `wait_timeout` for one gets an error (answered as 503) instead of hanging.
pub fn build_pool(database_url: &str, max_size: usize) -> Result<DbPool, BuildError> {
    let mut config = ManagerConfig::<AsyncPgConnection>::default();
    config.custom_setup = Box::new(|url| {
        Box::pin(async move {
            use diesel_async::{AsyncConnection, SimpleAsyncConnection};
            let mut conn = AsyncPgConnection::establish(url).await?;
            conn.batch_execute(SESSION_LIMITS)
                .await
                .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
            Ok(conn)
        })
    });
    let manager =
        AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(database_url, config);
    Pool::builder(manager)
        .max_size(max_size)
        .runtime(deadpool::Runtime::Tokio1)
        .wait_timeout(Some(Duration::from_secs(5)))
        .create_timeout(Some(Duration::from_secs(5)))
        .recycle_timeout(Some(Duration::from_secs(5)))
        .build()
        .map(DbPool)
}

/// Opens one connection outside the pool (CLI commands, tests).
pub async fn connect(database_url: &str) -> Result<Connection> {
    use diesel_async::AsyncConnection;
    Ok(AsyncPgConnection::establish(database_url).await?)
}

/// Applies pending migrations and returns the names of those applied.
///
/// diesel's migration harness is synchronous, and diesel-async's own harness uses
/// `block_in_place`, which panics on actix's single-threaded runtimes; so the sync
/// wrapper runs on a blocking thread.
pub async fn run_migrations(database_url: &str) -> anyhow::Result<Vec<String>> {
    let database_url = database_url.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut conn = AsyncConnectionWrapper::<AsyncPgConnection>::establish(&database_url)?;
        let applied = conn
            .run_pending_migrations(MIGRATIONS)
            .map_err(|e| anyhow::anyhow!("migration failed: {e}"))?;
        Ok(applied.iter().map(ToString::to_string).collect())
    })
    .await?
}

/// The embedded migrations not yet applied to the database, by name.
pub async fn pending_migrations(database_url: &str) -> anyhow::Result<Vec<String>> {
    let database_url = database_url.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut conn = AsyncConnectionWrapper::<AsyncPgConnection>::establish(&database_url)?;
        let pending = conn
            .pending_migrations(MIGRATIONS)
            .map_err(|e| anyhow::anyhow!("reading the applied migrations failed: {e}"))?;
        Ok(pending.iter().map(|m| m.name().to_string()).collect())
    })
    .await?
}

/// A round trip to the server (readiness checks).
pub async fn ping(conn: &mut AsyncPgConnection) -> Result<()> {
    use diesel_async::RunQueryDsl;
    diesel::sql_query("SELECT 1").execute(conn).await?;
    Ok(())
}
