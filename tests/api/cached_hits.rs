//! A feed already rendered is answered by the fast path before routing
//! (`handlers::cached_hits`); it must answer exactly what the whole stack answers. The
//! whole stack is an instance of the same service with no cache, on the same database,
//! announcing the same public URL: it renders the same bytes on every request.

use std::collections::BTreeSet;

use reqwest::header::{HeaderMap, HeaderName};

use crate::helpers::{Instance, TestApp};

const FEEDS: &[&str] = &[
    "/feed.atom",
    "/levels/advanced/feed.rss",
    "/authors/james-beswick/feed.atom",
    "/feed.json?code=true&level=intermediate%2Cadvanced",
];

/// Headers whose values differ per request by design.
const PER_REQUEST: &[&str] = &["date", "x-request-id"];
/// Headers holding a list whose order carries no meaning.
const LISTS: &[&str] = &["vary", "access-control-expose-headers"];

/// Every header of a response, lists as sets, without the per-request ones.
fn comparable(headers: &HeaderMap) -> BTreeSet<(String, BTreeSet<String>)> {
    headers
        .keys()
        .filter(|name| !PER_REQUEST.contains(&name.as_str()))
        .map(|name| {
            let values = headers
                .get_all(name)
                .iter()
                .map(|v| v.to_str().expect("ASCII header").to_owned());
            let values: BTreeSet<String> = if LISTS.contains(&name.as_str()) {
                values
                    .flat_map(|v| {
                        v.split(',')
                            .map(|item| item.trim().to_ascii_lowercase())
                            .collect::<Vec<_>>()
                    })
                    .collect()
            } else {
                values.collect()
            };
            (name.as_str().to_owned(), values)
        })
        .collect()
}

/// Request headers a case adds.
type Headers = Vec<(HeaderName, String)>;

struct Answer {
    status: u16,
    headers: BTreeSet<(String, BTreeSet<String>)>,
    body: Vec<u8>,
}

async fn ask(
    client: &reqwest::Client,
    method: reqwest::Method,
    url: String,
    extra: &Headers,
) -> Answer {
    let mut request = client.request(method, &url);
    for (name, value) in extra {
        request = request.header(name, value);
    }
    let response = request.send().await.expect("request");
    Answer {
        status: response.status().as_u16(),
        headers: comparable(response.headers()),
        body: response.bytes().await.expect("body").to_vec(),
    }
}

fn assert_same(hit: &Answer, full: &Answer, what: &str) {
    assert_eq!(hit.status, full.status, "{what}: status");
    assert_eq!(hit.headers, full.headers, "{what}: headers");
    assert!(hit.body == full.body, "{what}: body differs");
}

#[actix_web::test]
async fn a_cached_feed_answers_what_the_whole_stack_answers() {
    let app = TestApp::with_seed().await;
    let twin: Instance = app.uncached_twin().await;
    // While the newest article is under a second old, Last-Modified is the response's own
    // date (never later than it): wait until both answer the stored one.
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    // reqwest asks for no coding unless told: each case names its own.
    let client = reqwest::Client::builder()
        .no_gzip()
        .no_brotli()
        .no_zstd()
        .no_deflate()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    for path in FEEDS {
        let first = app.get(path).await;
        assert_eq!(first.status(), 200, "GET {path}");
        let etag = first.headers()["etag"].to_str().unwrap().to_owned();
        let last_modified = first.headers()["last-modified"]
            .to_str()
            .unwrap()
            .to_owned();
        let gzip_etag = format!("{}-gzip\"", etag.trim_end_matches('"'));
        let cases: Vec<(&str, reqwest::Method, Headers)> = vec![
            ("GET", reqwest::Method::GET, vec![]),
            ("HEAD", reqwest::Method::HEAD, vec![]),
            (
                "gzip",
                reqwest::Method::GET,
                vec![(reqwest::header::ACCEPT_ENCODING, "gzip".into())],
            ),
            (
                "brotli preferred",
                reqwest::Method::GET,
                vec![(reqwest::header::ACCEPT_ENCODING, "gzip;q=0.5, br".into())],
            ),
            (
                "If-None-Match",
                reqwest::Method::GET,
                vec![(reqwest::header::IF_NONE_MATCH, etag.clone())],
            ),
            (
                "If-None-Match, gzip",
                reqwest::Method::GET,
                vec![
                    (reqwest::header::IF_NONE_MATCH, gzip_etag.clone()),
                    (reqwest::header::ACCEPT_ENCODING, "gzip".into()),
                ],
            ),
            (
                "If-None-Match, stale",
                reqwest::Method::GET,
                vec![(reqwest::header::IF_NONE_MATCH, "\"stale\"".into())],
            ),
            (
                "If-Modified-Since",
                reqwest::Method::GET,
                vec![(reqwest::header::IF_MODIFIED_SINCE, last_modified.clone())],
            ),
        ];
        for (case, method, extra) in cases {
            let renders = app.cache.renders();
            let hit = ask(&client, method.clone(), app.url(path), &extra).await;
            assert_eq!(app.cache.renders(), renders, "{path} {case}: not a hit");
            let full = ask(&client, method, twin.url(path), &extra).await;
            assert_same(&hit, &full, &format!("{path} {case}"));
        }
    }
}

#[actix_web::test]
async fn requests_the_fast_path_leaves_alone_get_the_whole_stack() {
    let app = TestApp::with_seed().await;
    app.get("/feed.atom").await;
    // CORS: a request with an Origin gets the CORS answer.
    let response = app
        .client
        .get(app.url("/feed.atom"))
        .header("origin", "https://reader.example")
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    assert!(
        response
            .headers()
            .contains_key("access-control-allow-origin")
    );
    // A head over the limit is refused, cached feed or not.
    let response = app
        .client
        .get(app.url("/feed.atom"))
        .header("x-padding", "a".repeat(17 * 1024))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 431);
    // Other methods are not feeds.
    let response = app
        .client
        .post(app.url("/feed.atom"))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 405);
}

#[actix_web::test]
async fn a_hit_is_counted_under_its_route() {
    let app = TestApp::with_seed().await;
    for _ in 0..3 {
        let response = app.get("/authors/james-beswick/feed.atom").await;
        assert_eq!(response.status(), 200);
        assert!(response.headers().contains_key("x-request-id"));
    }
    let metrics = app.get("/metrics").await.text().await.expect("metrics");
    // The recorder is shared by every app in this test binary: at least this test's hits.
    let hits: f64 = metrics
        .lines()
        .filter(|line| {
            line.starts_with("engfeed_http_requests_total{")
                && line.contains("route=\"/authors/{slug}/feed.{ext}\"")
                && line.contains("status=\"200\"")
                && line.contains("method=\"GET\"")
        })
        .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
        .sum();
    assert!(hits >= 3.0, "{metrics}");
}
