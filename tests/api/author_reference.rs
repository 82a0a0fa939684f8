//! Every article's author exists (migration 14): checked once per statement by triggers
//! instead of a foreign key, with the foreign key's errors and its behaviour under
//! concurrent writes.

use std::time::Duration;

use diesel::result::{DatabaseErrorKind, Error};
use diesel_async::{AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};

use crate::helpers::TestDatabase;

const NO_SUCH_AUTHOR: i64 = 999_999;

fn insert_article(author_id: i64) -> String {
    format!(
        "INSERT INTO articles (title, summary, level, includes_code, has_summary, source, \
                               published_at, updated_at, author_id) \
         VALUES ('A title', 'A summary', 'beginner', false, true, 'Test', now(), now(), {author_id})"
    )
}

async fn new_author(db: &TestDatabase, slug: &str) -> i64 {
    db.count(&format!(
        "INSERT INTO authors (name, slug) VALUES ('{slug}', '{slug}') RETURNING id AS count"
    ))
    .await
}

async fn run(conn: &mut AsyncPgConnection, sql: &str) -> Result<usize, Error> {
    diesel::sql_query(sql).execute(conn).await
}

/// The error is the one the foreign key gave: SQLSTATE 23503, naming the constraint.
fn assert_foreign_key_violation(result: Result<usize, Error>, what: &str) {
    match result {
        Err(Error::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, info)) => {
            assert_eq!(
                info.constraint_name(),
                Some("articles_author_id_fkey"),
                "{what}: {}",
                info.message()
            );
        }
        other => panic!("{what}: expected a foreign key violation, got {other:?}"),
    }
}

/// A connection that leaves the catalogue clock alone until it commits, as an import
/// does. Otherwise the clock's one row would make the two writers of a test wait for each
/// other whatever the author check does, and hide what the test is about.
async fn writer(db: &TestDatabase) -> AsyncPgConnection {
    let mut conn = db.connection().await;
    conn.batch_execute("SET engfeed.defer_catalogue_clock = 'on'")
        .await
        .expect("set");
    conn
}

/// Waits until another session is blocked on a lock, so that the order of two
/// transactions is the one the test means.
async fn until_a_session_waits_for_a_lock(db: &TestDatabase) {
    for _ in 0..500 {
        let waiting = db
            .count(
                "SELECT count(*) AS count FROM pg_stat_activity \
                  WHERE datname = current_database() AND wait_event_type = 'Lock'",
            )
            .await;
        if waiting > 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("no session waited for a lock");
}

#[tokio::test]
async fn an_article_cannot_name_an_author_that_does_not_exist() {
    let db = TestDatabase::new().await;
    let mut conn = db.connection().await;
    assert_foreign_key_violation(
        run(&mut conn, &insert_article(NO_SUCH_AUTHOR)).await,
        "insert",
    );

    let author = new_author(&db, "somebody").await;
    run(&mut conn, &insert_article(author))
        .await
        .expect("an existing author");
    run(&mut conn, &insert_article(author))
        .await
        .expect("a second article by the same author");
    assert_foreign_key_violation(
        run(
            &mut conn,
            &format!("UPDATE articles SET author_id = {NO_SUCH_AUTHOR}"),
        )
        .await,
        "update",
    );
    assert_eq!(
        db.count(&format!(
            "SELECT count(*) AS count FROM articles WHERE author_id = {author}"
        ))
        .await,
        2,
        "a failed statement changes nothing"
    );
    run(&mut conn, "UPDATE articles SET author_id = NULL")
        .await
        .expect("an article may have no author");
}

#[tokio::test]
async fn an_author_with_articles_cannot_be_deleted() {
    let db = TestDatabase::new().await;
    let mut conn = db.connection().await;
    let author = new_author(&db, "writer").await;
    let unread = new_author(&db, "unread").await;
    run(&mut conn, &insert_article(author))
        .await
        .expect("article");

    assert_foreign_key_violation(
        run(
            &mut conn,
            &format!("DELETE FROM authors WHERE id = {author}"),
        )
        .await,
        "delete",
    );
    assert_foreign_key_violation(run(&mut conn, "TRUNCATE authors CASCADE").await, "truncate");
    run(
        &mut conn,
        &format!("UPDATE authors SET name = 'Writer Renamed' WHERE id = {author}"),
    )
    .await
    .expect("a rename keeps the references");
    run(
        &mut conn,
        &format!("DELETE FROM authors WHERE id = {unread}"),
    )
    .await
    .expect("an author without articles can go");
    assert_eq!(db.count("SELECT count(*) AS count FROM authors").await, 1);
}

/// Runs `first` in a transaction left open, then `second` from another session, which
/// must wait for `first`'s locks; commits `first` and returns how `second` ended.
async fn after_a_concurrent_commit(
    db: &TestDatabase,
    first: &str,
    second: String,
) -> Result<usize, Error> {
    let mut first_session = writer(db).await;
    first_session
        .batch_execute(&format!("BEGIN; {first}"))
        .await
        .expect(first);
    let mut second_session = writer(db).await;
    let second = tokio::spawn(async move { run(&mut second_session, &second).await });
    until_a_session_waits_for_a_lock(db).await;
    first_session.batch_execute("COMMIT").await.expect("commit");
    second.await.expect("task")
}

#[tokio::test]
async fn an_article_written_while_its_author_is_deleted_fails_after_the_delete_commits() {
    let db = TestDatabase::new().await;
    let author = new_author(&db, "leaving").await;
    let write = after_a_concurrent_commit(
        &db,
        &format!("DELETE FROM authors WHERE id = {author}"),
        insert_article(author),
    )
    .await;
    assert_foreign_key_violation(write, "insert after the delete");
    assert_eq!(db.count("SELECT count(*) AS count FROM articles").await, 0);
}

#[tokio::test]
async fn an_author_deleted_while_an_article_names_it_fails_after_the_article_commits() {
    let db = TestDatabase::new().await;
    let author = new_author(&db, "staying").await;
    let delete = after_a_concurrent_commit(
        &db,
        &insert_article(author),
        format!("DELETE FROM authors WHERE id = {author}"),
    )
    .await;
    assert_foreign_key_violation(delete, "delete after the insert");
    assert_eq!(
        db.count(&format!(
            "SELECT count(*) AS count FROM articles JOIN authors ON authors.id = author_id \
              WHERE author_id = {author}"
        ))
        .await,
        1
    );
}
