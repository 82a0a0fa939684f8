use std::collections::HashSet;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::feed_parse::{atom, rss};
use crate::helpers::{TestApp, assert_problem, problem_fields};

fn new_article() -> Value {
    json!({
        "title": "Idempotent webhooks at scale",
        "summary": "How we deduplicate events.",
        "author": "Ana Andres",
        "level": "advanced",
        "read_minutes": 9,
        "includes_code": true,
        "has_summary": true,
        "source": "Stripe",
        "url": "https://stripe.com/blog/idempotent-webhooks"
    })
}

async fn feed_titles(app: &TestApp, path: &str) -> Vec<String> {
    atom(&app.feed_body(path).await)
        .entries
        .into_iter()
        .map(|e| e.title.value)
        .collect()
}

#[tokio::test]
async fn the_full_lifecycle_shows_in_the_feeds_at_each_step() {
    let app = TestApp::with_seed().await;
    let token = app.token("editor").await;

    // create
    let response = app
        .send_json(Method::POST, "/articles", &token, &new_article())
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(response.headers()["etag"], "\"v1\"");
    let created: Value = response.json().await.unwrap();
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(location, app.url(&format!("/api/v1/articles/{id}")));
    assert_eq!(created["author"]["slug"], "ana-andres");
    assert_eq!(created["version"], 1);
    for path in [
        "/feed.atom",
        "/levels/advanced/feed.atom",
        "/authors/ana-andres/feed.atom",
    ] {
        assert_eq!(
            feed_titles(&app, path).await[0],
            "Idempotent webhooks at scale",
            "{path}"
        );
    }
    let guid = format!("urn:uuid:{id}");
    assert_eq!(
        rss(&app.feed_body("/feed.rss").await).items[0]
            .guid
            .as_ref()
            .unwrap()
            .value,
        guid
    );

    // read
    let fetched = app.api_json(&format!("/articles/{id}"), &token).await;
    assert_eq!(fetched, created);

    // list, with a cursor
    let first = app.api_json("/articles?limit=1", &token).await;
    assert_eq!(first["articles"][0]["id"], id.as_str());
    let next = first["next"].as_str().expect("a next page");
    let second: Value = app
        .client
        .get(next)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_ne!(second["articles"][0]["id"], id.as_str());

    // patch, guarded by If-Match
    let patched = app
        .api(Method::PATCH, &format!("/articles/{id}"), &token)
        .header("If-Match", "\"v1\"")
        .json(&json!({"title": "Idempotent webhooks, revisited", "read_minutes": null}))
        .send()
        .await
        .unwrap();
    assert_eq!(patched.status(), 200);
    assert_eq!(patched.headers()["etag"], "\"v2\"");
    let patched: Value = patched.json().await.unwrap();
    assert_eq!(patched["read_minutes"], Value::Null);
    assert_eq!(
        patched["summary"], "How we deduplicate events.",
        "untouched fields stay"
    );
    let feed = atom(&app.feed_body("/feed.atom").await);
    assert_eq!(
        feed.entries[0].title.value,
        "Idempotent webhooks, revisited"
    );
    assert_eq!(feed.entries[0].id, guid, "the id survives the edit");
    assert_eq!(
        feed.updated, feed.entries[0].updated,
        "the change is the feed's newest"
    );

    // delete: out of every feed, still in the database
    let deleted = app.delete_article(&token, &id).await;
    assert!(deleted["deleted_at"].is_string());
    for path in [
        "/feed.atom",
        "/levels/advanced/feed.atom",
        "/authors/ana-andres/feed.atom",
    ] {
        assert!(
            !feed_titles(&app, path)
                .await
                .contains(&"Idempotent webhooks, revisited".to_owned()),
            "{path}"
        );
    }
    assert_eq!(app.get(&format!("/articles/{id}")).await.status(), 404);
    let still = app.api_json(&format!("/articles/{id}"), &token).await;
    assert_eq!(still["version"], 3);
    let listed = app
        .api_json("/articles?include_deleted=true&limit=1", &token)
        .await;
    assert_eq!(listed["articles"][0]["id"], id.as_str());

    // restore
    let restored = app
        .api(Method::POST, &format!("/articles/{id}/restore"), &token)
        .send()
        .await
        .unwrap();
    assert_eq!(restored.status(), 200);
    assert_eq!(
        feed_titles(&app, "/feed.atom").await[0],
        "Idempotent webhooks, revisited"
    );

    let audit = app
        .db
        .count("SELECT count(*) AS count FROM audit_log WHERE token_id IS NOT NULL")
        .await;
    assert_eq!(audit, 4, "create, update, delete, restore");
    let with_previous = app
        .db
        .count("SELECT count(*) AS count FROM audit_log WHERE action = 'update' AND previous->>'title' = 'Idempotent webhooks at scale'")
        .await;
    assert_eq!(with_previous, 1, "the audit keeps the version it replaced");
}

