//! WebSub: the directory's documents name the hub, and exactly those whose bytes a write
//! changed are announced to it, off the request path.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{App, HttpResponse, HttpServer, web};
use engfeed::config::FeedOptions;
use reqwest::Method;
use serde_json::json;

use crate::feed_parse::{atom, atom_link, json_feed, rss};
use crate::helpers::TestApp;

/// How a test hub answers publish pings.
#[derive(Clone, Copy)]
enum HubMood {
    /// 503 with `Retry-After: 1` to the first n pings, then 204.
    FailingFirst(usize),
    /// 400 to every ping, as a hub that does not know the topic does.
    Refusing,
}

/// A local hub that records the topic of every publish ping it gets. Like Flask-WebSub, it
/// insists on `hub.topic`; it also checks that `hub.url` says the same.
struct TestHub {
    url: url::Url,
    /// Every ping, in order, refused ones included.
    pings: Arc<Mutex<Vec<String>>>,
}

#[derive(Clone)]
struct HubState {
    pings: Arc<Mutex<Vec<String>>>,
    failures_left: Arc<AtomicUsize>,
    mood: HubMood,
}

async fn publish(
    state: web::Data<HubState>,
    form: web::Form<Vec<(String, String)>>,
) -> HttpResponse {
    let field = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let (Some(mode), Some(topic)) = (field("hub.mode"), field("hub.topic")) else {
        return HttpResponse::BadRequest().body("Missing form argument: hub.topic");
    };
    if mode != "publish" || field("hub.url").as_ref() != Some(&topic) {
        return HttpResponse::BadRequest().body("hub.url must repeat hub.topic");
    }
    state.pings.lock().expect("pings").push(topic);
    match state.mood {
        HubMood::Refusing => HttpResponse::BadRequest().body("Topic not allowed"),
        HubMood::FailingFirst(_) => {
            let failing = state
                .failures_left
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok();
            if failing {
                HttpResponse::ServiceUnavailable()
                    .insert_header(("Retry-After", "1"))
                    .finish()
            } else {
                HttpResponse::NoContent().finish()
            }
        }
    }
}

