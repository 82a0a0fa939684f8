//! `engfeed check`: one line per check, the fix for each failure.

use std::process::Command;

use crate::helpers::TestDatabase;

fn check(database_url: &str) -> (bool, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_engfeed"))
        .args(["check", "--bind", "127.0.0.1:0"])
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run engfeed");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

#[tokio::test]
async fn check_passes_on_a_migrated_database_and_names_the_fix_otherwise() {
    let db = TestDatabase::new().await;
    let (ok, text) = check(db.url.expose());
    assert!(ok, "{text}");
    assert!(
        text.contains("ok           migrations are current"),
        "{text}"
    );
    assert!(text.contains("all checks passed"));

    let mut wrong_password = url::Url::parse(db.url.expose()).expect("URL");
    wrong_password
        .set_password(Some("wrong"))
        .expect("a password");
    let (ok, text) = check(wrong_password.as_str());
    assert!(!ok);
    assert!(text.contains("refused the password"), "{text}");
    assert!(
        !text.contains("wrong"),
        "the password is never shown: {text}"
    );

    let (ok, text) = check("postgres://engfeed:x@127.0.0.1:9/engfeed");
    assert!(!ok);
    assert!(text.contains("scripts/ensure-postgres"), "{text}");
}
