//! Hostile input and concurrency (issue 11): out-of-range dates and crafted cursors are
//! clear 400s, parallel writers get no 5xx, and every feed stays online and valid.

use reqwest::Method;
use serde_json::json;

use crate::feed_parse::{atom, json_feed, rss};
use crate::helpers::{TestApp, assert_problem};

/// Every feed format still parses.
async fn feeds_are_valid(app: &TestApp) {
    rss(&app.feed_body("/feed.rss").await);
    atom(&app.feed_body("/feed.atom").await);
    json_feed(&app.feed_body("/feed.json").await);
}

#[tokio::test]
async fn dates_beyond_four_digit_years_in_utc_are_refused_by_name() {
    let app = TestApp::with_seed().await;
    let token = app.token("editor").await;
    for (field, date) in [
        ("published_at", "9999-12-31T23:00:00-05:00"),
        ("published_at", "0000-01-01T00:00:00+00:30"),
        ("updated_at", "9999-12-31T23:59:59-00:01"),
    ] {
        let body = json!({"title": "Far away", "level": "beginner", "source": "Acme", field: date});
        let response = app
            .send_json(Method::POST, "/articles", &token, &body)
            .await;
        assert_problem(response, 400, Some(field)).await;
    }
    let catalogue = json!([{
        "title": "Deleted far away", "summary": "", "author": null, "level": "beginner",
        "read_minutes": null, "includes_code": false, "has_summary": false, "source": "Acme",
        "deleted_at": "9999-12-31T23:59:59-01:00"
    }]);
    let imported = app
        .send_json(Method::POST, "/import", &token, &catalogue)
        .await;
    assert_eq!(imported.status(), 400);
    // The last valid second is fine, and renders in every format.
    let edge = json!({"title": "At the edge", "level": "beginner", "source": "Acme",
                      "published_at": "9999-12-31T23:59:59Z"});
    app.create_article(&token, &edge).await;
    feeds_are_valid(&app).await;
    let channel = rss(&app.feed_body("/feed.rss").await);
    assert_eq!(
        channel.items[0].pub_date.as_deref(),
        Some("Fri, 31 Dec 9999 23:59:59 +0000")
    );
}

