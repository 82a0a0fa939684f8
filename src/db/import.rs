//! Catalogue import: one transaction that creates, updates or leaves alone each article.

use super::Result;
use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, SubsecRound, TimeDelta, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::authors;
use super::models::{ArticleInsert, ArticleRow, values_of};
use super::schema::articles;
pub use crate::domain::ImportReport;
use crate::domain::{ArticleFacets, ChangedFacets, Level, NewArticle};

/// What an import does with an article an editor changed since the last import.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum EditedArticles {
    /// Leave it as the editor left it (counted as `kept_edited`).
    #[default]
    Keep,
    /// Write the catalogue's version over it.
    Overwrite,
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
/// New articles without a date are published at the import time, `now` in whole seconds,
/// less one second per place in the listing: the listing order survives as a date order,
/// which is what readers sort by, in the whole seconds RSS and most readers keep, and all
/// in the past. Articles the import updates get their update date the same way, so no two
/// share one (feed validators warn about identical `updated` values). New articles are
/// inserted oldest first, so the id, which breaks ties in every feed's order, agrees.
///
/// An article edited through the admin API since the last import is left alone unless
/// `edited` says to overwrite it.
pub async fn import(
    conn: &mut AsyncPgConnection,
    catalogue: &[NewArticle],
    now: DateTime<Utc>,
    actor: super::audit::Actor,
    edited: EditedArticles,
) -> Result<Imported> {
    import_reporting(conn, catalogue, now, actor, edited, &mut |_| {}).await
}

/// [`import`], calling `progress` with the number of articles done since its last call:
/// an unchanged or updated article when it is matched, a new one when its batch is written.
pub async fn import_reporting(
    conn: &mut AsyncPgConnection,
    catalogue: &[NewArticle],
    now: DateTime<Utc>,
    actor: super::audit::Actor,
    edited: EditedArticles,
    progress: &mut (dyn FnMut(usize) + Send),
) -> Result<Imported> {
    conn.transaction(async |conn| {
        super::site::begin_catalogue_write(conn).await?;
        let names: BTreeSet<_> = catalogue.iter().filter_map(|a| a.author.as_ref()).collect();
        let author_ids = authors::ensure(conn, &names).await?;
        let existing = load_matches(conn, catalogue).await?;
        let plans: Vec<Plan<'_>> = catalogue
            .iter()
            .map(|article| plan(article, &existing, &author_ids, edited))
            .collect();
        let dated = dated(conn, now, &plans, catalogue).await?;
        let mut writes = Writes::default();
        // Rows are written oldest first, so that the id, which breaks ties in every
        // feed's order, agrees with the dates.
        for (plan, article, stamp) in dated.into_iter().rev() {
            writes.apply(conn, plan, article, stamp).await?;
            if !matches!(plan.action, Action::Create) {
                progress(1);
            }
        }
        let report = writes.insert_new(conn, progress).await?;
        // One entry for the whole import: its counts, not a copy of every article.
        super::audit::record(
            conn,
            super::audit::Entry {
                actor,
                action: "import",
                article_id: None,
                author_id: None,
                previous: None,
                current: Some(super::audit::Snapshot::Import(&report)),
            },
        )
        .await?;
        let changed = writes.changed.resolve(conn).await?;
        super::site::end_catalogue_write(conn, &changed).await?;
        Ok(Imported { report, changed })
    })
    .await
}

/// Each item with its plan and the date it is written with (see [`stamps`]).
async fn dated<'p, 'a>(
    conn: &mut AsyncPgConnection,
    now: DateTime<Utc>,
    plans: &'p [Plan<'p>],
    catalogue: &'a [NewArticle],
) -> Result<Vec<(&'p Plan<'p>, &'a NewArticle, DateTime<Utc>)>> {
    let written: Vec<Option<DateTime<Utc>>> = plans
        .iter()
        .filter_map(|p| match p.action {
            Action::Create => Some(None),
            Action::Update(stored) => Some(Some(stored.row.updated_at)),
            Action::Unchanged | Action::KeepEdited => None,
        })
        .collect();
    let mut stamps = stamps(conn, now, &written).await?.into_iter();
    // Stamps go newest first, in listing order.
    Ok(plans
        .iter()
        .zip(catalogue)
        .map(|(plan, article)| {
            let stamp = plan.action.writes().then(|| stamps.next()).flatten();
            (plan, article, stamp.unwrap_or(now))
        })
        .collect())
}

/// What an import has written so far, and the new rows it has yet to insert.
#[derive(Default)]
struct Writes<'a> {
    report: ImportReport,
    changed: Touched,
    inserts: Vec<ArticleInsert<'a>>,
}

