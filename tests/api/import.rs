use std::process::{Command, Output};

use crate::feed_parse::{atom, rss};
use crate::helpers::{TestApp, TestDatabase, seed_path};

pub(crate) fn engfeed(db: &TestDatabase, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_engfeed"))
        .args(args)
        .env("DATABASE_URL", db.url.expose())
        .env("RUST_LOG", "warn")
        .output()
        .expect("run engfeed")
}

pub(crate) fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[tokio::test]
async fn importing_the_seed_twice_creates_once_then_changes_nothing() {
    let db = TestDatabase::new().await;
    let seed = seed_path();
    let first = engfeed(&db, &["import", &seed]);
    assert!(first.status.success(), "{}", stderr(&first));
    assert!(
        stdout(&first).contains("50 created, 0 updated, 0 unchanged"),
        "{}",
        stdout(&first)
    );
    let snapshot = "SELECT count(*) AS count FROM articles a JOIN articles b USING (public_id) \
                    WHERE a.updated_at = b.updated_at";
    let before = db.count(snapshot).await;
    let second = engfeed(&db, &["import", &seed]);
    assert!(
        stdout(&second).contains("0 created, 0 updated, 50 unchanged"),
        "{}",
        stdout(&second)
    );
    assert_eq!(db.count("SELECT count(*) AS count FROM articles").await, 50);
    assert_eq!(db.count(snapshot).await, before);
    assert_eq!(db.count("SELECT count(*) AS count FROM authors").await, 28);
    assert_eq!(
        db.count("SELECT count(*) AS count FROM articles WHERE author_id IS NULL")
            .await,
        1
    );
}

#[tokio::test]
async fn a_malformed_catalogue_names_the_item_and_field_and_writes_nothing() {
    let db = TestDatabase::new().await;
    let seed: Vec<serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(seed_path()).unwrap()).unwrap();
    let cases: Vec<(usize, &str, serde_json::Value, &str)> = vec![
        (
            7,
            "level",
            "expert".into(),
            "item 7: field `level`: unknown level 'expert'",
        ),
        (
            3,
            "read_minutes",
            "ten".into(),
            "item 3: field `read_minutes`: invalid type",
        ),
        (
            12,
            "read_minutes",
            0.into(),
            "item 12: field `read_minutes`: must be a whole number from 1 to 600",
        ),
        (
            50,
            "title",
            "".into(),
            "item 50: field `title`: must not be empty",
        ),
        (
            2,
            "url",
            "/relative".into(),
            "item 2: field `url`: must be an absolute URL",
        ),
        (
            9,
            "published_at",
            "2024-13-01".into(),
            "item 9: field `published_at`: must be an RFC 3339",
        ),
    ];
    for (item, field, value, expected) in cases {
        let mut items = seed.clone();
        items[item - 1][field] = value;
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), serde_json::to_vec(&items).unwrap()).unwrap();
        let output = engfeed(&db, &["import", file.path().to_str().unwrap()]);
        assert!(!output.status.success());
        assert!(
            stderr(&output).contains(expected),
            "expected {expected:?} in {}",
            stderr(&output)
        );
        assert!(stderr(&output).contains("nothing was imported"));
    }
    let truncated = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(truncated.path(), b"[{\"title\": \"x\"").unwrap();
    let output = engfeed(&db, &["import", truncated.path().to_str().unwrap()]);
    assert!(
        stderr(&output).contains("line 1, column"),
        "{}",
        stderr(&output)
    );
    let missing = engfeed(&db, &["import", "/no/such/file.json"]);
    assert!(stderr(&missing).contains("cannot read /no/such/file.json"));
    assert_eq!(db.count("SELECT count(*) AS count FROM articles").await, 0);
}

#[tokio::test]
async fn an_unreachable_database_gets_one_clear_line() {
    let output = Command::new(env!("CARGO_BIN_EXE_engfeed"))
        .args(["migrate"])
        .env(
            "DATABASE_URL",
            "postgres://engfeed:hunter2@127.0.0.1:9/engfeed",
        )
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert!(
        message.starts_with(
            "error: cannot connect to PostgreSQL at postgres://engfeed:***@127.0.0.1:9/engfeed"
        ),
        "{message}"
    );
    assert!(message.contains("scripts/ensure-postgres"));
    assert!(!message.contains("hunter2") && !message.contains("panicked"));
}

