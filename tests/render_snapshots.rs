//! Snapshots of the renderer, no database: every format (RSS, Atom, JSON Feed) of four
//! documents: a plain page, a middle page (`next` and `first` links), a page with
//! deletions (tombstones) and one full of hostile text. Dates and ids are fixed, so the
//! bytes are too. Each document is also parsed back (roxmltree, serde_json) and its item
//! ids checked, so a snapshot accepted by mistake still cannot drop or reorder items.
//!
//! The snapshots are the documents as served, in `tests/snapshots/`; only the engfeed
//! version (in RSS and Atom `generator`) is written `[version]`, so a release does not
//! touch them.
//!
//! Reviewing a change: a test whose output changed fails with a diff and leaves the new
//! output beside the old as `tests/snapshots/*.snap.new`. With cargo-insta installed
//! (`cargo install cargo-insta`), `cargo insta review` shows each diff to accept or
//! reject (`cargo insta test --review --test render_snapshots` runs and reviews at once).
//! Without it, `INSTA_UPDATE=always cargo test --test render_snapshots` overwrites the
//! `.snap` files; read `git diff tests/snapshots/` before committing them. Under CI
//! (`CI=true`) nothing is written and a changed document just fails.

use std::collections::BTreeSet;

use chrono::{DateTime, TimeDelta, Utc};
use engfeed::domain::{
    Article, ArticleFilter, ArticleQuery, AuthorRef, AuthorSlug, Cursor, FeedLimit, FeedScope,
    Level, PublicUrl, Site, Tombstone,
};
use engfeed::feeds::{FeedContent, FeedContext, FeedFormat, GENERATOR, VERSION, render};
use uuid::Uuid;

const ATOM_NS: &str = "http://www.w3.org/2005/Atom";
const TOMBSTONES_NS: &str = "http://purl.org/atompub/tombstones/1.0";

// ---- fixtures ----------------------------------------------------------------------------

fn at(rfc3339: &str) -> DateTime<Utc> {
    rfc3339.parse().expect("fixed date")
}

/// The newest fixture article's date; the others are an hour apart before it.
fn newest() -> DateTime<Utc> {
    at("2026-03-14T09:26:53Z")
}

fn site() -> Site {
    Site {
        public_url: "https://feeds.example.org/engfeed"
            .parse::<PublicUrl>()
            .expect("URL"),
        site_id: Uuid::from_u128(0x0e4f_eed0_0000_4000_8000_0000_0000_0001),
        created_at: at("2025-01-01T00:00:00Z"),
        websub_hub: Some("https://hub.example.org/".parse().expect("hub URL")),
        feed_max_age: 300,
    }
}

fn id(n: u128) -> Uuid {
    Uuid::from_u128(0xa271_c1e0_0000_4000_8000_0000_0000_0000 + n)
}

fn urn(n: u128) -> String {
    format!("urn:uuid:{}", id(n))
}

fn author(name: &str, slug: &str) -> AuthorRef {
    AuthorRef {
        name: name.to_owned(),
        slug: AuthorSlug::parse(slug).expect("slug"),
    }
}

/// Article `n`, published `n` hours before [`newest`]; odd ones have an author, a URL and
/// a body with a relative link (which the feeds resolve against the article's URL).
fn article(n: u128) -> Article {
    let published = newest() - TimeDelta::hours(i64::try_from(n).expect("small"));
    let odd = n % 2 == 1;
    Article {
        public_id: id(n),
        title: format!("Article {n}"),
        summary: format!("What article {n} is about."),
        content_html: odd.then(|| format!("<p>Body {n}, see <a href=\"/more\">more</a>.</p>")),
        url: odd.then(|| format!("https://blog.example.com/posts/{n}")),
        author: odd.then(|| author("Ada Lovelace", "ada-lovelace")),
        level: Level::ALL[usize::try_from(n).expect("small") % 3],
        read_minutes: odd.then_some(7),
        includes_code: odd,
        has_summary: true,
        source: "Example Blog".to_owned(),
        published_at: published,
        updated_at: published + TimeDelta::minutes(5),
    }
}

