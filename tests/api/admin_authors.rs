use reqwest::Method;
use serde_json::{Value, json};

use crate::feed_parse::atom;
use crate::helpers::TestApp;

#[tokio::test]
async fn authors_list_counts_and_feeds() {
    let app = TestApp::with_seed().await;
    let token = app.token("reader").await;
    let list = app.api_json("/authors", &token).await;
    let authors = list["authors"].as_array().unwrap();
    assert_eq!(authors.len(), 28);
    let james = authors
        .iter()
        .find(|a| a["slug"] == "james-beswick")
        .unwrap();
    assert_eq!(james["article_count"], 11);
    assert_eq!(
        james["feeds"]["atom"],
        app.url("/authors/james-beswick/feed.atom")
    );
    let one = app.api_json("/authors/james-beswick", &token).await;
    assert_eq!(&one, james);
    assert_eq!(
        app.api(Method::GET, "/authors/nobody", &token)
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
}

#[tokio::test]
async fn renaming_keeps_the_slug_and_feed_urls() {
    let app = TestApp::with_seed().await;
    let token = app.token("editor").await;
    let before = atom(&app.feed_body("/authors/ben-smith/feed.atom").await);
    let renamed = app
        .send_json(
            Method::PATCH,
            "/authors/ben-smith",
            &token,
            &json!({"name": "Benjamin Smith"}),
        )
        .await;
    assert_eq!(renamed.status(), 200);
    let renamed: Value = renamed.json().await.unwrap();
    assert_eq!(
        (renamed["name"].as_str(), renamed["slug"].as_str()),
        (Some("Benjamin Smith"), Some("ben-smith"))
    );
    let after = atom(&app.feed_body("/authors/ben-smith/feed.atom").await);
    assert_eq!(after.title.value, "engfeed: articles by Benjamin Smith");
    assert!(
        after
            .entries
            .iter()
            .all(|e| e.authors[0].name == "Benjamin Smith")
    );
    assert!(
        after.updated > before.updated,
        "the rename is a change readers see"
    );
    assert_eq!(
        after.entries.iter().map(|e| &e.id).collect::<Vec<_>>(),
        before.entries.iter().map(|e| &e.id).collect::<Vec<_>>()
    );

    let taken = app
        .send_json(
            Method::PATCH,
            "/authors/ben-smith",
            &token,
            &json!({"name": "James Beswick"}),
        )
        .await;
    assert_eq!(taken.status(), 409);
    let empty = app
        .send_json(
            Method::PATCH,
            "/authors/ben-smith",
            &token,
            &json!({"name": " "}),
        )
        .await;
    assert_eq!(empty.status(), 400);
}
