use std::collections::BTreeSet;

use crate::feed_parse::atom;
use crate::helpers::{TestApp, assert_problem};

#[tokio::test]
async fn every_link_in_every_feed_resolves() {
    let app = TestApp::with_seed().await;
    let mut links = BTreeSet::new();
    for path in [
        "/feed.atom?limit=200",
        "/levels/advanced/feed.atom",
        "/authors/ben-smith/feed.atom",
    ] {
        let feed = atom(&app.feed_body(path).await);
        links.extend(feed.links.iter().map(|l| l.href.clone()));
        links.extend(feed.authors.iter().filter_map(|a| a.uri.clone()));
        for entry in &feed.entries {
            links.extend(entry.links.iter().map(|l| l.href.clone()));
            links.extend(entry.authors.iter().filter_map(|a| a.uri.clone()));
        }
    }
    assert!(links.len() > 50);
    for link in links {
        let response = app.client.get(&link).send().await.unwrap();
        assert_eq!(response.status(), 200, "{link}");
    }
}

#[tokio::test]
async fn pages_are_html_with_feed_autodiscovery() {
    let app = TestApp::with_seed().await;
    for (path, feed) in [
        ("/", "/feed.atom"),
        ("/levels/beginner", "/levels/beginner/feed.rss"),
        ("/authors/james-beswick", "/authors/james-beswick/feed.atom"),
    ] {
        let response = app.get(path).await;
        assert_eq!(response.status(), 200);
        assert_eq!(
            response.headers()["content-type"],
            "text/html; charset=utf-8"
        );
        let html = response.text().await.unwrap();
        assert!(
            html.contains(&format!("href=\"{}\"", app.url(feed))),
            "{path} links {feed}"
        );
        assert!(html.contains("rel=\"alternate\" type=\"application/atom+xml\""));
    }
}

#[tokio::test]
async fn unknown_pages_are_404_problems() {
    let app = TestApp::with_seed().await;
    for path in [
        "/articles/not-a-uuid",
        "/articles/00000000-0000-0000-0000-000000000000",
        "/nope",
        "/levels/x",
    ] {
        let response = app.get(path).await;
        assert_problem(response, 404, None).await;
    }
}

#[tokio::test]
async fn health_and_readiness() {
    let app = TestApp::spawn().await;
    assert_eq!(app.get("/healthz").await.status(), 200);
    assert_eq!(app.get("/readyz").await.status(), 200);
}

#[tokio::test]
async fn an_article_page_shows_the_article() {
    let app = TestApp::with_seed().await;
    let feed = atom(&app.feed_body("/feed.atom").await);
    let entry = &feed.entries[0];
    let html = app
        .client
        .get(&entry.links[0].href)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains(&entry.title.value));
    assert!(html.contains("Allison Farris"));
}

#[tokio::test]
async fn the_feed_directory_lists_exactly_the_existing_feeds() {
    let app = TestApp::with_seed().await;
    let json: serde_json::Value = app.get("/feeds.json").await.json().await.unwrap();
    let feeds = json["feeds"].as_array().unwrap();
    assert_eq!(
        feeds.len(),
        3 * (1 + 3 + 28 + 1),
        "all, levels, authors, sources; three formats"
    );
    let seed_authors = crate::seed::authors();
    let listed_authors: std::collections::BTreeSet<String> = feeds
        .iter()
        .filter(|f| f["group"] == "author")
        .map(|f| {
            f["url"]
                .as_str()
                .unwrap()
                .split('/')
                .nth_back(1)
                .unwrap()
                .to_owned()
        })
        .collect();
    let expected: std::collections::BTreeSet<String> = seed_authors
        .iter()
        .map(|n| crate::seed::slug_of(n))
        .collect();
    assert_eq!(listed_authors, expected);
    for feed in feeds {
        let url = feed["url"].as_str().unwrap();
        let response = app.client.get(url).send().await.unwrap();
        assert_eq!(response.status(), 200, "{url}");
        assert_eq!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .split(';')
                .next(),
            feed["media_type"].as_str()
        );
    }

    let response = app.get("/feeds.opml").await;
    assert_eq!(
        response.headers()["content-type"],
        "text/x-opml; charset=utf-8"
    );
    let opml = response.text().await.unwrap();
    let document = roxmltree::Document::parse(&opml).expect("OPML is well-formed XML");
    assert_eq!(document.root_element().attribute("version"), Some("2.0"));
    let urls: Vec<&str> = document
        .descendants()
        .filter_map(|n| n.attribute("xmlUrl"))
        .collect();
    let listed: Vec<&str> = feeds.iter().map(|f| f["url"].as_str().unwrap()).collect();
    assert_eq!(urls, listed);
}

