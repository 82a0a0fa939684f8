//! HTML pages: the index, one page per level and author, and one per article, so that
//! every link in every feed resolves. Rendered with askama, which escapes all text.

use askama::Template;

use crate::domain::{Article, AuthorRef, FeedScope, Level, Site};
use crate::feeds::{FeedFormat, xml_text};

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

#[derive(Template)]
#[template(path = "listing.html")]
struct ListingPage {
    title: String,
    heading: String,
    home_url: String,
    feeds: Vec<FeedLink>,
    levels: Vec<Facet>,
    authors: Vec<Facet>,
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

/// The page of a scope; `authors` lists facets only on the index.
pub fn listing(
    site: &Site,
    scope: &FeedScope,
    articles: &[Article],
    authors: &[AuthorRef],
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
        authors: authors.iter().map(|a| author_facet(site, a)).collect(),
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
    }
}

fn author_facet(site: &Site, author: &AuthorRef) -> Facet {
    Facet {
        name: clean(&author.name),
        url: site.page_url(&FeedScope::Author(author.clone())),
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
