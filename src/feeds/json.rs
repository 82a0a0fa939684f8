//! JSON Feed 1.1 (<https://www.jsonfeed.org/version/1.1/>), with the same items and ids as
//! the RSS and Atom feeds.

use std::borrow::Cow;

use serde::Serialize;

use super::{
    FeedContent, FeedContext, FeedFormat, LANGUAGE, RenderError, content_html, item_categories,
    summary, xml_text,
};
use crate::domain::{Article, Tombstone, article_feed_id};

#[derive(Serialize)]
struct JsonFeed<'a> {
    version: &'static str,
    title: String,
    home_page_url: String,
    feed_url: String,
    /// The next (older) page of this feed.
    #[serde(skip_serializing_if = "Option::is_none")]
    next_url: Option<String>,
    description: String,
    language: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    authors: Vec<Author<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    hubs: Vec<Hub>,
    items: Vec<Item<'a>>,
    /// Recent deletions; absent when there are none.
    #[serde(rename = "_engfeed", skip_serializing_if = "Option::is_none")]
    engfeed: Option<FeedMetadata>,
}

/// The feed-level extension object: what RFC 6721 tombstones say in Atom.
#[derive(Serialize)]
struct FeedMetadata {
    about: String,
    deleted: Vec<Deletion>,
}

#[derive(Serialize)]
struct Deletion {
    /// The deleted item's `id`.
    id: String,
    date_deleted: String,
}

#[derive(Serialize)]
struct Hub {
    #[serde(rename = "type")]
    kind: &'static str,
    url: String,
}

#[derive(Serialize)]
struct Author<'a> {
    name: Cow<'a, str>,
    url: String,
}

#[derive(Serialize)]
struct Item<'a> {
    id: String,
    url: String,
    title: Cow<'a, str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    summary: Option<Cow<'a, str>>,
    /// One of the two is required; `content_text` is the summary (or the title) when the
    /// article has no body.
    #[serde(skip_serializing_if = "Option::is_none")]
    content_html: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    content_text: Option<Cow<'a, str>>,
    date_published: String,
    date_modified: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    authors: Vec<Author<'a>>,
    tags: Vec<String>,
    /// engfeed's metadata, as typed values (RSS and Atom carry it as categories).
    #[serde(rename = "_engfeed")]
    engfeed: Metadata<'a>,
}

/// A JSON Feed extension object: `about` points to its documentation.
#[derive(Serialize)]
struct Metadata<'a> {
    about: String,
    level: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    read_minutes: Option<u16>,
    includes_code: bool,
    has_summary: bool,
    source: Cow<'a, str>,
}

pub(super) fn render(
    context: &FeedContext<'_>,
    content: &FeedContent<'_>,
) -> Result<Vec<u8>, RenderError> {
    let site = context.site;
    let articles = content.articles;
    // JSON Feed 1.1: items inherit the feed's authors, so the feed names one only when
    // some item has none, as Atom does.
    let authors = if articles.iter().any(|a| a.author.is_none()) || articles.is_empty() {
        vec![Author {
            name: Cow::Borrowed(super::GENERATOR),
            url: site.page_url(&crate::domain::FeedScope::All),
        }]
    } else {
        Vec::new()
    };
    let feed = JsonFeed {
        version: "https://jsonfeed.org/version/1.1",
        title: context.title(),
        home_page_url: site.page_url(context.scope),
        feed_url: context.self_url(FeedFormat::Json),
        next_url: context.next_url(FeedFormat::Json),
        description: context.description(),
        language: LANGUAGE,
        authors,
        hubs: context
            .websub_hub()
            .into_iter()
            .map(|hub| Hub {
                kind: "WebSub",
                url: hub.to_string(),
            })
            .collect(),
        items: articles.iter().map(|a| item(context, a)).collect(),
        engfeed: (!content.deleted.is_empty()).then(|| FeedMetadata {
            about: context.extension_doc_url(),
            deleted: content.deleted.iter().map(deletion).collect(),
        }),
    };
    Ok(serde_json::to_vec(&feed)?)
}

fn item<'a>(context: &FeedContext<'_>, article: &'a Article) -> Item<'a> {
    let summary = summary(article);
    let content_html = content_html(context, article).map(Cow::Owned);
    let content_text = match content_html {
        Some(_) => None,
        None => Some(summary.clone().unwrap_or_else(|| xml_text(&article.title))),
    };
    Item {
        id: article_feed_id(article.public_id),
        url: context.article_link(article),
        title: xml_text(&article.title),
        summary,
        content_html,
        content_text,
        date_published: rfc3339(article.published_at),
        date_modified: rfc3339(article.updated_at),
        authors: article
            .author
            .iter()
            .map(|author| Author {
                name: xml_text(&author.name),
                url: context
                    .site
                    .page_url(&crate::domain::FeedScope::Author(author.clone())),
            })
            .collect(),
        tags: item_categories(article)
            .into_iter()
            .map(|c| c.label)
            .collect(),
        engfeed: Metadata {
            about: context.extension_doc_url(),
            level: article.level.as_str(),
            read_minutes: article.read_minutes,
            includes_code: article.includes_code,
            has_summary: article.has_summary,
            source: xml_text(&article.source),
        },
    }
}

fn deletion(tombstone: &Tombstone) -> Deletion {
    Deletion {
        id: article_feed_id(tombstone.public_id),
        date_deleted: rfc3339(tombstone.deleted_at),
    }
}

fn rfc3339(time: chrono::DateTime<chrono::Utc>) -> String {
    time.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}
