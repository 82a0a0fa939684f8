use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem};

fn catalogue(n: usize) -> Vec<Value> {
    const LEVELS: [&str; 3] = ["beginner", "intermediate", "advanced"];
    (1..=n)
        .map(|i| {
            let level = LEVELS[i % 3];
            json!({
                "title": format!("Article {i}"), "summary": "Bulk.", "author": format!("Author {}", i % 97),
                "level": level, "read_minutes": 1 + i % 30,
                "includes_code": i % 2 == 0, "has_summary": true, "source": "Bulk Co",
                "url": format!("https://bulk.example.com/{i}"), "listing_position": i
            })
        })
        .collect()
}

#[tokio::test]
async fn one_bad_item_in_ten_thousand_writes_nothing_and_is_named() {
    let app = TestApp::spawn().await;
    let token = app.token("importer").await;
    let mut items = catalogue(10_000);
    items[7_341]["level"] = json!("expert");
    let response = app.send_json(Method::POST, "/import", &token, &items).await;
    let problem = assert_problem(response, 400, Some("[7341].level")).await;
    assert!(
        problem["errors"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("item 7342: unknown level 'expert'")
    );
    assert_eq!(
        app.db.count("SELECT count(*) AS count FROM articles").await,
        0
    );
    assert_eq!(
        app.db.count("SELECT count(*) AS count FROM authors").await,
        0
    );

    items[7_341]["level"] = json!("advanced");
    let response = app.send_json(Method::POST, "/import", &token, &items).await;
    assert_eq!(response.status(), 200);
    let report: Value = response.json().await.unwrap();
    assert_eq!(
        report,
        json!({"created": 10_000, "updated": 0, "unchanged": 0, "kept_edited": 0})
    );
    let again: Value = app
        .send_json(Method::POST, "/import", &token, &items)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        again,
        json!({"created": 0, "updated": 0, "unchanged": 10_000, "kept_edited": 0})
    );
    let feed = crate::feed_parse::rss(&app.feed_body("/feed.rss?limit=3").await);
    let titles: Vec<_> = feed
        .items
        .iter()
        .map(|i| i.title.clone().unwrap())
        .collect();
    assert_eq!(
        titles,
        ["Article 1", "Article 2", "Article 3"],
        "listing order kept"
    );
}

#[tokio::test]
async fn import_rejects_what_is_not_a_catalogue() {
    let app = TestApp::spawn().await;
    let token = app.token("importer").await;
    for body in ["{}", "[1]", "[{\"title\": 1}]", "not json"] {
        let response = app
            .api(Method::POST, "/import", &token)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_problem(response, 400, None).await;
    }
}
