//! RFC 5005 paging: `rel="next"` (and JSON Feed `next_url`) walk a feed's every article once.

use crate::feed_parse::{atom, json_feed, rss};
use crate::helpers::TestApp;
use crate::seed;

fn link(feed: &atom_syndication::Feed, rel: &str) -> Option<String> {
    feed.links
        .iter()
        .find(|l| l.rel == rel)
        .map(|l| l.href.clone())
}

#[tokio::test]
async fn next_links_walk_every_article_once_while_new_ones_arrive() {
    let app = TestApp::with_seed().await;
    let mut titles = Vec::new();
    let mut next = Some(app.url("/feed.atom?limit=7"));
    let mut pages = 0;
    while let Some(url) = next {
        let path = url
            .strip_prefix(&app.base_url)
            .expect("same service")
            .to_owned();
        let feed = atom(&app.feed_body(&path).await);
        assert_eq!(link(&feed, "self").as_deref(), Some(url.as_str()));
        if pages > 0 {
            assert_eq!(link(&feed, "first"), Some(app.url("/feed.atom?limit=7")));
        }
        titles.extend(feed.entries.iter().map(|e| e.title.value.clone()));
        next = link(&feed, "next");
        pages += 1;
        // A new article arrives during the walk: it is newer, so no later page shows it.
        let newcomer = serde_json::json!([{
            "title": format!("Newcomer {pages}"), "summary": "", "author": null, "level": "beginner",
            "read_minutes": null, "includes_code": false, "has_summary": false, "source": "Test"
        }]);
        app.import_json(&newcomer.to_string()).await;
    }
    assert_eq!(pages, 8, "50 articles, 7 a page");
    assert_eq!(
        titles,
        seed::titles(&seed::articles()),
        "every article once, in order"
    );
}

#[tokio::test]
async fn rss_and_json_feed_page_the_same_way() {
    let app = TestApp::with_seed().await;
    let first = rss(&app
        .feed_body("/levels/intermediate/feed.rss?limit=10")
        .await);
    let next = first
        .atom_ext
        .as_ref()
        .unwrap()
        .links
        .iter()
        .find(|l| l.rel == "next")
        .unwrap()
        .href
        .clone();
    let second = rss(&app
        .feed_body(next.strip_prefix(&app.base_url).unwrap())
        .await);
    assert_eq!(first.items.len(), 10);
    let expected: Vec<String> = seed::titles(
        seed::articles()
            .iter()
            .filter(|a| a.level == "intermediate"),
    );
    let walked: Vec<String> = first
        .items
        .iter()
        .chain(&second.items)
        .map(|i| i.title.clone().unwrap())
        .collect();
    assert_eq!(walked, expected[..20]);

    let json = json_feed(&app.feed_body("/feed.json?code=true&limit=5").await);
    let next_url = json["next_url"].as_str().expect("next_url");
    assert!(next_url.starts_with(&app.url("/feed.json?code=true&limit=5&cursor=")));
    let last = json_feed(&app.feed_body("/feed.json?limit=200").await);
    assert!(last.get("next_url").is_none(), "the last page has no next");
}
