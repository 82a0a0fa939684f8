use std::collections::HashSet;

use chrono::DateTime;

use crate::feed_parse::{
    atom, atom_link, atom_titles, json_feed, json_titles, rss, rss_self_link, rss_titles,
};
use crate::helpers::{TestApp, assert_problem};
use crate::seed::{self, SeedArticle, slug_of, titles};

/// Every feed of the seed, in both formats, holds exactly the expected articles, newest first.
#[tokio::test]
async fn each_feed_holds_exactly_its_seed_articles_newest_first() {
    let app = TestApp::with_seed().await;
    let seed = seed::articles();
    let mut scopes: Vec<(String, Vec<String>)> = vec![("/feed".into(), titles(&seed))];
    for level in ["beginner", "intermediate", "advanced"] {
        let expected = titles(seed.iter().filter(|a| a.level == level));
        scopes.push((format!("/levels/{level}/feed"), expected));
    }
    for name in seed::authors() {
        let expected = titles(
            seed.iter()
                .filter(|a| a.author.as_deref() == Some(name.as_str())),
        );
        scopes.push((format!("/authors/{}/feed", slug_of(&name)), expected));
    }
    for (path, expected) in &scopes {
        assert!(!expected.is_empty(), "{path}");
        let channel = rss(&app.feed_body(&format!("{path}.rss?limit=200")).await);
        assert_eq!(&rss_titles(&channel), expected, "{path}.rss");
        let feed = atom(&app.feed_body(&format!("{path}.atom?limit=200")).await);
        assert_eq!(&atom_titles(&feed), expected, "{path}.atom");
        let json = json_feed(&app.feed_body(&format!("{path}.json?limit=200")).await);
        assert_eq!(&json_titles(&json), expected, "{path}.json");
    }
}

#[tokio::test]
async fn json_feed_has_the_same_items_and_ids_as_rss() {
    let app = TestApp::with_seed().await;
    let response = app.get("/levels/beginner/feed.json").await;
    assert_eq!(
        response.headers()["content-type"],
        "application/feed+json; charset=utf-8"
    );
    let feed = json_feed(&response.text().await.unwrap());
    assert_eq!(feed["version"], "https://jsonfeed.org/version/1.1");
    assert_eq!(feed["feed_url"], app.url("/levels/beginner/feed.json"));
    assert_eq!(feed["home_page_url"], app.url("/levels/beginner"));
    assert_eq!(feed["title"], "engfeed: Beginner articles");
    let channel = rss(&app.feed_body("/levels/beginner/feed.rss").await);
    let rss_ids: Vec<String> = channel
        .items
        .iter()
        .map(|i| i.guid.clone().unwrap().value)
        .collect();
    let json_ids: Vec<String> = feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(json_ids, rss_ids);
    let seed_first = &crate::seed::articles()[0];
    let full = json_feed(&app.feed_body("/feed.json").await);
    let extension = &full["items"][0]["_engfeed"];
    assert_eq!(extension["about"], app.url("/ns/1.0"));
    assert_eq!(extension["level"], seed_first.level.as_str());
    assert_eq!(extension["read_minutes"], 7);
    assert_eq!(extension["includes_code"], true);
    assert_eq!(extension["source"], "Stripe");
    let doc = app.get("/ns/1.0").await;
    assert_eq!(doc.status(), 200);
    assert!(doc.text().await.unwrap().contains("read_minutes"));
    for item in feed["items"].as_array().unwrap() {
        assert!(item["content_text"].is_string() || item["content_html"].is_string());
        assert!(DateTime::parse_from_rfc3339(item["date_published"].as_str().unwrap()).is_ok());
        assert!(item["url"].as_str().unwrap().starts_with("http"));
    }
}