fn tombstone(n: u128, deleted_at: &str) -> Tombstone {
    Tombstone {
        public_id: id(n),
        deleted_at: at(deleted_at),
    }
}

fn cursor(n: u128) -> Cursor {
    Cursor {
        published_at: article(n).published_at,
        id: i64::try_from(n).expect("small"),
    }
}

/// One document to render in every format.
struct Case {
    site: Site,
    scope: FeedScope,
    query: ArticleQuery,
    next: Option<Cursor>,
    articles: Vec<Article>,
    deleted: Vec<Tombstone>,
}

impl Case {
    /// The first page of the whole catalogue holding these articles.
    fn of(articles: Vec<Article>) -> Self {
        Self {
            site: site(),
            scope: FeedScope::All,
            query: ArticleQuery::default(),
            next: None,
            articles,
            deleted: Vec::new(),
        }
    }

    fn context(&self) -> FeedContext<'_> {
        FeedContext {
            site: &self.site,
            scope: &self.scope,
            query: &self.query,
            next: self.next,
        }
    }

    /// Renders every format, snapshots each as `{name}_{extension}` and returns what a
    /// reader parses out of each.
    fn render_all(&self, name: &str) -> Vec<(FeedFormat, Parsed)> {
        let content = FeedContent {
            articles: &self.articles,
            deleted: &self.deleted,
        };
        FeedFormat::ALL
            .into_iter()
            .map(|format| {
                let bytes = render(format, &self.context(), &content).expect("renders");
                let text = String::from_utf8(bytes).expect("feeds are UTF-8");
                insta::assert_snapshot!(
                    format!("{name}_{}", format.extension()),
                    without_version(&text)
                );
                (format, parse(format, &text))
            })
            .collect()
    }
}

/// The document with the engfeed version written `[version]`, so snapshots outlive a
/// release. Only the two places the generator names it are touched.
fn without_version(text: &str) -> String {
    text.replace(
        &format!(">{GENERATOR} {VERSION}<"),
        &format!(">{GENERATOR} [version]<"),
    )
    .replace(&format!("version=\"{VERSION}\""), "version=\"[version]\"")
}

// ---- reading the documents back ----------------------------------------------------------

/// What a reader finds in a document.
#[derive(Debug, Default, PartialEq)]
struct Parsed {
    /// Item ids (RSS `guid`, Atom `id`, JSON Feed `id`), in document order.
    ids: Vec<String>,
    titles: Vec<String>,
    /// Author names of each item, in document order.
    authors: Vec<Vec<String>>,
    /// The RFC 5005 `next` link (JSON Feed's `next_url`).
    next: Option<String>,
    /// The RFC 5005 `first` link (JSON Feed has none).
    first: Option<String>,
    /// Ids of the deletions announced (Atom tombstones, JSON Feed `_engfeed.deleted`).
    deleted: Vec<String>,
}

fn parse(format: FeedFormat, text: &str) -> Parsed {
    match format {
        FeedFormat::Rss => parse_rss(text),
        FeedFormat::Atom => parse_atom(text),
        FeedFormat::Json => parse_json(text),
    }
}

fn xml(text: &str) -> roxmltree::Document<'_> {
    roxmltree::Document::parse(text).unwrap_or_else(|e| panic!("not well-formed XML: {e}\n{text}"))
}

/// The text of `node`'s first `local` child in namespace `ns` (`None`: no namespace).
fn child_text(node: roxmltree::Node<'_, '_>, ns: Option<&str>, local: &str) -> Option<String> {
    let named = |c: &roxmltree::Node<'_, '_>| {
        c.is_element() && c.tag_name().namespace() == ns && c.tag_name().name() == local
    };
    let child = node.children().find(named)?;
    Some(child.text().unwrap_or_default().to_owned())
}

