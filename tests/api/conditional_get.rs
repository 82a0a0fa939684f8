//! HTTP caching of feeds: strong ETags, Last-Modified, 304s, Cache-Control, compression.

use std::io::Read;

use reqwest::Method;
use reqwest::header::HeaderMap;
use serde_json::json;

use crate::feed_parse::rss;
use crate::helpers::{TestApp, vary};

async fn get_with(app: &TestApp, path: &str, headers: &[(&str, &str)]) -> reqwest::Response {
    let mut request = app.client.get(app.url(path));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.expect("request")
}

fn header(headers: &HeaderMap, name: &str) -> String {
    headers[name].to_str().expect("ASCII").to_owned()
}

#[tokio::test]
async fn feeds_carry_validators_and_caching_headers() {
    let app = TestApp::with_seed().await;
    for path in [
        "/feed.rss",
        "/feed.atom",
        "/feed.json",
        "/levels/advanced/feed.atom?code=true",
    ] {
        let response = app.get(path).await;
        assert_eq!(response.status(), 200);
        assert!(vary(&response).contains("Accept-Encoding"));
        assert!(
            !vary(&response).contains("Accept"),
            "only negotiated URLs vary with Accept"
        );
        let headers = response.headers();
        let etag = header(headers, "etag");
        assert!(
            etag.starts_with('"') && !etag.starts_with("W/"),
            "strong ETag: {etag}"
        );
        assert!(
            httpdate::parse_http_date(&header(headers, "last-modified")).is_ok(),
            "Last-Modified is an HTTP date"
        );
        assert_eq!(
            header(headers, "cache-control"),
            "public, max-age=300, stale-while-revalidate=60, stale-if-error=86400"
        );
    }
    let channel = rss(&app.feed_body("/feed.rss").await);
    assert_eq!(
        channel.ttl.as_deref(),
        Some("5"),
        "RSS ttl agrees with max-age, in minutes"
    );
}

#[tokio::test]
async fn matching_validators_get_304_without_a_body() {
    let app = TestApp::with_seed().await;
    // The catalogue clock is the import time rounded up to the next second; until that
    // second has passed, Last-Modified says "now" and a date-only revalidation gets a 200.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let first = app.get("/feed.atom").await;
    let etag = header(first.headers(), "etag");
    let last_modified = header(first.headers(), "last-modified");

    let list = format!("\"other\", {etag}");
    for headers in [
        vec![("If-None-Match", etag.as_str())],
        vec![("If-None-Match", list.as_str())],
        vec![("If-None-Match", "*")],
        vec![("If-Modified-Since", last_modified.as_str())],
    ] {
        let response = get_with(&app, "/feed.atom", &headers).await;
        assert_eq!(response.status(), 304, "{headers:?}");
        assert_eq!(header(response.headers(), "etag"), etag);
        assert!(response.bytes().await.unwrap().is_empty());
    }
    // If-None-Match wins: a stale tag is a 200 even with a matching date.
    let response = get_with(
        &app,
        "/feed.atom",
        &[
            ("If-None-Match", "\"stale\""),
            ("If-Modified-Since", &last_modified),
        ],
    )
    .await;
    assert_eq!(response.status(), 200);
    let earlier = httpdate::fmt_http_date(
        httpdate::parse_http_date(&last_modified).unwrap() - std::time::Duration::from_secs(1),
    );
    let response = get_with(&app, "/feed.atom", &[("If-Modified-Since", &earlier)]).await;
    assert_eq!(response.status(), 200);

    let head = app
        .client
        .head(app.url("/feed.atom"))
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), 304);
}

#[tokio::test]
async fn every_change_of_a_feed_fails_its_old_validators_even_within_one_second() {
    let app = TestApp::with_seed().await;
    let token = app.token("editor").await;
    let mut seen = Vec::new();
    // Three changes in quick succession: a creation, an edit and a deletion.
    let created = app
        .create_article(
            &token,
            &json!({"title": "Fresh", "level": "advanced", "source": "Acme"}),
        )
        .await;
    let id = created["id"].as_str().unwrap().to_owned();
    for step in 0..3 {
        let response = app.get("/levels/advanced/feed.atom").await;
        let etag = header(response.headers(), "etag");
        let last_modified = header(response.headers(), "last-modified");
        seen.push((etag, last_modified));
        match step {
            0 => {
                let patched = app
                    .send_json(
                        Method::PATCH,
                        &format!("/articles/{id}"),
                        &token,
                        &json!({"title": "Fresher"}),
                    )
                    .await;
                assert_eq!(patched.status(), 200);
            }
            1 => {
                app.delete_article(&token, &id).await;
            }
            _ => {}
        }
    }
    for window in seen.windows(2) {
        let (old_etag, old_date) = &window[0];
        assert_ne!(old_etag, &window[1].0, "the bytes changed, so did the ETag");
        for headers in [
            [("If-None-Match", old_etag.as_str())],
            [("If-Modified-Since", old_date.as_str())],
        ] {
            let response = get_with(&app, "/levels/advanced/feed.atom", &headers).await;
            assert_eq!(response.status(), 200, "{headers:?} after a change");
        }
    }
}

#[tokio::test]
async fn an_unrelated_change_keeps_a_feeds_etag() {
    let app = TestApp::with_seed().await;
    let token = app.token("editor").await;
    let beginner = header(
        app.get("/levels/beginner/feed.atom").await.headers(),
        "etag",
    );
    let all = header(app.get("/feed.atom").await.headers(), "etag");
    app.create_article(
        &token,
        &json!({"title": "Only for experts", "level": "advanced", "source": "Acme"}),
    )
    .await;
    assert_eq!(
        header(
            app.get("/levels/beginner/feed.atom").await.headers(),
            "etag"
        ),
        beginner
    );
    assert_ne!(header(app.get("/feed.atom").await.headers(), "etag"), all);
}

#[tokio::test]
async fn each_encoding_decodes_to_the_same_feed() {
    let app = TestApp::with_seed().await;
    let plain = app.feed_body("/feed.atom").await;
    let mut etags = std::collections::BTreeSet::new();
    for coding in ["gzip", "br", "zstd"] {
        let response = get_with(&app, "/feed.atom", &[("Accept-Encoding", coding)]).await;
        assert_eq!(response.status(), 200);
        assert_eq!(header(response.headers(), "content-encoding"), coding);
        etags.insert(header(response.headers(), "etag"));
        let compressed = response.bytes().await.unwrap();
        assert!(compressed.len() < plain.len() / 3, "{coding} compresses");
        let mut decoded = Vec::new();
        match coding {
            "gzip" => {
                flate2::read::GzDecoder::new(&compressed[..])
                    .read_to_end(&mut decoded)
                    .unwrap();
            }
            "br" => brotli::BrotliDecompress(&mut &compressed[..], &mut decoded).unwrap(),
            _ => decoded = zstd::decode_all(&compressed[..]).unwrap(),
        }
        assert_eq!(String::from_utf8(decoded).unwrap(), plain, "{coding}");
    }
    assert_eq!(etags.len(), 3, "each encoding is its own representation");
    let identity = get_with(&app, "/feed.atom", &[("Accept-Encoding", "identity")]).await;
    assert!(identity.headers().get("content-encoding").is_none());
    let preferred = get_with(&app, "/feed.atom", &[("Accept-Encoding", "gzip;q=0.5, br")]).await;
    assert_eq!(header(preferred.headers(), "content-encoding"), "br");
}
