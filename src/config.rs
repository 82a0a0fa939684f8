//! Settings, read from flags with environment fall-backs (see `cli`). Passed explicitly,
//! never global, so tests can build an application with their own values.

use std::fmt;
use std::net::SocketAddr;
use std::str::FromStr;

use crate::domain::PublicUrl;

/// A PostgreSQL connection URL. Shown with its password masked, so it can appear in
/// logs and error messages.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl(url::Url);

impl DatabaseUrl {
    /// The URL with its password, for the driver only.
    pub fn expose(&self) -> &str {
        self.0.as_str()
    }

    /// A copy naming another database on the same server (tests, tooling).
    pub fn with_database(&self, name: &str) -> DatabaseUrl {
        let mut url = self.0.clone();
        url.set_path(name);
        DatabaseUrl(url)
    }
}

impl FromStr for DatabaseUrl {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let url = url::Url::parse(s).map_err(|e| {
            format!("not a URL ({e}); expected postgres://USER:PASSWORD@HOST:PORT/DATABASE")
        })?;
        if !matches!(url.scheme(), "postgres" | "postgresql") {
            return Err(
                "must start with postgres:// (postgres://USER:PASSWORD@HOST:PORT/DATABASE)".into(),
            );
        }
        Ok(Self(url))
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut shown = self.0.clone();
        if shown.password().is_some() {
            // Only fails for URLs that cannot have a password, which this one has.
            let _ = shown.set_password(Some("***"));
        }
        // libpq-style URLs may carry the password as a parameter too: `?password=...`.
        if shown.query_pairs().any(|(key, _)| key == "password") {
            let pairs: Vec<(String, String)> = shown
                .query_pairs()
                .map(|(key, value)| match key.as_ref() {
                    "password" => (key.into_owned(), "***".to_owned()),
                    _ => (key.into_owned(), value.into_owned()),
                })
                .collect();
            shown.query_pairs_mut().clear().extend_pairs(pairs);
        }
        f.write_str(shown.as_str())
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({self})")
    }
}

/// Everything `engfeed serve` needs.
#[derive(Debug, Clone)]
pub struct Settings {
    pub database_url: DatabaseUrl,
    /// A read-only replica for feed queries; writes, and reads it has not caught up with,
    /// go to `database_url`.
    pub database_read_url: Option<DatabaseUrl>,
    /// Port 0 picks a free port (tests).
    pub bind: SocketAddr,
    /// `None`: `http://` + the bound address.
    pub public_url: Option<PublicUrl>,
    pub db_pool_size: usize,
    /// `None`: one per CPU core.
    pub workers: Option<usize>,
    pub feeds: FeedOptions,
}

impl Settings {
    /// The settings as a configuration file would hold them, passwords masked: what
    /// `engfeed serve --print-config` shows. Unset options are commented out.
    pub fn to_toml(&self) -> String {
        fn line(key: &str, value: Option<String>) -> String {
            match value {
                Some(value) => format!("{key} = {value}\n"),
                None => format!("# {key} = (not set)\n"),
            }
        }
        let quoted = |text: String| format!("{text:?}");
        [
            line("database-url", Some(quoted(self.database_url.to_string()))),
            line(
                "database-read-url",
                self.database_read_url
                    .as_ref()
                    .map(|u| quoted(u.to_string())),
            ),
            line("bind", Some(quoted(self.bind.to_string()))),
            line(
                "public-url",
                self.public_url.as_ref().map(|u| quoted(u.to_string())),
            ),
            line("db-pool-size", Some(self.db_pool_size.to_string())),
            line("workers", self.workers.map(|w| w.to_string())),
            line(
                "tombstone-days",
                Some(self.feeds.tombstone_days.to_string()),
            ),
            line(
                "websub-hub",
                self.feeds
                    .websub_hub
                    .as_ref()
                    .map(|u| quoted(u.to_string())),
            ),
            line(
                "cache-max-age",
                Some(self.feeds.max_age_seconds.to_string()),
            ),
            line("cache-bytes", Some(self.feeds.cache_bytes.to_string())),
            line(
                "stats-retention-days",
                Some(self.feeds.stats_retention_days.to_string()),
            ),
        ]
        .concat()
    }
}

/// How feeds behave beyond their content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedOptions {
    /// Days a deleted article stays in its feeds as a tombstone; 0 for none.
    pub tombstone_days: u16,
    /// The WebSub hub feeds advertise and that is pinged after every change.
    pub websub_hub: Option<url::Url>,
    /// How long readers and caches may keep a feed (`Cache-Control: max-age`, RSS `ttl`).
    pub max_age_seconds: u32,
    /// Memory for rendered feeds; 0 renders every request.
    pub cache_bytes: u64,
    /// Days of feed poll statistics kept (today included); older rows are deleted.
    pub stats_retention_days: u16,
}

impl Default for FeedOptions {
    fn default() -> Self {
        Self {
            tombstone_days: 30,
            websub_hub: None,
            max_age_seconds: 300,
            cache_bytes: 64 * 1024 * 1024,
            stats_retention_days: 90,
        }
    }
}

impl FeedOptions {
    /// How far back deletions are announced; `None` when tombstones are off.
    pub fn tombstone_window(&self) -> Option<chrono::TimeDelta> {
        (self.tombstone_days > 0).then(|| chrono::TimeDelta::days(i64::from(self.tombstone_days)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_url_masks_its_password() {
        let url: DatabaseUrl = "postgres://engfeed:s3cret@127.0.0.1:5432/engfeed"
            .parse()
            .unwrap();
        assert_eq!(
            url.to_string(),
            "postgres://engfeed:***@127.0.0.1:5432/engfeed"
        );
        assert!(!format!("{url:?}").contains("s3cret"));
        assert!(url.expose().contains("s3cret"));
        assert_eq!(
            url.with_database("other").to_string(),
            "postgres://engfeed:***@127.0.0.1:5432/other"
        );
        assert!("mysql://x/y".parse::<DatabaseUrl>().is_err());
    }

    #[test]
    fn database_url_masks_a_password_given_as_a_parameter() {
        let url: DatabaseUrl =
            "postgres://engfeed@127.0.0.1/engfeed?sslmode=disable&password=s3cret"
                .parse()
                .unwrap();
        assert_eq!(
            url.to_string(),
            "postgres://engfeed@127.0.0.1/engfeed?sslmode=disable&password=***"
        );
        assert!(!format!("{url:?}").contains("s3cret"));
    }
}
