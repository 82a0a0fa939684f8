//! The test harness: a real PostgreSQL (`TEST_DATABASE_URL`), one database per test
//! cloned from a migrated template, and the real HTTP server on a random port.

use std::sync::{Arc, LazyLock};

use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use engfeed::config::{DatabaseUrl, FeedOptions, Settings};
use engfeed::db;
use engfeed::feed_cache::FeedCache;
use engfeed::import::Catalogue;
use engfeed::poll_stats::PollStats;
use engfeed::startup::Application;
use tokio::sync::OnceCell;

const TEMPLATE: &str = "engfeed_test_template";
/// Held exclusively while the template is migrated, shared while it is cloned:
/// PostgreSQL refuses to clone a database someone is connected to.
const TEMPLATE_LOCK: i64 = 0x0065_6e67_6665_6564;

static SERVER_URL: LazyLock<DatabaseUrl> = LazyLock::new(|| {
    std::env::var("TEST_DATABASE_URL")
        .expect("TEST_DATABASE_URL must name a PostgreSQL server the tests may create databases on; `scripts/test` sets it")
        .parse()
        .expect("TEST_DATABASE_URL is not a postgres:// URL")
});

static TEMPLATE_READY: OnceCell<()> = OnceCell::const_new();

async fn server_connection() -> AsyncPgConnection {
    AsyncPgConnection::establish(SERVER_URL.expose())
        .await
        .expect("cannot connect to TEST_DATABASE_URL")
}

async fn execute(conn: &mut AsyncPgConnection, sql: &str) {
    diesel::sql_query(sql)
        .execute(conn)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// Creates the template once per process and applies pending migrations to it. Several
/// test processes (nextest) may do this at once; the advisory lock serialises them.
async fn prepare_template() {
    let mut conn = server_connection().await;
    execute(
        &mut conn,
        &format!("SELECT pg_advisory_lock({TEMPLATE_LOCK})"),
    )
    .await;
    let exists: i64 = diesel::sql_query(format!(
        "SELECT count(*) AS count FROM pg_database WHERE datname = '{TEMPLATE}'"
    ))
    .get_result::<Count>(&mut conn)
    .await
    .expect("pg_database")
    .count;
    if exists == 0 {
        execute(&mut conn, &format!("CREATE DATABASE {TEMPLATE}")).await;
    }
    db::run_migrations(SERVER_URL.with_database(TEMPLATE).expose())
        .await
        .expect("migrating the template database");
    execute(
        &mut conn,
        &format!("SELECT pg_advisory_unlock({TEMPLATE_LOCK})"),
    )
    .await;
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    count: i64,
}

/// A database of its own for one test, dropped with it.
pub struct TestDatabase {
    name: String,
    pub url: DatabaseUrl,
}

impl TestDatabase {
    pub async fn new() -> Self {
        TEMPLATE_READY.get_or_init(prepare_template).await;
        let name = format!("engfeed_test_{}", uuid::Uuid::new_v4().simple());
        let mut conn = server_connection().await;
        execute(
            &mut conn,
            &format!("SELECT pg_advisory_lock_shared({TEMPLATE_LOCK})"),
        )
        .await;
        execute(
            &mut conn,
            &format!("CREATE DATABASE {name} TEMPLATE {TEMPLATE}"),
        )
        .await;
        execute(
            &mut conn,
            &format!("SELECT pg_advisory_unlock_shared({TEMPLATE_LOCK})"),
        )
        .await;
        let url = SERVER_URL.with_database(&name);
        Self { name, url }
    }

    pub async fn connection(&self) -> AsyncPgConnection {
        AsyncPgConnection::establish(self.url.expose())
            .await
            .expect("connect to test database")
    }

    /// Runs a statement directly, behind the application's back (to age a row, say).
    pub async fn run_sql(&self, sql: &str) {
        let mut conn = self.connection().await;
        diesel::sql_query(sql).execute(&mut conn).await.expect(sql);
    }

    /// Runs several statements at once (a migration's file, say).
    pub async fn run_script(&self, sql: &str) {
        use diesel_async::SimpleAsyncConnection;
        let mut conn = self.connection().await;
        conn.batch_execute(sql).await.expect(sql);
    }

    pub async fn count(&self, sql: &str) -> i64 {
        let mut conn = self.connection().await;
        diesel::sql_query(sql)
            .get_result::<Count>(&mut conn)
            .await
            .expect(sql)
            .count
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        // Drop runs inside the test's runtime, which cannot block on itself.
        let name = self.name.clone();
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(async {
                let mut conn = server_connection().await;
                execute(
                    &mut conn,
                    &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
                )
                .await;
            });
            Ok::<_, std::io::Error>(())
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("could not drop test database {}", self.name);
        }
    }
}

