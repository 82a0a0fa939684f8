//! Re-imports settle unchanged articles by the digest each import stores with them
//! (migration 13); every other write must make that digest NULL, or a re-import would take
//! a changed article for an unchanged one.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::TestApp;

fn seed() -> Vec<Value> {
    let text = std::fs::read_to_string(crate::helpers::seed_path()).expect("seed");
    serde_json::from_str(&text).expect("seed JSON")
}

fn catalogue(items: &[Value]) -> String {
    Value::Array(items.to_vec()).to_string()
}

async fn without_digest(app: &TestApp) -> i64 {
    app.db
        .count("SELECT count(*) AS count FROM articles WHERE import_digest IS NULL")
        .await
}

async fn clock(app: &TestApp) -> i64 {
    app.db
        .count("SELECT extract(epoch FROM catalogue_changed_at)::bigint AS count FROM site")
        .await
}

/// Remembers each article's row version; [`rewritten`] counts those written since.
async fn remember_rows(app: &TestApp) {
    app.db
        .run_sql("CREATE TABLE rows_before AS SELECT id, xmin::text AS version FROM articles")
        .await;
}

async fn rewritten(app: &TestApp) -> i64 {
    app.db
        .count(
            "SELECT count(*) AS count FROM articles JOIN rows_before USING (id) \
              WHERE articles.xmin::text <> rows_before.version",
        )
        .await
}

#[tokio::test]
async fn a_reimport_with_one_changed_field_rewrites_only_that_article() {
    let app = TestApp::with_seed().await;
    assert_eq!(
        without_digest(&app).await,
        0,
        "the import stores every digest"
    );
    let mut items = seed();
    items[7]["includes_code"] = json!(!items[7]["includes_code"].as_bool().expect("bool"));
    remember_rows(&app).await;

    let report = app.import_json(&catalogue(&items)).await;
    assert_eq!((report.updated, report.unchanged), (1, 49), "{report:?}");
    assert_eq!(
        rewritten(&app).await,
        1,
        "only the changed article is written"
    );
    assert_eq!(without_digest(&app).await, 0);

    let again = app.import_json(&catalogue(&items)).await;
    assert_eq!((again.updated, again.unchanged), (0, 50), "{again:?}");
}

#[tokio::test]
async fn an_admin_edit_forgets_the_digest_and_the_next_import_compares_that_article() {
    let app = TestApp::with_seed().await;
    let token = app.token("editor").await;
    let listed = app.api_json("/articles?limit=1", &token).await;
    let id = listed["articles"][0]["id"].as_str().expect("id").to_owned();
    let title = listed["articles"][0]["title"]
        .as_str()
        .expect("title")
        .to_owned();
    let patch = |title: &str| json!({ "title": title });
    let patched = app
        .send_json(
            Method::PATCH,
            &format!("/articles/{id}"),
            &token,
            &patch("By hand"),
        )
        .await;
    assert_eq!(patched.status(), 200);
    assert_eq!(without_digest(&app).await, 1);

    let report = app.import_json(&catalogue(&seed())).await;
    assert_eq!(
        (report.kept_edited, report.unchanged),
        (1, 49),
        "{report:?}"
    );
    let article = app.api_json(&format!("/articles/{id}"), &token).await;
    assert_eq!(article["title"], "By hand");

    // Edited back to the catalogue's text: unchanged again, and the next import stores its
    // digest without moving the catalogue clock (readers see nothing new).
    let patched = app
        .send_json(
            Method::PATCH,
            &format!("/articles/{id}"),
            &token,
            &patch(&title),
        )
        .await;
    assert_eq!(patched.status(), 200);
    let before = clock(&app).await;
    let report = app.import_json(&catalogue(&seed())).await;
    assert_eq!((report.updated, report.unchanged), (0, 50), "{report:?}");
    assert_eq!(without_digest(&app).await, 0);
    assert_eq!(
        clock(&app).await,
        before,
        "storing a digest is not a change"
    );
}

#[tokio::test]
async fn a_write_behind_the_imports_back_is_undone_by_the_next_import() {
    // Plain SQL sets no edit flag: the import owns the article and writes it back, which it
    // can only do if the trigger forgot the digest.
    let app = TestApp::with_seed().await;
    app.change_behind_its_back(
        "UPDATE articles SET read_minutes = 599 \
          WHERE id = (SELECT min(id) FROM articles)",
    )
    .await;
    assert_eq!(without_digest(&app).await, 1);
    let report = app.import_json(&catalogue(&seed())).await;
    assert_eq!((report.updated, report.unchanged), (1, 49), "{report:?}");
    assert_eq!(
        app.db
            .count("SELECT count(*) AS count FROM articles WHERE read_minutes = 599")
            .await,
        0
    );
}

#[tokio::test]
async fn a_deleted_article_stays_deleted_through_reimports() {
    let app = TestApp::with_seed().await;
    let token = app.token("editor").await;
    let listed = app.api_json("/articles?limit=1", &token).await;
    let id = listed["articles"][0]["id"].as_str().expect("id").to_owned();
    app.delete_article(&token, &id).await;
    for _ in 0..2 {
        let report = app.import_json(&catalogue(&seed())).await;
        assert_eq!((report.created, report.updated), (0, 0), "{report:?}");
        assert_eq!(
            app.db
                .count("SELECT count(*) AS count FROM articles WHERE deleted_at IS NOT NULL")
                .await,
            1
        );
    }
}
