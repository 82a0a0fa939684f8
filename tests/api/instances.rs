//! Several instances on one database: a change made through one is served by the others,
//! which hear of it by LISTEN/NOTIFY; feed queries can go to a read replica.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::json;

use crate::feed_parse::atom;
use crate::helpers::{TestApp, TestDatabase};

async fn titles(app: &TestApp, url: &str) -> Vec<String> {
    let response = app.client.get(url).send().await.expect("request");
    let body = response.text().await.expect("body");
    atom(&body)
        .entries
        .into_iter()
        .map(|e| e.title.value)
        .collect()
}

/// Gives the stand-in replica the primary's catalogue clock: it has seen every change so far.
async fn caught_up(replica: &TestDatabase, primary: &TestApp) {
    let clock = primary
        .db
        .count("SELECT extract(epoch FROM catalogue_changed_at)::bigint AS count FROM site")
        .await;
    replica
        .run_sql(&format!(
            "UPDATE site SET catalogue_changed_at = to_timestamp({clock})"
        ))
        .await;
}

/// Polls `url` until its first entry is `title`; returns how long that took.
async fn wait_for_first_title(app: &TestApp, url: &str, title: &str, within: Duration) -> Duration {
    let start = Instant::now();
    loop {
        if titles(app, url).await.first().map(String::as_str) == Some(title) {
            return start.elapsed();
        }
        assert!(
            start.elapsed() < within,
            "{url} did not show {title:?} within {within:?}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn a_change_through_one_instance_is_served_by_the_other_within_a_second() {
    let a = TestApp::with_seed().await;
    let b = a.another_instance(None).await;
    let token = a.token("editor").await;
    // Both have the full feed cached.
    let before = titles(&a, &b.url("/feed.atom")).await;
    assert_eq!(before, titles(&a, &a.url("/feed.atom")).await);

    a.create_article(
        &token,
        &json!({"title": "Written through A", "level": "beginner", "source": "Acme"}),
    )
    .await;
    let took = wait_for_first_title(
        &a,
        &b.url("/feed.atom"),
        "Written through A",
        Duration::from_secs(1),
    )
    .await;
    eprintln!("instance B served the change {took:?} after A's write answered");

    // And the other way round, for an edit of a cached level feed.
    let b_token = a.token("editor-b").await;
    let listed = a
        .api_json("/articles?level=beginner&limit=1", &b_token)
        .await;
    let id = listed["articles"][0]["id"].as_str().unwrap();
    titles(&a, &a.url("/levels/beginner/feed.atom")).await;
    let patched = a
        .client
        .request(Method::PATCH, b.url(&format!("/api/v1/articles/{id}")))
        .bearer_auth(&b_token)
        .json(&json!({"title": "Edited through B"}))
        .send()
        .await
        .unwrap();
    assert_eq!(patched.status(), 200);
    wait_for_first_title(
        &a,
        &a.url("/levels/beginner/feed.atom"),
        "Edited through B",
        Duration::from_secs(1),
    )
    .await;
}

#[tokio::test]
async fn feed_queries_go_to_the_read_replica_unless_it_is_behind() {
    let primary = TestApp::with_seed().await;
    // The "replica" is another database holding one article the primary does not have,
    // and the primary's catalogue clock: it has seen every change so far.
    let replica = TestDatabase::new().await;
    replica
        .run_sql(
                "INSERT INTO articles (title, summary, level, source, includes_code, \
                 has_summary, published_at, updated_at) \
                 VALUES ('Only on the replica', '', 'beginner', 'Acme', false, false, now(), now())",
            )
        .await;
    caught_up(&replica, &primary).await;
    let b = primary.another_instance(Some(replica.url.clone())).await;
    assert_eq!(
        titles(&primary, &b.url("/feed.atom")).await,
        vec!["Only on the replica".to_owned()],
        "feeds are read from the replica"
    );

    // A write goes to the primary; its NOTIFY announces a clock the replica has not
    // reached, so B reads the primary until the replica catches up.
    let token = primary.token("editor").await;
    let created = primary
        .client
        .request(Method::POST, b.url("/api/v1/articles"))
        .bearer_auth(&token)
        .json(&json!({"title": "Written to the primary", "level": "advanced", "source": "Acme"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201, "writes go to the primary");
    wait_for_first_title(
        &primary,
        &b.url("/feed.atom"),
        "Written to the primary",
        Duration::from_secs(1),
    )
    .await;
    assert_eq!(
        titles(&primary, &b.url("/feed.atom")).await.len(),
        50,
        "the primary's feed"
    );
}

#[tokio::test]
async fn author_feeds_look_their_author_up_where_the_feed_is_read() {
    let primary = TestApp::with_seed().await;
    // The "replica" knows an author the primary does not, and none of the primary's.
    let replica = TestDatabase::new().await;
    replica
        .run_script(
            "INSERT INTO authors (name, slug) VALUES ('Replica Only', 'replica-only'); \
             INSERT INTO articles (title, summary, level, source, includes_code, has_summary, \
               published_at, updated_at, author_id) \
             SELECT 'By the replica''s author', '', 'beginner', 'Acme', false, false, now(), \
               now(), id FROM authors WHERE slug = 'replica-only';",
        )
        .await;
    caught_up(&replica, &primary).await;
    let b = primary.another_instance(Some(replica.url.clone())).await;

    // Found on the replica: the lookup did not need the primary.
    assert_eq!(
        titles(&primary, &b.url("/authors/replica-only/feed.atom")).await,
        vec!["By the replica's author".to_owned()]
    );
    // Not on the replica yet: the primary is asked, and the author's feed is not a 404.
    let response = primary
        .client
        .get(b.url("/authors/james-beswick/feed.atom"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    // On neither: 404.
    let response = primary
        .client
        .get(b.url("/authors/nobody-at-all/feed.atom"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
}

#[tokio::test]
async fn a_replica_query_cancelled_by_replay_is_read_again_on_the_primary() {
    let primary = TestApp::with_seed().await;
    // The stand-in replica fails the feed's snapshot as a hot standby does when replay
    // removes rows the query could still see: SQLSTATE 40001, PostgreSQL's own words.
    let replica = TestDatabase::new().await;
    replica
        .run_script(
            "ALTER TABLE site RENAME TO site_stored; \
             CREATE FUNCTION conflict_with_recovery() RETURNS boolean LANGUAGE plpgsql AS $$ \
             BEGIN RAISE EXCEPTION 'canceling statement due to conflict with recovery' \
               USING ERRCODE = '40001', \
               DETAIL = 'User query might have needed to see row versions that must be removed.'; \
             END $$; \
             CREATE VIEW site AS SELECT * FROM site_stored WHERE conflict_with_recovery();",
        )
        .await;
    let b = primary.another_instance(Some(replica.url.clone())).await;

    let response = primary
        .client
        .get(b.url("/feed.atom"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "retried on the primary, not a 500");
    assert_eq!(titles(&primary, &b.url("/feed.atom")).await.len(), 50);
}

#[tokio::test]
async fn a_replica_that_refuses_connections_leaves_feeds_to_the_primary() {
    let primary = TestApp::with_seed().await;
    // Nothing listens on port 1: every connection is refused at once.
    let down = "postgres://engfeed@127.0.0.1:1/engfeed".parse().unwrap();
    let b = primary.another_instance(Some(down)).await;
    for path in [
        "/feed.atom",
        "/levels/advanced/feed.rss",
        "/authors/james-beswick/feed.json",
    ] {
        let response = primary.client.get(b.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path} is read from the primary");
    }
}
