//! `/feed`, `/levels/{level}/feed` and `/authors/{slug}/feed`: the format comes from
//! `Accept`, and a browser gets a preview page with subscribe instructions.

use crate::feed_parse::{atom, json_feed, rss};
use crate::helpers::{TestApp, assert_problem, vary};

const BROWSER: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

async fn get_accepting(app: &TestApp, path: &str, accept: Option<&str>) -> reqwest::Response {
    let mut request = app.client.get(app.url(path));
    if let Some(accept) = accept {
        request = request.header("Accept", accept);
    }
    request.send().await.expect("request")
}

fn header<'a>(response: &'a reqwest::Response, name: &str) -> &'a str {
    response.headers()[name].to_str().expect("ASCII header")
}

#[tokio::test]
async fn each_feed_format_is_served_to_the_client_that_prefers_it() {
    let app = TestApp::with_seed().await;
    let by_extension = atom(&app.feed_body("/feed.atom").await);
    let cases = [
        (Some("application/atom+xml"), "atom"),
        (
            Some("application/rss+xml, application/atom+xml;q=0.5"),
            "rss",
        ),
        (Some("application/feed+json"), "json"),
        (Some("application/json"), "json"),
        (Some("*/*"), "atom"),
        (None, "atom"),
    ];
    for (accept, extension) in cases {
        let response = get_accepting(&app, "/feed", accept).await;
        assert_eq!(response.status(), 200, "{accept:?}");
        assert!(
            vary(&response)
                .is_superset(&["Accept".to_owned(), "Accept-Encoding".to_owned()].into())
        );
        assert_eq!(
            header(&response, "content-location"),
            app.url(&format!("/feed.{extension}")),
            "{accept:?}"
        );
        let content_type = header(&response, "content-type").to_owned();
        let body = response.text().await.unwrap();
        let ids: Vec<String> = match extension {
            "atom" => {
                assert!(content_type.starts_with("application/atom+xml"));
                atom(&body).entries.iter().map(|e| e.id.clone()).collect()
            }
            "rss" => {
                assert!(content_type.starts_with("application/rss+xml"));
                rss(&body)
                    .items
                    .iter()
                    .map(|i| i.guid.clone().expect("guid").value)
                    .collect()
            }
            _ => {
                assert!(content_type.starts_with("application/feed+json"));
                json_feed(&body)["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|i| i["id"].as_str().unwrap().to_owned())
                    .collect()
            }
        };
        let expected: Vec<String> = by_extension.entries.iter().map(|e| e.id.clone()).collect();
        assert_eq!(ids, expected, "{accept:?}: the same items as /feed.atom");
    }
}

#[tokio::test]
async fn scopes_and_filters_negotiate_too() {
    let app = TestApp::with_seed().await;
    let response = get_accepting(
        &app,
        "/levels/advanced/feed?code=true",
        Some("application/atom+xml"),
    )
    .await;
    assert_eq!(
        header(&response, "content-location"),
        app.url("/levels/advanced/feed.atom?code=true")
    );
    let negotiated = atom(&response.text().await.unwrap());
    let direct = atom(&app.feed_body("/levels/advanced/feed.atom?code=true").await);
    assert_eq!(negotiated.id, direct.id);
    assert_eq!(negotiated.entries.len(), direct.entries.len());

    let response =
        get_accepting(&app, "/authors/ben-smith/feed", Some("application/rss+xml")).await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        header(&response, "content-location"),
        app.url("/authors/ben-smith/feed.rss")
    );

    let bad = get_accepting(&app, "/feed?limit=0", Some("application/atom+xml")).await;
    assert_eq!(bad.status(), 400);
    assert_eq!(
        get_accepting(&app, "/levels/expert/feed", None)
            .await
            .status(),
        404
    );
}

#[tokio::test]
async fn a_browser_gets_a_preview_page_with_subscribe_instructions() {
    let app = TestApp::with_seed().await;
    let response = get_accepting(&app, "/levels/advanced/feed?code=true", Some(BROWSER)).await;
    assert_eq!(response.status(), 200);
    assert!(header(&response, "content-type").starts_with("text/html"));
    assert!(vary(&response).contains("Accept"));
    let html = response.text().await.unwrap();
    let head = &html[..html.find("</head>").expect("a head")];
    for (extension, media_type) in [
        ("rss", "application/rss+xml"),
        ("atom", "application/atom+xml"),
        ("json", "application/feed+json"),
    ] {
        let url = app.url(&format!("/levels/advanced/feed.{extension}?code=true"));
        let subscribe_link = format!("<a href=\"{url}\"><code>{url}</code></a>");
        assert!(html.contains(&subscribe_link), "shows {url}");
        let autodiscovery = format!("<link rel=\"alternate\" type=\"{media_type}\"");
        assert!(head.contains(&autodiscovery), "announces {media_type}");
        assert!(head.contains(&format!("href=\"{url}\"")), "announces {url}");
    }
    assert!(html.contains("feed reader"), "says what to do with it");
    let feed = atom(&app.feed_body("/levels/advanced/feed.atom?code=true").await);
    assert!(!feed.entries.is_empty());
    for entry in &feed.entries {
        let shown = entry
            .title
            .value
            .replace('&', "&amp;")
            .replace('\'', "&#39;");
        assert!(html.contains(&shown), "lists {}", entry.title.value);
    }
}

#[tokio::test]
async fn an_unacceptable_type_is_406_problem_json() {
    let app = TestApp::with_seed().await;
    let response = get_accepting(&app, "/feed", Some("image/png")).await;
    assert_problem(response, 406, None).await;
    let head = app
        .client
        .head(app.url("/feed"))
        .header("Accept", "application/rss+xml")
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), 200);
    assert!(header(&head, "content-type").starts_with("application/rss+xml"));
}
