//! Recent failed authentications by client address: a rate limiter with no HTTP in it.

use std::net::IpAddr;
use std::time::Duration;

/// Failed authentications allowed from one address within [`FAILURE_WINDOW`].
const MAX_FAILURES: u32 = 10;
/// An address is refused until this long has passed without a failure from it.
pub const FAILURE_WINDOW: Duration = Duration::from_secs(60);

/// Recent failed authentications by client address, to slow down token guessing. Bounded:
/// the least recently seen addresses are forgotten first. Behind a reverse proxy every
/// client shares the proxy's address; the proxy should limit on its own then.
pub struct FailedLogins {
    counts: moka::sync::Cache<IpAddr, u32>,
}

impl Default for FailedLogins {
    fn default() -> Self {
        Self {
            counts: moka::sync::Cache::builder()
                .max_capacity(100_000)
                .time_to_live(FAILURE_WINDOW)
                .build(),
        }
    }
}

impl FailedLogins {
    pub fn record(&self, ip: IpAddr) {
        self.counts
            .entry(ip)
            .and_upsert_with(|count| count.map_or(1, |c| c.into_value().saturating_add(1)));
    }

    pub fn is_blocked(&self, ip: IpAddr) -> bool {
        self.counts
            .get(&ip)
            .is_some_and(|count| count >= MAX_FAILURES)
    }
}
