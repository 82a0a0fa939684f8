//! Poll statistics: counted as feeds are served, written by a flush, read through
//! `GET /api/v1/stats/feeds` and `engfeed stats`.

use reqwest::header::{ACCEPT, IF_NONE_MATCH, USER_AGENT};
use serde_json::Value;

use crate::helpers::{TestApp, TestDatabase, assert_problem};

const FEEDLY_123: &str = "Feedly/1.0 (+http://www.feedly.com/fetcher.html; 123 subscribers)";
const FEEDLY_125: &str = "Feedly/1.0 (+http://www.feedly.com/fetcher.html; 125 subscribers)";
const INOREADER: &str = "Inoreader/1.0 (+http://www.inoreader.com/feed-fetcher; 4 subscribers; )";
const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0";
const NEWSBOAT: &str = "Newsboat/2.36 (Linux x86_64)";

const ADVANCED: &str = "/levels/advanced/feed.atom";

/// GETs `path` as `agent`, with `etag` as `If-None-Match` when given; returns the status,
/// the ETag and the body's length.
async fn poll(app: &TestApp, path: &str, agent: &str, etag: Option<&str>) -> (u16, String, usize) {
    let mut request = app.client.get(app.url(path)).header(USER_AGENT, agent);
    if let Some(etag) = etag {
        request = request.header(IF_NONE_MATCH, etag);
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    let etag = response
        .headers()
        .get("etag")
        .map(|v| v.to_str().expect("etag").to_owned())
        .unwrap_or_default();
    let length = response.bytes().await.expect("body").len();
    (status, etag, length)
}

fn feed<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["feeds"]
        .as_array()
        .expect("feeds")
        .iter()
        .find(|f| f["feed"] == name)
        .unwrap_or_else(|| panic!("{name} is not in {report:#}"))
}

#[tokio::test]
async fn aggregators_and_direct_clients_are_counted_after_a_flush() {
    let app = TestApp::with_seed().await;
    let token = app.token("stats").await;

    // Before the first flush: one poll by each client, one 304.
    let (status, etag, length) = poll(&app, ADVANCED, FEEDLY_123, None).await;
    assert_eq!(status, 200);
    assert_eq!(poll(&app, ADVANCED, FEEDLY_123, Some(&etag)).await.0, 304);
    assert_eq!(poll(&app, ADVANCED, INOREADER, None).await.0, 200);
    assert_eq!(poll(&app, ADVANCED, FIREFOX, None).await.0, 200);
    // Not polls of a feed: a redirect to the canonical URL, an unknown level.
    assert_eq!(app.get(&format!("{ADVANCED}?limit=50")).await.status(), 301);
    assert_eq!(app.get("/levels/expert/feed.atom").await.status(), 404);
    app.polls.flush().await.expect("first flush");

    // After it: the same clients again (counted once per day across flushes), Feedly with
    // a newer count, a second direct client, and a negotiated URL counted under the
    // canonical one.
    assert_eq!(poll(&app, ADVANCED, FEEDLY_125, Some(&etag)).await.0, 304);
    assert_eq!(poll(&app, ADVANCED, FIREFOX, None).await.0, 200);
    assert_eq!(poll(&app, ADVANCED, NEWSBOAT, None).await.0, 200);
    let negotiated = app
        .client
        .get(app.url("/feed"))
        .header(USER_AGENT, NEWSBOAT)
        .header(ACCEPT, "application/atom+xml")
        .send()
        .await
        .expect("request");
    assert_eq!(negotiated.status(), 200);
    app.polls.flush().await.expect("second flush");

    let report = app.api_json("/stats/feeds?days=7", &token).await;
    assert_eq!(report["days"], 7);
    let advanced = feed(&report, ADVANCED);
    assert_eq!(advanced["requests"], 7, "{advanced:#}");
    assert_eq!(advanced["not_modified"], 2);
    let share = advanced["not_modified_share"].as_f64().expect("share");
    assert!((share - 2.0 / 7.0).abs() < 1e-9, "{share}");
    assert_eq!(advanced["bytes_sent"], 5 * length as u64);
    assert_eq!(
        advanced["distinct_clients"], 4,
        "Feedly, Inoreader, Firefox, Newsboat"
    );
    assert_eq!(advanced["direct_clients"], 2);
    assert_eq!(
        advanced["reported_subscribers"],
        serde_json::json!([
            {"aggregator": "Feedly", "subscribers": 125},
            {"aggregator": "Inoreader", "subscribers": 4},
        ])
    );
    assert_eq!(advanced["estimated_subscribers"], 125 + 4 + 2);
    assert_eq!(advanced["url"], app.url(ADVANCED));

    let full = feed(&report, "/feed.atom");
    assert_eq!(full["requests"], 1);
    assert_eq!(full["estimated_subscribers"], 1);
    assert_eq!(report["feeds"].as_array().expect("feeds").len(), 2);
    // Most estimated subscribers first.
    assert_eq!(report["feeds"][0]["feed"], ADVANCED);

    // One feed only.
    let one = app.api_json("/stats/feeds?feed=%2Ffeed.atom", &token).await;
    assert_eq!(one["feeds"].as_array().expect("feeds").len(), 1);
    assert_eq!(one["feeds"][0]["feed"], "/feed.atom");

    // The same on the command line.
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_engfeed"))
        .args(["stats", "--days", "7"])
        .env("DATABASE_URL", app.db.url.expose())
        .env("RUST_LOG", "warn")
        .output()
        .expect("run engfeed stats");
    let table = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{table}");
    let rows: Vec<Vec<&str>> = table
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(rows.len(), 3, "{table}");
    assert_eq!(rows[0][..3], ["FEED", "REQUESTS", "304"]);
    let bytes = (5 * length).to_string();
    assert_eq!(
        rows[1],
        [
            ADVANCED,
            "7",
            "29%",
            &bytes,
            "4",
            "2",
            "131",
            "Feedly",
            "125,",
            "Inoreader",
            "4"
        ],
        "{table}"
    );
    assert_eq!(rows[2][0], "/feed.atom", "{table}");

    // Polls per scope, in Prometheus.
    let metrics = app.get("/metrics").await.text().await.expect("metrics");
    assert!(
        metrics.contains("engfeed_feed_polls_total{scope=\"level\"}"),
        "{metrics}"
    );
    assert!(metrics.contains("engfeed_feed_polls_total{scope=\"full\"}"));
}

