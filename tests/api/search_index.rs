//! Text search after imports: an import leaves each article's search document pending and
//! the search indexer fills it in later; `q=` finds the same articles either way.

use std::time::Duration;

use engfeed::db;
use engfeed::domain::{ArticleQuery, FeedScope, Listing};
use engfeed::import::Catalogue;
use reqwest::Method;
use serde_json::json;

use crate::feed_parse::{rss, rss_titles};
use crate::helpers::{TestApp, TestDatabase};

fn catalogue() -> serde_json::Value {
    let item = |title: &str, summary: &str, url: &str| {
        json!({"title": title, "summary": summary, "author": "Ada Zed", "level": "beginner",
               "read_minutes": 3, "includes_code": false, "has_summary": true,
               "source": "Acme", "url": url})
    };
    json!([
        item(
            "Brewing ledgers",
            "Zymurgy for accountants.",
            "https://acme.example/a"
        ),
        item(
            "Plain bookkeeping",
            "Nothing about beer.",
            "https://acme.example/b"
        ),
        item(
            "Stemmed words",
            "Zymurgies, plural.",
            "https://acme.example/c"
        ),
    ])
}

async fn search_titles(conn: &mut db::Connection, words: &str) -> Vec<String> {
    let query = ArticleQuery::parse(&format!("q={words}"), Listing::Feed).expect("query");
    let page = db::articles::list(conn, &FeedScope::All, &query)
        .await
        .expect("search");
    page.records.into_iter().map(|r| r.article.title).collect()
}

/// Imports the test catalogue straight into the database (its search documents pending)
/// and returns it.
async fn import_catalogue(conn: &mut db::Connection) -> Catalogue {
    let catalogue = Catalogue::from_json(catalogue().to_string().as_bytes()).expect("catalogue");
    db::import::import(
        conn,
        &catalogue.articles,
        chrono::Utc::now(),
        None,
        db::import::EditedArticles::Keep,
    )
    .await
    .expect("import");
    catalogue
}

#[tokio::test]
async fn a_search_finds_the_same_articles_before_and_after_indexing() {
    // No server: nothing indexes behind the test's back.
    let db = TestDatabase::new().await;
    let mut conn = db.connection().await;
    let catalogue = import_catalogue(&mut conn).await;
    assert_eq!(db::search::pending(&mut conn).await.expect("pending"), 3);

    let before = search_titles(&mut conn, "zymurgy").await;
    assert_eq!(
        before,
        ["Brewing ledgers", "Stemmed words"],
        "stemmed, as indexed"
    );
    assert_eq!(search_titles(&mut conn, "-beer bookkeeping").await.len(), 0);

    assert_eq!(
        db::search::index_pending(&mut conn, 2)
            .await
            .expect("index"),
        2
    );
    // One indexed, one of the matches still pending: the same answer.
    assert_eq!(search_titles(&mut conn, "zymurgy").await, before);
    assert_eq!(
        db::search::index_pending(&mut conn, 2)
            .await
            .expect("index"),
        1
    );
    assert_eq!(db::search::pending(&mut conn).await.expect("pending"), 0);
    assert_eq!(search_titles(&mut conn, "zymurgy").await, before);

    // A re-import that changes an article's text makes its document pending again, and
    // the search follows the new text.
    let mut changed = catalogue.articles.clone();
    changed[1].summary = engfeed::domain::Summary::parse("summary", "Beer, and zymurgy after all.")
        .expect("summary");
    db::import::import(
        &mut conn,
        &changed,
        chrono::Utc::now(),
        None,
        db::import::EditedArticles::Keep,
    )
    .await
    .expect("re-import");
    assert_eq!(db::search::pending(&mut conn).await.expect("pending"), 1);
    assert_eq!(search_titles(&mut conn, "zymurgy").await.len(), 3);
}

#[tokio::test]
async fn edits_are_indexed_at_once_and_imports_by_the_server_in_the_background() {
    let app = TestApp::spawn().await;
    let token = app.token("editor").await;
    let created = app
        .create_article(
            &token,
            &json!({"title": "Quasicrystal caching", "level": "advanced", "source": "Acme"}),
        )
        .await;
    assert!(created["id"].is_string());
    // The admin API's write computed the document in its own transaction.
    assert_eq!(
        app.db
            .count("SELECT count(*) AS count FROM article_search WHERE search IS NULL")
            .await,
        0
    );
    let found = rss_titles(&rss(&app.feed_body("/feed.rss?q=quasicrystal").await));
    assert_eq!(found, ["Quasicrystal caching"]);

    let imported = app
        .send_json(Method::POST, "/import", &token, &catalogue())
        .await;
    assert_eq!(imported.status(), 200);
    let found = rss_titles(&rss(&app.feed_body("/feed.rss?q=zymurgy").await));
    assert_eq!(found, ["Brewing ledgers", "Stemmed words"]);
    // The server's indexer catches up (it looks for work every second).
    let pending = "SELECT count(*) AS count FROM article_search WHERE search IS NULL";
    for _ in 0..300 {
        if app.db.count(pending).await == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(app.db.count(pending).await, 0, "indexed within 30 s");
    let after = rss_titles(&rss(&app.feed_body("/feed.rss?q=zymurgy").await));
    assert_eq!(after, found);
}

#[tokio::test]
async fn the_indexer_indexes_the_newest_articles_first() {
    let db = TestDatabase::new().await;
    let mut conn = db.connection().await;
    import_catalogue(&mut conn).await;
    assert_eq!(
        db::search::index_pending(&mut conn, 1)
            .await
            .expect("index"),
        1
    );
    let newest_indexed = db
        .count(
            "SELECT count(*) AS count FROM article_search JOIN articles ON id = article_id \
              WHERE search IS NOT NULL AND title = 'Brewing ledgers'",
        )
        .await;
    assert_eq!(
        newest_indexed, 1,
        "the newest article (listed first) is indexed first"
    );
}
