//! Property tests, no database: any article text renders to feeds that parse back to the
//! same text, and the feed-filter parser never panics and agrees with its own spelling.

use chrono::{DateTime, Utc};
use engfeed::domain::{
    Article, ArticleQuery, AuthorRef, AuthorSlug, FeedScope, Level, Listing, PublicUrl, Site,
    strip_xml_forbidden,
};
use engfeed::feeds::{FeedContent, FeedContext, FeedFormat, render};
use proptest::prelude::*;
use uuid::Uuid;

fn site() -> Site {
    Site {
        public_url: "https://feeds.example.org"
            .parse::<PublicUrl>()
            .expect("URL"),
        site_id: Uuid::from_u128(7),
        created_at: DateTime::UNIX_EPOCH,
        websub_hub: None,
        feed_max_age: 300,
    }
}

/// What a reader gets back: the characters XML 1.0 cannot carry are dropped, and line
/// breaks are `\n`: XML parsers must turn every line break into one (XML 1.0 section 2.11),
/// though quick-xml, under both feed crates, leaves that to its caller, so both sides of
/// each comparison are normalised.
fn as_read(text: &str) -> String {
    lines(&strip_xml_forbidden(text))
}

fn lines(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\r', "\n")
}

fn article(title: &str, summary: &str, author: &str, source: &str) -> Article {
    let now: DateTime<Utc> = "2026-11-23T12:00:00Z".parse().expect("date");
    Article {
        public_id: Uuid::from_u128(1),
        title: title.to_owned(),
        summary: summary.to_owned(),
        content_html: None,
        url: None,
        author: Some(AuthorRef {
            name: author.to_owned(),
            slug: AuthorSlug::parse("someone").expect("slug"),
        }),
        level: Level::Advanced,
        read_minutes: Some(5),
        includes_code: true,
        has_summary: true,
        source: source.to_owned(),
        published_at: now,
        updated_at: now,
    }
}

/// Any text, weighted towards what breaks feeds: markup, entities, control characters,
/// CDATA ends, odd Unicode.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[ -~]{0,40}",
        proptest::collection::vec(
            prop_oneof![
                Just("<script>alert(1)</script>".to_owned()),
                Just("&amp;&#x1;&lt;".to_owned()),
                Just("]]>".to_owned()),
                Just("\u{0}\u{b}\u{1f}\u{7f}\u{85}\u{fffe}\u{ffff}".to_owned()),
                Just("\r\n\t".to_owned()),
                Just("💥 é ﷽ \u{200b}".to_owned()),
                "[a-z ]{1,8}",
            ],
            0..6,
        )
        .prop_map(|parts| parts.concat()),
    ]
}

