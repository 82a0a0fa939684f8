//! WebSub: feeds name the hub, and every change is announced to it, off the request path.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{App, HttpResponse, HttpServer, web};
use engfeed::config::FeedOptions;
use reqwest::Method;
use serde_json::json;

use crate::feed_parse::{atom, atom_link, json_feed, rss};
use crate::helpers::TestApp;

/// A local hub that records the topics of publish pings; it answers 503 to the first
/// `failures` of them.
struct TestHub {
    url: url::Url,
    topics: Arc<Mutex<Vec<String>>>,
}

#[derive(Clone)]
struct HubState {
    topics: Arc<Mutex<Vec<String>>>,
    failures_left: Arc<AtomicUsize>,
}

async fn publish(
    state: web::Data<HubState>,
    form: web::Form<Vec<(String, String)>>,
) -> HttpResponse {
    let mode = form
        .iter()
        .find(|(k, _)| k == "hub.mode")
        .map(|(_, v)| v.as_str());
    let topic = form
        .iter()
        .find(|(k, _)| k == "hub.url")
        .map(|(_, v)| v.clone());
    let (Some("publish"), Some(topic)) = (mode, topic) else {
        return HttpResponse::BadRequest().finish();
    };
    let failing = state
        .failures_left
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok();
    if failing {
        return HttpResponse::ServiceUnavailable().finish();
    }
    state.topics.lock().expect("topics").push(topic);
    HttpResponse::NoContent().finish()
}

impl TestHub {
    async fn start(failures: usize) -> Self {
        let state = HubState {
            topics: Arc::default(),
            failures_left: Arc::new(AtomicUsize::new(failures)),
        };
        let topics = state.topics.clone();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
        let port = listener.local_addr().expect("bound").port();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(web::Data::new(state.clone()))
                .route("/hub", web::post().to(publish))
        })
        .workers(1)
        .listen(listener)
        .expect("listen")
        .run();
        tokio::spawn(server);
        Self {
            url: format!("http://127.0.0.1:{port}/hub")
                .parse()
                .expect("hub URL"),
            topics,
        }
    }

    /// Waits until every topic in `expected` has been pinged (at most 30 s: retries back off).
    async fn wait_for(&self, expected: &BTreeSet<String>) -> BTreeSet<String> {
        for _ in 0..300 {
            let seen: BTreeSet<String> = self
                .topics
                .lock()
                .expect("topics")
                .iter()
                .cloned()
                .collect();
            if expected.is_subset(&seen) {
                return seen;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let seen: BTreeSet<String> = self
            .topics
            .lock()
            .expect("topics")
            .iter()
            .cloned()
            .collect();
        panic!(
            "the hub got {seen:#?}, missing {:#?}",
            expected.difference(&seen)
        );
    }
}

async fn app_with_hub(hub: &url::Url) -> TestApp {
    TestApp::with_seed_and(FeedOptions {
        websub_hub: Some(hub.clone()),
        ..FeedOptions::default()
    })
    .await
}

fn feeds(app: &TestApp, paths: &[&str]) -> BTreeSet<String> {
    paths
        .iter()
        .flat_map(|path| {
            ["rss", "atom", "json"].map(|ext| match path.split_once('?') {
                Some((path, query)) => app.url(&format!("{path}.{ext}?{query}")),
                None => app.url(&format!("{path}.{ext}")),
            })
        })
        .collect()
}

fn article() -> serde_json::Value {
    json!({
        "title": "Sharding the ledger",
        "summary": "How we split one table in 64.",
        "author": "Quinn Quayle",
        "level": "advanced",
        "source": "Acme",
    })
}

#[tokio::test]
async fn every_change_is_announced_for_the_feeds_it_changed() {
    let hub = TestHub::start(0).await;
    let app = app_with_hub(&hub.url).await;
    let token = app.token("editor").await;

    let created = app.create_article(&token, &article()).await;
    let expected = feeds(
        &app,
        &[
            "/feed",
            "/levels/advanced/feed",
            "/authors/quinn-quayle/feed",
            "/feed?source=acme",
        ],
    );
    let seen = hub.wait_for(&expected).await;
    assert_eq!(seen, expected, "only the feeds that hold the article");

    // Moving it to another level changes the feeds of both levels.
    hub.topics.lock().unwrap().clear();
    let id = created["id"].as_str().unwrap();
    let patched = app
        .send_json(
            Method::PATCH,
            &format!("/articles/{id}"),
            &token,
            &json!({"level": "beginner"}),
        )
        .await;
    assert_eq!(patched.status(), 200);
    hub.wait_for(&feeds(
        &app,
        &["/levels/advanced/feed", "/levels/beginner/feed"],
    ))
    .await;

    // A deletion too.
    hub.topics.lock().unwrap().clear();
    let deleted = app
        .api(Method::DELETE, &format!("/articles/{id}"), &token)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 200);
    hub.wait_for(&feeds(&app, &["/feed", "/levels/beginner/feed"]))
        .await;
}

