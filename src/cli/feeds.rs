//! `engfeed feeds`: the URL of every published feed, one per line.

use std::io::Write;

use anyhow::Context;

use super::{PublicArgs, check_reachable};
use crate::config::{DatabaseUrl, FeedOptions};
use crate::db;
use crate::feeds::directory;

pub(super) async fn list(database_url: &DatabaseUrl, public: &PublicArgs) -> anyhow::Result<()> {
    check_reachable(database_url).await?;
    let mut conn = db::connect(database_url.expose()).await?;
    let identity = db::site::load(&mut conn)
        .await
        .context("reading the site identity (run `engfeed migrate` first)")?;
    let site = identity.site(public.public_url(), &FeedOptions::default());
    let authors = db::authors::list_published(&mut conn).await?;
    let sources = db::articles::live_sources(&mut conn).await?;
    let mut out = std::io::stdout().lock();
    for entry in directory::entries(&site, &authors, &sources) {
        match writeln!(out, "{}", entry.url) {
            // The reader (`| head`) has seen enough.
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(()),
            other => other?,
        }
    }
    Ok(())
}