#[tokio::test]
async fn the_article_without_an_author_is_only_in_the_full_and_level_feeds() {
    let app = TestApp::with_seed().await;
    let seed = seed::articles();
    let orphan: &SeedArticle = seed
        .iter()
        .find(|a| a.author.is_none())
        .expect("seed has one");
    let full = atom(&app.feed_body("/feed.atom").await);
    let entry = full
        .entries
        .iter()
        .find(|e| e.title.value == orphan.title)
        .expect("in full feed");
    assert!(entry.authors.is_empty());
    // RFC 4287: with an entry lacking an author, the feed itself names one.
    assert_eq!(full.authors.len(), 1);
    let level = rss(&app
        .feed_body(&format!("/levels/{}/feed.rss", orphan.level))
        .await);
    let item = level
        .items
        .iter()
        .find(|i| i.title.as_deref() == Some(&orphan.title))
        .expect("in level feed");
    assert!(item.dublin_core_ext.is_none());

    let by_author = atom(&app.feed_body("/authors/james-beswick/feed.atom").await);
    assert!(
        by_author.authors.is_empty(),
        "every entry has an author, so no feed author"
    );
}

#[tokio::test]
async fn rss_carries_the_metadata_readers_need() {
    let app = TestApp::with_seed().await;
    let response = app.get("/levels/advanced/feed.rss").await;
    assert_eq!(
        response.headers()["content-type"],
        "application/rss+xml; charset=utf-8"
    );
    let channel = rss(&response.text().await.unwrap());
    assert_eq!(channel.title, "engfeed: Advanced articles");
    assert_eq!(
        rss_self_link(&channel),
        app.url("/levels/advanced/feed.rss")
    );
    assert_eq!(channel.link, app.url("/levels/advanced"));
    assert_eq!(channel.language.as_deref(), Some("en"));
    assert!(channel.generator.as_deref().unwrap().starts_with("engfeed"));
    let newest_update = channel
        .items
        .iter()
        .map(|i| DateTime::parse_from_rfc2822(i.pub_date.as_deref().unwrap()).unwrap())
        .max()
        .unwrap();
    let last_build =
        DateTime::parse_from_rfc2822(channel.last_build_date.as_deref().unwrap()).unwrap();
    assert_eq!(
        last_build, newest_update,
        "nothing was edited, so updated == published"
    );

    let mut guids = HashSet::new();
    for item in &channel.items {
        let guid = item.guid.as_ref().expect("guid");
        assert!(!guid.permalink, "urn:uuid guids are not links");
        assert!(guid.value.starts_with("urn:uuid:"), "{}", guid.value);
        assert!(
            guids.insert(guid.value.clone()),
            "duplicate guid {}",
            guid.value
        );
        assert!(item.link.as_deref().unwrap().starts_with(&app.base_url));
        assert!(item.description.is_some());
        let pub_date = item.pub_date.as_deref().unwrap();
        assert!(
            pub_date.ends_with("+0000"),
            "RFC 2822 with a numeric zone: {pub_date}"
        );
        assert!(DateTime::parse_from_rfc2822(pub_date).is_ok());
        let creators = &item.dublin_core_ext.as_ref().expect("dc:creator").creators;
        assert_eq!(creators.len(), 1);
        assert!(
            item.author.is_none(),
            "RSS <author> must be an e-mail address"
        );
        let level = item
            .categories
            .iter()
            .find(|c| c.name == "advanced")
            .expect("level category");
        assert_eq!(level.domain.as_deref(), Some(app.url("/levels/").as_str()));
        assert!(item.categories.iter().any(|c| c.name == "Stripe"));
    }
}

#[tokio::test]
async fn atom_carries_the_metadata_readers_need() {
    let app = TestApp::with_seed().await;
    let response = app.get("/authors/james-beswick/feed.atom").await;
    assert_eq!(
        response.headers()["content-type"],
        "application/atom+xml; charset=utf-8"
    );
    let feed = atom(&response.text().await.unwrap());
    assert_eq!(feed.title.value, "engfeed: articles by James Beswick");
    assert!(feed.id.starts_with("urn:uuid:"));
    assert_eq!(
        atom_link(&feed, "self"),
        app.url("/authors/james-beswick/feed.atom")
    );
    assert_eq!(
        atom_link(&feed, "alternate"),
        app.url("/authors/james-beswick")
    );
    assert_eq!(feed.lang.as_deref(), Some("en"));
    assert!(feed.generator.is_some());
    assert_eq!(
        feed.updated,
        feed.entries.iter().map(|e| e.updated).max().unwrap()
    );
    assert_eq!(feed.entries.len(), 11);
    for entry in &feed.entries {
        assert!(entry.id.starts_with("urn:uuid:"));
        assert_eq!(entry.authors[0].name, "James Beswick");
        assert!(entry.published.is_some());
        assert!(entry.summary.is_some());
        assert!(
            entry
                .categories
                .iter()
                .any(|c| c.scheme.as_deref() == Some(app.url("/levels/").as_str()))
        );
        assert_eq!(entry.links[0].rel, "alternate");
    }
}

