//! The `engfeed` command line: `serve`, `migrate`, `check`, `import`, `export`, `feeds`,
//! `token`, `stats`.

mod check;
pub mod config_file;
mod export;
mod feeds;
mod import;
mod progress;
mod stats;
mod tokens;

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::config::{DatabaseUrl, FeedOptions, Settings};
use crate::db;
use crate::domain::PublicUrl;
use crate::startup::Application;

const EXAMPLES: &str = "\
Examples:
  DATABASE_URL=$(scripts/ensure-postgres) engfeed serve
  engfeed migrate --database-url postgres://engfeed:secret@127.0.0.1:5432/engfeed
  engfeed check
  engfeed import seed/stripe-articles.json
  engfeed export backup.json
  engfeed feeds --public-url https://feeds.example.com
  engfeed token create --name alice
  engfeed stats --days 30
  engfeed serve --log-format json --websub-hub https://pubsubhubbub.appspot.com/";

#[derive(Debug, Parser)]
#[command(name = "engfeed", version, about = "Engineering articles in PostgreSQL, published as RSS, Atom and JSON feeds.", after_help = EXAMPLES)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
    /// A TOML file of settings (keys as the flags are spelt: `database-url`, `bind`, ...);
    /// flags and environment variables win over it.
    #[arg(long, global = true, env = "ENGFEED_CONFIG")]
    pub config: Option<PathBuf>,
    /// How log lines are written to stderr (`RUST_LOG` filters them).
    #[arg(
        long,
        global = true,
        env = "ENGFEED_LOG_FORMAT",
        value_enum,
        default_value_t
    )]
    pub log_format: crate::telemetry::LogFormat,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Apply pending migrations, then serve feeds and pages over HTTP.
    Serve(ServeArgs),
    /// Apply pending database migrations.
    Migrate(DatabaseArgs),
    /// Import a catalogue (JSON array of articles) or an RSS, Atom or JSON feed, from a file
    /// or URL; importing the same source again changes nothing.
    Import(import::ImportArgs),
    /// Check the configuration: the database answers, migrations are current, the address is free.
    Check(SiteArgs),
    /// Write the whole catalogue, deleted articles included, in the import format.
    Export(CatalogueFileArgs),
    /// Print the URL of every published feed, one per line.
    Feeds(SiteArgs),
    /// Create, list and revoke admin API tokens.
    Token {
        #[command(subcommand)]
        command: tokens::TokenCommand,
    },
    /// Print who polls which feed (requests, 304s, clients, subscribers) as a table, most
    /// estimated subscribers first; what `GET /api/v1/stats/feeds` answers.
    Stats(stats::StatsArgs),
}

#[derive(Debug, Args)]
pub(crate) struct DatabaseArgs {
    /// PostgreSQL URL, postgres://USER:PASSWORD@HOST:PORT/DATABASE (scripts/ensure-postgres prints one).
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub(crate) database_url: DatabaseUrl,
}

#[derive(Debug, Args)]
pub(crate) struct PublicArgs {
    /// Address to listen on.
    #[arg(long, env = "ENGFEED_BIND", default_value = "127.0.0.1:8080")]
    bind: SocketAddr,
    /// The URL readers reach this service at; every link in feeds is built from it. Default: http://BIND.
    #[arg(long, env = "ENGFEED_PUBLIC_URL")]
    public_url: Option<PublicUrl>,
}

impl PublicArgs {
    fn public_url(&self) -> PublicUrl {
        self.public_url
            .clone()
            .unwrap_or_else(|| PublicUrl::of_address(self.bind))
    }
}

