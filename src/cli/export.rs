//! `engfeed export FILE`: the whole catalogue in the import format, deleted articles
//! included (with `deleted_at`), so that `engfeed import FILE` into an empty database gives
//! back the same articles, ids and dates.

use std::io::{BufWriter, Write};
use std::path::Path;

use anyhow::Context;

use crate::config::DatabaseUrl;
use crate::db;
use crate::import::CatalogueArticle;

use super::progress::Progress;

const BATCH: i64 = 5_000;

pub async fn export(database_url: &DatabaseUrl, file: &Path) -> anyhow::Result<()> {
    let mut conn = db::connect(database_url.expose()).await?;
    // Written next to the target and renamed at the end: a failed export leaves no half file.
    let directory = match file.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let partial = tempfile::NamedTempFile::new_in(directory)
        .with_context(|| format!("cannot write in {}", directory.display()))?;
    let mut out = BufWriter::new(partial);
    out.write_all(b"[")?;
    let mut first = true;
    let mut progress = Progress::new("export", db::export::count(&mut conn).await?);
    let count = db::export::for_each_batch(&mut conn, BATCH, |records| {
        progress.advance(records.len());
        for record in records {
            out.write_all(if first { b"\n" } else { b",\n" })?;
            first = false;
            serde_json::to_writer(&mut out, &CatalogueArticle::from(record))?;
        }
        Ok(())
    })
    .await?;
    progress.finish();
    out.write_all(b"\n]\n")?;
    let partial = out.into_inner().map_err(|e| e.into_error())?;
    partial.as_file().sync_all()?;
    partial
        .persist(file)
        .with_context(|| format!("cannot write {}", file.display()))?;
    println!("exported {count} articles to {}", file.display());
    Ok(())
}
