//! `engfeed import` reads RSS, Atom and JSON Feed too, files or URLs, keeping ids and dates.

use std::process::Command;

use crate::helpers::{TestApp, TestDatabase};

fn import(db: &TestDatabase, args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_engfeed"))
        .arg("import")
        .args(args)
        .env("DATABASE_URL", db.url.expose())
        .env("RUST_LOG", "warn")
        .output()
        .expect("run engfeed");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

async fn articles(app: &TestApp) -> Vec<serde_json::Value> {
    let token = app.token("reader").await;
    app.api_json("/articles?limit=200", &token).await["articles"]
        .as_array()
        .expect("articles")
        .clone()
}

#[tokio::test]
async fn an_engfeed_feed_imported_by_url_comes_back_with_its_ids_dates_and_metadata() {
    let original = TestApp::with_seed().await;
    let copy = TestApp::spawn().await;
    for format in ["atom", "rss", "json"] {
        let url = original.url(&format!("/levels/advanced/feed.{format}"));
        let first = import(&copy.db, &[&url]);
        assert!(first.contains("created"), "{first}");
        let again = import(&copy.db, &[&url]);
        assert!(
            again.contains(" 0 created, 0 updated,"),
            "{format}: idempotent: {again}"
        );
    }
    let before: Vec<_> = articles(&original)
        .await
        .into_iter()
        .filter(|a| a["level"] == "advanced")
        .collect();
    let after = articles(&copy).await;
    assert_eq!(after.len(), before.len());
    for (was, now) in before.iter().zip(&after) {
        for field in [
            "id",
            "title",
            "summary",
            "level",
            "read_minutes",
            "includes_code",
            "has_summary",
            "source",
            "published_at",
        ] {
            assert_eq!(now[field], was[field], "{field} of {}", was["title"]);
        }
        assert_eq!(now["author"]["name"], was["author"]["name"]);
    }
}

#[tokio::test]
async fn any_blogs_rss_feed_can_bring_its_archive() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("blog.xml");
    std::fs::write(
        &file,
        r#"<?xml version="1.0"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>
<title>Acme Engineering</title><link>https://acme.example/</link><description>d</description>
<item><title>Sharding &amp; you</title><link>https://acme.example/sharding</link>
<guid isPermaLink="false">acme-post-42</guid><dc:creator>Ana Ng</dc:creator>
<pubDate>Tue, 03 Mar 2026 10:00:00 +0000</pubDate>
<description>&lt;p&gt;How we &lt;b&gt;split&lt;/b&gt; a table.&lt;/p&gt;</description></item>
<item><title>No date, no guid</title><link>https://acme.example/plain</link>
<description>Plain text.</description></item>
</channel></rss>"#,
    )
    .unwrap();
    let app = TestApp::spawn().await;
    let file = file.to_str().unwrap();
    let out = import(&app.db, &[file, "--level", "advanced"]);
    assert!(out.contains("2 created, 0 updated, 0 unchanged"), "{out}");
    let out = import(&app.db, &[file, "--level", "advanced"]);
    assert!(out.contains("0 created, 0 updated, 2 unchanged"), "{out}");

    let listed = articles(&app).await;
    let post = listed
        .iter()
        .find(|a| a["title"] == "Sharding & you")
        .expect("imported");
    assert_eq!(post["summary"], "How we split a table.");
    assert_eq!(post["source"], "Acme Engineering");
    assert_eq!(post["level"], "advanced");
    assert_eq!(post["author"]["name"], "Ana Ng");
    assert_eq!(post["url"], "https://acme.example/sharding");
    assert!(
        post["published_at"]
            .as_str()
            .unwrap()
            .starts_with("2026-03-03T10:00:00")
    );
    let expected_id = uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, b"acme-post-42");
    assert_eq!(
        post["id"],
        expected_id.to_string(),
        "the guid's own UUID, every time"
    );
}
