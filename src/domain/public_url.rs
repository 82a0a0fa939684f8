use std::fmt;
use std::str::FromStr;

/// The address readers reach this service at, e.g. `https://feeds.example.com` or
/// `https://example.com/engfeed`. Every absolute URL in a feed or page is built from it,
/// never from the request's `Host` header, so a forged header cannot change what is served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicUrl {
    /// Without a trailing slash, so `join("/feed.rss")` reads naturally.
    base: String,
}

impl PublicUrl {
    /// `path` starts with `/`.
    pub fn join(&self, path: &str) -> String {
        debug_assert!(path.starts_with('/'), "paths are absolute: {path}");
        format!("{}{path}", self.base)
    }

    /// The host name, for display.
    pub fn as_str(&self) -> &str {
        &self.base
    }

    /// `http://ADDRESS`: the default when no public URL is configured.
    pub fn of_address(address: std::net::SocketAddr) -> Self {
        Self {
            base: format!("http://{address}"),
        }
    }
}

impl FromStr for PublicUrl {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let url = url::Url::parse(s).map_err(|e| format!("'{s}' is not an absolute URL: {e}"))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(format!("'{s}' must start with http:// or https://"));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(format!("'{s}' must not have a query or fragment"));
        }
        let base = url.as_str().trim_end_matches('/').to_owned();
        Ok(Self { base })
    }
}

impl fmt::Display for PublicUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.base)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_paths_with_or_without_a_prefix() {
        let root: PublicUrl = "http://127.0.0.1:8080/".parse().unwrap();
        assert_eq!(root.join("/feed.rss"), "http://127.0.0.1:8080/feed.rss");
        let nested: PublicUrl = "https://Example.com/engfeed/".parse().unwrap();
        assert_eq!(
            nested.join("/feed.atom"),
            "https://example.com/engfeed/feed.atom"
        );
    }

    #[test]
    fn rejects_what_cannot_prefix_a_feed_url() {
        for bad in [
            "example.com",
            "ftp://example.com",
            "https://x.org/?a=1",
            "https://x.org/#f",
        ] {
            assert!(bad.parse::<PublicUrl>().is_err(), "{bad}");
        }
    }
}
