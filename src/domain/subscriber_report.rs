//! What feed aggregators say about their users in the User-Agent of their fetchers:
//! `Feedly/1.0 (+http://www.feedly.com/fetcher.html; 123 subscribers)`,
//! `Inoreader/1.0 (+http://www.inoreader.com; 4 subscribers; )`,
//! `NewsBlur Feed Fetcher - 12 subscribers - http://www.newsblur.com/site/1/...`,
//! `Feedbin feed-id:1 - 5 subscribers`, and any other `N subscribers`.

use std::fmt;

/// A fetcher that polls on behalf of many readers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Aggregator {
    Feedly,
    Inoreader,
    NewsBlur,
    Feedbin,
    /// Another fetcher saying `N subscribers`, named by its User-Agent's first word
    /// (at most [`MAX_AGGREGATOR_NAME`] characters).
    Other(String),
}

/// Names of unknown aggregators are cut to this many characters: they come from clients.
pub const MAX_AGGREGATOR_NAME: usize = 40;

impl Aggregator {
    pub fn name(&self) -> &str {
        match self {
            Aggregator::Feedly => "Feedly",
            Aggregator::Inoreader => "Inoreader",
            Aggregator::NewsBlur => "NewsBlur",
            Aggregator::Feedbin => "Feedbin",
            Aggregator::Other(name) => name,
        }
    }

    fn of(user_agent: &str) -> Self {
        const KNOWN: [(&str, Aggregator); 4] = [
            ("feedly", Aggregator::Feedly),
            ("inoreader", Aggregator::Inoreader),
            ("newsblur", Aggregator::NewsBlur),
            ("feedbin", Aggregator::Feedbin),
        ];
        let first_word = user_agent
            .split(|c: char| c == '/' || c.is_whitespace() || c == '(' || c == ';')
            .find(|word| !word.is_empty())
            .unwrap_or("unknown");
        let lower = first_word.to_ascii_lowercase();
        if let Some((_, known)) = KNOWN.iter().find(|(prefix, _)| lower.starts_with(prefix)) {
            return known.clone();
        }
        let name: String = first_word
            .chars()
            .filter(|c| c.is_ascii_graphic())
            .take(MAX_AGGREGATOR_NAME)
            .collect();
        Aggregator::Other(if name.is_empty() {
            "unknown".to_owned()
        } else {
            name
        })
    }
}

impl fmt::Display for Aggregator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// "This many of my users subscribe to the URL I am fetching", as a User-Agent says it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriberReport {
    pub aggregator: Aggregator,
    pub subscribers: u32,
}

impl SubscriberReport {
    /// The report in `user_agent`, if it has one: a number followed by ` subscribers` (or
    /// ` subscriber`). Cheap when there is none: one substring search.
    pub fn parse(user_agent: &str) -> Option<Self> {
        let at = user_agent.find(" subscriber")?;
        let before = user_agent.get(..at)?;
        let digits_start = before
            .rfind(|c: char| !c.is_ascii_digit())
            .map_or(0, |i| i + 1);
        let digits = before.get(digits_start..)?;
        if digits.is_empty() {
            return None;
        }
        // More than four billion subscribers is not a count anyone means.
        let subscribers = digits.parse().ok()?;
        Some(Self {
            aggregator: Aggregator::of(user_agent),
            subscribers,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(user_agent: &str) -> Option<(String, u32)> {
        SubscriberReport::parse(user_agent).map(|r| (r.aggregator.name().to_owned(), r.subscribers))
    }

    #[test]
    fn feedly() {
        assert_eq!(
            report("Feedly/1.0 (+http://www.feedly.com/fetcher.html; 123 subscribers)"),
            Some(("Feedly".to_owned(), 123))
        );
        assert_eq!(
            report("Feedly/1.0 (+http://www.feedly.com/fetcher.html; like FeedFetcher-Google)"),
            None
        );
    }

    #[test]
    fn inoreader() {
        assert_eq!(
            report("Inoreader/1.0 (+http://www.inoreader.com/feed-fetcher; 4 subscribers; )"),
            Some(("Inoreader".to_owned(), 4))
        );
    }

    #[test]
    fn newsblur() {
        assert_eq!(
            report(
                "NewsBlur Feed Fetcher - 12 subscribers - http://www.newsblur.com/site/1/x \
                 (Mozilla/5.0 (Macintosh; Intel Mac OS X 10_10_1))"
            ),
            Some(("NewsBlur".to_owned(), 12))
        );
    }

    #[test]
    fn feedbin() {
        assert_eq!(
            report("Feedbin feed-id:1 - 5 subscribers"),
            Some(("Feedbin".to_owned(), 5))
        );
    }

    #[test]
    fn a_generic_report_is_named_by_its_first_word() {
        assert_eq!(
            report("Tiny Tiny RSS/23.04 (1 subscriber; https://tt-rss.org/)"),
            Some(("Tiny".to_owned(), 1))
        );
        assert_eq!(
            report("SomeReader/2 (+https://example.com; 1000 subscribers)"),
            Some(("SomeReader".to_owned(), 1000))
        );
    }

    #[test]
    fn browsers_and_odd_text_report_nothing() {
        assert_eq!(
            report("Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0"),
            None
        );
        assert_eq!(report("curl/8.5.0"), None);
        assert_eq!(report("x - no subscribers"), None);
        assert_eq!(report(" subscribers"), None);
        assert_eq!(report("Bot 99999999999999999999 subscribers"), None);
        assert_eq!(report(""), None);
    }

    #[test]
    fn unknown_names_are_bounded() {
        let long = format!("{} 3 subscribers", "x".repeat(500));
        let (name, count) = report(&long).unwrap();
        assert_eq!(name.len(), MAX_AGGREGATOR_NAME);
        assert_eq!(count, 3);
    }
}