impl<'a> Writes<'a> {
    /// Carries out one item's plan; new articles wait for [`Writes::insert_new`].
    async fn apply(
        &mut self,
        conn: &mut AsyncPgConnection,
        plan: &Plan<'_>,
        article: &'a NewArticle,
        stamp: DateTime<Utc>,
    ) -> Result<()> {
        let author_id = plan.author_id;
        if plan.action.writes() {
            self.changed.add(TouchedArticle::new(article, author_id));
        }
        match plan.action {
            Action::Create => {
                let published_at = article.published_at.unwrap_or(stamp);
                let updated_at = article.updated_at.unwrap_or(published_at);
                self.inserts.push(ArticleInsert {
                    public_id: article.public_id.unwrap_or_else(Uuid::new_v4),
                    import_key: Some(article.import_key()),
                    deleted_at: article.deleted_at,
                    edited_since_import: false,
                    values: values_of(article, author_id, published_at, updated_at),
                });
            }
            Action::Unchanged => self.report.unchanged += 1,
            Action::KeepEdited => self.report.kept_edited += 1,
            Action::Update(Stored {
                row, deleted_at, ..
            }) => {
                self.changed.add(TouchedArticle::stored(row));
                let published_at = article.published_at.unwrap_or(row.published_at);
                let updated_at = article.updated_at.unwrap_or(stamp.max(published_at));
                diesel::update(articles::table.find(row.id))
                    .set((
                        values_of(article, author_id, published_at, updated_at),
                        articles::deleted_at.eq(article.deleted_at.or(*deleted_at)),
                        articles::edited_since_import.eq(false),
                    ))
                    .execute(conn)
                    .await?;
                self.report.updated += 1;
            }
        }
        Ok(())
    }

    /// Inserts the new articles in chunks, oldest first; returns the finished report.
    async fn insert_new(
        &mut self,
        conn: &mut AsyncPgConnection,
        progress: &mut (dyn FnMut(usize) + Send),
    ) -> Result<ImportReport> {
        for chunk in self.inserts.chunks(INSERT_CHUNK) {
            self.report.created += diesel::insert_into(articles::table)
                .values(chunk)
                .execute(conn)
                .await?;
            progress(chunk.len());
        }
        Ok(self.report)
    }
}

/// What the import does with one catalogue item.
struct Plan<'a> {
    action: Action<'a>,
    author_id: Option<i64>,
}

enum Action<'a> {
    Create,
    Update(&'a Stored),
    Unchanged,
    /// Changed in the catalogue, but an editor changed the article since.
    KeepEdited,
}

impl Action<'_> {
    fn writes(&self) -> bool {
        matches!(self, Action::Create | Action::Update(_))
    }
}

fn plan<'a>(
    article: &NewArticle,
    existing: &'a Matches,
    author_ids: &HashMap<String, i64>,
    edited: EditedArticles,
) -> Plan<'a> {
    let author_id = article
        .author
        .as_ref()
        .and_then(|name| author_ids.get(name.as_ref()).copied());
    let stored = article
        .public_id
        .and_then(|id| existing.by_public_id.get(&id))
        .or_else(|| existing.by_import_key.get(&article.import_key()));
    let action = match stored {
        None => Action::Create,
        Some(stored) if is_unchanged(stored, article, author_id) => Action::Unchanged,
        Some(stored) if stored.edited_since_import && edited == EditedArticles::Keep => {
            Action::KeepEdited
        }
        Some(stored) => Action::Update(stored),
    };
    Plan { action, author_id }
}

/// The dates this import gives the articles it writes (when the catalogue has none), in
/// listing order, newest first. `written` holds, per article, its stored update date when
/// it is an update. The rule:
/// - whole seconds, since RSS and most readers keep no more, in listing order, from the
///   import time down: listing order survives as date order;
/// - never a second another article already shows (as its publication or update date), so
///   no two items share one;
/// - the newest above every date already shown, and an update later than the article's
///   stored date, so that readers see new articles on top and updates as updates. Only
///   imports in quick succession need that: the start then moves past the import time by
///   as many seconds as it takes.
async fn stamps(
    conn: &mut AsyncPgConnection,
    now: DateTime<Utc>,
    written: &[Option<DateTime<Utc>>],
) -> Result<Vec<DateTime<Utc>>> {
    if written.is_empty() {
        return Ok(Vec::new());
    }
    let now = now.trunc_subsecs(0);
    // Dates far ahead are a catalogue's own (a scheduled article), not an import's.
    let horizon = now + TimeDelta::hours(1);
    let newest: Option<DateTime<Utc>> = articles::table
        .filter(articles::updated_at.le(horizon))
        .select(diesel::dsl::max(articles::updated_at))
        .first(conn)
        .await?;
    let mut clock = newest.map_or(now, |n| now.max(n.trunc_subsecs(0) + TimeDelta::seconds(1)));
    loop {
        let stamps = free_seconds_down_from(conn, clock, written.len()).await?;
        let behind = stamps
            .iter()
            .zip(written)
            .filter(|(stamp, stored)| stored.is_some_and(|stored| **stamp <= stored))
            .count();
        if behind == 0 {
            return Ok(stamps);
        }
        clock += TimeDelta::seconds(i64::try_from(behind).unwrap_or(i64::MAX));
    }
}

