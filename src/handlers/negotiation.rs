//! `Accept` negotiation for the feed URLs without an extension (`/feed`).

use actix_web::http::header::{Accept, Quality};
use actix_web::mime::Mime;

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
    let refused: Vec<&Mime> = accept
        .iter()
        .filter(|item| item.quality == Quality::ZERO)
        .map(|item| &item.item)
        .collect();
    accept
        .ranked()
        .iter()
        .filter(|mime| !refused.contains(mime))
        .find_map(|mime| representation_of(mime.essence_str()))
}

fn representation_of(media_type: &str) -> Option<Representation> {
    let feed = |format| Some(Representation::Feed(format));
    match media_type {
        "application/atom+xml" => feed(FeedFormat::Atom),
        "application/rss+xml" => feed(FeedFormat::Rss),
        "application/feed+json" | "application/json" => feed(FeedFormat::Json),
        "text/html" | "application/xhtml+xml" => Some(Representation::Html),
        "application/xml" | "text/xml" | "application/*" | "*/*" => feed(DEFAULT_FORMAT),
        "text/*" => Some(Representation::Html),
        _ => None,
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
