//! HTML pages: the index, one page per level and author, and one per article, so that
//! every link in every feed resolves. Rendered with askama, which escapes all text.

use askama::Template;

use crate::domain::{Article, AuthorRef, FeedScope, Level, Site};
use crate::feeds::directory::FeedEntry;
use crate::feeds::{FeedContext, FeedFormat, xml_text};

/// A link to a feed, for the subscribe list and the autodiscovery `<link>` tags.
pub struct FeedLink {
    pub label: &'static str,
    pub title: String,
    pub url: String,
    pub media_type: &'static str,
}

pub struct Facet {
    pub name: String,
    pub url: String,
    /// Its value in a feed's query string (the feed builder's form sends it).
    pub value: String,
}

pub struct ArticleView {
    pub title: String,
    pub summary: String,
    pub permalink: String,
    pub url: Option<String>,
    pub content_html: Option<String>,
    pub author: Option<Facet>,
    pub level: Facet,
    pub read_minutes: Option<u16>,
    pub includes_code: bool,
    pub source: String,
    pub published_iso: String,
    pub published_human: String,
}

/// One feed of the index's subscribe table, in every format.
pub struct Subscription {
    pub title: String,
    pub preview_url: String,
    pub formats: Vec<FeedLink>,
}

#[derive(Template)]
#[template(path = "listing.html")]
struct ListingPage {
    title: String,
    heading: String,
    home_url: String,
    feeds: Vec<FeedLink>,
    levels: Vec<Facet>,
    authors: Vec<Facet>,
    sources: Vec<Facet>,
    subscriptions: Vec<Subscription>,
    articles: Vec<ArticleView>,
}

/// What only the index shows: every facet and every feed.
#[derive(Default)]
pub struct Facets<'a> {
    pub authors: &'a [AuthorRef],
    /// From the feed directory (`feeds::directory::entries`), in its order.
    pub directory: &'a [FeedEntry],
}

#[derive(Template)]
#[template(path = "feed_preview.html")]
struct FeedPreviewPage {
    title: String,
    heading: String,
    home_url: String,
    feeds: Vec<FeedLink>,
    articles: Vec<ArticleView>,
}

#[derive(Template)]
#[template(path = "article.html")]
struct ArticlePage {
    title: String,
    home_url: String,
    feeds: Vec<FeedLink>,
    article: ArticleView,
}

#[derive(Template)]
#[template(path = "namespace.html")]
struct NamespacePage {
    title: String,
    home_url: String,
    feeds: Vec<FeedLink>,
    namespace: String,
}

/// The documentation of the `_engfeed` JSON Feed extension, the `about` it points to.
pub fn namespace(site: &Site) -> Result<String, askama::Error> {
    let page = NamespacePage {
        title: "engfeed metadata, version 1.0".to_owned(),
        home_url: site.page_url(&FeedScope::All),
        feeds: feed_links(site, &FeedScope::All),
        namespace: site.public_url.join(crate::feeds::EXTENSION_DOC_PATH),
    };
    page.render()
}

/// The page of a scope; only the index has `facets`.
pub fn listing(
    site: &Site,
    scope: &FeedScope,
    articles: &[Article],
    facets: &Facets<'_>,
) -> Result<String, askama::Error> {
    let describe = scope.describe();
    let is_index = *scope == FeedScope::All;
    let page = ListingPage {
        title: format!("engfeed: {describe}"),
        heading: if is_index {
            "engfeed".to_owned()
        } else {
            capitalize(&describe)
        },
        home_url: site.page_url(&FeedScope::All),
        feeds: feed_links(site, scope),
        levels: if is_index {
            Level::ALL.iter().map(|&l| level_facet(site, l)).collect()
        } else {
            Vec::new()
        },
        authors: facets
            .authors
            .iter()
            .map(|a| author_facet(site, a))
            .collect(),
        sources: facets
            .directory
            .iter()
            .filter(|e| e.group == "source" && e.format == FeedFormat::Atom.label())
            .map(|e| Facet {
                name: e.name.clone(),
                url: e.home_page_url.clone(),
                // The parameter is a comma list: commas and backslashes in a name are escaped.
                value: e.name.replace('\\', "\\\\").replace(',', "\\,"),
            })
            .collect(),
        subscriptions: subscriptions(facets.directory),
        articles: articles.iter().map(|a| view(site, a)).collect(),
    };
    page.render()
}

