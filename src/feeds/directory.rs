//! Every feed this service publishes: the full feed, each level, each author and each
//! source, in every format. Listed by `engfeed feeds`, `/feeds.json` and `/feeds.opml`.

use std::collections::BTreeSet;

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use serde::Serialize;

use super::{FeedContext, FeedFormat, xml_text};
use crate::domain::{ArticleQuery, AuthorRef, FeedScope, Level, Site};

/// One subscribable feed.
#[derive(Debug, Clone, Serialize)]
pub struct FeedEntry {
    /// `all`, `level`, `author` or `source`.
    pub group: &'static str,
    pub title: String,
    pub format: &'static str,
    pub media_type: &'static str,
    pub url: String,
    pub home_page_url: String,
}

/// The directory, in a fixed order: all, levels, authors (as given), sources (by name).
pub fn entries(site: &Site, authors: &[AuthorRef], sources: &[String]) -> Vec<FeedEntry> {
    let plain = ArticleQuery::default();
    let mut feeds: Vec<(&'static str, FeedScope, ArticleQuery)> =
        vec![("all", FeedScope::All, plain.clone())];
    feeds.extend(Level::ALL.map(|level| ("level", FeedScope::Level(level), plain.clone())));
    feeds.extend(
        authors
            .iter()
            .map(|a| ("author", FeedScope::Author(a.clone()), plain.clone())),
    );
    let sources: BTreeSet<String> = sources.iter().map(|s| s.to_lowercase()).collect();
    for source in sources {
        let mut query = ArticleQuery::default();
        query.filter.sources.insert(source);
        feeds.push(("source", FeedScope::All, query));
    }
    feeds
        .iter()
        .flat_map(|(group, scope, query)| {
            FeedFormat::ALL.map(|format| {
                let context = FeedContext {
                    site,
                    scope,
                    query,
                    next: None,
                };
                FeedEntry {
                    group,
                    title: context.title(),
                    format: format.label(),
                    media_type: format.media_type(),
                    url: context.self_url(format),
                    home_page_url: site.page_url(scope),
                }
            })
        })
        .collect()
}

/// OPML 2.0: one outline per group, one `type="rss"` outline per feed (readers use that
/// type for every feed format).
pub fn opml(entries: &[FeedEntry]) -> Result<Vec<u8>, quick_xml::Error> {
    let mut writer = Writer::new(Vec::new());
    writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    writer.write_event(Event::Start(
        BytesStart::new("opml").with_attributes([("version", "2.0")]),
    ))?;
    writer.write_event(Event::Start(BytesStart::new("head")))?;
    writer.write_event(Event::Start(BytesStart::new("title")))?;
    writer.write_event(Event::Text(BytesText::new("engfeed: every feed")))?;
    writer.write_event(Event::End(BytesEnd::new("title")))?;
    writer.write_event(Event::End(BytesEnd::new("head")))?;
    writer.write_event(Event::Start(BytesStart::new("body")))?;
    for group in ["all", "level", "author", "source"] {
        let label = match group {
            "all" => "All articles",
            "level" => "By level",
            "author" => "By author",
            _ => "By source",
        };
        writer.write_event(Event::Start(
            BytesStart::new("outline").with_attributes([("text", label)]),
        ))?;
        for entry in entries.iter().filter(|e| e.group == group) {
            let text = xml_text(&entry.title);
            let title = format!("{text} ({})", entry.format);
            let outline = BytesStart::new("outline").with_attributes([
                ("type", "rss"),
                ("text", title.as_str()),
                ("title", title.as_str()),
                ("xmlUrl", entry.url.as_str()),
                ("htmlUrl", entry.home_page_url.as_str()),
            ]);
            writer.write_event(Event::Empty(outline))?;
        }
        writer.write_event(Event::End(BytesEnd::new("outline")))?;
    }
    writer.write_event(Event::End(BytesEnd::new("body")))?;
    writer.write_event(Event::End(BytesEnd::new("opml")))?;
    Ok(writer.into_inner())
}
