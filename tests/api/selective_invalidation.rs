//! A write renders anew only the feeds that may show what it changed; the others stay
//! cached (and so keep their bytes, `ETag` and `Last-Modified`). The server's cache counts
//! its renders, which tells a hit from a render.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use crate::feed_parse::atom;
use crate::helpers::TestApp;
use engfeed::feed_cache::FeedCache;

/// One server, as a reader sees it, and its cache, as the test counts its renders.
struct Server<'a> {
    base_url: &'a str,
    cache: &'a FeedCache,
    client: &'a reqwest::Client,
}

/// What each path answered, and whether the server rendered it for that request.
struct Fetched(Vec<(String, bool, String)>);

impl Server<'_> {
    async fn fetch(&self, paths: &[&str]) -> Fetched {
        let mut fetched = Vec::new();
        for path in paths {
            let renders = self.cache.renders();
            let response = self
                .client
                .get(format!("{}{path}", self.base_url))
                .send()
                .await
                .expect("request");
            assert_eq!(response.status(), 200, "GET {path}");
            let body = response.text().await.expect("body");
            fetched.push((path.to_string(), self.cache.renders() > renders, body));
        }
        Fetched(fetched)
    }
}

impl Fetched {
    /// The paths rendered anew, sorted; each other one must have kept its bytes since `before`.
    fn rendered_anew_since(&self, before: &Fetched) -> Vec<&str> {
        let mut anew = Vec::new();
        for ((path, rendered, body), (_, _, old)) in self.0.iter().zip(&before.0) {
            if *rendered {
                anew.push(path.as_str());
            } else {
                assert!(body == old, "{path} came from the cache with other bytes");
            }
        }
        anew.sort();
        anew
    }

    fn body(&self, path: &str) -> &str {
        let (_, _, body) = self.0.iter().find(|(p, _, _)| p == path).expect("fetched");
        body
    }
}

async fn watch(app: &TestApp, paths: &[&str]) -> Fetched {
    let server = Server {
        base_url: &app.base_url,
        cache: &app.cache,
        client: &app.client,
    };
    server.fetch(paths).await
}

fn article(level: &str, author: &str) -> Value {
    json!({
        "title": "Selective invalidation, measured",
        "summary": "Which feeds a write touches.",
        "author": author,
        "level": level,
        "read_minutes": 3,
        "includes_code": false,
        "has_summary": true,
        "source": "Stripe",
    })
}

#[tokio::test]
async fn a_new_article_renders_anew_only_the_feeds_that_may_show_it() {
    let app = TestApp::with_seed().await;
    let token = app.token("editor").await;
    let touched = [
        "/feed.atom",
        "/feed.rss",
        "/levels/advanced/feed.atom",
        "/authors/james-beswick/feed.json",
        "/feed.atom?code=false",
        "/feed.atom?max_minutes=5",
        // Full-text matching is PostgreSQL's: a search feed cannot be ruled out.
        "/feed.atom?q=nothing+like+it",
    ];
    let spared = [
        "/levels/beginner/feed.atom",
        "/levels/intermediate/feed.json",
        "/authors/ashley-ansari/feed.atom",
        "/feed.atom?code=true",
        "/feed.atom?min_minutes=4",
        "/feed.atom?level=beginner%2Cintermediate",
    ];
    let all: Vec<&str> = touched.iter().chain(&spared).copied().collect();
    let before = watch(&app, &all).await;

    app.create_article(&token, &article("advanced", "James Beswick"))
        .await;

    let after = watch(&app, &all).await;
    assert_eq!(after.rendered_anew_since(&before), sorted(&touched));
    let full = atom(after.body("/feed.atom"));
    assert_eq!(
        full.entries[0].title.value,
        "Selective invalidation, measured"
    );
}

#[tokio::test]
async fn an_update_renders_anew_the_feeds_the_article_left_and_joined() {
    let app = TestApp::with_seed().await;
    let token = app.token("editor").await;
    let created = app
        .create_article(&token, &article("beginner", "Nobody Else"))
        .await;
    let paths = [
        "/levels/beginner/feed.atom",
        "/levels/advanced/feed.atom",
        "/levels/intermediate/feed.atom",
    ];
    let before = watch(&app, &paths).await;

    let id = created["id"].as_str().unwrap();
    let moved = app
        .send_json(
            Method::PATCH,
            &format!("/articles/{id}"),
            &token,
            &json!({"level": "advanced"}),
        )
        .await;
    assert_eq!(moved.status(), 200);

    let after = watch(&app, &paths).await;
    assert_eq!(
        after.rendered_anew_since(&before),
        ["/levels/advanced/feed.atom", "/levels/beginner/feed.atom"]
    );
}

