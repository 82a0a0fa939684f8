//! Reading an existing feed (RSS 2.0, Atom 1.0 or JSON Feed) as a catalogue, so a blog can
//! bring its archive: `engfeed import https://blog.example/feed.xml`.
//!
//! Each item goes through the same validation as any catalogue item. Ids and dates are kept:
//! a `urn:uuid:` id (engfeed's own, among others) becomes the article's id; any other id is
//! mapped to a UUID derived from it (v5), so importing the feed again finds the same
//! articles. engfeed's own `engfeed:` metadata is read back when present.

use std::collections::{BTreeMap, HashMap};

use atom_syndication::Feed as AtomFeed;
use chrono::DateTime;
use rss::Channel;
use serde::Deserialize;
use uuid::Uuid;

use super::catalogue::{Catalogue, CatalogueError};
use crate::domain::{ArticleInput, Level};
use crate::feeds::EXTENSION_PREFIX;

/// What a feed does not say and a catalogue needs.
#[derive(Debug, Clone)]
pub struct FeedDefaults {
    /// The level of items that carry no `engfeed:level`.
    pub level: Level,
    /// The source of every item; default: the feed's title.
    pub source: Option<String>,
}

/// The kinds of file `engfeed import` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// engfeed's own format: a JSON array of articles.
    Catalogue,
    JsonFeed,
    Rss,
    Atom,
}

/// Tells the kinds apart by content, not by name.
pub fn sniff(bytes: &[u8]) -> Option<FileKind> {
    let head = bytes.get(..4096).unwrap_or(bytes);
    let text = String::from_utf8_lossy(head);
    let text = text.trim_start_matches('\u{feff}').trim_start();
    if text.starts_with('[') {
        Some(FileKind::Catalogue)
    } else if text.starts_with('{') {
        text.contains("jsonfeed.org").then_some(FileKind::JsonFeed)
    } else if text.starts_with('<') {
        if text.contains("<rss") {
            Some(FileKind::Rss)
        } else if text.contains("<feed") {
            Some(FileKind::Atom)
        } else {
            None
        }
    } else {
        None
    }
}

/// The feed's items as a catalogue, or the first item that cannot be an article.
pub fn read_feed(
    kind: FileKind,
    bytes: &[u8],
    defaults: &FeedDefaults,
) -> Result<Catalogue, CatalogueError> {
    let inputs = match kind {
        FileKind::Rss => rss_items(bytes, defaults)?,
        FileKind::Atom => atom_items(bytes, defaults)?,
        FileKind::JsonFeed => json_feed_items(bytes, defaults)?,
        FileKind::Catalogue => return Catalogue::from_json(bytes),
    };
    let articles = inputs
        .into_iter()
        .enumerate()
        .map(|(index, input)| {
            input.validate().map_err(|mut errors| CatalogueError::Item {
                item: index + 1,
                error: errors.swap_remove(0),
            })
        })
        .collect::<Result<_, _>>()?;
    Ok(Catalogue { articles })
}

fn unreadable(kind: &str, error: impl std::fmt::Display) -> CatalogueError {
    CatalogueError::Syntax {
        line: 0,
        column: 0,
        message: format!("not a readable {kind} feed: {error}"),
    }
}

/// What every format's item comes down to.
#[derive(Default)]
struct Item {
    id: Option<String>,
    title: String,
    summary_html: Option<String>,
    content_html: Option<String>,
    url: Option<String>,
    author: Option<String>,
    published: Option<String>,
    updated: Option<String>,
    /// `engfeed:` elements or `_engfeed` fields, by name.
    metadata: HashMap<String, String>,
}

impl Item {
    fn into_input(self, feed_title: &str, defaults: &FeedDefaults) -> ArticleInput {
        let metadata = &self.metadata;
        let summary = self
            .summary_html
            .as_deref()
            .map(plain_text)
            .unwrap_or_default();
        let includes_code = match metadata.get("includes_code") {
            Some(flag) => flag == "true",
            None => self
                .content_html
                .as_deref()
                .is_some_and(|html| html.contains("<pre") || html.contains("<code")),
        };
        ArticleInput {
            id: self.id.as_deref().map(id_of),
            title: plain_text(&self.title),
            has_summary: metadata
                .get("has_summary")
                .map_or(!summary.trim().is_empty(), |flag| flag == "true"),
            summary,
            content_html: self.content_html,
            url: self.url,
            author: self.author,
            level: metadata
                .get("level")
                .cloned()
                .unwrap_or_else(|| defaults.level.as_str().to_owned()),
            read_minutes: metadata.get("read_minutes").and_then(|m| m.parse().ok()),
            includes_code,
            source: defaults
                .source
                .clone()
                .or_else(|| metadata.get("source").cloned())
                .unwrap_or_else(|| feed_title.to_owned()),
            published_at: self.published.or_else(|| self.updated.clone()),
            updated_at: self.updated,
            deleted_at: None,
        }
    }
}

/// The article id for a feed item id: the UUID itself for `urn:uuid:`, else a UUID derived
/// from the id, the same on every import.
fn id_of(item_id: &str) -> Uuid {
    item_id
        .strip_prefix("urn:uuid:")
        .and_then(|uuid| Uuid::parse_str(uuid).ok())
        .unwrap_or_else(|| Uuid::new_v5(&Uuid::NAMESPACE_URL, item_id.as_bytes()))
}