/// The directory's entries, one row per feed with its formats side by side.
fn subscriptions(directory: &[FeedEntry]) -> Vec<Subscription> {
    let mut rows: Vec<Subscription> = Vec::new();
    for entry in directory {
        let link = FeedLink {
            label: entry.format,
            title: entry.title.clone(),
            url: entry.url.clone(),
            media_type: entry.media_type,
        };
        match rows.last_mut() {
            Some(row) if row.title == entry.title => row.formats.push(link),
            _ => rows.push(Subscription {
                title: clean(&entry.title),
                preview_url: entry.preview_url.clone(),
                formats: vec![link],
            }),
        }
    }
    rows
}

/// What a browser gets at a feed URL without an extension: the feed's items, and how to
/// subscribe to it.
pub fn feed_preview(
    context: &FeedContext<'_>,
    articles: &[Article],
) -> Result<String, askama::Error> {
    let site = context.site;
    let title = context.title();
    let page = FeedPreviewPage {
        heading: format!("Feed preview: {}", capitalize(&clean(&context.describe()))),
        title,
        home_url: site.page_url(&FeedScope::All),
        feeds: FeedFormat::ALL
            .into_iter()
            .map(|format| FeedLink {
                label: format.label(),
                title: format!("{} ({})", context.title(), format.extension()),
                url: context.self_url(format),
                media_type: format.media_type(),
            })
            .collect(),
        articles: articles.iter().map(|a| view(site, a)).collect(),
    };
    page.render()
}

pub fn article(site: &Site, article: &Article) -> Result<String, askama::Error> {
    let page = ArticlePage {
        title: format!("{} · engfeed", clean(&article.title)),
        home_url: site.page_url(&FeedScope::All),
        feeds: feed_links(site, &FeedScope::All),
        article: view(site, article),
    };
    page.render()
}

fn feed_links(site: &Site, scope: &FeedScope) -> Vec<FeedLink> {
    FeedFormat::ALL
        .into_iter()
        .map(|format| FeedLink {
            label: format.label(),
            title: format!("engfeed: {} ({})", scope.describe(), format.extension()),
            url: site.feed_url(scope, format.extension()),
            media_type: format.media_type(),
        })
        .collect()
}

fn level_facet(site: &Site, level: Level) -> Facet {
    Facet {
        name: level.label().to_owned(),
        url: site.page_url(&FeedScope::Level(level)),
        value: level.as_str().to_owned(),
    }
}

fn author_facet(site: &Site, author: &AuthorRef) -> Facet {
    Facet {
        name: clean(&author.name),
        url: site.page_url(&FeedScope::Author(author.clone())),
        value: author.slug.to_string(),
    }
}

fn view(site: &Site, article: &Article) -> ArticleView {
    ArticleView {
        title: clean(&article.title),
        summary: clean(&article.summary),
        permalink: site.article_permalink(article.public_id),
        url: article.url.clone(),
        content_html: article.content_html.as_deref().map(clean),
        author: article.author.as_ref().map(|a| author_facet(site, a)),
        level: level_facet(site, article.level),
        read_minutes: article.read_minutes,
        includes_code: article.includes_code,
        source: clean(&article.source),
        published_iso: article.published_at.to_rfc3339(),
        published_human: article.published_at.format("%-d %B %Y").to_string(),
    }
}

/// Control characters are as unwelcome in HTML as in XML.
fn clean(text: &str) -> String {
    xml_text(text).into_owned()
}

fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
