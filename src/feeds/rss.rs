use std::collections::BTreeMap;

use rss::extension::atom::{AtomExtension, Link};
use rss::extension::dublincore::DublinCoreExtension;
use rss::extension::{Extension, ExtensionMap};
use rss::{Category, Channel, Guid, Item};

use super::{
    EXTENSION_PREFIX, FeedContent, FeedContext, FeedFormat, GENERATOR, LANGUAGE, RenderError,
    VERSION, content_html, item_categories, metadata_extensions, summary, xml_text,
};
use crate::domain::{Article, article_feed_id};

pub(super) fn render(
    context: &FeedContext<'_>,
    content: &FeedContent<'_>,
) -> Result<Vec<u8>, RenderError> {
    let articles = content.articles;
    let self_link = Link {
        href: context.self_url(FeedFormat::Rss),
        rel: "self".to_owned(),
        mime_type: Some(FeedFormat::Rss.media_type().to_owned()),
        ..Link::default()
    };
    let channel = Channel {
        title: context.title(),
        link: context.site.page_url(context.scope),
        description: context.description(),
        language: Some(LANGUAGE.to_owned()),
        // Minutes, as long as Cache-Control's max-age lets readers keep it.
        ttl: Some(context.site.feed_max_age.div_ceil(60).to_string()),
        last_build_date: Some(rfc2822(context.updated(content))),
        generator: Some(format!("{GENERATOR} {VERSION}")),
        docs: Some("https://www.rssboard.org/rss-specification".to_owned()),
        atom_ext: Some(AtomExtension {
            links: std::iter::once(self_link)
                .chain(hub_link(context))
                .chain(paging_links(context))
                .collect(),
        }),
        items: articles.iter().map(|a| item(context, a)).collect(),
        namespaces: BTreeMap::from([(EXTENSION_PREFIX.to_owned(), context.extension_doc_url())]),
        ..Channel::default()
    };
    Ok(channel.write_to(Vec::new())?)
}

/// An RFC 2822 date. chrono's `to_rfc2822` panics outside years 0 to 9999; input dates are
/// kept within 1 to 9999 (`domain::parse_date`), and this never panics on any that got by.
fn rfc2822(date: chrono::DateTime<chrono::Utc>) -> String {
    date.format("%a, %-d %b %Y %H:%M:%S +0000").to_string()
}

/// WebSub's discovery link (the `Link` header says the same).
fn hub_link(context: &FeedContext<'_>) -> Option<Link> {
    let hub = context.websub_hub()?;
    Some(Link {
        href: hub.to_string(),
        rel: "hub".to_owned(),
        ..Link::default()
    })
}

/// RFC 5005 `next` and `first` links, as `atom:link` (RSS has no paging of its own).
fn paging_links(context: &FeedContext<'_>) -> Vec<Link> {
    let link = |rel: &str, href: String| Link {
        href,
        rel: rel.to_owned(),
        mime_type: Some(FeedFormat::Rss.media_type().to_owned()),
        ..Link::default()
    };
    let next = context
        .next_url(FeedFormat::Rss)
        .map(|href| link("next", href));
    let first = context
        .first_url(FeedFormat::Rss)
        .map(|href| link("first", href));
    next.into_iter().chain(first).collect()
}

fn item(context: &FeedContext<'_>, article: &Article) -> Item {
    let categories = item_categories(article)
        .into_iter()
        .map(|c| Category {
            name: c.term,
            domain: Some(context.scheme(c.facet)),
        })
        .collect();
    // RSS <author> must be an e-mail address; a name alone goes in dc:creator.
    let creator = article.author.as_ref().map(|author| DublinCoreExtension {
        creators: vec![xml_text(&author.name).into_owned()],
        ..DublinCoreExtension::default()
    });
    Item {
        title: Some(xml_text(&article.title).into_owned()),
        link: Some(context.article_link(article)),
        // <description> holds HTML, so the plain-text summary is escaped to read as written.
        description: summary(article)
            .map(|text| quick_xml::escape::partial_escape(text).into_owned()),
        content: content_html(context, article),
        guid: Some(Guid {
            value: article_feed_id(article.public_id),
            permalink: false,
        }),
        pub_date: Some(rfc2822(article.published_at)),
        categories,
        dublin_core_ext: creator,
        extensions: metadata(article),
        ..Item::default()
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