#[tokio::test]
async fn a_stale_if_match_is_412_and_changes_nothing() {
    let app = TestApp::with_seed().await;
    let token = app.token("editor").await;
    let created = app.create_article(&token, &new_article()).await;
    let id = created["id"].as_str().unwrap();
    let path = format!("/articles/{id}");
    // Admin A saves first.
    let first = app
        .api(Method::PATCH, &path, &token)
        .header("If-Match", "\"v1\"")
        .json(&json!({"title": "A's title"}))
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), 200);
    // Admin B still holds v1.
    for if_match in ["\"v1\"", "W/\"v2\"", "\"v7\", \"v9\""] {
        let response = app
            .api(Method::PATCH, &path, &token)
            .header("If-Match", if_match)
            .json(&json!({"title": "B's title"}))
            .send()
            .await
            .unwrap();
        assert_problem(response, 412, None).await;
        let stale_delete = app
            .api(Method::DELETE, &path, &token)
            .header("If-Match", if_match)
            .send()
            .await
            .unwrap();
        assert_eq!(stale_delete.status(), 412);
    }
    let current = app.api_json(&path, &token).await;
    assert_eq!(
        (current["title"].as_str(), current["version"].as_i64()),
        (Some("A's title"), Some(2))
    );
    assert!(current["deleted_at"].is_null());
    let ok = app
        .api(Method::PATCH, &path, &token)
        .header("If-Match", "\"v2\"")
        .json(&json!({"title": "B's title"}))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    let any = app
        .api(Method::PATCH, &path, &token)
        .header("If-Match", "*")
        .json(&json!({"summary": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(any.status(), 200);
}

#[tokio::test]
async fn an_idempotency_key_replays_the_first_response() {
    let app = TestApp::with_seed().await;
    let token = app.token("importer").await;
    let send = |body: Value, key: &'static str| {
        app.api(Method::POST, "/articles", &token)
            .header("Idempotency-Key", key)
            .json(&body)
            .send()
    };
    let first = send(new_article(), "create-1").await.unwrap();
    assert_eq!(first.status(), 201);
    let first_location = first.headers()["location"].clone();
    let first_body: Value = first.json().await.unwrap();
    let again = send(new_article(), "create-1").await.unwrap();
    assert_eq!(again.status(), 201);
    assert_eq!(again.headers()["location"], first_location);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.json::<Value>().await.unwrap(), first_body);
    assert_eq!(
        app.db.count("SELECT count(*) AS count FROM articles").await,
        51,
        "created once"
    );

    let mut other = new_article();
    other["title"] = json!("Something else");
    let reused = send(other.clone(), "create-1").await.unwrap();
    assert_problem(reused, 422, None).await;
    assert_eq!(
        app.db.count("SELECT count(*) AS count FROM articles").await,
        51
    );

    // Keys belong to a token: another token's same key is a new request.
    let other_token = app.token("other").await;
    let theirs = app
        .api(Method::POST, "/articles", &other_token)
        .header("Idempotency-Key", "create-1")
        .json(&other)
        .send()
        .await
        .unwrap();
    assert_eq!(theirs.status(), 201);
}

#[tokio::test]
async fn listing_walks_every_article_once_with_filters() {
    let app = TestApp::with_seed().await;
    let token = app.token("reader").await;
    let mut seen = Vec::new();
    let mut next = Some(app.url("/api/v1/articles?limit=7"));
    while let Some(url) = next {
        let page: Value = app
            .client
            .get(&url)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        seen.extend(
            page["articles"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a["title"].as_str().unwrap().to_owned()),
        );
        next = page["next"].as_str().map(str::to_owned);
    }
    assert_eq!(seen, crate::seed::titles(&crate::seed::articles()));

    let filtered = app
        .api_json(
            "/articles?level=advanced,beginner&author=james-beswick&code=true&limit=200",
            &token,
        )
        .await;
    let seed: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(crate::helpers::seed_path()).unwrap())
            .unwrap();
    let expected: HashSet<String> = seed
        .iter()
        .filter(|a| {
            a["author"] == "James Beswick"
                && a["includes_code"] == true
                && a["level"] != "intermediate"
        })
        .map(|a| a["title"].as_str().unwrap().to_owned())
        .collect();
    let got: HashSet<String> = filtered["articles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["title"].as_str().unwrap().to_owned())
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(got, expected);

    let searched = app.api_json("/articles?q=webhooks", &token).await;
    let titles: Vec<&str> = searched["articles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    assert!(
        titles.contains(&"The PaymentIntent lifecycle and why webhooks matter"),
        "{titles:?}"
    );

    let bad = app
        .api(
            Method::GET,
            "/articles?level=expert&code=maybe&limit=0&cursor=zzz",
            &token,
        )
        .send()
        .await
        .unwrap();
    let problem = assert_problem(bad, 400, None).await;
    assert_eq!(
        problem_fields(&problem),
        ["level", "code", "limit", "cursor"]
    );

    for nul in ["q=%00", "source=a%00b"] {
        let response = app
            .api(Method::GET, &format!("/articles?{nul}"), &token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{nul}");
    }
}
