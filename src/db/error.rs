//! The store's one error type: what callers can act on, not how diesel spells it.

use diesel::result::{DatabaseErrorKind, Error as DieselError};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The row asked for does not exist.
    #[error("not found")]
    NotFound,
    /// The database cannot answer right now (connection lost, pool exhausted, a lock or
    /// statement timeout); the same request may succeed shortly.
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    /// Another write got there first (a unique constraint the retries did not settle).
    #[error("a concurrent write conflicted: {0}")]
    Conflict(String),
    #[error(transparent)]
    Other(anyhow::Error),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<DieselError> for Error {
    fn from(error: DieselError) -> Self {
        match error {
            DieselError::NotFound => Error::NotFound,
            DieselError::DatabaseError(DatabaseErrorKind::ClosedConnection, info) => {
                Error::Unavailable(info.message().to_owned())
            }
            // diesel reports lock and statement timeouts as unknown errors; PostgreSQL's
            // message says which.
            DieselError::DatabaseError(DatabaseErrorKind::Unknown, info)
                if info.message().starts_with("canceling statement due to") =>
            {
                Error::Unavailable(info.message().to_owned())
            }
            // SQLSTATE 40001: a serialization failure, or a query a hot-standby replica
            // cancelled because replay had to remove rows it could still see ("canceling
            // statement due to conflict with recovery"). Running it again can succeed.
            DieselError::DatabaseError(DatabaseErrorKind::SerializationFailure, info) => {
                Error::Unavailable(info.message().to_owned())
            }
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                Error::Conflict(info.message().to_owned())
            }
            other => Error::Other(other.into()),
        }
    }
}

impl From<diesel_async::pooled_connection::deadpool::PoolError> for Error {
    fn from(error: diesel_async::pooled_connection::deadpool::PoolError) -> Self {
        Error::Unavailable(format!("no pooled connection: {error}"))
    }
}

impl From<diesel::ConnectionError> for Error {
    fn from(error: diesel::ConnectionError) -> Self {
        Error::Unavailable(format!("cannot connect: {error}"))
    }
}

impl From<serde_json::Error> for Error {
    fn from(error: serde_json::Error) -> Self {
        Error::Other(error.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_found_stays_not_found() {
        assert!(matches!(
            Error::from(DieselError::NotFound),
            Error::NotFound
        ));
    }
}
