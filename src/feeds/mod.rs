//! Pure rendering of articles into feed documents (RSS 2.0, Atom 1.0, JSON Feed 1.1): no
//! I/O, no HTTP.
//!
//! Every text that reaches a document goes through [`xml_text`], which drops the
//! characters XML 1.0 forbids; the writers escape the rest (`<`, `&`, `]]>`).

// Renderers and domain types take any stored or submitted value: nothing here may panic
// (tests may index what they just built).
#![deny(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]
#![cfg_attr(test, allow(clippy::indexing_slicing))]

mod atom;
pub mod directory;
mod json;
mod rss;

use std::borrow::Cow;
use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::domain::{
    Article, ArticleQuery, Cursor, FeedScope, Site, Tombstone, strip_xml_forbidden,
};

/// A syndication format engfeed publishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FeedFormat {
    Rss,
    Atom,
    Json,
}

impl FeedFormat {
    pub const ALL: [FeedFormat; 3] = [FeedFormat::Rss, FeedFormat::Atom, FeedFormat::Json];

    /// The file extension in feed URLs (`/feed.rss`).
    pub fn extension(self) -> &'static str {
        match self {
            FeedFormat::Rss => "rss",
            FeedFormat::Atom => "atom",
            FeedFormat::Json => "json",
        }
    }

    pub fn media_type(self) -> &'static str {
        match self {
            FeedFormat::Rss => "application/rss+xml",
            FeedFormat::Atom => "application/atom+xml",
            FeedFormat::Json => "application/feed+json",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            FeedFormat::Rss => "application/rss+xml; charset=utf-8",
            FeedFormat::Atom => "application/atom+xml; charset=utf-8",
            FeedFormat::Json => "application/feed+json; charset=utf-8",
        }
    }

    /// How people call it, in subscribe links.
    pub fn label(self) -> &'static str {
        match self {
            FeedFormat::Rss => "RSS",
            FeedFormat::Atom => "Atom",
            FeedFormat::Json => "JSON Feed",
        }
    }
}

