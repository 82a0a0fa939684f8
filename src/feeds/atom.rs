use atom_syndication::{Category, Content, Entry, Feed, Generator, Link, Person, Text};

use super::{
    FeedContext, FeedFormat, GENERATOR, LANGUAGE, RenderError, VERSION, item_categories, summary,
    xml_text,
};
use crate::domain::{Article, article_feed_id};

pub(super) fn render(
    context: &FeedContext<'_>,
    articles: &[Article],
) -> Result<Vec<u8>, RenderError> {
    let site = context.site;
    // RFC 4287 4.1.1: a feed needs an author unless every entry has one.
    let authors = if articles.iter().all(|a| a.author.is_some()) && !articles.is_empty() {
        Vec::new()
    } else {
        vec![Person {
            name: GENERATOR.to_owned(),
            uri: Some(site.page_url(&crate::domain::FeedScope::All)),
            ..Person::default()
        }]
    };
    let feed = Feed {
        title: Text::plain(context.title()),
        id: context.feed_id(),
        updated: context.updated(articles).fixed_offset(),
        authors,
        generator: Some(Generator {
            value: GENERATOR.to_owned(),
            uri: None,
            version: Some(VERSION.to_owned()),
        }),
        links: vec![
            Link {
                href: context.self_url(FeedFormat::Atom),
                rel: "self".to_owned(),
                mime_type: Some(FeedFormat::Atom.media_type().to_owned()),
                ..Link::default()
            },
            Link {
                href: site.page_url(context.scope),
                rel: "alternate".to_owned(),
                mime_type: Some("text/html".to_owned()),
                ..Link::default()
            },
        ]
        .into_iter()
        .chain(paging_links(context))
        .collect(),
        subtitle: Some(Text::plain(context.description())),
        lang: Some(LANGUAGE.to_owned()),
        entries: articles.iter().map(|a| entry(context, a)).collect(),
        ..Feed::default()
    };
    Ok(feed.write_to(Vec::new())?)
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
        content: article.content_html.as_deref().map(|html| Content {
            value: Some(xml_text(html).into_owned()),
            content_type: Some("html".to_owned()),
            ..Content::default()
        }),
        ..Entry::default()
    }
}