#[tokio::test]
async fn the_index_links_every_level_author_and_source_and_every_feed() {
    let app = TestApp::with_seed().await;
    let html = app.get("/").await.text().await.unwrap();
    for level in ["beginner", "intermediate", "advanced"] {
        assert!(html.contains(&format!(
            "href=\"{}\"",
            app.url(&format!("/levels/{level}"))
        )));
    }
    for author in crate::seed::authors() {
        let page = app.url(&format!("/authors/{}", crate::seed::slug_of(&author)));
        assert!(html.contains(&format!("href=\"{page}\"")), "{author}");
    }
    assert!(
        html.contains(&format!(
            "<a href=\"{}\">Stripe</a>",
            app.url("/feed?source=stripe")
        )),
        "the source links its feed's preview"
    );
    let directory: serde_json::Value = app.get("/feeds.json").await.json().await.unwrap();
    for feed in directory["feeds"].as_array().unwrap() {
        let url = feed["url"].as_str().unwrap().replace('&', "&amp;");
        assert!(
            html.contains(&format!("href=\"{url}\"")),
            "subscribe table lists {url}"
        );
    }
}

#[tokio::test]
async fn the_directory_follows_the_catalogue() {
    let app = TestApp::with_seed().await;
    let token = app.token("editor").await;
    let before: serde_json::Value = app.get("/feeds.json").await.json().await.unwrap();
    let count = before["feeds"].as_array().unwrap().len();

    // A new author and source appear; an author whose only article is deleted goes.
    app.create_article(
        &token,
        &serde_json::json!({"title": "T", "author": "Nova Author", "level": "beginner", "source": "Acme"}),
    )
    .await;
    let listed = app
        .api_json("/articles?author=james-beswick&limit=200", &token)
        .await;
    for article in listed["articles"].as_array().unwrap() {
        let id = article["id"].as_str().unwrap();
        let response = app
            .api(reqwest::Method::DELETE, &format!("/articles/{id}"), &token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
    }
    let after: serde_json::Value = app.get("/feeds.json").await.json().await.unwrap();
    let urls: Vec<&str> = after["feeds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["url"].as_str().unwrap())
        .collect();
    assert_eq!(
        urls.len(),
        count + 3 + 3 - 3,
        "one author and one source more, one author less"
    );
    assert!(urls.contains(&app.url("/authors/nova-author/feed.atom").as_str()));
    assert!(urls.contains(&app.url("/feed.atom?source=acme").as_str()));
    assert!(!urls.iter().any(|u| u.contains("/authors/james-beswick/")));
}

#[tokio::test]
async fn html_pages_are_locked_down_and_feeds_open_to_any_origin() {
    let app = TestApp::with_seed().await;
    for path in ["/", "/levels/advanced", "/ns/1.0"] {
        let response = app.get(path).await;
        let headers = response.headers();
        let csp = headers["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"));
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert_eq!(
            headers["referrer-policy"],
            "strict-origin-when-cross-origin"
        );
        assert!(
            headers.get("access-control-allow-origin").is_none(),
            "{path}: no CORS"
        );
    }
    let response = app
        .client
        .get(app.url("/feed.atom"))
        .header("Origin", "https://reader.example")
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.headers()["access-control-allow-origin"],
        "https://reader.example"
    );
    assert!(
        response.headers()["access-control-expose-headers"]
            .to_str()
            .unwrap()
            .to_lowercase()
            .contains("etag")
    );
    // A browser's preflight for a conditional request.
    let preflight = app
        .client
        .request(
            reqwest::Method::OPTIONS,
            app.url("/levels/advanced/feed.rss"),
        )
        .header("Origin", "https://reader.example")
        .header("Access-Control-Request-Method", "GET")
        .header("Access-Control-Request-Headers", "if-none-match")
        .send()
        .await
        .unwrap();
    assert!(preflight.status().is_success(), "{}", preflight.status());
    assert!(
        preflight
            .headers()
            .contains_key("access-control-allow-methods")
    );
    // The admin API is not for browsers on other origins.
    let api = app
        .client
        .get(app.url("/api/v1/articles"))
        .header("Origin", "https://reader.example")
        .send()
        .await
        .unwrap();
    assert!(api.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn metrics_count_requests_and_the_cache_and_responses_carry_a_request_id() {
    let app = TestApp::with_seed().await;
    let first = app.get("/levels/beginner/feed.atom").await;
    let request_id = first.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(request_id.len(), 36, "a UUID: {request_id}");
    let second = app.get("/levels/beginner/feed.atom").await;
    assert_ne!(
        second.headers()["x-request-id"].to_str().unwrap(),
        request_id
    );
    // Each route is one series, however many authors; the API's refusals count too.
    app.get("/authors/james-beswick/feed").await;
    app.get("/api/v1/articles").await;
    app.get("/no/such/page").await;

    let response = app.get("/metrics").await;
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let text = response.text().await.unwrap();
    for series in [
        r#"engfeed_http_requests_total{method="GET",route="/levels/{level}/feed.{ext}",status="200"}"#,
        "engfeed_http_request_duration_seconds_bucket{route=\"/levels/{level}/feed.{ext}\",le=\"0.005\"}",
        r#"engfeed_http_requests_total{method="GET",route="/authors/{slug}/feed",status="200"}"#,
        r#"engfeed_http_requests_total{method="GET",route="/api/v1",status="401"}"#,
        r#"engfeed_http_requests_total{method="GET",route="other",status="404"}"#,
        "engfeed_feed_cache_hits_total",
        "engfeed_feed_cache_misses_total",
        "engfeed_feed_cache_bytes",
        "engfeed_db_pool_max_connections",
    ] {
        assert!(text.contains(series), "/metrics has {series}:\n{text}");
    }
}