#[tokio::test]
async fn imports_and_renames_are_announced() {
    let hub = TestHub::start(0).await;
    let app = app_with_hub(&hub.url).await;
    let token = app.token("editor").await;
    let catalogue = json!([{
        "title": "A new one",
        "summary": "Imported.",
        "author": "Zoe Zed",
        "level": "intermediate",
        "read_minutes": 4,
        "includes_code": false,
        "has_summary": true,
        "source": "Stripe"
    }]);
    let imported = app
        .send_json(Method::POST, "/import", &token, &catalogue)
        .await;
    assert_eq!(imported.status(), 200, "{}", imported.text().await.unwrap());
    hub.wait_for(&feeds(
        &app,
        &[
            "/feed",
            "/levels/intermediate/feed",
            "/authors/zoe-zed/feed",
            "/feed?source=stripe",
        ],
    ))
    .await;

    hub.topics.lock().unwrap().clear();
    let renamed = app
        .send_json(
            Method::PATCH,
            "/authors/zoe-zed",
            &token,
            &json!({"name": "Zoë Zed"}),
        )
        .await;
    assert_eq!(renamed.status(), 200);
    hub.wait_for(&feeds(&app, &["/feed", "/authors/zoe-zed/feed"]))
        .await;
}

#[tokio::test]
async fn a_failing_hub_is_retried_until_it_accepts() {
    let hub = TestHub::start(3).await;
    let app = app_with_hub(&hub.url).await;
    let token = app.token("editor").await;
    app.create_article(&token, &article()).await;
    hub.wait_for(&feeds(&app, &["/feed", "/levels/advanced/feed"]))
        .await;
}

#[tokio::test]
async fn a_hub_that_never_answers_does_not_hold_up_writes() {
    // Accepts connections and never says a word.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = silent.local_addr().unwrap().port();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = silent.accept().await {
            held.push(socket);
        }
    });
    let hub: url::Url = format!("http://127.0.0.1:{port}/hub").parse().unwrap();
    let app = app_with_hub(&hub).await;
    let token = app.token("editor").await;
    for n in 0..5 {
        let mut body = article();
        body["title"] = json!(format!("Write {n} while the hub hangs"));
        app.create_article(&token, &body).await;
    }
    assert_eq!(app.get("/readyz").await.status(), 200);
}

#[tokio::test]
async fn feeds_name_the_hub_in_headers_and_documents() {
    let hub: url::Url = "https://hub.example.org/".parse().unwrap();
    let app = app_with_hub(&hub).await;

    let response = app.get("/feed.atom").await;
    let links: Vec<&str> = response
        .headers()
        .get_all("link")
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    assert!(
        links.contains(&"<https://hub.example.org/>; rel=\"hub\""),
        "{links:?}"
    );
    let self_link = format!("<{}>; rel=\"self\"", app.url("/feed.atom"));
    assert!(links.contains(&self_link.as_str()), "{links:?}");
    assert_eq!(
        atom_link(&atom(&response.text().await.unwrap()), "hub"),
        hub.as_str()
    );

    let channel = rss(&app.feed_body("/feed.rss").await);
    let rss_hub = channel
        .atom_ext
        .unwrap()
        .links
        .into_iter()
        .find(|l| l.rel == "hub");
    assert_eq!(rss_hub.unwrap().href, hub.as_str());
    let json = json_feed(&app.feed_body("/feed.json").await);
    assert_eq!(
        json["hubs"],
        json!([{"type": "WebSub", "url": hub.as_str()}])
    );

    let without = TestApp::spawn().await;
    assert!(
        without
            .get("/feed.atom")
            .await
            .headers()
            .get("link")
            .is_none()
    );
}
