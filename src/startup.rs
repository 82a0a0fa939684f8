//! Builds the application: migrations, pool, site identity, HTTP server. `main` and the
//! tests share this path; tests bind port 0 and read the port back.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::http::header;
use actix_web::middleware::{DefaultHeaders, ErrorHandlers, from_fn};
use actix_web::{App, HttpServer, web};
use anyhow::Context;

use crate::catalogue_listener;
use crate::config::Settings;
use crate::db;
use crate::db::feed_page::FeedReader;
use crate::domain::{PublicUrl, Site};
use crate::feed_cache::FeedCache;
use crate::feed_documents::FeedDocuments;
use crate::handlers::cached_hits::CachedHits;
use crate::handlers::failed_logins::FailedLogins;
use crate::handlers::observability;
use crate::handlers::state::AppState;
use crate::poll_stats::{self, PollStats};
use crate::websub::Publisher;

pub struct Application {
    port: u16,
    public_url: PublicUrl,
    server: Server,
    cache: Arc<FeedCache>,
    polls: Arc<PollStats>,
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let database_url = &settings.database_url;
        db::run_migrations(database_url.expose())
            .await
            .with_context(|| format!("applying migrations to {database_url}"))?;
        let identity = {
            let mut conn = db::connect(database_url.expose()).await?;
            db::site::load(&mut conn)
                .await
                .context("reading the site identity")?
        };
        let listener = TcpListener::bind(settings.bind).with_context(|| {
            format!(
                "cannot listen on {}: is another program using it? Pick another address with --bind or ENGFEED_BIND",
                settings.bind
            )
        })?;
        let address = listener.local_addr()?;
        let public_url = settings
            .public_url
            .clone()
            .unwrap_or_else(|| PublicUrl::of_address(address));
        let site = identity.site(public_url.clone(), &settings.feeds);
        let state = app_state(&settings, site)?;
        let cache = state.cache.clone();
        let polls = state.polls.clone();
        let server = http_server(web::Data::new(state), &settings, listener)?;
        Ok(Self {
            port: address.port(),
            public_url,
            server,
            cache,
            polls,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn public_url(&self) -> &PublicUrl {
        &self.public_url
    }

    /// The rendered-feed cache (tests wait on its generation after writing behind the
    /// application's back).
    pub fn feed_cache(&self) -> Arc<FeedCache> {
        self.cache.clone()
    }

    /// Stops the server as SIGTERM does (tests of what a clean shutdown keeps).
    pub fn stop_handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Feed polls counted and not yet written (tests flush them rather than wait a minute).
    pub fn poll_stats(&self) -> Arc<PollStats> {
        self.polls.clone()
    }

    /// Serves until SIGINT/SIGTERM, then finishes in-flight requests and writes the poll
    /// statistics counted since the last flush.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let served = self.server.await;
        if let Err(error) = self.polls.flush().await {
            tracing::warn!(
                error = format!("{error:#}"),
                "could not write the last poll statistics"
            );
        }
        served
    }
}

/// The pools, the feed reader and cache kept fresh by the change listener, and the WebSub
/// publisher: what every handler shares.
fn app_state(settings: &Settings, site: Site) -> anyhow::Result<AppState> {
    let pool = db::build_pool(settings.database_url.expose(), settings.db_pool_size)?;
    let read_pool = match &settings.database_read_url {
        Some(url) => Some(db::build_pool(url.expose(), settings.db_pool_size)?),
        None => None,
    };
    let cache = Arc::new(FeedCache::new(settings.feeds.cache_bytes));
    let reader = Arc::new(FeedReader::new(
        pool.clone(),
        read_pool,
        settings.feeds.tombstone_window(),
    ));
    crate::telemetry::metrics();
    catalogue_listener::spawn(settings.database_url.clone(), cache.clone(), reader.clone());
    crate::search_indexer::spawn(pool.clone());
    let documents = Arc::new(FeedDocuments::new(reader, cache.clone(), site.clone()));
    let publisher = match &settings.feeds.websub_hub {
        Some(hub) => Publisher::start(hub.clone(), documents.clone(), pool.clone())
            .context("starting the WebSub publisher")?,
        None => Publisher::disabled(),
    };
    let polls = Arc::new(PollStats::new(
        pool.clone(),
        settings.feeds.stats_retention_days,
    ));
    poll_stats::spawn_flusher(polls.clone());
    Ok(AppState {
        pool,
        cache,
        documents,
        site,
        publisher,
        feeds: settings.feeds.clone(),
        failed_logins: FailedLogins::default(),
        polls,
    })
}

/// The HTTP server on `listener`, its middleware listed innermost first: header limits;
/// problem bodies; common headers; request id, span, access log and metrics; and, met
/// first, the cache-hit fast path, which answers feeds already rendered by itself.
fn http_server(
    state: web::Data<AppState>,
    settings: &Settings,
    listener: TcpListener,
) -> anyhow::Result<Server> {
    let mut server = HttpServer::new(move || {
        App::new()
            .wrap(from_fn(crate::handlers::limits::header_size))
            .wrap(ErrorHandlers::new().default_handler(crate::error::problem_for_bare_errors))
            .wrap(DefaultHeaders::new().add((header::X_CONTENT_TYPE_OPTIONS, "nosniff")))
            .wrap(from_fn(observability::record))
            .wrap(CachedHits)
            .app_data(state.clone())
            .configure(crate::routes::configure)
    })
    // Without it, small responses wait ~40 ms for Nagle's algorithm.
    .tcp_nodelay(true)
    // On SIGTERM: stop accepting, give in-flight requests this long, then stop.
    .shutdown_timeout(10)
    // A client has 5 s to send its request head, and idle connections close after 30 s:
    // slow or idle clients cannot hold workers' connections forever.
    .client_request_timeout(std::time::Duration::from_secs(5))
    .keep_alive(std::time::Duration::from_secs(30));
    if let Some(workers) = settings.workers {
        server = server.workers(workers);
    }
    Ok(server.listen(listener)?.run())
}