#[tokio::test]
async fn migrate_is_idempotent_and_feeds_lists_every_feed() {
    let db = TestDatabase::new().await;
    let migrate = engfeed(&db, &["migrate"]);
    assert!(
        stdout(&migrate).contains("up to date"),
        "{}",
        stdout(&migrate)
    );
    engfeed(&db, &["import", &seed_path()]);
    let feeds = engfeed(
        &db,
        &["feeds", "--public-url", "https://feeds.example.com/"],
    );
    let urls: Vec<String> = stdout(&feeds).lines().map(str::to_owned).collect();
    // full + 3 levels + 28 authors + 1 source, in three formats each
    assert_eq!(urls.len(), 3 * (1 + 3 + 28 + 1));
    assert!(urls.contains(&"https://feeds.example.com/feed.atom?source=stripe".to_owned()));
    assert!(urls.contains(&"https://feeds.example.com/feed.json".to_owned()));
    assert!(urls.contains(&"https://feeds.example.com/authors/james-beswick/feed.atom".to_owned()));
    assert!(urls.contains(&"https://feeds.example.com/levels/advanced/feed.rss".to_owned()));
}

#[tokio::test]
async fn item_ids_survive_reimport_and_edits_of_title_and_url() {
    let app = TestApp::with_seed().await;
    let before = rss(&app.feed_body("/feed.rss").await);
    let first = &before.items[0];
    let guid = first.guid.as_ref().unwrap().value.clone();
    let public_id = guid.trim_start_matches("urn:uuid:");

    app.import_json(&std::fs::read_to_string(seed_path()).unwrap())
        .await;
    let again = rss(&app.feed_body("/feed.rss").await);
    let guids = |c: &rss::Channel| {
        c.items
            .iter()
            .map(|i| i.guid.clone().unwrap().value)
            .collect::<Vec<_>>()
    };
    assert_eq!(guids(&before), guids(&again));

    let edited = serde_json::json!([{
        "id": public_id, "title": "A new title", "summary": "Now with a link.",
        "author": "Allison Farris", "level": "intermediate", "read_minutes": 7,
        "includes_code": true, "has_summary": true, "source": "Stripe",
        "url": "https://stripe.com/blog/payment-intent-lifecycle"
    }]);
    let report = app.import_json(&edited.to_string()).await;
    assert_eq!((report.created, report.updated), (0, 1));
    let after = atom(&app.feed_body("/feed.atom").await);
    let entry = after
        .entries
        .iter()
        .find(|e| e.id == guid)
        .expect("same id after the edit");
    assert_eq!(entry.title.value, "A new title");
    assert_eq!(
        entry.links[0].href,
        "https://stripe.com/blog/payment-intent-lifecycle"
    );
    assert!(
        entry.updated > entry.published.unwrap(),
        "an edit moves updated, not published"
    );
    assert_eq!(
        after.updated, entry.updated,
        "the feed is as new as its newest change"
    );
    assert_eq!(after.entries.len(), 50);
}

#[tokio::test]
async fn colliding_author_names_get_distinct_slugs() {
    let app = TestApp::spawn().await;
    let item = |title: &str, author: &str| {
        serde_json::json!({
            "title": title, "summary": "", "author": author, "level": "beginner", "read_minutes": null,
            "includes_code": false, "has_summary": false, "source": "Test"
        })
    };
    let catalogue = serde_json::json!([item("One", "José Núñez"), item("Two", "Jose Nunez")]);
    app.import_json(&catalogue.to_string()).await;
    let first = atom(&app.feed_body("/authors/jose-nunez/feed.atom").await);
    let second = atom(&app.feed_body("/authors/jose-nunez-2/feed.atom").await);
    assert_eq!(first.entries.len(), 1);
    assert_eq!(second.entries.len(), 1);
    assert_ne!(first.entries[0].title.value, second.entries[0].title.value);
}

