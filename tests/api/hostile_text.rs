use crate::feed_parse::{atom, rss};
use crate::helpers::TestApp;

/// XML 1.0 forbids these; everything else must survive the round trip.
fn less_forbidden(text: &str) -> String {
    text.chars()
        .filter(|&c| !matches!(c, '\u{0}'..='\u{8}' | '\u{B}' | '\u{C}' | '\u{E}'..='\u{1F}'))
        .collect()
}

#[tokio::test]
async fn hostile_text_gives_valid_feeds_that_read_back_as_written() {
    let app = TestApp::spawn().await;
    let title = "Bells\u{7} & <script>alert('x')</script> ]]> \u{1b}[31m \"quoted\" 🦀";
    let summary = "Form\u{c}feed, vertical\u{b}tab, tab\tand\nnewline; CDATA end ]]> and <b>tags</b> & &amp; entities";
    let author = "Zoë \u{1}O'Brien <zoe@example.com>";
    let catalogue = serde_json::json!([{
        "title": title, "summary": summary, "author": author, "level": "advanced",
        "read_minutes": 3, "includes_code": true, "has_summary": true, "source": "Acme & Co <Labs>"
    }]);
    app.import_json(&catalogue.to_string()).await;

    for path in [
        "/feed",
        "/levels/advanced/feed",
        "/authors/zoe-o-brien-zoe-example-com/feed",
    ] {
        let channel = rss(&app.feed_body(&format!("{path}.rss")).await);
        let item = &channel.items[0];
        assert_eq!(item.title.as_deref(), Some(less_forbidden(title).as_str()));
        // <description> is HTML: the plain-text summary arrives escaped once.
        let description =
            quick_xml::escape::unescape(item.description.as_deref().unwrap()).unwrap();
        assert_eq!(description, less_forbidden(summary));
        let creator = &item.dublin_core_ext.as_ref().unwrap().creators[0];
        assert_eq!(creator, &less_forbidden(author));
        assert!(item.categories.iter().any(|c| c.name == "Acme & Co <Labs>"));

        let feed = atom(&app.feed_body(&format!("{path}.atom")).await);
        let entry = &feed.entries[0];
        assert_eq!(entry.title.value, less_forbidden(title));
        assert_eq!(
            entry.summary.as_ref().unwrap().value,
            less_forbidden(summary)
        );
        assert_eq!(entry.authors[0].name, less_forbidden(author));

        let json = crate::feed_parse::json_feed(&app.feed_body(&format!("{path}.json")).await);
        assert_eq!(json["items"][0]["title"], less_forbidden(title));
        assert_eq!(json["items"][0]["summary"], less_forbidden(summary));
    }
    let page = app.get("/").await.text().await.unwrap();
    assert!(!page.contains("<script>alert"), "HTML pages escape text");
}
