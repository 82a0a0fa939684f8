//! Relative links in article HTML are resolved against the article's link, so readers do
//! not resolve them against the feed's URL.

use crate::feed_parse::{atom, json_feed, rss};
use crate::helpers::TestApp;

#[tokio::test]
async fn relative_links_in_content_arrive_absolute_in_every_format() {
    let app = TestApp::spawn().await;
    let token = app.token("editor").await;
    let html = r#"<p><a href="img/a.png">a</a> <img src="/b.png" alt="b"> <a href="https://other.example/c">c</a></p>"#;
    let with_url = serde_json::json!({
        "title": "With a URL", "level": "beginner", "source": "Acme",
        "url": "https://blog.example/posts/one/", "content_html": html,
    });
    let without_url = serde_json::json!({
        "title": "Without a URL", "level": "beginner", "source": "Acme", "content_html": html,
    });
    app.create_article(&token, &with_url).await;
    let created = app.create_article(&token, &without_url).await;
    let permalink = app.url(&format!("/articles/{}", created["id"].as_str().unwrap()));
    let permalink_dir = permalink.rsplit_once('/').unwrap().0;
    let expected = [
        (
            "With a URL",
            [
                "https://blog.example/posts/one/img/a.png".to_owned(),
                "https://blog.example/b.png".to_owned(),
            ],
        ),
        (
            "Without a URL",
            [format!("{permalink_dir}/img/a.png"), app.url("/b.png")],
        ),
    ];

    let channel = rss(&app.feed_body("/feed.rss").await);
    let feed = atom(&app.feed_body("/feed.atom").await);
    let json = json_feed(&app.feed_body("/feed.json").await);
    for (title, [a, b]) in &expected {
        let rss_html = channel
            .items
            .iter()
            .find(|i| i.title.as_deref() == Some(*title))
            .and_then(|i| i.content.clone())
            .unwrap();
        let atom_html = feed
            .entries
            .iter()
            .find(|e| e.title.value == *title)
            .and_then(|e| e.content.as_ref()?.value.clone())
            .unwrap();
        let json_html = json["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["title"] == *title)
            .unwrap()["content_html"]
            .as_str()
            .unwrap()
            .to_owned();
        for html in [rss_html, atom_html, json_html] {
            assert!(html.contains(&format!("href=\"{a}\"")), "{title}: {html}");
            assert!(html.contains(&format!("src=\"{b}\"")), "{title}: {html}");
            assert!(html.contains("href=\"https://other.example/c\""), "{html}");
        }
    }
}
