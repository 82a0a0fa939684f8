use std::collections::BTreeMap;

use atom_syndication::extension::{Extension, ExtensionMap};
use atom_syndication::{Category, Content, Entry, Feed, Generator, Link, Person, Text};
use quick_xml::Writer;
use quick_xml::events::{BytesStart, Event};

use super::{
    EXTENSION_PREFIX, FeedContent, FeedContext, FeedFormat, GENERATOR, LANGUAGE, RenderError,
    VERSION, content_html, item_categories, metadata_extensions, summary, xml_text,
};
use crate::domain::{Article, Tombstone, article_feed_id};

/// RFC 6721's namespace and its usual prefix.
const TOMBSTONES_NAMESPACE: &str = "http://purl.org/atompub/tombstones/1.0";
const TOMBSTONES_PREFIX: &str = "at";

pub(super) fn render(
    context: &FeedContext<'_>,
    content: &FeedContent<'_>,
) -> Result<Vec<u8>, RenderError> {
    let articles = content.articles;
    let mut namespaces =
        BTreeMap::from([(EXTENSION_PREFIX.to_owned(), context.extension_doc_url())]);
    if !content.deleted.is_empty() {
        namespaces.insert(
            TOMBSTONES_PREFIX.to_owned(),
            TOMBSTONES_NAMESPACE.to_owned(),
        );
    }
    let feed = Feed {
        title: Text::plain(context.title()),
        id: context.feed_id(),
        updated: context.updated(content).fixed_offset(),
        authors: feed_authors(context, articles),
        generator: Some(Generator {
            value: GENERATOR.to_owned(),
            uri: None,
            version: Some(VERSION.to_owned()),
        }),
        links: feed_links(context),
        subtitle: Some(Text::plain(context.description())),
        lang: Some(LANGUAGE.to_owned()),
        entries: articles.iter().map(|a| entry(context, a)).collect(),
        namespaces,
        ..Feed::default()
    };
    with_tombstones(feed.write_to(Vec::new())?, content.deleted)
}

/// RFC 4287 4.1.1: a feed needs an author unless every entry has one.
fn feed_authors(context: &FeedContext<'_>, articles: &[Article]) -> Vec<Person> {
    if articles.iter().all(|a| a.author.is_some()) && !articles.is_empty() {
        return Vec::new();
    }
    vec![Person {
        name: GENERATOR.to_owned(),
        uri: Some(context.site.page_url(&crate::domain::FeedScope::All)),
        ..Person::default()
    }]
}

/// `self`, the HTML page, the hub when the document is announced, and the pages around it.
fn feed_links(context: &FeedContext<'_>) -> Vec<Link> {
    [
        Link {
            href: context.self_url(FeedFormat::Atom),
            rel: "self".to_owned(),
            mime_type: Some(FeedFormat::Atom.media_type().to_owned()),
            ..Link::default()
        },
        Link {
            href: context.site.page_url(context.scope),
            rel: "alternate".to_owned(),
            mime_type: Some("text/html".to_owned()),
            ..Link::default()
        },
    ]
    .into_iter()
    .chain(context.websub_hub().map(|hub| Link {
        href: hub.to_string(),
        rel: "hub".to_owned(),
        ..Link::default()
    }))
    .chain(paging_links(context))
    .collect()
}

/// RFC 5005 `next` and `first` links between the pages of one feed.
fn paging_links(context: &FeedContext<'_>) -> Vec<Link> {
    let link = |rel: &str, href: String| Link {
        href,
        rel: rel.to_owned(),
        mime_type: Some(FeedFormat::Atom.media_type().to_owned()),
        ..Link::default()
    };
    let next = context
        .next_url(FeedFormat::Atom)
        .map(|href| link("next", href));
    let first = context
        .first_url(FeedFormat::Atom)
        .map(|href| link("first", href));
    next.into_iter().chain(first).collect()
}

fn entry(context: &FeedContext<'_>, article: &Article) -> Entry {
    let authors = article
        .author
        .iter()
        .map(|author| Person {
            name: xml_text(&author.name).into_owned(),
            uri: Some(
                context
                    .site
                    .page_url(&crate::domain::FeedScope::Author(author.clone())),
            ),
            ..Person::default()
        })
        .collect();
    let categories = item_categories(article)
        .into_iter()
        .map(|c| Category {
            term: c.term,
            scheme: Some(context.scheme(c.facet)),
            label: Some(c.label),
        })
        .collect();
    Entry {
        title: Text::plain(xml_text(&article.title)),
        id: article_feed_id(article.public_id),
        updated: article.updated_at.fixed_offset(),
        published: Some(article.published_at.fixed_offset()),
        authors,
        categories,
        links: vec![Link {
            href: context.article_link(article),
            rel: "alternate".to_owned(),
            mime_type: Some("text/html".to_owned()),
            ..Link::default()
        }],
        summary: summary(article).map(Text::plain),
        content: content_html(context, article).map(|html| Content {
            value: Some(html),
            content_type: Some("html".to_owned()),
            ..Content::default()
        }),
        extensions: metadata(article),
        ..Entry::default()
    }
}

/// The article's facts as `engfeed:` elements.
fn metadata(article: &Article) -> ExtensionMap {
    metadata_extensions(article, |name, value| Extension {
        name,
        value: Some(value),
        ..Extension::default()
    })
}

/// Adds RFC 6721 `<at:deleted-entry ref="…" when="…"/>` elements, one per deletion, before
/// the first entry. `atom_syndication` writes a feed's extension elements after its entries,
/// which RFC 4287's schema forbids (`atomEntry*` ends the feed), so they are spliced in here.
/// Text and attribute values are escaped in the document, so the first `<entry>` (or the
/// `</feed>` of a feed without entries) is the element itself.
fn with_tombstones(document: Vec<u8>, deleted: &[Tombstone]) -> Result<Vec<u8>, RenderError> {
    if deleted.is_empty() {
        return Ok(document);
    }
    let mut fragment = Writer::new(Vec::new());
    for tombstone in deleted {
        let when = tombstone.deleted_at.fixed_offset().to_rfc3339();
        let element = BytesStart::new(format!("{TOMBSTONES_PREFIX}:deleted-entry"))
            .with_attributes([
                ("ref", article_feed_id(tombstone.public_id).as_str()),
                ("when", when.as_str()),
            ]);
        fragment.write_event(Event::Empty(element))?;
    }
    let position = find(&document, b"<entry>")
        .or_else(|| find(&document, b"</feed>"))
        .ok_or(RenderError::Splice(
            "no <entry> or </feed> in the Atom document",
        ))?;
    let mut spliced = document;
    spliced.splice(position..position, fragment.into_inner());
    Ok(spliced)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}
