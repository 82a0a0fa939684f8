//! The feed builder: a GET form on `/` (no JavaScript), sent to `/build`, which shows the
//! preview of the feed it describes with that feed's addresses.

use reqwest::header::{ACCEPT, CONTENT_SECURITY_POLICY, LOCATION};
use serde_json::Value;

use crate::feed_parse::{atom, atom_titles};
use crate::helpers::{TestApp, assert_problem, seed_path};

/// The seed's titles, newest first, of the advanced articles with code.
fn advanced_with_code() -> Vec<String> {
    let text = std::fs::read_to_string(seed_path()).expect("seed");
    let mut items: Vec<Value> = serde_json::from_str(&text).expect("seed JSON");
    items.sort_by_key(|item| item["listing_position"].as_u64().expect("position"));
    items
        .iter()
        .filter(|item| item["level"] == "advanced" && item["includes_code"] == true)
        .map(|item| item["title"].as_str().expect("title").to_owned())
        .collect()
}

/// The `href` of the page's autodiscovery link of this media type.
fn alternate(html: &str, media_type: &str) -> String {
    let marker = format!("<link rel=\"alternate\" type=\"{media_type}\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no {marker} in {html}"));
    let rest = &html[start..];
    let href = &rest[rest.find("href=\"").expect("href") + 6..];
    unescape(&href[..href.find('"').expect("quote")])
}

/// askama writes `&` in attributes and text as `&#38;`.
fn unescape(text: &str) -> String {
    text.replace("&#38;", "&").replace("&amp;", "&")
}

#[tokio::test]
async fn the_form_on_the_index_builds_a_feed_that_answers_with_the_right_articles() {
    let app = TestApp::with_seed().await;
    let index = app.get("/").await;
    let csp = index.headers()[CONTENT_SECURITY_POLICY]
        .to_str()
        .expect("csp")
        .to_owned();
    assert!(csp.contains("form-action 'self'"), "{csp}");
    let html = index.text().await.expect("index");
    assert!(html.contains("<form class=\"builder\" method=\"get\" action=\"/build\">"));
    assert!(html.contains("name=\"level\" value=\"advanced\""));
    assert!(html.contains("<option value=\"james-beswick\">James Beswick</option>"));
    assert!(
        html.contains("<option value=\"Stripe\">"),
        "a source option"
    );

    // What a browser sends: every field, the empty ones too.
    let response = app
        .get("/build?level=advanced&code=true&min_minutes=&max_minutes=&q=")
        .await;
    assert_eq!(response.status(), 303);
    let preview = response.headers()[LOCATION]
        .to_str()
        .expect("location")
        .to_owned();
    assert!(preview.starts_with(&app.url("/feed?")), "{preview}");

    let page = app
        .client
        .get(&preview)
        .header(ACCEPT, "text/html")
        .send()
        .await
        .expect("preview");
    assert_eq!(page.status(), 200);
    let page = page.text().await.expect("preview page");
    let atom_url = alternate(&page, "application/atom+xml");
    // The addresses shown, in the order of the formats: RSS, Atom, JSON Feed.
    let shown = page.split("<code>").nth(2).unwrap_or_default();
    assert!(
        unescape(shown).starts_with(&format!("{atom_url}</code>")),
        "{shown}"
    );
    alternate(&page, "application/rss+xml");
    alternate(&page, "application/feed+json");

    let feed = app.client.get(&atom_url).send().await.expect("atom");
    assert_eq!(feed.status(), 200, "{atom_url}");
    let feed = atom(&feed.text().await.expect("atom body"));
    let expected = advanced_with_code();
    assert!(!expected.is_empty());
    assert_eq!(atom_titles(&feed), expected);
}

#[tokio::test]
async fn an_empty_form_previews_every_article_and_a_bad_field_is_named() {
    let app = TestApp::with_seed().await;
    let response = app.get("/build?code=&min_minutes=&max_minutes=&q=+").await;
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()[LOCATION], app.url("/feed").as_str());

    let response = app.get("/build?min_minutes=abc").await;
    assert_problem(response, 400, Some("min_minutes")).await;
    let response = app.get("/build?colour=blue").await;
    assert_problem(response, 400, Some("colour")).await;
}
