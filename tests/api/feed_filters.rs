//! Filters on feed URLs, against the seed read independently.

use serde_json::Value;

use crate::feed_parse::{atom, atom_link, rss, rss_self_link, rss_titles};
use crate::helpers::{TestApp, assert_problem, seed_path};

fn seed() -> Vec<Value> {
    let text = std::fs::read_to_string(seed_path()).expect("seed file");
    let mut items: Vec<Value> = serde_json::from_str(&text).expect("seed JSON");
    items.sort_by_key(|item| item["listing_position"].as_u64().expect("listing_position"));
    items
}

fn expected(keep: impl Fn(&Value) -> bool) -> Vec<String> {
    seed()
        .iter()
        .filter(|a| keep(a))
        .map(|a| a["title"].as_str().expect("title").to_owned())
        .collect()
}

fn minutes(article: &Value) -> Option<u64> {
    article["read_minutes"].as_u64()
}

#[tokio::test]
async fn each_filter_alone_and_combined_selects_exactly_the_matching_articles() {
    let app = TestApp::with_seed().await;
    let cases: Vec<(&str, Vec<String>)> = vec![
        ("level=advanced", expected(|a| a["level"] == "advanced")),
        (
            "level=advanced,beginner",
            expected(|a| a["level"] != "intermediate"),
        ),
        (
            "author=james-beswick,ben-smith",
            expected(|a| a["author"] == "James Beswick" || a["author"] == "Ben Smith"),
        ),
        ("source=stripe", expected(|_| true)),
        ("source=acme", vec![]),
        ("code=true", expected(|a| a["includes_code"] == true)),
        ("code=false", expected(|a| a["includes_code"] == false)),
        (
            "min_minutes=10",
            expected(|a| minutes(a).is_some_and(|m| m >= 10)),
        ),
        (
            "max_minutes=5",
            expected(|a| minutes(a).is_some_and(|m| m <= 5)),
        ),
        (
            "min_minutes=5&max_minutes=8",
            expected(|a| minutes(a).is_some_and(|m| (5..=8).contains(&m))),
        ),
        (
            "level=intermediate&code=true&max_minutes=10",
            expected(|a| {
                a["level"] == "intermediate"
                    && a["includes_code"] == true
                    && minutes(a).is_some_and(|m| m <= 10)
            }),
        ),
        ("since=2000-01-01T00:00:00Z", expected(|_| true)),
        ("until=2000-01-01T00:00:00Z", vec![]),
    ];
    for (query, titles) in cases {
        let channel = rss(&app
            .feed_body_via_canonical(&format!("/feed.rss?{query}&limit=200"))
            .await);
        assert_eq!(rss_titles(&channel), titles, "{query}");
    }
    // The query narrows the path: an advanced author feed, with code only.
    let narrowed = rss(&app
        .feed_body("/authors/james-beswick/feed.rss?code=true")
        .await);
    assert_eq!(
        rss_titles(&narrowed),
        expected(|a| a["author"] == "James Beswick" && a["includes_code"] == true)
    );
    let disjoint = rss(&app
        .feed_body("/levels/advanced/feed.rss?level=beginner")
        .await);
    assert!(disjoint.items.is_empty());
}

#[tokio::test]
async fn full_text_search_finds_words_in_title_or_summary() {
    let app = TestApp::with_seed().await;
    let found = rss_titles(&rss(&app
        .feed_body_via_canonical("/feed.rss?q=webhooks")
        .await));
    assert!(
        found.contains(&"The PaymentIntent lifecycle and why webhooks matter".to_owned()),
        "{found:?}"
    );
    let lowered: Vec<String> = seed()
        .iter()
        .filter(|a| {
            let text = format!("{} {}", a["title"], a["summary"]).to_lowercase();
            text.contains("webhook")
        })
        .map(|a| a["title"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        found, lowered,
        "stemmed search finds exactly the articles that mention webhooks"
    );
    assert!(
        rss(&app.feed_body("/feed.rss?q=zzzqqqxxx").await)
            .items
            .is_empty()
    );
}

#[tokio::test]
async fn equal_filters_written_differently_redirect_to_one_canonical_feed() {
    let app = TestApp::with_seed().await;
    let canonical = app.url("/feed.atom?code=true&level=beginner%2Cadvanced");
    for variant in [
        "/feed.atom?level=advanced,beginner&code=true",
        "/feed.atom?code=TRUE&level=Beginner&level=advanced",
        "/feed.atom?level=beginner,advanced,advanced&code=true",
        "/feed.atom?code=true&level=beginner,advanced&limit=50",
    ] {
        let response = app.get(variant).await;
        assert_eq!(response.status(), 301, "{variant}");
        assert_eq!(
            response.headers()["location"],
            canonical.as_str(),
            "{variant}"
        );
    }
    let feed = atom(
        &app.feed_body("/feed.atom?code=true&level=beginner%2Cadvanced")
            .await,
    );
    assert_eq!(atom_link(&feed, "self"), canonical);
    assert_eq!(
        feed.title.value,
        "engfeed: all articles (beginner or advanced, with code)"
    );
    let unfiltered = atom(&app.feed_body("/feed.atom").await);
    assert_ne!(
        unfiltered.id, feed.id,
        "a filtered feed is a feed of its own"
    );
    let limited = atom(
        &app.feed_body("/feed.atom?code=true&level=beginner%2Cadvanced&limit=3")
            .await,
    );
    assert_eq!(
        limited.id, feed.id,
        "the page size is not part of the identity"
    );
    assert_eq!(limited.entries.len(), 3);

    let level_case = app.get("/levels/Advanced/feed.rss?code=true").await;
    assert_eq!(level_case.status(), 301);
    assert_eq!(
        level_case.headers()["location"],
        app.url("/levels/advanced/feed.rss?code=true").as_str()
    );
    let channel = rss(&app.feed_body("/levels/advanced/feed.rss?code=true").await);
    assert_eq!(
        rss_self_link(&channel),
        app.url("/levels/advanced/feed.rss?code=true")
    );
}

#[tokio::test]
async fn invalid_or_unknown_parameters_are_400s_naming_them() {
    let app = TestApp::with_seed().await;
    for (query, field) in [
        ("level=expert", "level"),
        ("author=James%20Beswick", "author"),
        ("code=yes", "code"),
        ("min_minutes=0", "min_minutes"),
        ("max_minutes=abc", "max_minutes"),
        ("min_minutes=20&max_minutes=10", "min_minutes"),
        ("since=yesterday", "since"),
        ("until=2024-13-01T00:00:00Z", "until"),
        ("limit=5&limit=6", "limit"),
        ("colour=red", "colour"),
        ("cursor=12", "cursor"),
        ("include_deleted=true", "include_deleted"),
        ("q=%00", "q"),
    ] {
        for format in ["rss", "atom", "json"] {
            let response = app
                .get(&format!("/levels/advanced/feed.{format}?{query}"))
                .await;
            assert_problem(response, 400, Some(field)).await;
        }
    }
}
