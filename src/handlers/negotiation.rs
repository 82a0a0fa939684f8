//! `Accept` negotiation for the feed URLs without an extension (`/feed`).

use actix_web::http::header::{Accept, Quality};

use crate::feeds::FeedFormat;

/// What a negotiated feed URL answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Representation {
    Feed(FeedFormat),
    /// A readable preview with subscribe instructions, for browsers.
    Html,
}

/// Atom when the client has no preference: the format with the tightest specification.
const DEFAULT_FORMAT: FeedFormat = FeedFormat::Atom;

/// The client's most preferred representation; `None` when it accepts none of them.
/// A missing or empty `Accept` accepts anything.
pub fn choose(accept: Option<&Accept>) -> Option<Representation> {
    let Some(accept) = accept.filter(|a| !a.is_empty()) else {
        return Some(Representation::Feed(DEFAULT_FORMAT));
    };
    // `q=0` refuses a type, also where a wildcard would otherwise bring it back:
    // `application/atom+xml;q=0, */*` gets RSS.
    let refused: Vec<&str> = accept
        .iter()
        .filter(|item| item.quality == Quality::ZERO)
        .map(|item| item.item.essence_str())
        .collect();
    accept
        .ranked()
        .iter()
        .filter(|mime| !refused.contains(&mime.essence_str()))
        .flat_map(|mime| candidates(mime.essence_str()))
        .find(|candidate| !refused.contains(&candidate.media_type()))
}

/// What a media range in `Accept` admits, best first.
fn candidates(media_range: &str) -> Vec<Representation> {
    use FeedFormat::{Atom, Json, Rss};
    use Representation::{Feed, Html};
    match media_range {
        "application/atom+xml" => vec![Feed(Atom)],
        "application/rss+xml" => vec![Feed(Rss)],
        "application/feed+json" | "application/json" => vec![Feed(Json)],
        "text/html" | "application/xhtml+xml" => vec![Html],
        "application/xml" | "text/xml" => vec![Feed(DEFAULT_FORMAT), Feed(Rss)],
        "application/*" | "*/*" => vec![Feed(DEFAULT_FORMAT), Feed(Rss), Feed(Json)],
        "text/*" => vec![Html],
        _ => Vec::new(),
    }
}

impl Representation {
    fn media_type(self) -> &'static str {
        match self {
            Representation::Feed(format) => format.media_type(),
            Representation::Html => "text/html",
        }
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use actix_web::http::header::{Accept, QualityItem};

    use super::*;

    fn chosen(header: &str) -> Option<Representation> {
        let items = header
            .split(',')
            .map(|item| {
                QualityItem::<actix_web::mime::Mime>::from_str(item.trim()).expect("media range")
            })
            .collect();
        choose(Some(&Accept(items)))
    }

    #[test]
    fn browsers_get_the_preview_page() {
        assert_eq!(
            chosen("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
            Some(Representation::Html)
        );
    }

    #[test]
    fn feed_readers_get_the_format_they_prefer() {
        assert_eq!(
            chosen("application/rss+xml, application/atom+xml;q=0.9, */*;q=0.1"),
            Some(Representation::Feed(FeedFormat::Rss))
        );
        assert_eq!(
            chosen("application/atom+xml;q=0.5, application/feed+json"),
            Some(Representation::Feed(FeedFormat::Json))
        );
    }

    #[test]
    fn a_refused_type_stays_refused_behind_a_wildcard() {
        assert_eq!(
            chosen("application/atom+xml;q=0, */*"),
            Some(Representation::Feed(FeedFormat::Rss))
        );
        assert_eq!(
            chosen("application/atom+xml;q=0, application/rss+xml;q=0, */*"),
            Some(Representation::Feed(FeedFormat::Json))
        );
        assert_eq!(chosen("text/html;q=0, text/*"), None);
    }

    #[test]
    fn no_preference_is_atom() {
        assert_eq!(choose(None), Some(Representation::Feed(FeedFormat::Atom)));
        assert_eq!(chosen("*/*"), Some(Representation::Feed(FeedFormat::Atom)));
    }

    #[test]
    fn refused_and_unknown_types_are_skipped() {
        assert_eq!(
            chosen("application/atom+xml;q=0, application/rss+xml;q=0.2"),
            Some(Representation::Feed(FeedFormat::Rss))
        );
        assert_eq!(chosen("image/png"), None);
    }
}
