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

#[test]
fn the_configuration_file_fills_in_what_flags_and_environment_leave_unset() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("engfeed.toml");
    std::fs::write(
        &file,
        "database-url = \"postgres://engfeed:filesecret@db.example:5432/engfeed\"\n\
         bind = \"127.0.0.1:9999\"\ncache-bytes = 1234\ncache-max-age = 60\n\
         stats-retention-days = 30\n",
    )
    .unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_engfeed"))
        .args(["serve", "--print-config", "--cache-bytes", "5"])
        .arg("--config")
        .arg(&file)
        .env_remove("DATABASE_URL")
        .env("ENGFEED_CACHE_MAX_AGE", "120")
        .env_remove("ENGFEED_BIND")
        .env_remove("ENGFEED_CACHE_BYTES")
        .env_remove("ENGFEED_STATS_RETENTION_DAYS")
        .output()
        .expect("run engfeed");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        text.contains("database-url = \"postgres://engfeed:***@db.example:5432/engfeed\""),
        "{text}"
    );
    assert!(!text.contains("filesecret"), "passwords are masked");
    assert!(
        text.contains("bind = \"127.0.0.1:9999\""),
        "the file over the default: {text}"
    );
    assert!(
        text.contains("cache-max-age = 120"),
        "the environment over the file: {text}"
    );
    assert!(text.contains("stats-retention-days = 30"), "{text}");
    assert!(
        text.contains("cache-bytes = 5"),
        "the flag over the file: {text}"
    );

    std::fs::write(&file, "bnid = \"127.0.0.1:1\"\n").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_engfeed"))
        .args(["serve", "--print-config"])
        .arg("--config")
        .arg(&file)
        .output()
        .expect("run engfeed");
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("unknown setting `bnid`"));
}
