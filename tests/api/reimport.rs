//! Imports and readers: undated articles whole seconds apart in listing order, an update
//! time of its own for every article an import writes, and editors' changes kept.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use reqwest::Method;
use serde_json::{Value, json};

use crate::feed_parse::{atom, rss};
use crate::helpers::{TestApp, TestDatabase, assert_problem, seed_path};
use crate::import::{engfeed, stdout};

fn seed() -> Vec<Value> {
    let text = std::fs::read_to_string(seed_path()).expect("seed");
    serde_json::from_str(&text).expect("seed JSON")
}

fn seed_titles() -> Vec<String> {
    seed()
        .iter()
        .map(|item| item["title"].as_str().expect("title").to_owned())
        .collect()
}

async fn import(app: &TestApp, token: &str, catalogue: &Value, query: &str) -> Value {
    let response = app
        .send_json(Method::POST, &format!("/import{query}"), token, catalogue)
        .await;
    assert_eq!(response.status(), 200);
    response.json().await.expect("import report")
}

#[tokio::test]
async fn undated_seed_articles_are_whole_seconds_apart_in_listing_order() {
    let before = Utc::now();
    let app = TestApp::with_seed().await;
    let after = Utc::now();
    let channel = rss(&app.feed_body("/feed.rss").await);
    let mut dated: Vec<(DateTime<Utc>, String)> = channel
        .items
        .iter()
        .map(|item| {
            let date = DateTime::parse_from_rfc2822(item.pub_date.as_deref().expect("pubDate"))
                .expect("RFC 2822 date")
                .to_utc();
            (date, item.title.clone().expect("title"))
        })
        .collect();
    // What a reader does: sort by date, newest first, with nothing else to go on.
    dated.sort_by_key(|(date, _)| std::cmp::Reverse(*date));
    let titles: Vec<String> = dated.iter().map(|(_, t)| t.clone()).collect();
    assert_eq!(titles, seed_titles(), "sorted by date = the listing order");
    let seconds: BTreeSet<i64> = dated.iter().map(|(d, _)| d.timestamp()).collect();
    assert_eq!(seconds.len(), 50, "no two items share a second");
    let newest = dated[0].0;
    assert!(newest >= before - chrono::TimeDelta::seconds(1) && newest <= after);
    assert_eq!(dated[49].0, newest - chrono::TimeDelta::seconds(49));

    // Atom keeps more precision, but readers must not need it.
    let feed = atom(&app.feed_body("/feed.atom").await);
    let published: BTreeSet<i64> = feed
        .entries()
        .iter()
        .map(|e| e.published().expect("published").timestamp())
        .collect();
    assert_eq!(published.len(), 50);
}

#[tokio::test]
async fn each_article_an_import_updates_gets_its_own_update_time() {
    let app = TestApp::with_seed().await;
    let token = app.token("importer").await;
    let mut catalogue = seed();
    for place in [3, 4, 40] {
        catalogue[place]["summary"] = json!(format!("Revised summary {place}."));
    }
    let report = import(&app, &token, &Value::Array(catalogue), "").await;
    assert_eq!(report["updated"], 3, "{report}");
    let feed = atom(&app.feed_body("/feed.atom").await);
    let updated: Vec<i64> = feed
        .entries()
        .iter()
        .map(|e| e.updated().timestamp())
        .collect();
    let distinct: BTreeSet<i64> = updated.iter().copied().collect();
    assert_eq!(
        distinct.len(),
        updated.len(),
        "DuplicateUpdated: {updated:?}"
    );
}

#[tokio::test]
async fn a_reimport_keeps_an_editors_change_unless_told_to_overwrite() {
    let app = TestApp::with_seed().await;
    let token = app.token("editor").await;
    let listed = app.api_json("/articles?limit=1", &token).await;
    let id = listed["articles"][0]["id"].as_str().expect("id").to_owned();
    let original = listed["articles"][0]["title"]
        .as_str()
        .expect("title")
        .to_owned();
    let patch = json!({"title": "Edited by hand"});
    let patched = app
        .send_json(Method::PATCH, &format!("/articles/{id}"), &token, &patch)
        .await;
    assert_eq!(patched.status(), 200);

    let catalogue = Value::Array(seed());
    let report = import(&app, &token, &catalogue, "").await;
    assert_eq!(
        report,
        json!({"created": 0, "updated": 0, "unchanged": 49, "kept_edited": 1})
    );
    let article = app.api_json(&format!("/articles/{id}"), &token).await;
    assert_eq!(article["title"], "Edited by hand");
    let items = rss(&app.feed_body("/feed.rss").await).items;
    assert_eq!(items[0].title.as_deref(), Some("Edited by hand"));
    assert_eq!(items.len(), 50, "nothing added");

    let report = import(&app, &token, &catalogue, "?overwrite=true").await;
    assert_eq!(report["updated"], 1, "{report}");
    let article = app.api_json(&format!("/articles/{id}"), &token).await;
    assert_eq!(article["title"], original.as_str());

    // Imported again: later imports may update it like any other.
    let report = import(&app, &token, &catalogue, "").await;
    assert_eq!(report["unchanged"], 50, "{report}");
}

