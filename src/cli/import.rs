//! `engfeed import SOURCE`: a catalogue, or another publisher's feed, from a file or URL.

use anyhow::Context;
use clap::Args;

use super::progress::Progress;
use super::{DatabaseArgs, check_reachable};
use crate::db;
use crate::db::import::EditedArticles;
use crate::domain::Level;
use crate::import::feed::{self as ingest, FeedDefaults};

#[derive(Debug, Args)]
pub(super) struct ImportArgs {
    #[command(flatten)]
    database: DatabaseArgs,
    /// A catalogue (the format of seed/stripe-articles.json), or an RSS, Atom or JSON Feed
    /// file or http(s) URL.
    source: String,
    /// For feeds: the level of items that do not say (engfeed feeds do).
    #[arg(long, default_value = "intermediate")]
    level: Level,
    /// For feeds: the source of every item. Default: the feed's title.
    #[arg(long = "source")]
    source_name: Option<String>,
    /// Write the catalogue's version over articles edited through the admin API since the
    /// last import (by default they are kept as the editor left them).
    #[arg(long)]
    overwrite: bool,
}

/// Runs the import on a runtime of two threads of its own (the process's main runtime has
/// one): the database connection's task then sends a statement to the server while the
/// import builds the next one (see `db::import`), instead of waiting for it. The runtime
/// lives on a blocking thread, so the main runtime is not blocked while it runs.
pub(super) async fn run(args: ImportArgs) -> anyhow::Result<()> {
    tokio::task::spawn_blocking(move || {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?
            .block_on(import(&args))
    })
    .await?
}

async fn import(args: &ImportArgs) -> anyhow::Result<()> {
    let database_url = &args.database.database_url;
    let file = &args.source;
    let bytes = read_source(file).await?;
    let kind = ingest::sniff(&bytes).ok_or_else(|| {
        anyhow::anyhow!(
            "{file}: neither a catalogue (a JSON array) nor an RSS, Atom or JSON feed; nothing was imported"
        )
    })?;
    let defaults = FeedDefaults {
        level: args.level,
        source: args.source_name.clone(),
    };
    // Parsing and validating a large file takes as long as connecting and migrating, so
    // they overlap; a file that does not parse is still the error reported first.
    let parsing = tokio::task::spawn_blocking(move || ingest::read_feed(kind, &bytes, &defaults));
    let connecting = async {
        check_reachable(database_url).await?;
        db::run_migrations(database_url.expose()).await?;
        anyhow::Ok(db::connect(database_url.expose()).await?)
    };
    let (parsed, connected) = tokio::join!(parsing, connecting);
    let catalogue = parsed?.map_err(|e| anyhow::anyhow!("{file}: {e}; nothing was imported"))?;
    let mut conn = connected?;
    let mut progress = Progress::new("import", catalogue.articles.len() as u64);
    let report = db::import::import_reporting(
        &mut conn,
        &catalogue.articles,
        chrono::Utc::now(),
        None,
        if args.overwrite {
            EditedArticles::Overwrite
        } else {
            EditedArticles::Keep
        },
        &mut |done| progress.advance(done),
    )
    .await?
    .report;
    progress.finish();
    println!(
        "imported {file}: {} created, {} updated, {} unchanged, {} kept as edited",
        report.created, report.updated, report.unchanged, report.kept_edited
    );
    Ok(())
}

/// A file, or the body of an http(s) URL (a blog's feed).
async fn read_source(source: &str) -> anyhow::Result<Vec<u8>> {
    if !(source.starts_with("http://") || source.starts_with("https://")) {
        return std::fs::read(source).with_context(|| format!("cannot read {source}"));
    }
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(60))
        .user_agent(concat!("engfeed/", env!("CARGO_PKG_VERSION"), " (import)"))
        .build()?;
    let response = client
        .get(source)
        .send()
        .await
        .with_context(|| format!("cannot fetch {source}"))?
        .error_for_status()
        .with_context(|| format!("cannot fetch {source}"))?;
    Ok(response.bytes().await?.to_vec())
}
