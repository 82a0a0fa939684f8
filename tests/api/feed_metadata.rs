//! The `engfeed:` namespace in RSS and Atom: the same facts, with the same names, as JSON
//! Feed's `_engfeed` object, in a namespace whose URL documents it.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::feed_parse::json_feed;
use crate::helpers::TestApp;

/// Every item's `engfeed:` elements, by item id (RSS `guid`, Atom `id`).
fn metadata_by_id(body: &str, namespace: &str) -> BTreeMap<String, BTreeMap<String, String>> {
    let doc = roxmltree::Document::parse(body).expect("well-formed XML");
    doc.descendants()
        .filter(|n| {
            n.has_tag_name("item") || n.has_tag_name(("http://www.w3.org/2005/Atom", "entry"))
        })
        .map(|item| {
            let id = item
                .children()
                .find(|c| {
                    c.has_tag_name("guid") || c.has_tag_name(("http://www.w3.org/2005/Atom", "id"))
                })
                .and_then(|c| c.text())
                .expect("item id")
                .to_owned();
            let facts = item
                .children()
                .filter(|c| c.tag_name().namespace() == Some(namespace))
                .map(|c| {
                    (
                        c.tag_name().name().to_owned(),
                        c.text().unwrap_or_default().to_owned(),
                    )
                })
                .collect();
            (id, facts)
        })
        .collect()
}

/// JSON Feed's `_engfeed` objects, as the text XML would carry.
fn json_metadata(feed: &Value) -> BTreeMap<String, BTreeMap<String, String>> {
    feed["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|item| {
            let facts = item["_engfeed"]
                .as_object()
                .expect("_engfeed")
                .iter()
                .filter(|(name, _)| *name != "about")
                .map(|(name, value)| {
                    let text = match value {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    (name.clone(), text)
                })
                .collect();
            (item["id"].as_str().expect("id").to_owned(), facts)
        })
        .collect()
}

#[tokio::test]
async fn rss_and_atom_carry_the_metadata_of_json_feed_in_a_documented_namespace() {
    let app = TestApp::with_seed().await;
    let namespace = app.url("/ns/1.0");
    let expected = json_metadata(&json_feed(&app.feed_body("/feed.json?limit=200").await));
    assert_eq!(expected.len(), 50);
    for path in ["/feed.rss?limit=200", "/feed.atom?limit=200"] {
        let body = app.feed_body(path).await;
        assert_eq!(metadata_by_id(&body, &namespace), expected, "{path}");
    }
    let some = expected.values().next().expect("an item");
    assert!(["beginner", "intermediate", "advanced"].contains(&some["level"].as_str()));
    assert!(["true", "false"].contains(&some["includes_code"].as_str()));

    let page = app.get("/ns/1.0").await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    for name in [
        "level",
        "read_minutes",
        "includes_code",
        "has_summary",
        "source",
    ] {
        assert!(
            html.contains(&format!("<code>{name}</code>")),
            "{name} is documented"
        );
    }
}