impl TestHub {
    async fn start(mood: HubMood) -> Self {
        let failures = match mood {
            HubMood::FailingFirst(n) => n,
            HubMood::Refusing => 0,
        };
        let state = HubState {
            pings: Arc::default(),
            failures_left: Arc::new(AtomicUsize::new(failures)),
            mood,
        };
        let pings = state.pings.clone();
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
            pings,
        }
    }

    fn pings(&self) -> Vec<String> {
        self.pings.lock().expect("pings").clone()
    }

    fn clear(&self) {
        self.pings.lock().expect("pings").clear();
    }

    /// Waits until no ping has arrived for two seconds (the publisher gathers writes for
    /// a quarter of a second, then renders and pings), at most 30 s; returns the pings.
    async fn settle(&self) -> Vec<String> {
        let mut last = (usize::MAX, Instant::now());
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            let count = self.pings.lock().expect("pings").len();
            if count != last.0 {
                last = (count, Instant::now());
            } else if last.1.elapsed() >= Duration::from_secs(2) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.pings()
    }

    /// Waits until every topic in `expected` has been pinged (at most 30 s: retries back off).
    async fn wait_for(&self, expected: &BTreeSet<String>) -> BTreeSet<String> {
        for _ in 0..300 {
            let seen: BTreeSet<String> = self.pings().into_iter().collect();
            if expected.is_subset(&seen) {
                return seen;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let seen: BTreeSet<String> = self.pings().into_iter().collect();
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

/// Every document of the directory (`/feeds.json`) and its bytes now.
async fn directory_bytes(app: &TestApp) -> BTreeMap<String, Vec<u8>> {
    let listed: serde_json::Value = app
        .get("/feeds.json")
        .await
        .json()
        .await
        .expect("/feeds.json");
    let mut documents = BTreeMap::new();
    for feed in listed["feeds"].as_array().expect("feeds") {
        let url = feed["url"].as_str().expect("url").to_owned();
        let body = app
            .client
            .get(&url)
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .expect("a listed feed");
        let body = body.bytes().await.expect("its body");
        documents.insert(url, body.to_vec());
    }
    documents
}

/// The URLs whose bytes differ between two snapshots (a document in only one of them
/// counts as changed).
fn changed(
    before: &BTreeMap<String, Vec<u8>>,
    after: &BTreeMap<String, Vec<u8>>,
) -> BTreeSet<String> {
    before
        .keys()
        .chain(after.keys())
        .filter(|url| before.get(*url) != after.get(*url))
        .cloned()
        .collect()
}

/// Runs `write`, then checks that the hub was told of exactly the directory documents
/// whose bytes it changed, each once.
async fn assert_announces_exactly_what_changed<F>(
    app: &TestApp,
    hub: &TestHub,
    what: &str,
    write: F,
) where
    F: Future<Output = ()>,
{
    let before = directory_bytes(app).await;
    hub.clear();
    write.await;
    let pings = hub.settle().await;
    let after = directory_bytes(app).await;
    let expected = changed(&before, &after);
    assert!(!expected.is_empty(), "{what}: the write changed no feed");
    let announced: BTreeSet<String> = pings.iter().cloned().collect();
    assert_eq!(announced, expected, "{what}: announced vs changed");
    assert_eq!(
        pings.len(),
        announced.len(),
        "{what}: a topic pinged twice: {pings:#?}"
    );
}

#[tokio::test]
async fn each_write_announces_exactly_the_documents_whose_bytes_changed() {
    let hub = TestHub::start(HubMood::FailingFirst(0)).await;
    let app = app_with_hub(&hub.url).await;
    let token = app.token("editor").await;
    let id = std::cell::RefCell::new(String::new());

    assert_announces_exactly_what_changed(&app, &hub, "create", async {
        let created = app.create_article(&token, &article()).await;
        *id.borrow_mut() = created["id"].as_str().unwrap().to_owned();
    })
    .await;
    let id = id.into_inner();

    // The oldest seed article is now 51st: off the full feed's first page, which must not
    // be announced, while its level, author and source feeds are.
    let listed = app.api_json("/articles?limit=100", &token).await;
    let last = listed["articles"].as_array().unwrap().last().unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_announces_exactly_what_changed(&app, &hub, "edit off the first page", async {
        let patch = json!({"summary": "Edited where the full feed does not show it."});
        let patched = app
            .send_json(Method::PATCH, &format!("/articles/{last}"), &token, &patch)
            .await;
        assert_eq!(patched.status(), 200);
    })
    .await;
    assert!(
        !hub.pings().contains(&app.url("/feed.atom")),
        "the full feed did not change"
    );

    assert_announces_exactly_what_changed(&app, &hub, "level move", async {
        let patch = json!({"level": "beginner"});
        let patched = app
            .send_json(Method::PATCH, &format!("/articles/{id}"), &token, &patch)
            .await;
        assert_eq!(patched.status(), 200);
    })
    .await;

    assert_announces_exactly_what_changed(&app, &hub, "rename", async {
        let patch = json!({"name": "Quinn Q. Quayle"});
        let renamed = app
            .send_json(Method::PATCH, "/authors/quinn-quayle", &token, &patch)
            .await;
        assert_eq!(renamed.status(), 200);
    })
    .await;

    assert_announces_exactly_what_changed(&app, &hub, "import", async {
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
        assert_eq!(imported.status(), 200);
    })
    .await;

    // More kinds of article than a change describes one by one (the import then keeps
    // only what brings a new level, author or source): the authors and the source that
    // appear only in the articles it writes last must still be announced.
    assert_announces_exactly_what_changed(&app, &hub, "large import", async {
        let catalogue: Vec<serde_json::Value> = (0..300usize)
            .map(|i| {
                let author = if i < 20 {
                    format!("Late Author {i}")
                } else {
                    format!("Bulk Author {}", i % 20)
                };
                let source = if i < 5 {
                    "Late Source"
                } else {
                    ["Stripe", "AWS", "Fly"][i % 3]
                };
                let level = ["beginner", "intermediate", "advanced"][i % 3];
                json!({
                    "title": format!("Bulk article {i}"),
                    "summary": "Imported in bulk.",
                    "author": author,
                    "level": level,
                    "read_minutes": i + 1,
                    "includes_code": i % 2 == 0,
                    "has_summary": true,
                    "source": source
                })
            })
            .collect();
        let imported = app
            .send_json(Method::POST, "/import", &token, &json!(catalogue))
            .await;
        assert_eq!(imported.status(), 200);
    })
    .await;

    assert_announces_exactly_what_changed(&app, &hub, "delete", async {
        app.delete_article(&token, &id).await;
    })
    .await;
}

#[tokio::test]
async fn a_burst_of_writes_announces_each_changed_document_once() {
    let hub = TestHub::start(HubMood::FailingFirst(0)).await;
    let app = app_with_hub(&hub.url).await;
    let token = app.token("editor").await;
    app.create_article(&token, &article()).await;
    hub.settle().await;
    hub.clear();
    let writes = (0..4).map(|n| {
        let mut body = article();
        body["title"] = json!(format!("Burst {n}"));
        let (app, token) = (&app, &token);
        async move { app.create_article(token, &body).await }
    });
    futures_util::future::join_all(writes).await;
    let pings = hub.settle().await;
    let distinct: BTreeSet<&String> = pings.iter().collect();
    assert!(distinct.contains(&app.url("/feed.atom")), "{pings:#?}");
    // Four writes, each changing the same documents: without gathering, four pings each.
    // They land within one 250 ms round, or on a loaded machine two.
    for topic in &distinct {
        let count = pings.iter().filter(|p| p == topic).count();
        assert!(count <= 2, "{topic} pinged {count} times: {pings:#?}");
    }
}

#[tokio::test]
async fn a_failing_hub_is_retried_until_it_accepts() {
    let hub = TestHub::start(HubMood::FailingFirst(3)).await;
    let app = app_with_hub(&hub.url).await;
    let token = app.token("editor").await;
    app.create_article(&token, &article()).await;
    hub.wait_for(&feeds(&app, &["/feed", "/levels/advanced/feed"]))
        .await;
}

#[tokio::test]
async fn a_hub_that_refuses_a_topic_is_asked_once() {
    let hub = TestHub::start(HubMood::Refusing).await;
    let app = app_with_hub(&hub.url).await;
    let token = app.token("editor").await;
    app.create_article(&token, &article()).await;
    hub.wait_for(&feeds(&app, &["/feed"])).await;
    // Retries would come after 1 s, 2 s, ...
    tokio::time::sleep(Duration::from_secs(3)).await;
    let pings = hub.pings();
    let distinct: BTreeSet<&String> = pings.iter().collect();
    assert_eq!(
        pings.len(),
        distinct.len(),
        "retried after a 400: {pings:#?}"
    );
}

/// Pings go out off the request path: while the hub holds a ping unanswered (up to the
/// publisher's 10 s request timeout), writes take their usual time, well under a second
/// here. Each is allowed 2 s, far below the timeout, so a write that waited for a ping, or
/// for anything a hanging ping holds (a pool connection, a lock), fails the test.
#[tokio::test]
async fn a_hub_that_never_answers_does_not_hold_up_writes() {
    const PER_WRITE: Duration = Duration::from_secs(2);
    // Accepts connections and never says a word.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = silent.local_addr().unwrap().port();
    let pings = Arc::new(AtomicUsize::new(0));
    let accepted = pings.clone();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = silent.accept().await {
            held.push(socket);
            accepted.fetch_add(1, Ordering::SeqCst);
        }
    });
    let hub: url::Url = format!("http://127.0.0.1:{port}/hub").parse().unwrap();
    let app = app_with_hub(&hub).await;
    let token = app.token("editor").await;
    let write = |n: usize| {
        let mut body = article();
        body["title"] = json!(format!("Write {n} while the hub hangs"));
        let app = &app;
        let token = &token;
        async move {
            let started = Instant::now();
            let response = app.send_json(Method::POST, "/articles", token, &body).await;
            assert!(
                started.elapsed() < PER_WRITE,
                "write {n} waited {:?} for a silent hub (answered {})",
                started.elapsed(),
                response.status()
            );
            assert_eq!(response.status(), 201, "write {n}");
        }
    };

    // The first write's pings go out a quarter of a second later, and hang.
    write(0).await;
    let waiting = Instant::now();
    while pings.load(Ordering::SeqCst) == 0 {
        assert!(
            waiting.elapsed() < Duration::from_secs(5),
            "the hub was never pinged"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let hanging = Instant::now();
    for n in 1..=5 {
        write(n).await;
    }
    // The test means something only if the writes were made while that ping hung.
    assert!(
        hanging.elapsed() < Duration::from_secs(9),
        "the writes outlasted the hanging ping: {:?}",
        hanging.elapsed()
    );
    assert_eq!(app.get("/readyz").await.status(), 200);
}

#[tokio::test]
async fn documents_that_are_never_announced_name_no_hub() {
    let hub: url::Url = "https://hub.example.org/".parse().unwrap();
    let app = app_with_hub(&hub).await;
    let first = atom(&app.feed_body("/feed.atom").await);
    let next = first
        .links()
        .iter()
        .find(|l| l.rel() == "next")
        .map(|l| l.href().to_owned());
    let mut unannounced = vec![
        app.url("/feed.atom?code=true"),
        app.url("/feed.rss?limit=5"),
        app.url("/feed.json?level=advanced"),
        app.url("/levels/advanced/feed.atom?source=stripe"),
    ];
    unannounced.extend(next);
    for url in unannounced {
        let response = app.client.get(&url).send().await.unwrap();
        assert_eq!(response.status(), 200, "{url}");
        let links: Vec<String> = response
            .headers()
            .get_all("link")
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect();
        assert!(
            links.iter().all(|l| !l.contains("rel=\"hub\"")),
            "{url}: {links:?}"
        );
        let body = response.text().await.unwrap();
        assert!(!body.contains("hub.example.org"), "{url} names the hub");
    }
    // The source feeds of the directory are announced, so they name it.
    let source = app.get("/feed.json?source=stripe").await;
    assert!(source.text().await.unwrap().contains("hub.example.org"));
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