/// `count` whole seconds from `clock` down that no article shows as its publication or
/// update date.
async fn free_seconds_down_from(
    conn: &mut AsyncPgConnection,
    clock: DateTime<Utc>,
    count: usize,
) -> Result<Vec<DateTime<Utc>>> {
    let mut stamps = Vec::with_capacity(count);
    let mut next = clock;
    while stamps.len() < count {
        let wanted = i64::try_from(count - stamps.len()).unwrap_or(i64::MAX);
        let low = next - TimeDelta::seconds(2 * wanted + 60);
        let high = next + TimeDelta::seconds(1);
        let shown: Vec<(DateTime<Utc>, DateTime<Utc>)> = articles::table
            .filter(
                (articles::published_at
                    .ge(low)
                    .and(articles::published_at.lt(high)))
                .or(articles::updated_at
                    .ge(low)
                    .and(articles::updated_at.lt(high))),
            )
            .select((articles::published_at, articles::updated_at))
            .load(conn)
            .await?;
        let taken: BTreeSet<i64> = shown
            .iter()
            .flat_map(|(p, u)| [p.timestamp(), u.timestamp()])
            .collect();
        while stamps.len() < count && next > low {
            if !taken.contains(&next.timestamp()) {
                stamps.push(next);
            }
            next -= TimeDelta::seconds(1);
        }
    }
    Ok(stamps)
}

/// Changed articles' facets, with authors still as row ids.
#[derive(Default)]
struct Touched {
    articles: BTreeSet<TouchedArticle>,
}

#[derive(PartialEq, Eq, PartialOrd, Ord)]
struct TouchedArticle {
    level: Level,
    author_id: Option<i64>,
    source: String,
    includes_code: bool,
    read_minutes: Option<u16>,
}

impl Touched {
    fn add(&mut self, article: TouchedArticle) {
        self.articles.insert(article);
    }

    async fn resolve(self, conn: &mut AsyncPgConnection) -> Result<ChangedFacets> {
        let ids = self.articles.iter().filter_map(|a| a.author_id).collect();
        let authors = authors::by_ids(conn, &ids).await?;
        let articles = self
            .articles
            .into_iter()
            .map(|a| ArticleFacets {
                level: a.level,
                author: a.author_id.and_then(|id| authors.get(&id).cloned()),
                source: a.source,
                includes_code: a.includes_code,
                read_minutes: a.read_minutes,
            })
            .collect();
        Ok(ChangedFacets {
            articles,
            renamed: BTreeSet::new(),
        })
    }
}

impl TouchedArticle {
    fn new(article: &NewArticle, author_id: Option<i64>) -> Self {
        Self {
            level: article.level,
            author_id,
            source: article.source.as_ref().to_owned(),
            includes_code: article.includes_code,
            read_minutes: article.read_minutes.map(|m| m.get()),
        }
    }

    fn stored(row: &ArticleRow) -> Self {
        Self {
            level: row.level.0,
            author_id: row.author_id,
            source: row.source.clone(),
            includes_code: row.includes_code,
            read_minutes: row.read_minutes.and_then(|m| u16::try_from(m).ok()),
        }
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
    edited_since_import: bool,
}

/// A stored article, its import key, deletion and whether an editor changed it since.
type MatchRow = (ArticleRow, Option<String>, Option<DateTime<Utc>>, bool);

struct Matches {
    by_public_id: HashMap<Uuid, Stored>,
    by_import_key: HashMap<String, Stored>,
}

async fn load_matches(conn: &mut AsyncPgConnection, catalogue: &[NewArticle]) -> Result<Matches> {
    let ids: Vec<Uuid> = catalogue.iter().filter_map(|a| a.public_id).collect();
    let keys: Vec<String> = catalogue.iter().map(NewArticle::import_key).collect();
    let rows: Vec<MatchRow> = articles::table
        .filter(
            articles::public_id
                .eq_any(&ids)
                .or(articles::import_key.eq_any(&keys)),
        )
        .select((
            ArticleRow::as_select(),
            articles::import_key,
            articles::deleted_at,
            articles::edited_since_import,
        ))
        .load(conn)
        .await?;
    let mut matches = Matches {
        by_public_id: HashMap::new(),
        by_import_key: HashMap::new(),
    };
    for (row, key, deleted_at, edited_since_import) in rows {
        let stored = Stored {
            row,
            deleted_at,
            edited_since_import,
        };
        if let Some(key) = key {
            matches.by_import_key.insert(key, stored.clone());
        }
        matches.by_public_id.insert(stored.row.public_id, stored);
    }
    Ok(matches)
}