#[tokio::test]
async fn nothing_is_written_before_a_flush() {
    let app = TestApp::with_seed().await;
    let token = app.token("stats").await;
    assert_eq!(poll(&app, ADVANCED, FIREFOX, None).await.0, 200);
    let report = app.api_json("/stats/feeds", &token).await;
    assert_eq!(report["feeds"], serde_json::json!([]));
    assert_eq!(
        app.db
            .count("SELECT count(*) AS count FROM feed_poll_clients")
            .await,
        0
    );
    app.polls.flush().await.expect("flush");
    let report = app.api_json("/stats/feeds", &token).await;
    assert_eq!(report["feeds"][0]["requests"], 1);
    // The address is not stored, only a hash of it.
    assert_eq!(
        app.db
            .count("SELECT count(*) AS count FROM feed_poll_clients")
            .await,
        1
    );
}

#[tokio::test]
async fn rows_older_than_the_retention_are_deleted_by_the_flusher() {
    let app = TestApp::with_seed_and(engfeed::config::FeedOptions {
        stats_retention_days: 3,
        ..Default::default()
    })
    .await;
    app.db
        .run_sql(
            "INSERT INTO feed_poll_stats (day, feed, requests) VALUES \
             (current_date - 3, '/feed.atom', 5), (current_date - 2, '/feed.rss', 6)",
        )
        .await;
    app.polls.flush().await.expect("flush");
    let kept = app
        .db
        .count("SELECT count(*) AS count FROM feed_poll_stats WHERE feed = '/feed.rss'")
        .await;
    let gone = app
        .db
        .count("SELECT count(*) AS count FROM feed_poll_stats WHERE feed = '/feed.atom'")
        .await;
    assert_eq!((kept, gone), (1, 0));
}

#[tokio::test]
async fn invalid_report_parameters_are_named() {
    let app = TestApp::spawn().await;
    let token = app.token("stats").await;
    for (query, field) in [
        ("days=0", "days"),
        ("days=367", "days"),
        ("days=week", "days"),
        ("feed=feed.atom", "feed"),
        ("limit=10", "limit"),
    ] {
        let response = app
            .api(
                reqwest::Method::GET,
                &format!("/stats/feeds?{query}"),
                &token,
            )
            .send()
            .await
            .expect("request");
        assert_problem(response, 400, Some(field)).await;
    }
    let anonymous = app.get("/api/v1/stats/feeds").await;
    assert_eq!(anonymous.status(), 401);
}

#[tokio::test]
async fn a_clean_shutdown_writes_what_was_counted() {
    let db = TestDatabase::new().await;
    let settings = engfeed::config::Settings {
        database_url: db.url.clone(),
        database_read_url: None,
        bind: "127.0.0.1:0".parse().expect("address"),
        public_url: None,
        db_pool_size: 2,
        workers: Some(1),
        feeds: engfeed::config::FeedOptions::default(),
    };
    let app = engfeed::startup::Application::build(settings)
        .await
        .expect("build application");
    let url = app.public_url().join("/feed.atom");
    let stop = app.stop_handle();
    let running = tokio::spawn(app.run_until_stopped());
    let response = reqwest::Client::new()
        .get(&url)
        .header(USER_AGENT, FIREFOX)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    response.bytes().await.expect("body");
    assert_eq!(
        db.count("SELECT count(*) AS count FROM feed_poll_stats")
            .await,
        0
    );

    stop.stop(true).await;
    running.await.expect("join").expect("served");
    assert_eq!(
        db.count("SELECT requests AS count FROM feed_poll_stats WHERE feed = '/feed.atom'")
            .await,
        1
    );
}
