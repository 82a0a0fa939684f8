//! Catalogue import: one transaction that creates, updates or leaves alone each article.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::authors;
use super::models::{ArticleInsert, ArticleRow, values_of};
use super::schema::articles;
use crate::domain::{ChangedFacets, Level, NewArticle};

/// What an import did, article by article.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct ImportReport {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
}

/// An import's report, and the feeds it changed (for WebSub).
#[derive(Debug, Clone, Default)]
pub struct Imported {
    pub report: ImportReport,
    pub changed: ChangedFacets,
}

/// PostgreSQL takes at most 65,535 bind parameters per statement; 15 columns a row.
const INSERT_CHUNK: usize = 2_000;

/// Imports `articles` (newest first) all or nothing. Articles are matched by public id,
/// else by import key.
///
/// New articles without a date are published at the import time, `now`, less one
/// microsecond per place in the listing: the listing order survives as a date order, which
/// is what readers sort by, and no two entries share a timestamp (feed validators warn about
/// identical `updated` values). They are also inserted oldest first, so the id, which breaks
/// ties in every feed's order, agrees.
pub async fn import(
    conn: &mut AsyncPgConnection,
    catalogue: &[NewArticle],
    now: DateTime<Utc>,
    actor: super::audit::Actor,
) -> QueryResult<Imported> {
    import_reporting(conn, catalogue, now, actor, &mut |_| {}).await
}

/// [`import`], calling `progress` with the number of articles done since its last call:
/// an unchanged or updated article when it is matched, a new one when its batch is written.
pub async fn import_reporting(
    conn: &mut AsyncPgConnection,
    catalogue: &[NewArticle],
    now: DateTime<Utc>,
    actor: super::audit::Actor,
    progress: &mut (dyn FnMut(usize) + Send),
) -> QueryResult<Imported> {
    conn.transaction(async |conn| {
        let names: BTreeSet<_> = catalogue.iter().filter_map(|a| a.author.as_ref()).collect();
        let author_ids = authors::ensure(conn, &names).await?;
        let existing = load_matches(conn, catalogue).await?;

        let mut report = ImportReport::default();
        let mut changed = Touched::default();
        let mut inserts = Vec::new();
        for (place, article) in catalogue.iter().enumerate().rev() {
            let author_id = article
                .author
                .as_ref()
                .map(|name| author_ids[name.as_ref()]);
            let key = article.import_key();
            let stored = article
                .public_id
                .and_then(|id| existing.by_public_id.get(&id))
                .or_else(|| existing.by_import_key.get(&key));
            let unchanged = stored.is_some_and(|s| is_unchanged(s, article, author_id));
            if !unchanged {
                changed.add(article.level, author_id, article.source.as_ref());
                if let Some(Stored { row, .. }) = stored {
                    changed.add(row.level.0, row.author_id, &row.source);
                }
            }
            match stored {
                None => {
                    let listed_at = now - chrono::TimeDelta::microseconds(place as i64);
                    let published_at = article.published_at.unwrap_or(listed_at);
                    let updated_at = article.updated_at.unwrap_or(published_at);
                    inserts.push(ArticleInsert {
                        public_id: article.public_id.unwrap_or_else(Uuid::new_v4),
                        import_key: Some(key),
                        deleted_at: article.deleted_at,
                        values: values_of(article, author_id, published_at, updated_at),
                    });
                }
                Some(_) if unchanged => {
                    report.unchanged += 1;
                    progress(1);
                }
                Some(Stored { row, deleted_at }) => {
                    let published_at = article.published_at.unwrap_or(row.published_at);
                    let updated_at = article.updated_at.unwrap_or(now);
                    diesel::update(articles::table.find(row.id))
                        .set((
                            values_of(article, author_id, published_at, updated_at),
                            articles::deleted_at.eq(article.deleted_at.or(*deleted_at)),
                        ))
                        .execute(conn)
                        .await?;
                    report.updated += 1;
                    progress(1);
                }
            }
        }
        for chunk in inserts.chunks(INSERT_CHUNK) {
            report.created += diesel::insert_into(articles::table)
                .values(chunk)
                .execute(conn)
                .await?;
            progress(chunk.len());
        }
        // One entry for the whole import: its counts, not a copy of every article.
        super::audit::record(
            conn,
            super::audit::Entry {
                actor,
                action: "import",
                article_id: None,
                author_id: None,
                previous: None,
                current: Some(&report),
            },
        )
        .await?;
        let changed = changed.resolve(conn).await?;
        Ok(Imported { report, changed })
    })
    .await
}

/// Changed facets, with authors still as row ids.
#[derive(Default)]
struct Touched {
    levels: BTreeSet<Level>,
    author_ids: BTreeSet<i64>,
    sources: BTreeSet<String>,
}

impl Touched {
    fn add(&mut self, level: Level, author_id: Option<i64>, source: &str) {
        self.levels.insert(level);
        self.author_ids.extend(author_id);
        self.sources.insert(source.to_owned());
    }

    async fn resolve(self, conn: &mut AsyncPgConnection) -> QueryResult<ChangedFacets> {
        Ok(ChangedFacets {
            levels: self.levels,
            authors: authors::by_ids(conn, &self.author_ids)
                .await?
                .into_iter()
                .collect(),
            sources: self.sources,
        })
    }
}

/// Dates the catalogue leaves out keep their stored values, so they never count as a change.
fn is_unchanged(stored: &Stored, article: &NewArticle, author_id: Option<i64>) -> bool {
    let row = &stored.row;
    article
        .deleted_at
        .is_none_or(|d| Some(d) == stored.deleted_at)
        && row.title == article.title.as_ref()
        && row.summary == article.summary.as_ref()
        && row.content_html.as_deref() == article.content_html.as_ref().map(AsRef::as_ref)
        && row.url.as_deref() == article.url.as_ref().map(AsRef::as_ref)
        && row.author_id == author_id
        && row.level.0 == article.level
        && row.read_minutes == article.read_minutes.map(|m| i32::from(m.get()))
        && row.includes_code == article.includes_code
        && row.has_summary == article.has_summary
        && row.source == article.source.as_ref()
        && article.published_at.is_none_or(|d| d == row.published_at)
        && article.updated_at.is_none_or(|d| d == row.updated_at)
}

/// A stored article an item matched.
#[derive(Clone)]
struct Stored {
    row: ArticleRow,
    deleted_at: Option<DateTime<Utc>>,
}

struct Matches {
    by_public_id: HashMap<Uuid, Stored>,
    by_import_key: HashMap<String, Stored>,
}

async fn load_matches(
    conn: &mut AsyncPgConnection,
    catalogue: &[NewArticle],
) -> QueryResult<Matches> {
    let ids: Vec<Uuid> = catalogue.iter().filter_map(|a| a.public_id).collect();
    let keys: Vec<String> = catalogue.iter().map(NewArticle::import_key).collect();
    let rows: Vec<(ArticleRow, Option<String>, Option<DateTime<Utc>>)> = articles::table
        .filter(
            articles::public_id
                .eq_any(&ids)
                .or(articles::import_key.eq_any(&keys)),
        )
        .select((
            ArticleRow::as_select(),
            articles::import_key,
            articles::deleted_at,
        ))
        .load(conn)
        .await?;
    let mut matches = Matches {
        by_public_id: HashMap::new(),
        by_import_key: HashMap::new(),
    };
    for (row, key, deleted_at) in rows {
        let stored = Stored { row, deleted_at };
        if let Some(key) = key {
            matches.by_import_key.insert(key, stored.clone());
        }
        matches.by_public_id.insert(stored.row.public_id, stored);
    }
    Ok(matches)
}
