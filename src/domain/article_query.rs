use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};

use super::{AuthorSlug, FeedLimit, FieldError, Level};

/// Which articles an admin listing holds: AND across fields, OR within one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ArticleQuery {
    pub levels: Vec<Level>,
    pub authors: Vec<AuthorSlug>,
    pub sources: Vec<String>,
    pub includes_code: Option<bool>,
    /// Words to find in title or summary (PostgreSQL full-text search).
    pub text: Option<String>,
    pub include_deleted: bool,
    /// Continue after this position (keyset pagination).
    pub after: Option<Cursor>,
    pub limit: FeedLimit,
}

/// A position in the newest-first order: the `(published_at, id)` of the last item seen.
/// Opaque to clients; stable while articles are added or removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub published_at: DateTime<Utc>,
    pub id: i64,
}

impl fmt::Display for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.published_at.timestamp_micros(), self.id)
    }
}

impl FromStr for Cursor {
    type Err = FieldError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let invalid = || FieldError::new("cursor", "is not a cursor this service issued");
        let (micros, id) = s.split_once('.').ok_or_else(invalid)?;
        let micros: i64 = micros.parse().map_err(|_| invalid())?;
        Ok(Cursor {
            published_at: DateTime::from_timestamp_micros(micros).ok_or_else(invalid)?,
            id: id.parse().map_err(|_| invalid())?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let cursor = Cursor {
            published_at: DateTime::from_timestamp_micros(1_700_000_000_123_456).unwrap(),
            id: 42,
        };
        assert_eq!(cursor.to_string().parse::<Cursor>(), Ok(cursor));
        for bad in ["", "abc", "1.", ".1", "1.x", "99999999999999999999.1"] {
            assert_eq!(bad.parse::<Cursor>().unwrap_err().field, "cursor", "{bad}");
        }
    }
}
