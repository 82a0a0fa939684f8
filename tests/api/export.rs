//! `engfeed export`: export, wipe, import gives back identical articles, ids and dates,
//! deleted ones included.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestDatabase};

fn engfeed(db: &TestDatabase, args: &[&str]) -> std::process::Output {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_engfeed"))
        .args(args)
        .env("DATABASE_URL", db.url.expose())
        .env("RUST_LOG", "warn")
        .output()
        .expect("run engfeed");
    assert!(
        output.status.success(),
        "engfeed {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// Every article as the admin API shows it, deleted ones included, less what a new
/// database assigns afresh (its row version and creation time).
async fn catalogue(app: &TestApp, token: &str) -> Vec<Value> {
    let mut listed = app
        .api_json("/articles?include_deleted=true&limit=200", token)
        .await["articles"]
        .as_array()
        .expect("articles")
        .clone();
    for article in &mut listed {
        let fields = article.as_object_mut().expect("object");
        fields.remove("version");
        fields.remove("created_at");
        fields.remove("permalink");
    }
    listed
}

#[tokio::test]
async fn export_then_import_into_an_empty_database_gives_back_the_same_catalogue() {
    let app = TestApp::with_seed().await;
    let token = app.token("editor").await;
    // Beyond the seed: an article made through the API with every field, an edit and a
    // deletion.
    let created = app
        .create_article(
            &token,
            &json!({
                "title": "Everything set", "summary": "With <b>HTML</b> & more", "author": "Zoë Zed",
                "level": "intermediate", "read_minutes": 12, "includes_code": true,
                "has_summary": true, "source": "Acme", "url": "https://acme.example/post",
                "content_html": "<p>Body</p>", "published_at": "2020-02-29T12:34:56.789012Z"
            }),
        )
        .await;
    let listed = app.api_json("/articles?limit=2", &token).await;
    let victim = listed["articles"][1]["id"].as_str().unwrap().to_owned();
    let deleted = app
        .api(Method::DELETE, &format!("/articles/{victim}"), &token)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 200);
    let before = catalogue(&app, &token).await;
    assert_eq!(before.len(), 51);

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("export.json");
    let file = file.to_str().unwrap();
    let out = engfeed(&app.db, &["export", file]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("exported 51 articles"));

    let fresh = TestApp::spawn().await;
    let imported = engfeed(&fresh.db, &["import", file]);
    assert!(
        String::from_utf8_lossy(&imported.stdout).contains("51 created, 0 updated, 0 unchanged"),
        "{}",
        String::from_utf8_lossy(&imported.stdout)
    );
    let fresh_token = fresh.token("editor").await;
    let after = catalogue(&fresh, &fresh_token).await;
    assert_eq!(after, before, "the same articles, ids, dates and deletions");
    assert!(
        after
            .iter()
            .any(|a| a["id"] == created["id"] && a["deleted_at"].is_null())
    );
    assert!(
        after
            .iter()
            .any(|a| a["id"] == victim.as_str() && a["deleted_at"].is_string())
    );

    // Importing the export again changes nothing.
    let again = engfeed(&fresh.db, &["import", file]);
    assert!(String::from_utf8_lossy(&again.stdout).contains("0 created, 0 updated, 51 unchanged"));
}