#[tokio::test]
async fn feed_ids_are_stable_per_scope_and_distinct_between_scopes() {
    let app = TestApp::with_seed().await;
    let full = atom(&app.feed_body("/feed.atom").await).id;
    let full_again = atom(&app.feed_body("/feed.atom?limit=5").await).id;
    let advanced = atom(&app.feed_body("/levels/advanced/feed.atom").await).id;
    let beginner = atom(&app.feed_body("/levels/beginner/feed.atom").await).id;
    assert_eq!(full, full_again);
    assert_eq!(HashSet::from([&full, &advanced, &beginner]).len(), 3);
}

/// Readers and hubs compare bytes, so an unchanged catalogue must render to the same
/// document, not just come back from the cache: each is rendered again after the cache is
/// emptied, and by another instance on the same database. A second passes first, so a
/// timestamp of now (to the second) would show, and so would any order that is not fixed
/// (a `HashMap`'s differs between maps).
#[tokio::test]
async fn an_unchanged_feed_is_byte_identical_between_requests() {
    let app = TestApp::with_seed().await;
    let other = app.another_instance(None).await;
    let paths = [
        "/feed.rss",
        "/feed.atom",
        "/feed.json",
        "/levels/beginner/feed.atom",
    ];
    let mut first = Vec::new();
    for path in paths {
        first.push(app.feed_body(path).await);
    }
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    app.cache.catalogue_changed();
    for (path, first) in paths.into_iter().zip(first) {
        let again = app.feed_body(path).await;
        assert!(
            again == first,
            "{path} rendered again: {}",
            diff(&first, &again)
        );
        let response = app.client.get(other.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path} on another instance");
        // Each test instance's public URL is its own address.
        let elsewhere = (response.text().await.unwrap()).replace(&other.base_url, &app.base_url);
        assert!(
            elsewhere == first,
            "{path} on another instance: {}",
            diff(&first, &elsewhere)
        );
    }
}

/// Where two documents part, with some text around it.
fn diff(a: &str, b: &str) -> String {
    let at = a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count();
    let around = |s: &str| {
        let start = s.floor_char_boundary(at.saturating_sub(60));
        let end = s.ceil_char_boundary((at + 60).min(s.len()));
        s[start..end].to_owned()
    };
    format!("differs from byte {at}:\n  {}\n  {}", around(a), around(b))
}

#[tokio::test]
async fn limit_narrows_the_feed_and_shows_in_the_self_link() {
    let app = TestApp::with_seed().await;
    let seed = seed::articles();
    let channel = rss(&app.feed_body("/feed.rss?limit=3").await);
    assert_eq!(rss_titles(&channel), titles(&seed[..3]));
    assert_eq!(rss_self_link(&channel), app.url("/feed.rss?limit=3"));
    let feed = atom(&app.feed_body("/feed.atom?limit=200").await);
    assert_eq!(feed.entries.len(), 50);
    let default = atom(&app.feed_body("/feed.atom").await);
    assert_eq!(atom_link(&default, "self"), app.url("/feed.atom"));
}