/// The feed's writer failed; the document is not served half-written.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("writing RSS failed: {0}")]
    Rss(#[from] ::rss::Error),
    #[error("writing Atom failed: {0}")]
    Atom(#[from] ::atom_syndication::Error),
    #[error("writing JSON Feed failed: {0}")]
    Json(#[from] serde_json::Error),
    #[error("writing Atom tombstones failed: {0}")]
    Tombstones(#[from] std::io::Error),
    #[error("adding Atom tombstones failed: {0}")]
    Splice(&'static str),
}

/// What every format needs to know besides the items.
pub struct FeedContext<'a> {
    pub site: &'a Site,
    pub scope: &'a FeedScope,
    /// The filter, page size and position from the query string.
    pub query: &'a ArticleQuery,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<Cursor>,
}

impl FeedContext<'_> {
    /// The canonical URL of this very document, its `rel="self"` link: however the filter
    /// was written, it is spelled one way here.
    pub fn self_url(&self, format: FeedFormat) -> String {
        let url = self.site.feed_url(self.scope, format.extension());
        match self.query.canonical_query() {
            query if query.is_empty() => url,
            query => format!("{url}?{query}"),
        }
    }

    /// The feed's URL without an extension: a preview page in browsers, the format `Accept`
    /// prefers elsewhere.
    pub fn negotiated_url(&self) -> String {
        let url = self
            .site
            .public_url
            .join(&self.scope.negotiated_feed_path());
        match self.query.canonical_query() {
            query if query.is_empty() => url,
            query => format!("{url}?{query}"),
        }
    }

    /// RFC 5005 paging: the next (older) page of the same feed, if there is one.
    pub fn next_url(&self, format: FeedFormat) -> Option<String> {
        let next = self.next?;
        let query = ArticleQuery {
            after: Some(next),
            ..self.query.clone()
        };
        Some(
            FeedContext {
                query: &query,
                next: None,
                ..*self
            }
            .self_url(format),
        )
    }

    /// RFC 5005 paging: the first (newest) page, on every later page.
    pub fn first_url(&self, format: FeedFormat) -> Option<String> {
        self.query.after?;
        let query = ArticleQuery {
            after: None,
            ..self.query.clone()
        };
        Some(
            FeedContext {
                query: &query,
                next: None,
                ..*self
            }
            .self_url(format),
        )
    }

    /// The WebSub hub, on the documents it is told about (the directory's first pages,
    /// [`ArticleQuery::is_directory_page`]); other documents name none.
    pub fn websub_hub(&self) -> Option<&url::Url> {
        let of_everything = *self.scope == FeedScope::All;
        (self.site.websub_hub.as_ref()).filter(|_| self.query.is_directory_page(of_everything))
    }

    /// `urn:uuid:` id of this feed: the scope and the filter, not the page size or position.
    pub fn feed_id(&self) -> String {
        self.site
            .feed_id(self.scope, &self.query.filter.canonical())
    }

    /// What the feed holds, in words: "advanced articles (includes code)".
    pub fn describe(&self) -> String {
        let scope = self.scope.describe();
        match self.query.filter.describe() {
            Some(filter) => format!("{scope} ({filter})"),
            None => scope,
        }
    }

    pub fn title(&self) -> String {
        format!("engfeed: {}", xml_text(&self.describe()))
    }

    pub fn description(&self) -> String {
        format!(
            "Engineering articles on engfeed: {}, newest first.",
            xml_text(&self.describe())
        )
    }

    /// The newest change among the items and deletions, so an unchanged feed renders to
    /// the same bytes.
    pub fn updated(&self, content: &FeedContent<'_>) -> DateTime<Utc> {
        let updates = content.articles.iter().map(|a| a.updated_at);
        let deletions = content.deleted.iter().map(|t| t.deleted_at);
        updates
            .chain(deletions)
            .max()
            .unwrap_or(self.site.created_at)
    }

    /// The article's own URL, else its permalink on this service.
    pub fn article_link(&self, article: &Article) -> String {
        match &article.url {
            Some(url) => url.clone(),
            None => self.site.article_permalink(article.public_id),
        }
    }

    /// The page documenting engfeed's metadata: the XML namespace of the `engfeed:`
    /// elements and the `about` of JSON Feed's `_engfeed` objects.
    pub fn extension_doc_url(&self) -> String {
        self.site.public_url.join(EXTENSION_DOC_PATH)
    }

    /// Category scheme URLs, one per facet.
    pub fn scheme(&self, facet: &str) -> String {
        self.site.public_url.join(&format!("/{facet}/"))
    }
}

pub const LANGUAGE: &str = "en";
/// Where engfeed's metadata (XML namespace and JSON Feed extension) is documented, under
/// the public URL; the full URL is also the XML namespace name.
pub const EXTENSION_DOC_PATH: &str = "/ns/1.0";
/// The prefix of the metadata namespace in RSS and Atom.
pub const EXTENSION_PREFIX: &str = "engfeed";
pub const GENERATOR: &str = "engfeed";
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Text as it may appear in an XML document.
pub fn xml_text(text: &str) -> Cow<'_, str> {
    strip_xml_forbidden(text)
}

/// The article's HTML as feed text, with relative `href` and `src` resolved against the
/// article's link (its URL, else its permalink): a reader would resolve them against the
/// feed's URL and break them (the W3C validator warns `ContainsRelRef`).
fn content_html(context: &FeedContext<'_>, article: &Article) -> Option<String> {
    let html = article.content_html.as_deref()?;
    // Stored HTML went through ammonia, which writes attribute names in lower case.
    let has_links = html.contains("href=") || html.contains("src=");
    let html = match url::Url::parse(&context.article_link(article)) {
        Ok(base) if has_links => ammonia::Builder::default()
            .url_relative(ammonia::UrlRelative::RewriteWithBase(base))
            .clean(html)
            .to_string(),
        _ => html.to_owned(),
    };
    Some(xml_text(&html).into_owned())
}

/// The summary as feed text; `None` when blank, since readers (and the W3C validator) take
/// an empty summary for a missing one done badly.
fn summary(article: &Article) -> Option<Cow<'_, str>> {
    let text = xml_text(&article.summary);
    (!text.trim().is_empty()).then_some(text)
}