/// Builds the real application and serves it on a random port until the test ends.
async fn serve(
    database_url: DatabaseUrl,
    database_read_url: Option<DatabaseUrl>,
    feeds: FeedOptions,
) -> (String, Arc<FeedCache>, Arc<PollStats>) {
    serve_as(database_url, database_read_url, feeds, None).await
}

/// [`serve`], announcing `public_url` rather than its own address when given.
async fn serve_as(
    database_url: DatabaseUrl,
    database_read_url: Option<DatabaseUrl>,
    feeds: FeedOptions,
    public_url: Option<engfeed::domain::PublicUrl>,
) -> (String, Arc<FeedCache>, Arc<PollStats>) {
    let settings = Settings {
        database_url,
        database_read_url,
        bind: "127.0.0.1:0".parse().expect("address"),
        public_url,
        db_pool_size: 2,
        workers: Some(1),
        feeds,
    };
    let app = Application::build(settings)
        .await
        .expect("build application");
    // Where it listens, which is its public URL unless `public_url` names another.
    let base_url = format!("http://127.0.0.1:{}", app.port());
    let cache = app.feed_cache();
    let polls = app.poll_stats();
    tokio::spawn(app.run_until_stopped());
    (base_url, cache, polls)
}

/// A second server on a `TestApp`'s database.
pub struct Instance {
    pub base_url: String,
    pub cache: Arc<FeedCache>,
}

impl Instance {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }
}