#[derive(Debug, Args)]
struct ServeArgs {
    #[command(flatten)]
    database: DatabaseArgs,
    #[command(flatten)]
    public: PublicArgs,
    /// Database connections shared by all workers.
    #[arg(long, env = "ENGFEED_DB_POOL_SIZE", default_value_t = 10, value_parser = clap::value_parser!(u16).range(1..=1000))]
    db_pool_size: u16,
    /// HTTP worker threads. Default: one per CPU core.
    #[arg(long, env = "ENGFEED_WORKERS", value_parser = clap::value_parser!(u16).range(1..=256))]
    workers: Option<u16>,
    /// Days a deleted article stays in Atom feeds as an RFC 6721 tombstone (0: never).
    #[arg(long, env = "ENGFEED_TOMBSTONE_DAYS", default_value_t = 30)]
    tombstone_days: u16,
    /// A WebSub hub: feeds advertise it, and every change is announced to it.
    #[arg(long, env = "ENGFEED_WEBSUB_HUB")]
    websub_hub: Option<url::Url>,
    /// Seconds readers and caches may keep a feed (Cache-Control max-age; RSS ttl).
    #[arg(long, env = "ENGFEED_CACHE_MAX_AGE", default_value_t = 300)]
    cache_max_age: u32,
    /// Bytes of memory for rendered feeds (0: render every request).
    #[arg(long, env = "ENGFEED_CACHE_BYTES", default_value_t = 64 * 1024 * 1024)]
    cache_bytes: u64,
    /// Days of feed poll statistics kept, today included; older rows are deleted.
    #[arg(long, env = "ENGFEED_STATS_RETENTION_DAYS", default_value_t = 90, value_parser = clap::value_parser!(u16).range(1..=3660))]
    stats_retention_days: u16,
    /// A read-only replica for feed queries (writes, and reads it lags behind, use DATABASE_URL).
    #[arg(long, env = "DATABASE_READ_URL")]
    database_read_url: Option<DatabaseUrl>,
    /// Print the effective configuration (flags, environment, file, defaults; passwords
    /// masked) as TOML, and exit.
    #[arg(long)]
    print_config: bool,
}

#[derive(Debug, Args)]
struct CatalogueFileArgs {
    #[command(flatten)]
    database: DatabaseArgs,
    /// The file to write, in the import format.
    file: PathBuf,
}

/// Where the database is and where readers reach the service (`feeds`, `check`).
#[derive(Debug, Args)]
struct SiteArgs {
    #[command(flatten)]
    database: DatabaseArgs,
    #[command(flatten)]
    public: PublicArgs,
}

impl Cli {
    pub async fn run(self) -> anyhow::Result<()> {
        match self.command {
            Command::Serve(args) => serve(args).await,
            Command::Migrate(args) => migrate(&args.database_url).await,
            Command::Import(args) => import::run(args).await,
            Command::Check(args) => check::run(&args.database.database_url, &args.public).await,
            Command::Export(args) => {
                check_reachable(&args.database.database_url).await?;
                export::export(&args.database.database_url, &args.file).await
            }
            Command::Feeds(args) => feeds::list(&args.database.database_url, &args.public).await,
            Command::Token { command } => command.run().await,
            Command::Stats(args) => stats::run(&args).await,
        }
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let print_config = args.print_config;
    let settings = Settings {
        database_url: args.database.database_url,
        database_read_url: args.database_read_url,
        bind: args.public.bind,
        public_url: args.public.public_url,
        db_pool_size: usize::from(args.db_pool_size),
        workers: args.workers.map(usize::from),
        feeds: FeedOptions {
            tombstone_days: args.tombstone_days,
            websub_hub: args.websub_hub,
            max_age_seconds: args.cache_max_age,
            cache_bytes: args.cache_bytes,
            stats_retention_days: args.stats_retention_days,
        },
    };
    if print_config {
        print!("{}", settings.to_toml());
        return Ok(());
    }
    check_reachable(&settings.database_url).await?;
    let app = Application::build(settings).await?;
    tracing::info!(public_url = %app.public_url(), port = app.port(), "serving; feeds at {}", app.public_url().join("/feed.atom"));
    app.run_until_stopped().await?;
    Ok(())
}

async fn migrate(database_url: &DatabaseUrl) -> anyhow::Result<()> {
    check_reachable(database_url).await?;
    let applied = db::run_migrations(database_url.expose()).await?;
    if applied.is_empty() {
        println!("migrations: the database is up to date");
    }
    for name in applied {
        println!("migrations: applied {name}");
    }
    Ok(())
}

/// One clear line instead of a driver error when no server answers.
pub(crate) async fn check_reachable(database_url: &DatabaseUrl) -> anyhow::Result<()> {
    match db::connect(database_url.expose()).await {
        Ok(_) => Ok(()),
        Err(e) => {
            let cause = e.to_string();
            // The fix for the failures newcomers meet, in one line each.
            let fix = if cause.contains("password authentication failed") {
                "the server answered but refused the password: check the user and password in DATABASE_URL \
                 (scripts/ensure-postgres prints a working one)"
            } else if cause.contains("does not exist") {
                "the server answered but has no such database or role: create it, or run \
                 `scripts/ensure-postgres DATABASE` to get a URL for one"
            } else {
                "start one with `scripts/ensure-postgres` (it prints a DATABASE_URL to use), \
                 or point DATABASE_URL at a running server"
            };
            anyhow::bail!(
                "cannot connect to PostgreSQL at {database_url}: {}\n  {fix}",
                cause.trim()
            )
        }
    }
}