/// What one feed document holds.
#[derive(Clone, Copy)]
pub struct FeedContent<'a> {
    /// Newest first.
    pub articles: &'a [Article],
    /// Recent deletions among the articles the feed would hold: RFC 6721 tombstones in
    /// Atom, `_engfeed.deleted` in JSON Feed; RSS has no way to say it.
    pub deleted: &'a [Tombstone],
}

/// Article HTML one feed document carries at most, in bytes. Past it, items carry their
/// summary and link only (readers open the article), so no document outgrows a few MiB
/// however large the articles are: 50 items of 256 KiB would make 12 MiB, and more once
/// Atom escapes it.
pub const CONTENT_BUDGET: usize = 1024 * 1024;

/// Drops the HTML of the articles, newest first, that would take the page past
/// [`CONTENT_BUDGET`]; returns the bytes of HTML kept.
pub fn keep_within_content_budget(articles: &mut [Article]) -> usize {
    let mut kept = 0;
    for article in articles {
        let size = article.content_html.as_ref().map_or(0, String::len);
        if kept + size > CONTENT_BUDGET {
            article.content_html = None;
        } else {
            kept += size;
        }
    }
    kept
}

/// Renders `content` in `format`.
pub fn render(
    format: FeedFormat,
    context: &FeedContext<'_>,
    content: &FeedContent<'_>,
) -> Result<Vec<u8>, RenderError> {
    match format {
        FeedFormat::Rss => rss::render(context, content),
        FeedFormat::Atom => atom::render(context, content),
        FeedFormat::Json => json::render(context, content),
    }
}

/// An extension map (prefix, then local name) holding the item's `engfeed:` elements;
/// `element` makes one from its qualified name and text. RSS and Atom each have their own
/// `Extension` type of the same shape.
fn metadata_extensions<E>(
    article: &Article,
    element: impl Fn(String, String) -> E,
) -> BTreeMap<String, BTreeMap<String, Vec<E>>> {
    let elements = metadata_elements(article)
        .into_iter()
        .map(|(name, value)| {
            let qualified = format!("{EXTENSION_PREFIX}:{name}");
            (name.to_owned(), vec![element(qualified, value)])
        })
        .collect();
    BTreeMap::from([(EXTENSION_PREFIX.to_owned(), elements)])
}

/// The `engfeed:` elements of an item, as (local name, text): the same facts, with the
/// same names, as JSON Feed's `_engfeed` object.
fn metadata_elements(article: &Article) -> Vec<(&'static str, String)> {
    let mut elements = vec![("level", article.level.as_str().to_owned())];
    if let Some(minutes) = article.read_minutes {
        elements.push(("read_minutes", minutes.to_string()));
    }
    elements.extend([
        ("includes_code", article.includes_code.to_string()),
        ("has_summary", article.has_summary.to_string()),
        ("source", xml_text(&article.source).into_owned()),
    ]);
    elements
}

/// The categories every item carries, in both XML formats: level, source, and the
/// reading facts, each under its own scheme.
struct ItemCategory {
    facet: &'static str,
    term: String,
    label: String,
}

fn item_categories(article: &Article) -> Vec<ItemCategory> {
    let mut categories = vec![
        ItemCategory {
            facet: "levels",
            term: article.level.as_str().to_owned(),
            label: article.level.label().to_owned(),
        },
        ItemCategory {
            facet: "sources",
            term: xml_text(&article.source).into_owned(),
            label: xml_text(&article.source).into_owned(),
        },
    ];
    if let Some(minutes) = article.read_minutes {
        categories.push(ItemCategory {
            facet: "read-time",
            term: format!("{minutes}-minutes"),
            label: format!("{minutes} min read"),
        });
    }
    if article.includes_code {
        categories.push(ItemCategory {
            facet: "tags",
            term: "includes-code".to_owned(),
            label: "Includes code".to_owned(),
        });
    }
    categories
}