#[tokio::test]
async fn the_cli_reports_kept_edits_and_overwrites_on_request() {
    let app = TestApp::with_seed().await;
    let token = app.token("editor").await;
    let listed = app.api_json("/articles?limit=1", &token).await;
    let id = listed["articles"][0]["id"].as_str().expect("id").to_owned();
    let patch = json!({"title": "Edited"});
    let patched = app
        .send_json(Method::PATCH, &format!("/articles/{id}"), &token, &patch)
        .await;
    assert_eq!(patched.status(), 200);
    let seed = seed_path();
    let run = |args: &[&str]| {
        let output = engfeed(&app.db, args);
        assert!(output.status.success(), "{output:?}");
        stdout(&output)
    };
    let kept = run(&["import", &seed]);
    assert!(
        kept.contains("0 created, 0 updated, 49 unchanged, 1 kept as edited"),
        "{kept}"
    );
    let overwritten = run(&["import", "--overwrite", &seed]);
    assert!(
        overwritten.contains("0 created, 1 updated, 49 unchanged, 0 kept as edited"),
        "{overwritten}"
    );
    let article = app.api_json(&format!("/articles/{id}"), &token).await;
    assert_ne!(article["title"], "Edited");
}

#[tokio::test]
async fn a_bad_overwrite_flag_is_a_400_and_imports_nothing() {
    let app = TestApp::with_seed().await;
    let token = app.token("importer").await;
    let catalogue = json!([{
        "title": "Never imported", "summary": "", "author": null, "level": "beginner",
        "read_minutes": null, "includes_code": false, "has_summary": false, "source": "Acme"
    }]);
    for query in ["?overwrite=maybe", "?overwrite=true&force=1"] {
        let response = app
            .send_json(Method::POST, &format!("/import{query}"), &token, &catalogue)
            .await;
        assert_problem(response, 400, None).await;
    }
    let count = "SELECT count(*) AS count FROM articles WHERE title = 'Never imported'";
    assert_eq!(app.db.count(count).await, 0);
}

/// The migration that respaced microsecond-apart import dates, run again over rows written
/// the old way (it leaves whole-second dates as they are, so running it twice is safe).
#[tokio::test]
async fn the_respacing_migration_turns_microsecond_dates_into_listing_seconds() {
    let db = TestDatabase::new().await;
    db.run_sql(
        "INSERT INTO articles (import_key, title, summary, level, includes_code, has_summary, \
                               source, published_at, updated_at, created_at) \
         SELECT 'k' || n, 'Article ' || n, '', 'beginner', false, false, 'Old', \
                t - n * interval '1 microsecond', t - n * interval '1 microsecond', t \
           FROM generate_series(0, 9) AS n, \
                (SELECT timestamptz '2026-11-20 10:00:00.654321+00' AS t) AS import",
    )
    .await;
    // A re-import that gave three rows one update time; one with a real catalogue date.
    db.run_sql(
        "UPDATE articles SET updated_at = timestamptz '2026-11-21 09:00:00.5+00' \
          WHERE import_key IN ('k1', 'k2', 'k3')",
    )
    .await;
    db.run_sql(
        "INSERT INTO articles (import_key, title, summary, level, includes_code, has_summary, \
                               source, published_at, updated_at, created_at) \
         VALUES ('real', 'Dated', '', 'beginner', false, false, 'Old', \
                 '2024-01-01 08:00:00.25+00', '2024-01-01 08:00:00.25+00', \
                 '2026-11-20 10:00:00.654321+00')",
    )
    .await;
    let migration = include_str!("../../migrations/2026-11-28-000007_respace_import_dates/up.sql");
    for _ in 0..2 {
        db.run_script(migration).await;
        let spaced = "SELECT count(*) AS count FROM articles WHERE import_key LIKE 'k%' \
                      AND published_at = timestamptz '2026-11-20 10:00:00+00' \
                          - substr(import_key, 2)::int * interval '1 second'";
        assert_eq!(db.count(spaced).await, 10, "Article n is n seconds older");
        let untouched = "SELECT count(*) AS count FROM articles WHERE import_key = 'real' \
                         AND published_at = timestamptz '2024-01-01 08:00:00.25+00'";
        assert_eq!(db.count(untouched).await, 1, "a real date is left alone");
        let shared = "SELECT count(DISTINCT updated_at) AS count FROM articles \
                      WHERE import_key IN ('k1', 'k2', 'k3')";
        assert_eq!(db.count(shared).await, 3, "one update time each");
        let never_updated = "SELECT count(*) AS count FROM articles \
                             WHERE import_key IN ('k0', 'k4') AND updated_at = published_at";
        assert_eq!(db.count(never_updated).await, 2);
    }
}

#[tokio::test]
async fn a_reimport_finds_text_in_any_script_unchanged_and_a_changed_letter_changed() {
    // Imports compare stored text by digests PostgreSQL computes against ones made in Rust:
    // the two must agree on every character, and on what is NULL.
    let db = TestDatabase::new().await;
    let mut conn = db.connection().await;
    let items = |summary: &str| {
        json!([
            {"title": "Ὀδός – naïve 日本語 🦀", "summary": summary, "level": "beginner",
             "includes_code": true, "has_summary": true, "source": "Ακμή",
             "content_html": "<p>x &lt; y: 😀</p>", "url": "https://acme.example/ü"},
            {"title": "No body", "summary": "", "level": "advanced",
             "includes_code": false, "has_summary": false, "source": "Acme"}
        ])
        .to_string()
    };
    let import = async |conn: &mut engfeed::db::Connection, json: String| {
        let catalogue = engfeed::import::Catalogue::from_json(json.as_bytes()).expect("catalogue");
        engfeed::db::import::import(
            conn,
            &catalogue.articles,
            Utc::now(),
            None,
            engfeed::db::import::EditedArticles::Keep,
        )
        .await
        .expect("import")
        .report
    };
    assert_eq!(
        import(&mut conn, items("Ünïcödé, ½ and ∑.")).await.created,
        2
    );
    let again = import(&mut conn, items("Ünïcödé, ½ and ∑.")).await;
    assert_eq!((again.unchanged, again.updated), (2, 0));
    let changed = import(&mut conn, items("Ünïcödé, ½ and ∏.")).await;
    assert_eq!((changed.unchanged, changed.updated), (1, 1));
}