fn link(node: roxmltree::Node<'_, '_>, rel: &str) -> Option<String> {
    node.children()
        .find(|c| c.has_tag_name((ATOM_NS, "link")) && c.attribute("rel") == Some(rel))
        .and_then(|c| c.attribute("href"))
        .map(str::to_owned)
}

fn parse_rss(text: &str) -> Parsed {
    let document = xml(text);
    let channel = document
        .descendants()
        .find(|n| n.has_tag_name("channel"))
        .expect("<channel>");
    let items: Vec<_> = channel
        .children()
        .filter(|n| n.has_tag_name("item"))
        .collect();
    let dc = "http://purl.org/dc/elements/1.1/";
    Parsed {
        ids: items
            .iter()
            .filter_map(|i| child_text(*i, None, "guid"))
            .collect(),
        titles: items
            .iter()
            .filter_map(|i| child_text(*i, None, "title"))
            .collect(),
        authors: items
            .iter()
            .map(|i| child_text(*i, Some(dc), "creator").into_iter().collect())
            .collect(),
        next: link(channel, "next"),
        first: link(channel, "first"),
        deleted: Vec::new(),
    }
}

fn parse_atom(text: &str) -> Parsed {
    let document = xml(text);
    let feed = document.root_element();
    assert!(feed.has_tag_name((ATOM_NS, "feed")), "{text}");
    let entries: Vec<_> = feed
        .children()
        .filter(|n| n.has_tag_name((ATOM_NS, "entry")))
        .collect();
    Parsed {
        ids: entries
            .iter()
            .filter_map(|e| child_text(*e, Some(ATOM_NS), "id"))
            .collect(),
        titles: entries
            .iter()
            .filter_map(|e| child_text(*e, Some(ATOM_NS), "title"))
            .collect(),
        authors: entries
            .iter()
            .map(|e| {
                e.children()
                    .filter(|c| c.has_tag_name((ATOM_NS, "author")))
                    .filter_map(|a| child_text(a, Some(ATOM_NS), "name"))
                    .collect()
            })
            .collect(),
        next: link(feed, "next"),
        first: link(feed, "first"),
        deleted: feed
            .children()
            .filter(|n| n.has_tag_name((TOMBSTONES_NS, "deleted-entry")))
            .map(|n| n.attribute("ref").expect("ref").to_owned())
            .collect(),
    }
}

fn parse_json(text: &str) -> Parsed {
    let feed: serde_json::Value =
        serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON: {e}\n{text}"));
    let items = feed["items"].as_array().expect("items");
    let strings = |values: &serde_json::Value, key: &str| -> Vec<String> {
        values
            .as_array()
            .map(|list| {
                list.iter()
                    .map(|v| v[key].as_str().expect("a string").to_owned())
                    .collect()
            })
            .unwrap_or_default()
    };
    Parsed {
        ids: items
            .iter()
            .map(|i| i["id"].as_str().expect("id").to_owned())
            .collect(),
        titles: items
            .iter()
            .map(|i| i["title"].as_str().expect("title").to_owned())
            .collect(),
        authors: items
            .iter()
            .map(|i| strings(&i["authors"], "name"))
            .collect(),
        next: feed["next_url"].as_str().map(str::to_owned),
        first: None,
        deleted: strings(&feed["_engfeed"]["deleted"], "id"),
    }
}

// ---- the cases ---------------------------------------------------------------------------

#[test]
fn plain_page() {
    let case = Case::of((1..=3).map(article).collect());
    for (format, parsed) in case.render_all("plain") {
        assert_eq!(parsed.ids, [urn(1), urn(2), urn(3)], "{format:?}");
        assert_eq!(
            parsed.titles,
            ["Article 1", "Article 2", "Article 3"],
            "{format:?}"
        );
        assert_eq!(
            parsed.authors,
            [vec!["Ada Lovelace"], vec![], vec!["Ada Lovelace"]],
            "{format:?}"
        );
        assert_eq!((parsed.next, parsed.first), (None, None), "{format:?}");
        assert!(parsed.deleted.is_empty(), "{format:?}");
    }
}

