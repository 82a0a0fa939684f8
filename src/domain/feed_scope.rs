use super::{AuthorRef, FieldError, Level};

/// Which articles a feed or listing page holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedScope {
    All,
    Level(Level),
    Author(AuthorRef),
}

impl FeedScope {
    /// The path of the HTML page for this scope; feeds live below it (`{path}/feed.rss`).
    /// It is also the scope's identity, from which the feed id is derived.
    pub fn page_path(&self) -> String {
        match self {
            FeedScope::All => "/".to_owned(),
            FeedScope::Level(level) => format!("/levels/{level}"),
            FeedScope::Author(author) => format!("/authors/{}", author.slug),
        }
    }

    /// The path of this scope's feed with the given file extension (`rss`, `atom`).
    pub fn feed_path(&self, extension: &str) -> String {
        format!("{}.{extension}", self.negotiated_feed_path())
    }

    /// The path of this scope's feed without an extension, where `Accept` picks the format.
    pub fn negotiated_feed_path(&self) -> String {
        match self {
            FeedScope::All => "/feed".to_owned(),
            _ => format!("{}/feed", self.page_path()),
        }
    }

    /// What the feed holds, e.g. "Advanced articles" or "articles by James Beswick".
    pub fn describe(&self) -> String {
        match self {
            FeedScope::All => "all articles".to_owned(),
            FeedScope::Level(level) => format!("{} articles", level.label()),
            FeedScope::Author(author) => format!("articles by {}", author.name),
        }
    }
}

/// How many items a feed holds: 1 to 200, 50 unless asked otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeedLimit(u8);

impl FeedLimit {
    pub const MAX: u8 = 200;

    /// Parses the `limit` query parameter.
    pub fn parse(value: &str) -> Result<Self, FieldError> {
        match value.parse::<u8>() {
            Ok(n @ 1..=Self::MAX) => Ok(Self(n)),
            _ => Err(FieldError::new(
                "limit",
                format!(
                    "must be a whole number from 1 to {} (got '{value}')",
                    Self::MAX
                ),
            )),
        }
    }

    pub fn get(self) -> u8 {
        self.0
    }
}

impl Default for FeedLimit {
    fn default() -> Self {
        Self(50)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::AuthorSlug;

    #[test]
    fn limit_accepts_1_to_200() {
        assert_eq!(FeedLimit::parse("1").unwrap().get(), 1);
        assert_eq!(FeedLimit::parse("200").unwrap().get(), 200);
        for bad in ["0", "201", "abc", "-1", "", "1.5", "99999999999"] {
            assert_eq!(FeedLimit::parse(bad).unwrap_err().field, "limit", "{bad}");
        }
        assert_eq!(FeedLimit::default().get(), 50);
    }

    #[test]
    fn paths_and_descriptions() {
        let author = FeedScope::Author(AuthorRef {
            name: "James Beswick".into(),
            slug: AuthorSlug::parse("james-beswick").unwrap(),
        });
        assert_eq!(author.feed_path("rss"), "/authors/james-beswick/feed.rss");
        assert_eq!(author.describe(), "articles by James Beswick");
        assert_eq!(FeedScope::All.feed_path("atom"), "/feed.atom");
        let level = FeedScope::Level(Level::Advanced);
        assert_eq!(level.feed_path("atom"), "/levels/advanced/feed.atom");
        assert_eq!(level.describe(), "Advanced articles");
    }
}