fn visible() -> impl Strategy<Value = String> {
    text().prop_filter("some visible text", |t| !as_read(t).trim().is_empty())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_text_survives_every_format(
        // Titles, author names and sources are required: at least one visible character.
        title in visible(),
        summary in text(),
        author in visible(),
        source in visible(),
    ) {
        let site = site();
        let query = ArticleQuery::default();
        let context = FeedContext { site: &site, scope: &FeedScope::All, query: &query, next: None };
        let articles = [article(&title, &summary, &author, &source)];
        let content = FeedContent { articles: &articles, deleted: &[] };

        let atom = render(FeedFormat::Atom, &context, &content).expect("render Atom");
        let atom = String::from_utf8(atom).expect("UTF-8");
        roxmltree::Document::parse(&atom).expect("well-formed Atom");
        let feed = atom_syndication::Feed::read_from(atom.as_bytes()).expect("Atom parses");
        let entry = &feed.entries[0];
        prop_assert_eq!(lines(&entry.title.value), as_read(&title));
        prop_assert_eq!(lines(&entry.authors[0].name), as_read(&author));
        let expected_summary = as_read(&summary);
        if expected_summary.trim().is_empty() {
            prop_assert!(entry.summary.is_none());
        } else {
            prop_assert_eq!(lines(&entry.summary.as_ref().expect("summary").value), expected_summary);
        }

        let rss = String::from_utf8(render(FeedFormat::Rss, &context, &content).expect("render RSS"))
            .expect("UTF-8");
        roxmltree::Document::parse(&rss).expect("well-formed RSS");
        let channel = rss::Channel::read_from(rss.as_bytes()).expect("RSS parses");
        // The rss crate's reader trims the text of elements; readers mostly do too.
        let read_title = as_read(&title);
        let rss_title = lines(channel.items[0].title.as_deref().unwrap_or_default());
        prop_assert_eq!(rss_title.as_str(), read_title.trim());
        let creator = &channel.items[0].dublin_core_ext.as_ref().expect("dc").creators[0];
        let read_author = as_read(&author);
        let rss_author = lines(creator);
        prop_assert_eq!(rss_author.as_str(), read_author.trim());

        let json = render(FeedFormat::Json, &context, &content).expect("render JSON");
        let json: serde_json::Value = serde_json::from_slice(&json).expect("JSON parses");
        // JSON carries line breaks as they are.
        let (json_title, json_source) = (strip_xml_forbidden(&title), strip_xml_forbidden(&source));
        prop_assert_eq!(json["items"][0]["title"].as_str(), Some(json_title.as_ref()));
        prop_assert_eq!(json["items"][0]["_engfeed"]["source"].as_str(), Some(json_source.as_ref()));
    }

    #[test]
    fn the_filter_parser_never_panics_and_its_canonical_spelling_is_a_fixed_point(
        query in prop_oneof![
            any::<String>(),
            proptest::collection::vec(
                (
                    prop_oneof![
                        Just("level"), Just("author"), Just("source"), Just("code"),
                        Just("min_minutes"), Just("max_minutes"), Just("q"), Just("since"),
                        Just("until"), Just("limit"), Just("cursor"), Just("LEVEL"), Just("x"),
                    ],
                    prop_oneof![
                        Just("advanced".to_owned()), Just("Beginner,advanced".to_owned()),
                        Just("true".to_owned()), Just("-1".to_owned()),
                        Just("99999999999999999999".to_owned()), Just("2026-01-01T00:00:00Z".to_owned()),
                        Just("%00%FF%".to_owned()), Just("a%2Cb".to_owned()), "[ -~]{0,12}",
                    ],
                ),
                0..6,
            )
            .prop_map(|pairs| pairs.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&")),
        ]
    ) {
        for listing in [Listing::Feed, Listing::Admin] {
            if let Ok(parsed) = ArticleQuery::parse(&query, listing) {
                let canonical = parsed.canonical_query();
                let again = ArticleQuery::parse(&canonical, listing).expect("the canonical spelling parses");
                prop_assert_eq!(again.canonical_query(), canonical);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Any date the service accepts, written with any offset, renders in every format as a
    /// date the format can hold (an RFC 2822 date in RSS, RFC 3339 in Atom and JSON Feed).
    #[test]
    fn any_accepted_date_renders_in_every_format(
        seconds in -62_200_000_000i64..253_500_000_000i64,
        offset_minutes in -1439i32..=1439,
    ) {
        let Some(instant) = DateTime::from_timestamp(seconds, 0) else { return Ok(()) };
        let Some(offset) = chrono::FixedOffset::east_opt(offset_minutes * 60) else { return Ok(()) };
        let written = instant.with_timezone(&offset).to_rfc3339();
        let Ok(date) = engfeed::domain::parse_date("published_at", &written) else {
            // Refused: the instant leaves years 1 to 9999 in UTC.
            prop_assert!(!(1..=9999).contains(&chrono::Datelike::year(&instant)), "{written}");
            return Ok(());
        };
        let mut item = article("Dated", "", "Someone", "Acme");
        item.published_at = date;
        item.updated_at = date;
        let site = site();
        let query = ArticleQuery::default();
        let context = FeedContext { site: &site, scope: &FeedScope::All, query: &query, next: None };
        let articles = [item];
        let content = FeedContent { articles: &articles, deleted: &[] };
        let rss_body = render(FeedFormat::Rss, &context, &content).expect("RSS");
        let channel = rss::Channel::read_from(&rss_body[..]).expect("RSS parses");
        let pub_date = channel.items[0].pub_date.clone().expect("pubDate");
        prop_assert_eq!(DateTime::parse_from_rfc2822(&pub_date).expect("RFC 2822"), date);
        let atom_body = render(FeedFormat::Atom, &context, &content).expect("Atom");
        let feed = atom_syndication::Feed::read_from(&atom_body[..]).expect("Atom parses");
        prop_assert_eq!(feed.entries[0].published.expect("published"), date);
        let json_body = render(FeedFormat::Json, &context, &content).expect("JSON");
        let json: serde_json::Value = serde_json::from_slice(&json_body).expect("JSON parses");
        let published = json["items"][0]["date_published"].as_str().expect("date");
        prop_assert_eq!(DateTime::parse_from_rfc3339(published).expect("RFC 3339"), date);
    }
}
