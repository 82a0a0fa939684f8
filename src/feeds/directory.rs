//! Every feed this service publishes: the full feed, each level, each author and each
//! source, in every format. Listed by `engfeed feeds`, `/feeds.json` and `/feeds.opml`.

use std::collections::BTreeSet;

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use serde::Serialize;

use super::{FeedContext, FeedFormat, xml_text};
use crate::domain::{ArticleQuery, AuthorRef, ChangedFacets, FeedScope, Level, Site};

/// One subscribable feed.
#[derive(Debug, Clone, Serialize)]
pub struct FeedEntry {
    /// `all`, `level`, `author` or `source`.
    pub group: &'static str,
    /// The level, author or source it follows ("All articles" for the full feed).
    pub name: String,
    pub title: String,
    pub format: &'static str,
    pub media_type: &'static str,
    pub url: String,
    pub home_page_url: String,
    /// The feed without an extension: a readable preview in a browser.
    pub preview_url: String,
}

/// The directory, in a fixed order: all, levels, authors (as given), sources (by name).
pub fn entries(site: &Site, authors: &[AuthorRef], sources: &[String]) -> Vec<FeedEntry> {
    directory_of(site, &Level::ALL, authors, sources)
}

/// One document the directory lists: a feed's first page in one format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryDocument {
    /// Canonical; the WebSub topic.
    pub url: String,
    pub scope: FeedScope,
    pub query: ArticleQuery,
    pub format: FeedFormat,
}

/// Every document of the directory, in its order.
pub fn documents(site: &Site, authors: &[AuthorRef], sources: &[String]) -> Vec<DirectoryDocument> {
    documents_of(site, &Level::ALL, authors, sources)
}

/// The documents of the directory that a change may have touched, in every format: the
/// full feed and the feeds of the changed levels, authors and sources; none when nothing
/// changed. Feeds with other filters cannot be listed, so they are not included.
pub fn changed_documents(site: &Site, changes: &ChangedFacets) -> Vec<DirectoryDocument> {
    if changes.is_empty() {
        return Vec::new();
    }
    let levels: Vec<Level> = changes.levels().into_iter().collect();
    let authors: Vec<AuthorRef> = changes.authors().into_iter().collect();
    let sources: Vec<String> = changes.sources().into_iter().collect();
    documents_of(site, &levels, &authors, &sources)
}

fn documents_of(
    site: &Site,
    levels: &[Level],
    authors: &[AuthorRef],
    sources: &[String],
) -> Vec<DirectoryDocument> {
    feeds_of(levels, authors, sources)
        .into_iter()
        .flat_map(|feed| {
            FeedFormat::ALL.map(|format| {
                let url = feed.context(site).self_url(format);
                DirectoryDocument {
                    url,
                    scope: feed.scope.clone(),
                    query: feed.query.clone(),
                    format,
                }
            })
        })
        .collect()
}

/// A feed of the directory, in every format.
struct DirectoryFeed {
    group: &'static str,
    name: String,
    scope: FeedScope,
    query: ArticleQuery,
}

impl DirectoryFeed {
    fn context<'a>(&'a self, site: &'a Site) -> FeedContext<'a> {
        FeedContext {
            site,
            scope: &self.scope,
            query: &self.query,
            next: None,
        }
    }
}

/// The full feed, and those of the given levels, authors and sources.
fn feeds_of(levels: &[Level], authors: &[AuthorRef], sources: &[String]) -> Vec<DirectoryFeed> {
    let feed = |group, name: String, scope, query| DirectoryFeed {
        group,
        name,
        scope,
        query,
    };
    let plain = ArticleQuery::default();
    let mut feeds = vec![feed(
        "all",
        "All articles".to_owned(),
        FeedScope::All,
        plain.clone(),
    )];
    feeds.extend(levels.iter().map(|&level| {
        let name = level.label().to_owned();
        feed("level", name, FeedScope::Level(level), plain.clone())
    }));
    feeds.extend(authors.iter().map(|a| {
        let scope = FeedScope::Author(a.clone());
        feed("author", a.name.clone(), scope, plain.clone())
    }));
    // The source filter ignores case: one feed per source, named as first written.
    let mut seen = BTreeSet::new();
    for source in sources {
        let key = source.to_lowercase();
        if !seen.insert(key.clone()) {
            continue;
        }
        let mut query = ArticleQuery::default();
        query.filter.sources.insert(key);
        feeds.push(feed("source", source.clone(), FeedScope::All, query));
    }
    feeds
}

/// The full feed's entries, and those of the given levels, authors and sources.
fn directory_of(
    site: &Site,
    levels: &[Level],
    authors: &[AuthorRef],
    sources: &[String],
) -> Vec<FeedEntry> {
    feeds_of(levels, authors, sources)
        .iter()
        .flat_map(|feed| {
            FeedFormat::ALL.map(|format| {
                let context = feed.context(site);
                // A source has no page of its own; its feed's preview stands in.
                let home_page_url = match feed.group {
                    "source" => context.negotiated_url(),
                    _ => site.page_url(&feed.scope),
                };
                FeedEntry {
                    group: feed.group,
                    name: xml_text(&feed.name).into_owned(),
                    title: context.title(),
                    format: format.label(),
                    media_type: format.media_type(),
                    url: context.self_url(format),
                    home_page_url,
                    preview_url: context.negotiated_url(),
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