/// HTML (or text that may hold some) as plain text: tags dropped, entities decoded.
fn plain_text(html: &str) -> String {
    let escaped = ammonia::Builder::empty().clean(html).to_string();
    let escaped = escaped.replace("&nbsp;", "\u{a0}");
    quick_xml::escape::unescape(&escaped)
        .map(|text| text.into_owned())
        .unwrap_or(escaped)
        .trim()
        .to_owned()
}

/// The text of each `engfeed:` element, by local name. RSS and Atom each have their own
/// `Extension` type of the same shape; `text` reads one.
fn engfeed_elements<E>(
    extensions: &BTreeMap<String, BTreeMap<String, Vec<E>>>,
    text: impl Fn(&E) -> Option<&String>,
) -> HashMap<String, String> {
    extensions
        .get(EXTENSION_PREFIX)
        .into_iter()
        .flatten()
        .filter_map(|(name, values)| Some((name.clone(), text(values.first()?)?.clone())))
        .collect()
}

/// RFC 822 (RSS) dates as RFC 3339, which catalogues use.
fn rfc3339_of_rfc2822(date: &str) -> Option<String> {
    DateTime::parse_from_rfc2822(date.trim())
        .ok()
        .map(|d| d.to_rfc3339())
}

fn rss_items(bytes: &[u8], defaults: &FeedDefaults) -> Result<Vec<ArticleInput>, CatalogueError> {
    let channel = Channel::read_from(bytes).map_err(|e| unreadable("RSS", e))?;
    let feed_title = channel.title.clone();
    Ok(channel
        .items
        .into_iter()
        .map(|item| {
            let metadata = engfeed_elements(&item.extensions, |e| e.value.as_ref());
            Item {
                id: item
                    .guid
                    .as_ref()
                    .map(|g| g.value.clone())
                    .or(item.link.clone()),
                title: item.title.unwrap_or_default(),
                summary_html: item.description,
                content_html: item.content,
                url: item.link,
                author: item
                    .dublin_core_ext
                    .and_then(|dc| dc.creators.into_iter().next())
                    .or(item.author),
                published: item.pub_date.as_deref().and_then(rfc3339_of_rfc2822),
                updated: None,
                metadata,
            }
            .into_input(&feed_title, defaults)
        })
        .collect())
}

fn atom_items(bytes: &[u8], defaults: &FeedDefaults) -> Result<Vec<ArticleInput>, CatalogueError> {
    let feed = AtomFeed::read_from(bytes).map_err(|e| unreadable("Atom", e))?;
    let feed_title = feed.title.value.clone();
    Ok(feed
        .entries
        .into_iter()
        .map(|entry| {
            let metadata = engfeed_elements(&entry.extensions, |e| e.value.as_ref());
            let url = entry
                .links
                .iter()
                .find(|l| l.rel == "alternate")
                .or_else(|| entry.links.first())
                .map(|l| l.href.clone());
            Item {
                id: Some(entry.id.clone()),
                title: entry.title.value.clone(),
                summary_html: entry.summary.map(|s| s.value),
                content_html: entry.content.and_then(|c| c.value),
                url,
                author: entry.authors.into_iter().next().map(|a| a.name),
                published: entry.published.map(|d| d.to_rfc3339()),
                updated: Some(entry.updated.to_rfc3339()),
                metadata,
            }
            .into_input(&feed_title, defaults)
        })
        .collect())
}

#[derive(Deserialize)]
struct JsonFeed {
    title: String,
    items: Vec<JsonItem>,
}

#[derive(Deserialize)]
struct JsonItem {
    id: String,
    url: Option<String>,
    title: Option<String>,
    summary: Option<String>,
    content_html: Option<String>,
    content_text: Option<String>,
    date_published: Option<String>,
    date_modified: Option<String>,
    #[serde(default)]
    authors: Vec<JsonAuthor>,
    #[serde(rename = "_engfeed", default)]
    engfeed: HashMap<String, serde_json::Value>,
}

#[derive(Deserialize)]
struct JsonAuthor {
    name: Option<String>,
}

fn json_feed_items(
    bytes: &[u8],
    defaults: &FeedDefaults,
) -> Result<Vec<ArticleInput>, CatalogueError> {
    let feed: JsonFeed = serde_json::from_slice(bytes).map_err(|e| unreadable("JSON", e))?;
    Ok(feed
        .items
        .into_iter()
        .map(|item| {
            let metadata = item
                .engfeed
                .into_iter()
                .map(|(name, value)| match value {
                    serde_json::Value::String(text) => (name, text),
                    other => (name, other.to_string()),
                })
                .collect();
            Item {
                id: Some(item.id),
                title: item.title.unwrap_or_default(),
                summary_html: item.summary.or(item.content_text),
                content_html: item.content_html,
                url: item.url,
                author: item.authors.into_iter().find_map(|a| a.name),
                published: item.date_published,
                updated: item.date_modified,
                metadata,
            }
            .into_input(&feed.title, defaults)
        })
        .collect())
}