/// The real application, serving a test database on a random port.
pub struct TestApp {
    pub base_url: String,
    pub db: TestDatabase,
    pub client: reqwest::Client,
    pub cache: Arc<FeedCache>,
    /// Feed polls not yet written: `polls.flush()` writes them now.
    pub polls: Arc<PollStats>,
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(FeedOptions::default()).await
    }

    pub async fn spawn_with(feeds: FeedOptions) -> Self {
        let db = TestDatabase::new().await;
        let (base_url, cache, polls) = serve(db.url.clone(), None, feeds).await;
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        Self {
            base_url,
            db,
            client,
            cache,
            polls,
        }
    }

    /// Another instance of the application on this one's database, as behind a load
    /// balancer; feed queries go to `read_url` when given.
    pub async fn another_instance(&self, read_url: Option<DatabaseUrl>) -> Instance {
        let (base_url, cache, _) =
            serve(self.db.url.clone(), read_url, FeedOptions::default()).await;
        Instance { base_url, cache }
    }

    /// Another instance on this one's database with no feed cache, announcing this one's
    /// public URL: it renders, through the whole middleware stack, the bytes this one
    /// caches. Requests go to `Instance::url`; the documents name this app's URLs.
    pub async fn uncached_twin(&self) -> Instance {
        let feeds = FeedOptions {
            cache_bytes: 0,
            ..FeedOptions::default()
        };
        let public_url = self.base_url.parse().expect("public URL");
        let (served_at, cache, _) =
            serve_as(self.db.url.clone(), None, feeds, Some(public_url)).await;
        Instance {
            base_url: served_at,
            cache,
        }
    }

    /// An app holding the bundled seed catalogue.
    pub async fn with_seed() -> Self {
        Self::with_seed_and(FeedOptions::default()).await
    }

    pub async fn with_seed_and(feeds: FeedOptions) -> Self {
        let app = Self::spawn_with(feeds).await;
        app.import_json(&std::fs::read_to_string(seed_path()).expect("seed"))
            .await;
        app
    }

    /// Imports straight into the database, as `engfeed import` does, and waits until the
    /// application has heard of the change.
    pub async fn import_json(&self, json: &str) -> db::import::ImportReport {
        let catalogue = Catalogue::from_json(json.as_bytes()).expect("valid catalogue");
        let before = self.cache.changes_heard();
        let mut conn = self.db.connection().await;
        let report = db::import::import(
            &mut conn,
            &catalogue.articles,
            chrono::Utc::now(),
            None,
            db::import::EditedArticles::Keep,
        )
        .await
        .expect("import")
        .report;
        if report.created + report.updated > 0 {
            self.wait_for_change_since(before, "an import").await;
        }
        report
    }

    /// Runs SQL straight against the database, as another program would, and waits until
    /// the application has heard of it (the trigger's NOTIFY reached its listener).
    pub async fn change_behind_its_back(&self, sql: &str) {
        let before = self.cache.changes_heard();
        self.db.run_sql(sql).await;
        self.wait_for_change_since(before, sql).await;
    }

    async fn wait_for_change_since(&self, generation: u64, what: &str) {
        for _ in 0..200 {
            if self.cache.changes_heard() > generation {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        panic!("the application never heard of {what}");
    }

    /// A fresh API token, as `engfeed token create` makes them.
    pub async fn token(&self, name: &str) -> String {
        let token = engfeed::domain::ApiToken::generate().expect("random token");
        let mut conn = self.db.connection().await;
        db::tokens::create(&mut conn, name, token.hash())
            .await
            .expect("create token");
        token.expose().to_owned()
    }

    /// An authenticated request to the admin API.
    pub fn api(&self, method: reqwest::Method, path: &str, token: &str) -> reqwest::RequestBuilder {
        self.client
            .request(method, self.url(&format!("/api/v1{path}")))
            .bearer_auth(token)
    }

    /// Sends a JSON body to an admin API path.
    pub async fn send_json(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: &impl serde::Serialize,
    ) -> reqwest::Response {
        self.api(method, path, token)
            .json(body)
            .send()
            .await
            .expect("request")
    }

    /// Creates an article through the API (which must answer 201) and returns it.
    pub async fn create_article(&self, token: &str, body: &serde_json::Value) -> serde_json::Value {
        let response = self
            .send_json(reqwest::Method::POST, "/articles", token, body)
            .await;
        assert_eq!(response.status(), 201, "POST /articles {body}");
        response.json().await.expect("a JSON body")
    }

    /// GETs an admin API path and returns its JSON body.
    /// Soft-deletes an article through the API (asserting 200) and returns the answer.
    pub async fn delete_article(&self, token: &str, id: &str) -> serde_json::Value {
        let response = self
            .api(reqwest::Method::DELETE, &format!("/articles/{id}"), token)
            .send()
            .await
            .expect("DELETE");
        assert_eq!(response.status(), 200, "DELETE /articles/{id}");
        response.json().await.expect("article JSON")
    }

    pub async fn api_json(&self, path: &str, token: &str) -> serde_json::Value {
        let response = self
            .api(reqwest::Method::GET, path, token)
            .send()
            .await
            .expect("request");
        response.json().await.expect("a JSON body")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request")
    }

    /// GETs a feed written in any spelling: follows its 301 to the canonical URL.
    pub async fn feed_body_via_canonical(&self, path: &str) -> String {
        let response = self.get(path).await;
        if response.status() != 301 {
            assert_eq!(response.status(), 200, "GET {path}");
            return response.text().await.expect("body");
        }
        let location = response.headers()["location"]
            .to_str()
            .expect("location")
            .to_owned();
        let canonical = location
            .strip_prefix(&self.base_url)
            .expect("redirect stays on this service");
        self.feed_body(canonical).await
    }

    /// GETs a feed that must answer 200 and returns its body.
    pub async fn feed_body(&self, path: &str) -> String {
        let response = self.get(path).await;
        assert_eq!(response.status(), 200, "GET {path}");
        response.text().await.expect("body")
    }
}

pub fn seed_path() -> String {
    format!("{}/seed/stripe-articles.json", env!("CARGO_MANIFEST_DIR"))
}

/// Checks that `response` is an RFC 9457 problem with this `status`: the status line,
/// `Content-Type: application/problem+json` and the body's `status` member; with `field`,
/// also that the first of its `errors` names that field, with a message. Returns the body
/// for further checks. Failures name the URL and show the body.
pub async fn assert_problem(
    response: reqwest::Response,
    status: u16,
    field: Option<&str>,
) -> serde_json::Value {
    let url = response.url().to_string();
    let answered = response.status();
    let content_type = response.headers().get("content-type").cloned();
    let body = response.text().await.expect("body");
    assert_eq!(answered, status, "{url}: {body}");
    assert_eq!(
        content_type
            .as_ref()
            .map(|v| v.to_str().unwrap_or("(not ASCII)")),
        Some("application/problem+json"),
        "{url}: {body}"
    );
    let problem: serde_json::Value = serde_json::from_str(&body)
        .unwrap_or_else(|e| panic!("{url}: the problem is not JSON ({e}): {body}"));
    assert_eq!(problem["status"], status, "{url}: {problem}");
    if let Some(field) = field {
        assert_eq!(problem["errors"][0]["field"], field, "{url}: {problem}");
        let message = problem["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(!message.is_empty(), "{url}: {problem}");
    }
    problem
}

/// The fields a problem's `errors` name, in order.
pub fn problem_fields(problem: &serde_json::Value) -> Vec<&str> {
    problem["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no errors: {problem}"))
        .iter()
        .map(|e| e["field"].as_str().expect("field"))
        .collect()
}

/// The header names a response's `Vary` lists (CORS adds `Origin` and its own).
pub fn vary(response: &reqwest::Response) -> std::collections::BTreeSet<String> {
    response
        .headers()
        .get_all("vary")
        .iter()
        .flat_map(|v| v.to_str().expect("ASCII").split(','))
        .map(|name| name.trim().to_owned())
        .collect()
}
