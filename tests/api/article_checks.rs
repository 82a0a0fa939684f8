//! The CHECKs on `articles` (migration 15 rewrote them to cost less): what they accept and
//! refuse, written in plain SQL, behind the application's own validation.

use diesel::result::{DatabaseErrorKind, Error};
use diesel_async::RunQueryDsl;

use crate::helpers::TestDatabase;

fn insert(title: &str, summary: &str, url: Option<&str>, source: &str) -> String {
    let quote = |s: &str| format!("'{}'", s.replace('\'', "''"));
    format!(
        "INSERT INTO articles (title, summary, url, level, includes_code, has_summary, source, \
                               published_at, updated_at) \
         VALUES ({}, {}, {}, 'beginner', false, true, {}, now(), now())",
        quote(title),
        quote(summary),
        url.map_or("NULL".to_owned(), quote),
        quote(source)
    )
}

#[tokio::test]
async fn the_rules_hold_in_characters_not_bytes() {
    let db = TestDatabase::new().await;
    let mut conn = db.connection().await;
    let e300 = "é".repeat(300); // 600 bytes: within 300 characters
    let e10000 = "é".repeat(10_000);
    let accepted = [
        insert("t", "s", Some("https://example.com/a"), "Test"),
        insert("t", "s", Some("http://example.com/a"), "Test"),
        insert("t", "s", None, "Test"),
        insert(&e300, &e10000, None, &"ß".repeat(200)),
    ];
    for sql in accepted {
        diesel::sql_query(&sql)
            .execute(&mut conn)
            .await
            .unwrap_or_else(|e| panic!("{e}: {sql:.120}"));
    }
    let refused = [
        (insert("", "s", None, "Test"), "articles_title_check"),
        (
            insert(&"é".repeat(301), "s", None, "Test"),
            "articles_title_check",
        ),
        (
            insert(&"a".repeat(301), "s", None, "Test"),
            "articles_title_check",
        ),
        (
            insert("t", &"é".repeat(10_001), None, "Test"),
            "articles_summary_check",
        ),
        (
            insert("t", "s", Some("HTTPS://example.com/"), "Test"),
            "articles_url_check",
        ),
        (
            insert("t", "s", Some("ftp://example.com/"), "Test"),
            "articles_url_check",
        ),
        (
            insert("t", "s", Some("https:/example.com/"), "Test"),
            "articles_url_check",
        ),
        (insert("t", "s", None, ""), "articles_source_check"),
        (
            insert("t", "s", None, &"ß".repeat(201)),
            "articles_source_check",
        ),
    ];
    for (sql, constraint) in refused {
        match diesel::sql_query(&sql).execute(&mut conn).await {
            Err(Error::DatabaseError(DatabaseErrorKind::CheckViolation, info)) => {
                assert_eq!(info.constraint_name(), Some(constraint), "{sql:.120}");
            }
            other => panic!("expected {constraint} to refuse {sql:.120}, got {other:?}"),
        }
    }
    assert_eq!(db.count("SELECT count(*) AS count FROM articles").await, 4);
}