#[test]
fn middle_page_links_to_the_next_and_first_pages() {
    let case = Case {
        query: ArticleQuery {
            filter: ArticleFilter {
                levels: BTreeSet::from([Level::Intermediate, Level::Advanced]),
                ..ArticleFilter::default()
            },
            after: Some(cursor(2)),
            limit: FeedLimit::parse("2").expect("limit"),
            ..ArticleQuery::default()
        },
        next: Some(cursor(5)),
        ..Case::of(vec![article(4), article(5)])
    };
    let filter = "level=intermediate%2Cadvanced&limit=2";
    for (format, parsed) in case.render_all("paged") {
        assert_eq!(parsed.ids, [urn(4), urn(5)], "{format:?}");
        let feed = format!(
            "https://feeds.example.org/engfeed/feed.{}",
            format.extension()
        );
        assert_eq!(
            parsed.next,
            Some(format!("{feed}?{filter}&cursor={}", cursor(5))),
            "{format:?}"
        );
        // JSON Feed has no `first`; RSS borrows Atom's links.
        let first = (format != FeedFormat::Json).then(|| format!("{feed}?{filter}"));
        assert_eq!(parsed.first, first, "{format:?}");
    }
}

#[test]
fn deletions_are_announced_where_the_format_can_say_so() {
    let case = Case {
        deleted: vec![
            tombstone(7, "2026-03-14T10:00:00Z"),
            tombstone(8, "2026-03-13T08:30:00.25Z"),
        ],
        ..Case::of(vec![article(1), article(2)])
    };
    for (format, parsed) in case.render_all("tombstones") {
        assert_eq!(parsed.ids, [urn(1), urn(2)], "{format:?}");
        let announced = match format {
            FeedFormat::Rss => vec![], // RSS has no way to say it
            FeedFormat::Atom | FeedFormat::Json => vec![urn(7), urn(8)],
        };
        assert_eq!(parsed.deleted, announced, "{format:?}");
    }
}

/// Control characters (C0, DEL, C1, U+FFFE/U+FFFF), CDATA and tag look-alikes, astral-plane
/// characters and bidirectional marks, in every text a document carries: the scope's author
/// name (the feed title), item titles, summaries, bodies, author names and sources.
#[test]
fn hostile_text_is_carried_as_text() {
    const CONTROLS: &str = "\u{0}\u{1}\u{8}\u{B}\u{C}\u{1B}\u{7F}\u{85}\u{9F}\u{FFFE}\u{FFFF}";
    const HOSTILE: &str = "]]> <script>alert(\"x\")</script> &amp; 'q' 𝔘𝔫𝔦 😀 \u{200F}שלום\u{202E}evil\u{202C}\u{200E}";
    let dirty = |text: &str| format!("{text}{CONTROLS} {HOSTILE}");
    let clean = |text: &str| format!("{text} {HOSTILE}");
    let someone = author(&dirty("Mallory"), "mallory");
    let mut first = article(1);
    first.title = dirty("Title");
    first.summary = dirty("Summary");
    first.content_html = Some(format!("<p>{}</p><![CDATA[ x ]]>", dirty("Body")));
    first.author = Some(someone.clone());
    first.source = dirty("Source");
    let mut second = article(3);
    second.title = format!("{CONTROLS}{HOSTILE}");
    second.author = Some(someone.clone());
    let case = Case {
        scope: FeedScope::Author(someone),
        ..Case::of(vec![first, second])
    };
    for (format, parsed) in case.render_all("hostile") {
        assert_eq!(parsed.ids, [urn(1), urn(3)], "{format:?}");
        assert_eq!(
            parsed.titles,
            [clean("Title"), HOSTILE.to_owned()],
            "{format:?}"
        );
        assert_eq!(
            parsed.authors,
            [vec![clean("Mallory")], vec![clean("Mallory")]],
            "{format:?}"
        );
    }
}