#[tokio::test]
async fn the_default_limit_is_50() {
    let app = TestApp::with_seed().await;
    let extra: Vec<String> = (1..=5)
        .map(|n| {
            format!(
                r#"{{"title":"Extra {n}","summary":"","author":null,"level":"beginner","read_minutes":null,
                "includes_code":false,"has_summary":false,"source":"Test","url":"https://example.com/{n}"}}"#
            )
        })
        .collect();
    app.import_json(&format!("[{}]", extra.join(","))).await;
    assert_eq!(rss(&app.feed_body("/feed.rss").await).items.len(), 50);
    assert_eq!(
        rss(&app.feed_body("/feed.rss?limit=200").await).items.len(),
        55
    );
}

#[tokio::test]
async fn a_bad_limit_is_a_400_naming_the_parameter() {
    let app = TestApp::with_seed().await;
    for limit in ["0", "201", "abc", "-1", ""] {
        for path in [
            "/feed.rss",
            "/levels/advanced/feed.atom",
            "/authors/james-beswick/feed.rss",
        ] {
            let response = app.get(&format!("{path}?limit={limit}")).await;
            let problem = assert_problem(response, 400, Some("limit")).await;
            assert!(problem["detail"].as_str().unwrap().contains("1 to 200"));
        }
    }
}

#[tokio::test]
async fn unknown_levels_authors_and_formats_are_404() {
    let app = TestApp::with_seed().await;
    for path in [
        "/levels/expert/feed.rss",
        "/levels/expert/feed.atom",
        "/authors/nobody/feed.rss",
        "/authors/nobody/feed.atom",
        "/authors/James%20Beswick/feed.atom",
        "/authors/..%2F..%2Fetc/feed.rss",
        "/feed.xml",
        "/levels/expert/feed.json",
        "/levels/advanced/feed.html",
    ] {
        let response = app.get(path).await;
        let problem = assert_problem(response, 404, None).await;
        assert!(!problem["detail"].as_str().unwrap().is_empty());
    }
}

#[tokio::test]
async fn head_answers_like_get_without_a_body() {
    let app = TestApp::with_seed().await;
    for path in [
        "/feed.rss",
        "/levels/advanced/feed.atom",
        "/authors/ben-smith/feed.rss",
        "/",
    ] {
        let get = app.get(path).await;
        let head = app.client.head(app.url(path)).send().await.unwrap();
        assert_eq!(head.status(), 200, "HEAD {path}");
        assert_eq!(
            head.headers()["content-type"],
            get.headers()["content-type"]
        );
        assert!(head.text().await.unwrap().is_empty());
    }
}

#[tokio::test]
async fn links_use_the_configured_public_url_not_the_host_header() {
    let app = TestApp::with_seed().await;
    let body = app
        .client
        .get(app.url("/feed.atom"))
        .header("Host", "evil.example")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!body.contains("evil.example"));
    assert_eq!(atom_link(&atom(&body), "self"), app.url("/feed.atom"));
}

#[tokio::test]
async fn undated_articles_keep_the_listing_order_as_distinct_dates() {
    let app = TestApp::with_seed().await;
    let feed = atom(&app.feed_body("/feed.atom").await);
    let published: Vec<_> = feed.entries.iter().map(|e| e.published.unwrap()).collect();
    assert!(
        published.windows(2).all(|pair| pair[0] > pair[1]),
        "strictly newest first, no two alike"
    );
    // Whole seconds, one apart: what RSS and most readers keep (tests/api/reimport.rs).
    let spread = *published.first().unwrap() - *published.last().unwrap();
    assert_eq!(
        spread,
        chrono::TimeDelta::seconds(49),
        "one second per place"
    );
}

#[tokio::test]
async fn a_blank_summary_is_left_out_not_sent_empty() {
    let app = TestApp::spawn().await;
    let catalogue = serde_json::json!([{
        "title": "No summary yet", "summary": "  ", "author": null, "level": "beginner",
        "read_minutes": null, "includes_code": false, "has_summary": false, "source": "Test"
    }]);
    app.import_json(&catalogue.to_string()).await;
    assert!(
        rss(&app.feed_body("/feed.rss").await).items[0]
            .description
            .is_none()
    );
    assert!(
        atom(&app.feed_body("/feed.atom").await).entries[0]
            .summary
            .is_none()
    );
}