#[tokio::test]
async fn dates_from_the_catalogue_are_kept_and_order_the_feed() {
    let app = TestApp::spawn().await;
    let item = |title: &str, published: &str| {
        serde_json::json!({
            "title": title, "summary": "", "author": null, "level": "beginner", "read_minutes": 4,
            "includes_code": false, "has_summary": false, "source": "Test",
            "published_at": published, "url": format!("https://example.com/{title}")
        })
    };
    let catalogue = serde_json::json!([
        item("older", "2024-01-15T10:00:00Z"),
        item("newer", "2025-06-01T08:30:00+02:00"),
    ]);
    app.import_json(&catalogue.to_string()).await;
    let channel = rss(&app.feed_body("/feed.rss").await);
    assert_eq!(channel.items[0].title.as_deref(), Some("newer"));
    assert_eq!(
        channel.items[0].pub_date.as_deref(),
        Some("Sun, 1 Jun 2025 06:30:00 +0000")
    );
    assert_eq!(
        channel.last_build_date.as_deref(),
        Some("Sun, 1 Jun 2025 06:30:00 +0000")
    );
}

async fn import(
    conn: &mut diesel_async::AsyncPgConnection,
    articles: &[engfeed::domain::NewArticle],
) -> engfeed::db::Result<engfeed::db::import::Imported> {
    engfeed::db::import::import(
        conn,
        articles,
        chrono::Utc::now(),
        None,
        engfeed::db::import::EditedArticles::Keep,
    )
    .await
}

/// The insert statements of a large import are pipelined (the next is sent while the
/// server writes the one before): one refused in the middle must still leave nothing
/// behind, and the connection must be usable afterwards.
#[tokio::test]
async fn a_write_refused_between_pipelined_chunks_changes_nothing() {
    let db = TestDatabase::new().await;
    let seeded = engfeed(&db, &["import", &seed_path()]);
    assert!(seeded.status.success(), "{}", stderr(&seeded));
    // The server refuses one article the import has no reason to refuse.
    db.run_script(
        "CREATE FUNCTION refuse_article() RETURNS trigger LANGUAGE plpgsql AS $$ \
         BEGIN RAISE EXCEPTION 'refused by the test'; END; $$; \
         CREATE TRIGGER refuse_article BEFORE INSERT ON articles FOR EACH ROW \
         WHEN (NEW.title = 'Refused') EXECUTE FUNCTION refuse_article();",
    )
    .await;
    // 25,000 new articles: three insert statements; the refused one is in the second.
    let items: Vec<serde_json::Value> = (0..25_000)
        .map(|i| {
            serde_json::json!({
                "title": if i == 12_500 { "Refused".to_owned() } else { format!("Article {i}") },
                "summary": "S", "author": format!("Author {}", i % 50), "level": "beginner",
                "read_minutes": 5, "includes_code": false, "has_summary": true,
                "source": "Bulk", "url": format!("https://bulk.example/{i}"),
            })
        })
        .collect();
    let catalogue =
        engfeed::import::Catalogue::from_json(&serde_json::to_vec(&items).unwrap()).unwrap();
    let clock = "SELECT (extract(epoch FROM catalogue_changed_at) * 1000000)::bigint AS count \
                 FROM site";
    let clock_before = db.count(clock).await;
    let mut conn = db.connection().await;
    let refused = import(&mut conn, &catalogue.articles).await;
    assert!(refused.is_err(), "the import should have been refused");
    assert_eq!(db.count("SELECT count(*) AS count FROM articles").await, 50);
    assert_eq!(
        db.count("SELECT count(*) AS count FROM article_search")
            .await,
        50
    );
    assert_eq!(db.count("SELECT count(*) AS count FROM authors").await, 28);
    assert_eq!(db.count(clock).await, clock_before);
    // The same connection imports the same catalogue once the server accepts it.
    db.run_sql("DROP TRIGGER refuse_article ON articles").await;
    let report = import(&mut conn, &catalogue.articles)
        .await
        .expect("import")
        .report;
    assert_eq!(report.created, 25_000);
    assert_eq!(
        db.count("SELECT count(*) AS count FROM articles").await,
        25_050
    );
}