#[tokio::test]
async fn a_deletion_renders_anew_the_feeds_that_now_announce_its_tombstone() {
    let app = TestApp::with_seed().await;
    let token = app.token("editor").await;
    let created = app
        .create_article(&token, &article("beginner", "Nobody Else"))
        .await;
    let paths = [
        "/feed.atom",
        "/levels/beginner/feed.atom",
        "/levels/advanced/feed.atom",
        "/authors/nobody-else/feed.atom",
        "/authors/james-beswick/feed.atom",
    ];
    let before = watch(&app, &paths).await;

    app.delete_article(&token, created["id"].as_str().unwrap())
        .await;

    let after = watch(&app, &paths).await;
    assert_eq!(
        after.rendered_anew_since(&before),
        [
            "/authors/nobody-else/feed.atom",
            "/feed.atom",
            "/levels/beginner/feed.atom"
        ]
    );
    assert!(
        after
            .body("/levels/beginner/feed.atom")
            .contains("deleted-entry")
    );
}

#[tokio::test]
async fn a_rename_renders_anew_every_feed_that_shows_the_author() {
    let app = TestApp::with_seed().await;
    let token = app.token("editor").await;
    // James Beswick writes advanced and intermediate articles, no beginner ones.
    let paths = [
        "/feed.atom",
        "/authors/james-beswick/feed.atom",
        "/levels/advanced/feed.atom",
        "/levels/intermediate/feed.atom",
        "/levels/beginner/feed.atom",
        "/authors/ashley-ansari/feed.atom",
    ];
    let before = watch(&app, &paths).await;

    let renamed = app
        .send_json(
            Method::PATCH,
            "/authors/james-beswick",
            &token,
            &json!({"name": "Jim Beswick"}),
        )
        .await;
    assert_eq!(renamed.status(), 200);

    let after = watch(&app, &paths).await;
    assert_eq!(
        after.rendered_anew_since(&before),
        [
            "/authors/james-beswick/feed.atom",
            "/feed.atom",
            "/levels/advanced/feed.atom",
            "/levels/intermediate/feed.atom",
        ]
    );
}

#[tokio::test]
async fn another_instance_drops_only_what_the_announcement_names() {
    let app = TestApp::with_seed().await;
    let other = app.another_instance(None).await;
    let token = app.token("editor").await;
    let paths = ["/levels/advanced/feed.atom", "/levels/beginner/feed.atom"];
    let server = Server {
        base_url: &other.base_url,
        cache: &other.cache,
        client: &app.client,
    };
    let before = server.fetch(&paths).await;
    let heard = other.cache.changes_heard();

    app.create_article(&token, &article("advanced", "James Beswick"))
        .await;

    for _ in 0..200 {
        if other.cache.changes_heard() > heard {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let after = server.fetch(&paths).await;
    assert_eq!(
        after.rendered_anew_since(&before),
        ["/levels/advanced/feed.atom"]
    );
    assert!(
        after
            .body("/levels/advanced/feed.atom")
            .contains("Selective invalidation")
    );
}

#[tokio::test]
async fn a_change_from_outside_engfeed_renders_everything_anew() {
    let app = TestApp::with_seed().await;
    let paths = ["/levels/advanced/feed.atom", "/levels/beginner/feed.atom"];
    let before = watch(&app, &paths).await;

    // It cannot say what it changed: a beginner article, as it happens.
    app.change_behind_its_back(
        "UPDATE articles SET title = title || ' (2nd edition)' \
         WHERE id = (SELECT min(id) FROM articles WHERE level = 'beginner')",
    )
    .await;

    let after = watch(&app, &paths).await;
    assert_eq!(after.rendered_anew_since(&before), sorted(&paths));
}

#[tokio::test]
async fn an_import_renders_anew_only_the_feeds_of_what_it_changed() {
    let app = TestApp::with_seed().await;
    let token = app.token("editor").await;
    let paths = ["/levels/advanced/feed.atom", "/levels/beginner/feed.atom"];
    let before = watch(&app, &paths).await;

    let mut catalogue: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(crate::helpers::seed_path()).unwrap())
            .unwrap();
    let beginner = catalogue
        .iter_mut()
        .find(|a| a["level"] == "beginner")
        .unwrap();
    beginner["summary"] = json!("Rewritten for the second edition.");
    let response = app
        .send_json(Method::POST, "/import", &token, &catalogue)
        .await;
    assert_eq!(response.status(), 200);
    let report: Value = response.json().await.unwrap();
    assert_eq!(report["updated"], 1, "{report}");

    let after = watch(&app, &paths).await;
    assert_eq!(
        after.rendered_anew_since(&before),
        ["/levels/beginner/feed.atom"]
    );
}

fn sorted<'a>(paths: &[&'a str]) -> Vec<&'a str> {
    let mut paths = paths.to_vec();
    paths.sort();
    paths
}