#[tokio::test]
async fn crafted_cursors_and_dates_in_urls_are_400s() {
    let app = TestApp::with_seed().await;
    let token = app.token("reader").await;
    for path in [
        "/feed.atom?cursor=-8000000000000000000.1",
        "/feed.rss?cursor=253402300800000000.1",
        "/feed.json?since=9999-12-31T23:59:59-23:59",
    ] {
        let response = app.get(path).await;
        assert_problem(response, 400, None).await;
    }
    let listed = app
        .api(
            Method::GET,
            "/articles?cursor=-8000000000000000000.1",
            &token,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(listed.status(), 400);
}

#[tokio::test]
async fn parallel_writers_with_one_new_author_get_no_server_error() {
    let app = TestApp::with_seed().await;
    let token = app.token("editor").await;
    // One new name, and different names sharing one slug ("Ann Lee", "ann lee", "Ann-Lee").
    let names = ["Nova Writer"; 4]
        .into_iter()
        .chain(["Ann Lee", "ann lee", "Ann-Lee", "ANN LEE"]);
    let writes = names.enumerate().map(|(n, name)| {
        let body = json!({"title": format!("Parallel {n}"), "author": name,
                          "level": "advanced", "source": "Acme"});
        let (app, token) = (&app, &token);
        async move {
            let response = app.send_json(Method::POST, "/articles", token, &body).await;
            (response.status().as_u16(), response.text().await.unwrap())
        }
    });
    let statuses = futures_util::future::join_all(writes).await;
    assert!(statuses.iter().all(|(s, _)| *s == 201), "{statuses:?}");
    let authors = app.api_json("/authors", &token).await;
    let slugs: Vec<&str> = authors["authors"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["slug"].as_str())
        .filter(|s| s.starts_with("ann-lee") || s.starts_with("nova-writer"))
        .collect();
    assert_eq!(slugs.len(), 5, "one Nova Writer, four Ann Lees: {slugs:?}");
    feeds_are_valid(&app).await;
}

#[tokio::test]
async fn a_long_import_does_not_hold_up_other_writes() {
    use diesel_async::SimpleAsyncConnection;
    let app = TestApp::with_seed().await;
    let token = app.token("editor").await;
    // An import in progress, as db::import runs one: clock deferred, rows written, open.
    let mut import = app.db.connection().await;
    import
        .batch_execute(
            "BEGIN; \
             SELECT set_config('engfeed.defer_catalogue_clock', 'on', true); \
             INSERT INTO articles (import_key, title, summary, level, includes_code, \
                                   has_summary, source, published_at, updated_at) \
             VALUES ('slow', 'Slow import', '', 'beginner', false, false, 'Acme', now(), now());",
        )
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let body = json!({"title": "Written meanwhile", "level": "beginner", "source": "Acme"});
    let response = app
        .send_json(Method::POST, "/articles", &token, &body)
        .await;
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
    // Waiting for the import's commit would take until the lock timeout (2 s) and fail.
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
    import
        .batch_execute("SELECT engfeed_move_catalogue_clock(); COMMIT;")
        .await
        .unwrap();
    let titles: Vec<String> = rss(&app.feed_body("/feed.rss").await)
        .items
        .into_iter()
        .filter_map(|i| i.title)
        .collect();
    assert!(titles.contains(&"Written meanwhile".to_owned()));
}

#[tokio::test]
async fn concurrent_patches_of_different_fields_both_land() {
    let app = TestApp::with_seed().await;
    let token = app.token("editor").await;
    let listed = app.api_json("/articles?limit=10", &token).await;
    let ids: Vec<String> = listed["articles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_owned())
        .collect();
    for (n, id) in ids.iter().enumerate() {
        let path = format!("/articles/{id}");
        let title = json!({"title": format!("Retitled {n}")});
        let summary = json!({"summary": format!("Resummarised {n}")});
        let (a, b) = tokio::join!(
            app.send_json(Method::PATCH, &path, &token, &title),
            app.send_json(Method::PATCH, &path, &token, &summary),
        );
        assert_eq!((a.status().as_u16(), b.status().as_u16()), (200, 200));
        let stored = app.api_json(&path, &token).await;
        assert_eq!(stored["title"], format!("Retitled {n}"), "{stored}");
        assert_eq!(stored["summary"], format!("Resummarised {n}"), "{stored}");
    }
}

#[tokio::test]
async fn an_empty_patch_changes_nothing() {
    let app = TestApp::with_seed().await;
    let token = app.token("editor").await;
    let listed = app.api_json("/articles?limit=1", &token).await;
    let article = &listed["articles"][0];
    let path = format!("/articles/{}", article["id"].as_str().unwrap());
    let before = app.api_json(&path, &token).await;
    let generation = app.cache.changes_heard();
    let response = app
        .send_json(Method::PATCH, &path, &token, &json!({}))
        .await;
    assert_eq!(response.status(), 200);
    let after = app.api_json(&path, &token).await;
    assert_eq!(before, after, "same version, same dates");
    assert_eq!(app.cache.changes_heard(), generation, "no cache flush");
}

#[tokio::test]
async fn refused_logins_are_logged_counted_and_carry_the_common_headers() {
    let app = TestApp::spawn().await;
    let refused = app
        .client
        .get(app.url("/api/v1/articles"))
        .bearer_auth("not-a-token")
        .send()
        .await
        .unwrap();
    assert!(refused.headers().contains_key("x-request-id"));
    assert_eq!(refused.headers()["x-content-type-options"], "nosniff");
    assert_problem(refused, 401, None).await;
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(
        metrics
            .lines()
            .any(|l| l.starts_with("engfeed_http_requests_total")
                && l.contains("route=\"/api/v1\"")
                && l.contains("status=\"401\"")),
        "{metrics}"
    );
}

#[tokio::test]
async fn sources_with_commas_or_odd_case_rules_have_working_feeds() {
    let app = TestApp::spawn().await;
    let token = app.token("editor").await;
    let sources = ["Acme, Inc.", "ΟΔΟΣ", "İstanbul Eng"];
    for source in sources {
        let body =
            json!({"title": format!("From {source}"), "level": "beginner", "source": source});
        app.create_article(&token, &body).await;
    }
    let listed: serde_json::Value = app.get("/feeds.json").await.json().await.unwrap();
    for source in sources {
        let url = listed["feeds"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["group"] == "source" && f["name"] == source && f["format"] == "RSS")
            .unwrap_or_else(|| panic!("no feed for {source}"))["url"]
            .as_str()
            .unwrap()
            .to_owned();
        let response = app.client.get(&url).send().await.unwrap();
        assert_eq!(response.status(), 200, "{url}");
        let items = rss(&response.text().await.unwrap()).items;
        let titles: Vec<_> = items.iter().filter_map(|i| i.title.clone()).collect();
        assert_eq!(titles, [format!("From {source}")], "{url}");
    }
    // Written as a reader would, in another case, through the canonical redirect.
    let titles: Vec<_> = rss(&app.feed_body_via_canonical("/feed.rss?source=οδοσ").await)
        .items
        .into_iter()
        .filter_map(|i| i.title)
        .collect();
    assert_eq!(titles, ["From ΟΔΟΣ"]);
}

#[tokio::test]
async fn small_protocol_abuses_get_clear_answers() {
    let app = TestApp::with_seed().await;
    let token = app.token("editor").await;
    // Trailing data after a JSON body.
    let response = app
        .api(Method::POST, "/articles", &token)
        .header("content-type", "application/json")
        .body(r#"{"title": "T", "level": "beginner", "source": "S"} xyz"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let response = app
        .api(Method::POST, "/import", &token)
        .header("content-type", "application/json")
        .body("[] []")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    // Percent-escapes that are not UTF-8 are refused, not searched for as U+FFFD.
    let response = app.get("/feed.atom?q=%FF%FE").await;
    assert_eq!(response.status(), 400);
    // q=0 refuses Atom even where */* would bring it back.
    let response = app
        .client
        .get(app.url("/feed"))
        .header("accept", "application/atom+xml;q=0, */*")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "application/rss+xml; charset=utf-8"
    );
}

#[tokio::test]
async fn large_articles_cannot_grow_a_feed_document_past_its_budget() {
    let app = TestApp::with_seed().await;
    let token = app.token("editor").await;
    // Each holds 200 KiB of text.
    let html = format!("<p>{}</p>", "lorem ipsum ".repeat(200 * 1024 / 12));
    for n in 0..8 {
        let body = json!({"title": format!("Big {n}"), "level": "advanced", "source": "Acme",
                          "content_html": html});
        app.create_article(&token, &body).await;
    }
    let body = app.feed_body("/feed.atom").await;
    assert!(body.len() < 3 * 1024 * 1024, "{} bytes", body.len());
    let feed = atom(&body);
    assert_eq!(feed.entries.len(), 50);
    let with_content = feed.entries.iter().filter(|e| e.content.is_some()).count();
    let seed_with_content = 0; // the seed has no article HTML
    assert_eq!(
        with_content - seed_with_content,
        5,
        "1 MiB of HTML: five of eight"
    );
    for format in ["rss", "json"] {
        let body = app.feed_body(&format!("/feed.{format}")).await;
        assert!(
            body.len() < 3 * 1024 * 1024,
            "{format}: {} bytes",
            body.len()
        );
    }
}

#[tokio::test]
async fn deeply_nested_or_ampersand_heavy_html_is_refused_quickly() {
    let app = TestApp::spawn().await;
    let token = app.token("editor").await;
    for (what, html) in [
        ("nesting", "<div>".repeat(50_000)),
        ("ampersands", "&".repeat(250 * 1024)),
    ] {
        let body =
            json!({"title": what, "level": "beginner", "source": "Acme", "content_html": html});
        let started = std::time::Instant::now();
        let response = app
            .send_json(Method::POST, "/articles", &token, &body)
            .await;
        assert_problem(response, 400, Some("content_html")).await;
        // Before the limits, these took 10 s and minutes of one worker's time.
        assert!(
            started.elapsed() < std::time::Duration::from_secs(5),
            "{what}"
        );
        assert_eq!(app.get("/healthz").await.status(), 200);
    }
}

#[tokio::test]
async fn oversized_headers_are_refused_and_still_logged() {
    let app = TestApp::spawn().await;
    let response = app
        .client
        .get(app.url("/feed.atom"))
        .header("x-padding", "a".repeat(64 * 1024))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 431);
    assert!(response.headers().contains_key("x-request-id"));
    assert_eq!(app.get("/feed.atom").await.status(), 200);
}
