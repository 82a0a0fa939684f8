//! RFC 6721: a deleted article stays in the Atom feeds that held it as an
//! `at:deleted-entry`, for the configured number of days.

use reqwest::Method;
use serde_json::Value;

use crate::feed_parse::{atom, json_feed};
use crate::helpers::TestApp;

const TOMBSTONES: &str = "http://purl.org/atompub/tombstones/1.0";

/// `(ref, when)` of every `at:deleted-entry` in an Atom document.
fn deleted_entries(body: &str) -> Vec<(String, String)> {
    let doc = roxmltree::Document::parse(body).expect("well-formed Atom");
    doc.root_element()
        .children()
        .filter(|n| n.has_tag_name((TOMBSTONES, "deleted-entry")))
        .map(|n| {
            (
                n.attribute("ref").expect("ref").to_owned(),
                n.attribute("when").expect("when").to_owned(),
            )
        })
        .collect()
}

/// Deletes the newest advanced seed article through the API; returns its feed id.
async fn delete_newest_advanced(app: &TestApp, token: &str) -> (String, Value) {
    let listed = app
        .api_json("/articles?level=advanced&limit=1", token)
        .await;
    let id = listed["articles"][0]["id"].as_str().expect("id").to_owned();
    let response = app
        .api(Method::DELETE, &format!("/articles/{id}"), token)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    (
        format!("urn:uuid:{id}"),
        response.json().await.expect("JSON"),
    )
}

#[tokio::test]
async fn a_deleted_article_is_a_tombstone_in_the_atom_feeds_that_held_it() {
    let app = TestApp::with_seed().await;
    let token = app.token("editor").await;
    assert!(deleted_entries(&app.feed_body("/feed.atom").await).is_empty());
    let (feed_id, deleted) = delete_newest_advanced(&app, &token).await;
    let deleted_at = chrono::DateTime::parse_from_rfc3339(deleted["deleted_at"].as_str().unwrap())
        .expect("deleted_at");

    for path in [
        "/feed.atom",
        "/levels/advanced/feed.atom",
        "/feed.atom?level=advanced%2Cbeginner",
    ] {
        let body = app.feed_body_via_canonical(path).await;
        let tombstones = deleted_entries(&body);
        assert_eq!(tombstones.len(), 1, "{path}");
        assert_eq!(tombstones[0].0, feed_id, "{path}");
        let when = chrono::DateTime::parse_from_rfc3339(&tombstones[0].1).expect("RFC 3339 when");
        assert_eq!(when, deleted_at, "{path}");
        let feed = atom(&body);
        assert!(
            feed.entries.iter().all(|e| e.id != feed_id),
            "{path}: the entry itself is gone"
        );
        assert_eq!(
            feed.updated, deleted_at,
            "{path}: the deletion is the newest change"
        );
    }
    for path in [
        "/levels/beginner/feed.atom",
        "/feed.atom?level=intermediate",
        "/feed.atom?limit=10&cursor=x",
    ] {
        let response = app.get(path).await;
        if response.status() != 200 {
            continue; // a made-up cursor is refused, which is fine too
        }
        let body = response.text().await.unwrap();
        assert!(deleted_entries(&body).is_empty(), "{path}");
    }

    let json = json_feed(&app.feed_body("/feed.json").await);
    assert_eq!(json["_engfeed"]["deleted"][0]["id"], feed_id.as_str());
    assert!(
        json["_engfeed"]["about"]
            .as_str()
            .unwrap()
            .ends_with("/ns/1.0")
    );
}

#[tokio::test]
async fn later_pages_hold_no_tombstones() {
    let app = TestApp::with_seed().await;
    let token = app.token("editor").await;
    delete_newest_advanced(&app, &token).await;
    let first = atom(&app.feed_body("/feed.atom?limit=5").await);
    let next = crate::feed_parse::atom_link(&first, "next");
    let path = next.strip_prefix(&app.base_url).expect("same service");
    assert!(deleted_entries(&app.feed_body(path).await).is_empty());
}

#[tokio::test]
async fn tombstones_expire_and_vanish_on_restore() {
    let app = TestApp::with_seed().await;
    let token = app.token("editor").await;
    let (feed_id, deleted) = delete_newest_advanced(&app, &token).await;
    let id = deleted["id"].as_str().unwrap();

    // 29 days on: still announced.
    app.change_behind_its_back(&format!(
        "UPDATE articles SET deleted_at = now() - interval '29 days' WHERE public_id = '{id}'"
    ))
    .await;
    let tombstones = deleted_entries(&app.feed_body("/feed.atom").await);
    assert_eq!(tombstones.len(), 1);
    assert_eq!(tombstones[0].0, feed_id);

    // 31 days on: past the default 30, gone.
    app.change_behind_its_back(&format!(
        "UPDATE articles SET deleted_at = now() - interval '31 days' WHERE public_id = '{id}'"
    ))
    .await;
    assert!(deleted_entries(&app.feed_body("/feed.atom").await).is_empty());

    // A restored article is back as an entry, not a tombstone.
    app.change_behind_its_back(&format!(
        "UPDATE articles SET deleted_at = now() WHERE public_id = '{id}'"
    ))
    .await;
    assert_eq!(deleted_entries(&app.feed_body("/feed.atom").await).len(), 1);
    let restored = app
        .api(Method::POST, &format!("/articles/{id}/restore"), &token)
        .send()
        .await
        .unwrap();
    assert_eq!(restored.status(), 200);
    let body = app.feed_body("/feed.atom").await;
    assert!(deleted_entries(&body).is_empty());
    assert!(atom(&body).entries.iter().any(|e| e.id == feed_id));
}

#[tokio::test]
async fn the_retention_is_configurable_and_zero_turns_tombstones_off() {
    let app = TestApp::with_seed_and(engfeed::config::FeedOptions {
        tombstone_days: 0,
        ..Default::default()
    })
    .await;
    let token = app.token("editor").await;
    delete_newest_advanced(&app, &token).await;
    let body = app.feed_body("/feed.atom").await;
    assert!(deleted_entries(&body).is_empty());
    assert!(
        !body.contains(TOMBSTONES),
        "no unused namespace declaration"
    );
}
