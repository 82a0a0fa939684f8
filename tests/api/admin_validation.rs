use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem, problem_fields};

fn valid() -> Value {
    json!({"title": "T", "summary": "S", "level": "beginner", "source": "Stripe"})
}

fn with(field: &str, value: Value) -> Value {
    let mut body = valid();
    body[field] = value;
    body
}

async fn state(app: &TestApp) -> (i64, i64, i64) {
    (
        app.db.count("SELECT count(*) AS count FROM articles").await,
        app.db.count("SELECT count(*) AS count FROM authors").await,
        app.db
            .count("SELECT count(*) AS count FROM audit_log")
            .await,
    )
}

#[tokio::test]
async fn each_invalid_field_is_a_400_naming_it_and_writes_nothing() {
    let app = TestApp::with_seed().await;
    let token = app.token("editor").await;
    let before = state(&app).await;
    let cases: Vec<(Value, &str)> = vec![
        (with("title", json!("")), "title"),
        (with("title", json!("x".repeat(301))), "title"),
        (with("title", json!(42)), "title"),
        (with("title", json!("nul \u{0} byte")), "title"),
        (with("summary", json!("x".repeat(10_001))), "summary"),
        (with("author", json!("x".repeat(201))), "author"),
        (with("level", json!("expert")), "level"),
        (with("read_minutes", json!(0)), "read_minutes"),
        (with("read_minutes", json!(601)), "read_minutes"),
        (with("read_minutes", json!(7.5)), "read_minutes"),
        (with("read_minutes", json!("ten")), "read_minutes"),
        (with("read_minutes", json!(1e30)), "read_minutes"),
        (with("url", json!("/relative")), "url"),
        (with("url", json!("javascript:alert(1)")), "url"),
        (
            with("url", json!(format!("https://x.org/{}", "a".repeat(2048)))),
            "url",
        ),
        (with("published_at", json!("yesterday")), "published_at"),
        (
            with("content_html", json!("x".repeat(256 * 1024 + 1))),
            "content_html",
        ),
        (with("includes_code", json!("yes")), "includes_code"),
        (with("colour", json!("red")), "colour"),
        (
            json!({"summary": "S", "level": "beginner", "source": "Stripe"}),
            "title",
        ),
        (json!([1, 2]), "(body)"),
    ];
    for (body, field) in cases {
        let response = app
            .send_json(Method::POST, "/articles", &token, &body)
            .await;
        assert_problem(response, 400, Some(field)).await;
    }
    assert_eq!(state(&app).await, before);
}

#[tokio::test]
async fn unreadable_requests_get_problem_details_too() {
    let app = TestApp::with_seed().await;
    let token = app.token("editor").await;
    let before = state(&app).await;
    let post = || app.api(Method::POST, "/articles", &token);

    let malformed = post()
        .header("content-type", "application/json")
        .body("{\"title\": ")
        .send()
        .await
        .unwrap();
    let problem = assert_problem(malformed, 400, None).await;
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .starts_with("malformed JSON at line 1"),
        "{problem}"
    );

    let wrong_type = post()
        .header("content-type", "text/plain")
        .body(valid().to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_type.status(), 415);
    let no_type = post().body(valid().to_string()).send().await.unwrap();
    assert_eq!(no_type.status(), 415);

    let huge = post()
        .json(&with("summary", json!("x".repeat(1024 * 1024))))
        .send()
        .await
        .unwrap();
    assert_problem(huge, 413, None).await;

    let not_allowed = app
        .api(Method::PUT, "/articles", &token)
        .send()
        .await
        .unwrap();
    assert_problem(not_allowed, 405, None).await;

    let bad_id = app
        .api(Method::GET, "/articles/not-a-uuid", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(bad_id.status(), 404);

    let null_title = app
        .send_json(
            Method::PATCH,
            "/articles/00000000-0000-0000-0000-000000000000",
            &token,
            &json!({"title": null}),
        )
        .await;
    assert_eq!(null_title.status(), 400);
    let bad_if_match = app
        .api(
            Method::PATCH,
            "/articles/00000000-0000-0000-0000-000000000000",
            &token,
        )
        .header("If-Match", "v1")
        .json(&json!({"title": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad_if_match.status(), 400);
    assert_eq!(state(&app).await, before);
}

#[tokio::test]
async fn a_patch_that_breaks_a_rule_changes_nothing() {
    let app = TestApp::with_seed().await;
    let token = app.token("editor").await;
    let created = app.create_article(&token, &valid()).await;
    let path = format!("/articles/{}", created["id"].as_str().unwrap());
    let before = state(&app).await;
    let response = app
        .send_json(
            Method::PATCH,
            &path,
            &token,
            &json!({"title": "fine", "level": "expert", "read_minutes": 0}),
        )
        .await;
    let problem = assert_problem(response, 400, None).await;
    assert_eq!(problem_fields(&problem), ["level", "read_minutes"]);
    let after: Value = app
        .api(Method::GET, &path, &token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(after, created);
    assert_eq!(state(&app).await, before);
}

#[tokio::test]
async fn content_html_is_sanitized() {
    let app = TestApp::spawn().await;
    let token = app.token("editor").await;
    let body = with(
        "content_html",
        json!(
            "<p onclick=\"steal()\">Hi <script>alert(1)</script><a href=\"javascript:x\">l</a></p>"
        ),
    );
    let created = app.create_article(&token, &body).await;
    let html = created["content_html"].as_str().unwrap();
    assert!(
        !html.contains("script") && !html.contains("onclick") && !html.contains("javascript"),
        "{html}"
    );
    assert!(html.contains("<p>Hi "));
}
