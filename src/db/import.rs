//! Catalogue import: one transaction that creates, updates or leaves alone each article.

use super::Result;
use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::{DateTime, SubsecRound, TimeDelta, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Binary, Bool, Integer, Nullable, Text, Timestamptz};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::authors;
use super::level_sql::DbLevel;
use super::schema::articles;
pub use crate::domain::ImportReport;
use crate::domain::{ArticleFacets, ChangedFacets, Level, NewArticle, new_public_id};

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

/// Rows per statement: each column goes as one array parameter, so a statement's size is
/// bounded by memory, not by PostgreSQL's 65,535 parameters. Progress is reported per chunk.
const WRITE_CHUNK: usize = 10_000;

/// Insert statements in flight at once: one being written by the server, the next built
/// and sent meanwhile (see [`Writes::insert_new`]).
const PIPELINED_CHUNKS: usize = 2;

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
        defer_search_documents(conn).await?;
        // Ordered for the authors it creates, but deduplicated by hash first: sorting every
        // item's name (100,000 for 2,000 authors) was 5% of a re-import's CPU.
        let names: BTreeSet<_> = catalogue
            .iter()
            .filter_map(|a| a.author.as_ref())
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let author_ids = authors::ensure(conn, &names).await?;
        let digested: Vec<(Option<i64>, Vec<u8>)> = catalogue
            .iter()
            .map(|article| {
                let author_id = author_id_of(article, &author_ids);
                (author_id, import_digest(article, author_id))
            })
            .collect();
        // Most items of a re-import are settled by their digest alone; only the rest are
        // fetched and compared field by field.
        let unsettled = unsettled(conn, catalogue, &digested).await?;
        let existing = load_matches(
            conn,
            unsettled
                .iter()
                .filter(|(_, stored)| *stored)
                .map(|&(i, _)| &catalogue[i]),
        )
        .await?;
        let mut unsettled = unsettled.into_iter().map(|(i, _)| i).peekable();
        let plans: Vec<Plan<'_>> = catalogue
            .iter()
            .zip(digested)
            .enumerate()
            .map(|(i, (article, (author_id, digest)))| {
                if unsettled.next_if_eq(&i).is_some() {
                    plan(article, &existing, author_id, digest, edited)
                } else {
                    Plan {
                        action: Action::Unchanged,
                        author_id,
                        digest,
                        refresh: None,
                    }
                }
            })
            .collect();
        refresh_digests(conn, &plans).await?;
        let dated = dated(conn, now, &plans, catalogue).await?;
        let mut writes = Writes::default();
        // Rows are written oldest first, so that the id, which breaks ties in every
        // feed's order, agrees with the dates.
        for (plan, article, stamp) in dated.into_iter().rev() {
            writes.apply(plan, article, stamp);
            if !matches!(plan.action, Action::Create) {
                progress(1);
            }
        }
        writes.update_changed(conn).await?;
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

/// What an import has decided to write: its report so far, the facets it changes, and the
/// rows it has yet to update and insert, each set in a few statements (not one a row).
#[derive(Default)]
struct Writes<'a> {
    report: ImportReport,
    changed: Touched<'a>,
    inserts: NewRows<'a>,
    updates: ChangedRows<'a>,
    /// Updated articles whose title or summary changed: their search document is stale.
    retext: Vec<i64>,
}

impl<'a> Writes<'a> {
    /// Takes one item's plan; rows are written by [`Writes::update_changed`] and
    /// [`Writes::insert_new`].
    fn apply(&mut self, plan: &'a Plan<'a>, article: &'a NewArticle, stamp: DateTime<Utc>) {
        let author_id = plan.author_id;
        if plan.action.writes() {
            self.changed.add(TouchedArticle::new(article, author_id));
        }
        match plan.action {
            Action::Create => {
                let published_at = article.published_at.unwrap_or(stamp);
                let updated_at = article.updated_at.unwrap_or(published_at);
                self.inserts
                    .push(article, author_id, &plan.digest, published_at, updated_at);
            }
            Action::Unchanged => self.report.unchanged += 1,
            Action::KeepEdited => self.report.kept_edited += 1,
            Action::Update(Stored {
                row, deleted_at, ..
            }) => {
                self.changed.add(TouchedArticle::stored(row));
                let published_at = article.published_at.unwrap_or(row.published_at);
                let updated_at = article.updated_at.unwrap_or(stamp.max(published_at));
                let deleted_at = article.deleted_at.or(*deleted_at);
                self.updates
                    .push(row.id, article, plan, published_at, updated_at, deleted_at);
                if row.text_digest != text_digest(article) {
                    self.retext.push(row.id);
                }
                self.report.updated += 1;
            }
        }
    }

    /// Writes the updates, in chunks, and marks the search documents of those whose text
    /// changed as pending.
    async fn update_changed(&mut self, conn: &mut AsyncPgConnection) -> Result<()> {
        for chunk in self.updates.chunks(WRITE_CHUNK) {
            chunk.update(conn).await?;
        }
        for ids in self.retext.chunks(WRITE_CHUNK) {
            diesel::sql_query(
                "INSERT INTO article_search (article_id) SELECT unnest($1::bigint[]) \
                 ON CONFLICT (article_id) DO UPDATE SET search = NULL",
            )
            .bind::<Array<BigInt>, _>(ids)
            .execute(conn)
            .await?;
        }
        Ok(())
    }

    /// Inserts the new articles in chunks, oldest first, each with a pending search
    /// document; returns the finished report.
    ///
    /// The chunks are pipelined: the next chunk's statement is built and sent while the
    /// server writes the one before, so neither side waits for the other between chunks.
    /// The server still runs them one after the other, in order; if one fails, the rest
    /// are dropped and the transaction rolls back as before.
    async fn insert_new(
        &mut self,
        conn: &mut AsyncPgConnection,
        progress: &mut (dyn FnMut(usize) + Send),
    ) -> Result<ImportReport> {
        use futures_util::future::BoxFuture;
        use futures_util::stream::{FuturesOrdered, StreamExt};
        let conn: &AsyncPgConnection = conn;
        let mut chunks = self.inserts.chunks(WRITE_CHUNK);
        let mut in_flight: FuturesOrdered<BoxFuture<'_, Result<(usize, usize)>>> =
            FuturesOrdered::new();
        loop {
            while in_flight.len() < PIPELINED_CHUNKS
                && let Some(chunk) = chunks.next()
            {
                in_flight.push_back(Box::pin(async move {
                    Ok((chunk.insert(conn).await?, chunk.len()))
                }));
            }
            let Some(written) = in_flight.next().await else {
                break;
            };
            let (created, len) = written?;
            self.report.created += created;
            progress(len);
        }
        Ok(self.report)
    }
}

/// Until commit, writes to `articles` leave their search documents to the search indexer
/// (the trigger of migration 11 would compute each one in the import), and set-based
/// statements get the memory to keep their rows out of temporary files.
async fn defer_search_documents(conn: &mut AsyncPgConnection) -> Result<()> {
    diesel::sql_query(
        "SELECT set_config('engfeed.defer_search', 'on', true), \
                set_config('work_mem', '64MB', true)",
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// The values an import writes to an article, column by column: each column is one array
/// parameter of a set-based statement (`unnest`). The text is borrowed from the catalogue
/// and the plans, not copied.
#[derive(Default)]
struct ArticleColumns<'a> {
    title: Vec<&'a str>,
    summary: Vec<&'a str>,
    content_html: Vec<Option<&'a str>>,
    url: Vec<Option<&'a str>>,
    author_id: Vec<Option<i64>>,
    level: Vec<&'static str>,
    read_minutes: Vec<Option<i32>>,
    includes_code: Vec<bool>,
    has_summary: Vec<bool>,
    source: Vec<&'a str>,
    published_at: Vec<DateTime<Utc>>,
    updated_at: Vec<DateTime<Utc>>,
    deleted_at: Vec<Option<DateTime<Utc>>>,
    import_digest: Vec<&'a [u8]>,
}

impl<'a> ArticleColumns<'a> {
    fn push(
        &mut self,
        article: &'a NewArticle,
        author_id: Option<i64>,
        digest: &'a [u8],
        published_at: DateTime<Utc>,
        updated_at: DateTime<Utc>,
        deleted_at: Option<DateTime<Utc>>,
    ) {
        self.title.push(article.title.as_ref());
        self.summary.push(article.summary.as_ref());
        self.content_html
            .push(article.content_html.as_ref().map(AsRef::as_ref));
        self.url.push(article.url.as_ref().map(AsRef::as_ref));
        self.author_id.push(author_id);
        self.level.push(article.level.as_str());
        self.read_minutes
            .push(article.read_minutes.map(|m| i32::from(m.get())));
        self.includes_code.push(article.includes_code);
        self.has_summary.push(article.has_summary);
        self.source.push(article.source.as_ref());
        self.published_at.push(published_at);
        self.updated_at.push(updated_at);
        self.deleted_at.push(deleted_at);
        self.import_digest.push(digest);
    }

    fn len(&self) -> usize {
        self.title.len()
    }

    /// Rows `range` of every column.
    fn slice(&self, range: std::ops::Range<usize>) -> ArticleColumnsRef<'_, 'a> {
        ArticleColumnsRef {
            title: &self.title[range.clone()],
            summary: &self.summary[range.clone()],
            content_html: &self.content_html[range.clone()],
            url: &self.url[range.clone()],
            author_id: &self.author_id[range.clone()],
            level: &self.level[range.clone()],
            read_minutes: &self.read_minutes[range.clone()],
            includes_code: &self.includes_code[range.clone()],
            has_summary: &self.has_summary[range.clone()],
            source: &self.source[range.clone()],
            published_at: &self.published_at[range.clone()],
            updated_at: &self.updated_at[range.clone()],
            deleted_at: &self.deleted_at[range.clone()],
            import_digest: &self.import_digest[range],
        }
    }
}

/// A chunk of [`ArticleColumns`].
struct ArticleColumnsRef<'c, 'a> {
    title: &'c [&'a str],
    summary: &'c [&'a str],
    content_html: &'c [Option<&'a str>],
    url: &'c [Option<&'a str>],
    author_id: &'c [Option<i64>],
    level: &'c [&'static str],
    read_minutes: &'c [Option<i32>],
    includes_code: &'c [bool],
    has_summary: &'c [bool],
    source: &'c [&'a str],
    published_at: &'c [DateTime<Utc>],
    updated_at: &'c [DateTime<Utc>],
    deleted_at: &'c [Option<DateTime<Utc>>],
    import_digest: &'c [&'a [u8]],
}

/// The columns in the order of [`ARTICLE_COLUMNS`], as the first parameters of `query`.
macro_rules! bind_article_columns {
    ($query:expr, $c:expr) => {
        $query
            .bind::<Array<Text>, _>($c.title)
            .bind::<Array<Text>, _>($c.summary)
            .bind::<Array<Nullable<Text>>, _>($c.content_html)
            .bind::<Array<Nullable<Text>>, _>($c.url)
            .bind::<Array<Nullable<BigInt>>, _>($c.author_id)
            .bind::<Array<Text>, _>($c.level)
            .bind::<Array<Nullable<Integer>>, _>($c.read_minutes)
            .bind::<Array<Bool>, _>($c.includes_code)
            .bind::<Array<Bool>, _>($c.has_summary)
            .bind::<Array<Text>, _>($c.source)
            .bind::<Array<Timestamptz>, _>($c.published_at)
            .bind::<Array<Timestamptz>, _>($c.updated_at)
            .bind::<Array<Nullable<Timestamptz>>, _>($c.deleted_at)
            .bind::<Array<Binary>, _>($c.import_digest)
    };
}

/// The columns every import write sets, and their parameters as `unnest` takes them.
const ARTICLE_COLUMNS: &str = "title, summary, content_html, url, author_id, level, \
     read_minutes, includes_code, has_summary, source, published_at, updated_at, deleted_at, \
     import_digest";
const ARTICLE_ARRAYS: &str = "$1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], \
     $6::text[], $7::integer[], $8::boolean[], $9::boolean[], $10::text[], \
     $11::timestamptz[], $12::timestamptz[], $13::timestamptz[], $14::bytea[]";

/// New articles, oldest first.
#[derive(Default)]
struct NewRows<'a> {
    public_id: Vec<Uuid>,
    import_key: Vec<Cow<'a, str>>,
    columns: ArticleColumns<'a>,
}

impl<'a> NewRows<'a> {
    fn push(
        &mut self,
        article: &'a NewArticle,
        author_id: Option<i64>,
        digest: &'a [u8],
        published_at: DateTime<Utc>,
        updated_at: DateTime<Utc>,
    ) {
        self.public_id
            .push(article.public_id.unwrap_or_else(new_public_id));
        self.import_key.push(import_key(article));
        self.columns.push(
            article,
            author_id,
            digest,
            published_at,
            updated_at,
            article.deleted_at,
        );
    }

    fn chunks(&self, size: usize) -> impl Iterator<Item = NewChunk<'_, 'a>> {
        let len = self.columns.len();
        (0..len).step_by(size.max(1)).map(move |start| {
            let range = start..(start + size).min(len);
            NewChunk {
                public_id: &self.public_id[range.clone()],
                import_key: &self.import_key[range.clone()],
                columns: self.columns.slice(range),
            }
        })
    }
}

struct NewChunk<'c, 'a> {
    public_id: &'c [Uuid],
    import_key: &'c [Cow<'a, str>],
    columns: ArticleColumnsRef<'c, 'a>,
}

impl NewChunk<'_, '_> {
    fn len(&self) -> usize {
        self.public_id.len()
    }

    /// One statement: the rows, in order (the id follows the listing), and a pending
    /// search document for each. Returns how many articles it created.
    async fn insert(&self, mut conn: &AsyncPgConnection) -> Result<usize> {
        let sql = format!(
            "WITH written AS ( \
                 INSERT INTO articles ({ARTICLE_COLUMNS}, public_id, import_key) \
                 SELECT * FROM unnest({ARTICLE_ARRAYS}, $15::uuid[], $16::text[]) \
                 RETURNING id) \
             INSERT INTO article_search (article_id) SELECT id FROM written"
        );
        let query = bind_article_columns!(diesel::sql_query(sql), &self.columns)
            .bind::<Array<diesel::sql_types::Uuid>, _>(self.public_id)
            .bind::<Array<Text>, _>(self.import_key);
        Ok(query.execute(&mut conn).await?)
    }
}

/// Stored articles to write over, oldest first.
#[derive(Default)]
struct ChangedRows<'a> {
    id: Vec<i64>,
    columns: ArticleColumns<'a>,
}

impl<'a> ChangedRows<'a> {
    fn push(
        &mut self,
        id: i64,
        article: &'a NewArticle,
        plan: &'a Plan<'a>,
        published_at: DateTime<Utc>,
        updated_at: DateTime<Utc>,
        deleted_at: Option<DateTime<Utc>>,
    ) {
        self.id.push(id);
        self.columns.push(
            article,
            plan.author_id,
            &plan.digest,
            published_at,
            updated_at,
            deleted_at,
        );
    }

    fn chunks(&self, size: usize) -> impl Iterator<Item = ChangedChunk<'_, 'a>> {
        let len = self.columns.len();
        (0..len).step_by(size.max(1)).map(move |start| {
            let range = start..(start + size).min(len);
            ChangedChunk {
                id: &self.id[range.clone()],
                columns: self.columns.slice(range),
            }
        })
    }
}

struct ChangedChunk<'c, 'a> {
    id: &'c [i64],
    columns: ArticleColumnsRef<'c, 'a>,
}

impl ChangedChunk<'_, '_> {
    /// One statement for the whole chunk; the import owns the articles again.
    async fn update(&self, conn: &mut AsyncPgConnection) -> Result<()> {
        let assignments = ARTICLE_COLUMNS
            .split(',')
            .map(|column| format!("{0} = changed.{0}", column.trim()))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "UPDATE articles SET {assignments}, edited_since_import = false \
               FROM unnest({ARTICLE_ARRAYS}, $15::bigint[]) \
                    AS changed({ARTICLE_COLUMNS}, id) \
              WHERE articles.id = changed.id"
        );
        bind_article_columns!(diesel::sql_query(sql), &self.columns)
            .bind::<Array<BigInt>, _>(self.id)
            .execute(conn)
            .await?;
        Ok(())
    }
}

/// What the import does with one catalogue item.
struct Plan<'a> {
    action: Action<'a>,
    author_id: Option<i64>,
    /// The item's [`import_digest`], written with the article.
    digest: Vec<u8>,
    /// An unchanged article whose stored digest is not this item's (NULL after an
    /// ordinary write that changed nothing an import compares, or before migration 13):
    /// its id, to store the digest so that the next import settles it without a fetch.
    refresh: Option<i64>,
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

/// [`NewArticle::import_key`], borrowed when it is the URL (most articles have one).
fn import_key(article: &NewArticle) -> Cow<'_, str> {
    match &article.url {
        Some(url) => Cow::Borrowed(url.as_ref()),
        None => Cow::Owned(article.import_key()),
    }
}

fn author_id_of(article: &NewArticle, author_ids: &HashMap<String, i64>) -> Option<i64> {
    article
        .author
        .as_ref()
        .and_then(|name| author_ids.get(name.as_ref()).copied())
}

fn plan<'a>(
    article: &NewArticle,
    existing: &'a Matches,
    author_id: Option<i64>,
    digest: Vec<u8>,
    edited: EditedArticles,
) -> Plan<'a> {
    let stored = article
        .public_id
        .and_then(|id| existing.by_public_id(&id))
        .or_else(|| existing.by_import_key(&article.import_key()));
    let action = match stored {
        None => Action::Create,
        Some(stored) if is_unchanged(stored, article, author_id) => Action::Unchanged,
        Some(stored) if stored.edited_since_import && edited == EditedArticles::Keep => {
            Action::KeepEdited
        }
        Some(stored) => Action::Update(stored),
    };
    let refresh = match (&action, stored) {
        (Action::Unchanged, Some(stored))
            if stored.row.import_digest.as_deref() != Some(digest.as_slice()) =>
        {
            Some(stored.row.id)
        }
        _ => None,
    };
    Plan {
        action,
        author_id,
        digest,
        refresh,
    }
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
///
/// A change of more than [`ChangedFacets::MAX_DESCRIBED_ARTICLES`] kinds of article is
/// not described article by article (every instance's cache drops every document); all
/// that is still read from it is which levels, authors and sources it touched (the WebSub
/// pings). So past that many, an article is kept only if it brings one of those not seen
/// yet. An import of 100,000 new articles otherwise built about 90,000 facets, each with
/// its author's name and slug, only for them to be dropped: 0.3 s per 100k
/// (docs/PERFORMANCE.md).
#[derive(Default)]
struct Touched<'a> {
    articles: HashSet<TouchedArticle<'a>>,
    levels: HashSet<Level>,
    authors: HashSet<Option<i64>>,
    sources: HashSet<&'a str>,
}

#[derive(PartialEq, Eq, Hash)]
struct TouchedArticle<'a> {
    level: Level,
    author_id: Option<i64>,
    source: &'a str,
    includes_code: bool,
    read_minutes: Option<u16>,
}

impl<'a> Touched<'a> {
    fn add(&mut self, article: TouchedArticle<'a>) {
        // `|`, not `||`: each set learns the article's value.
        let brings_new = self.levels.insert(article.level)
            | self.authors.insert(article.author_id)
            | self.sources.insert(article.source);
        if brings_new || self.articles.len() <= ChangedFacets::MAX_DESCRIBED_ARTICLES {
            self.articles.insert(article);
        }
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
                source: a.source.to_owned(),
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

impl<'a> TouchedArticle<'a> {
    fn new(article: &'a NewArticle, author_id: Option<i64>) -> Self {
        Self {
            level: article.level,
            author_id,
            source: article.source.as_ref(),
            includes_code: article.includes_code,
            read_minutes: article.read_minutes.map(|m| m.get()),
        }
    }

    fn stored(row: &'a StoredRow) -> Self {
        Self {
            level: row.level.0,
            author_id: row.author_id,
            source: &row.source,
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
        && row.text_digest == text_digest(article)
        && row.body_digest == body_digest(article)
        && row.author_id == author_id
        && row.level.0 == article.level
        && row.read_minutes == article.read_minutes.map(|m| i32::from(m.get()))
        && row.includes_code == article.includes_code
        && row.has_summary == article.has_summary
        && row.source == article.source.as_ref()
        && article.published_at.is_none_or(|d| d == row.published_at)
        && article.updated_at.is_none_or(|d| d == row.updated_at)
}

/// Everything an import sets from one catalogue item, as one SHA-256 digest, stored with
/// the article as `import_digest` (migration 13) whenever the import writes it or finds it
/// unchanged.
///
/// Why this is enough to skip comparing fields: the digest covers the item's every field
/// as given (public id, text, URL, author row id, level, read time, flags, source, and the
/// dates and deletion only when the catalogue gives them, as [`is_unchanged`] compares
/// them). A trigger makes the stored digest NULL on any other write that changes a column
/// an import sets (the admin API, plain SQL, an author's deletion), so a stored digest
/// equal to an item's means the article is still exactly as that item left it: unchanged,
/// by the same rule as [`is_unchanged`]. Ordinary writes need not know about the digest;
/// an article they touched is compared field by field at the next import (and, if found
/// unchanged, gets its digest back). The author is digested by row id, not name, so an
/// author renamed since is not taken for the same author.
fn import_digest(article: &NewArticle, author_id: Option<i64>) -> Vec<u8> {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    let mut length = itoa::Buffer::new();
    // Each field is `<bytes>:<text>` or `-` (absent): no two items are written alike.
    let mut field = |value: Option<&[u8]>| match value {
        Some(bytes) => {
            hasher.update(length.format(bytes.len()));
            hasher.update(b":");
            hasher.update(bytes);
        }
        None => hasher.update(b"-"),
    };
    let date = |d: Option<DateTime<Utc>>| d.map(|d| d.timestamp_micros().to_be_bytes());
    field(Some(b"engfeed import digest 1"));
    field(
        article
            .public_id
            .as_ref()
            .map(|id| id.as_bytes().as_slice()),
    );
    field(Some(article.title.as_ref().as_bytes()));
    field(Some(article.summary.as_ref().as_bytes()));
    field(article.content_html.as_ref().map(|c| c.as_ref().as_bytes()));
    field(article.url.as_ref().map(|u| u.as_ref().as_bytes()));
    field(
        author_id
            .map(i64::to_be_bytes)
            .as_ref()
            .map(|b| b.as_slice()),
    );
    field(Some(article.level.as_str().as_bytes()));
    let minutes = article.read_minutes.map(|m| m.get().to_be_bytes());
    field(minutes.as_ref().map(|b| b.as_slice()));
    field(Some(&[u8::from(article.includes_code)]));
    field(Some(&[u8::from(article.has_summary)]));
    field(Some(article.source.as_ref().as_bytes()));
    for d in [article.published_at, article.updated_at, article.deleted_at] {
        field(date(d).as_ref().map(|b| b.as_slice()));
    }
    hasher.finalize().to_vec()
}

/// The items (by index, ascending) that their digest does not settle as unchanged, each
/// with whether a stored article may match it (one has its import key, or the item names a
/// public id) and so must be fetched; the others are new. One statement: only these come
/// back, so a re-import of an unchanged catalogue receives nothing.
async fn unsettled(
    conn: &mut AsyncPgConnection,
    catalogue: &[NewArticle],
    digested: &[(Option<i64>, Vec<u8>)],
) -> Result<Vec<(usize, bool)>> {
    #[derive(QueryableByName)]
    struct Unsettled {
        #[diesel(sql_type = BigInt)]
        item: i64,
        #[diesel(sql_type = Bool)]
        stored: bool,
    }
    // With no article stored there is nothing to look up: every item is new (one that
    // names a public id is still fetched by id, and found to be new), and the server is
    // spared one index probe per item.
    let any_stored: bool =
        diesel::select(diesel::dsl::exists(articles::table.select(articles::id)))
            .get_result(conn)
            .await?;
    if !any_stored {
        return Ok(catalogue
            .iter()
            .enumerate()
            .map(|(i, article)| (i, article.public_id.is_some()))
            .collect());
    }
    let keys: Vec<Cow<'_, str>> = catalogue.iter().map(import_key).collect();
    let digests: Vec<&[u8]> = digested.iter().map(|(_, d)| d.as_slice()).collect();
    let ids: Vec<Option<Uuid>> = catalogue.iter().map(|a| a.public_id).collect();
    let rows: Vec<Unsettled> = diesel::sql_query(
        "SELECT item.i - 1 AS item, stored.id IS NOT NULL OR item.public_id IS NOT NULL AS stored \
           FROM unnest($1::text[], $2::bytea[], $3::uuid[]) \
                WITH ORDINALITY AS item(import_key, digest, public_id, i) \
           LEFT JOIN articles stored ON stored.import_key = item.import_key \
          WHERE stored.import_digest IS DISTINCT FROM item.digest \
             OR stored.public_id <> item.public_id \
          ORDER BY item.i",
    )
    .bind::<Array<Text>, _>(&keys)
    .bind::<Array<Binary>, _>(&digests)
    .bind::<Array<Nullable<diesel::sql_types::Uuid>>, _>(&ids)
    .load(conn)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| Some((usize::try_from(r.item).ok()?, r.stored)))
        .collect())
}

/// Stores the digest of unchanged articles that lack it. It changes nothing a reader sees,
/// so it does not count as touching the catalogue: the catalogue clock does not move for it.
async fn refresh_digests(conn: &mut AsyncPgConnection, plans: &[Plan<'_>]) -> Result<()> {
    let (ids, digests): (Vec<i64>, Vec<&[u8]>) = plans
        .iter()
        .filter_map(|p| Some((p.refresh?, p.digest.as_slice())))
        .unzip();
    if ids.is_empty() {
        return Ok(());
    }
    #[derive(QueryableByName)]
    struct Touched {
        #[diesel(sql_type = Text)]
        touched: String,
    }
    let before: Touched = diesel::sql_query(
        "SELECT coalesce(current_setting('engfeed.catalogue_touched', true), '') AS touched",
    )
    .get_result(conn)
    .await?;
    for (ids, digests) in ids.chunks(WRITE_CHUNK).zip(digests.chunks(WRITE_CHUNK)) {
        diesel::sql_query(
            "UPDATE articles SET import_digest = refreshed.digest \
               FROM unnest($1::bigint[], $2::bytea[]) AS refreshed(id, digest) \
              WHERE articles.id = refreshed.id",
        )
        .bind::<Array<BigInt>, _>(ids)
        .bind::<Array<Binary>, _>(digests)
        .execute(conn)
        .await?;
    }
    diesel::sql_query("SELECT set_config('engfeed.catalogue_touched', $1, true)")
        .bind::<Text, _>(before.touched)
        .execute(conn)
        .await?;
    Ok(())
}

/// Title and summary, as [`TEXT_DIGEST`] digests them: what the search document is made of.
fn text_digest(article: &NewArticle) -> Vec<u8> {
    digest(&[Some(article.title.as_ref()), Some(article.summary.as_ref())])
}

/// Content and URL, as [`BODY_DIGEST`] digests them.
fn body_digest(article: &NewArticle) -> Vec<u8> {
    digest(&[
        article.content_html.as_ref().map(AsRef::as_ref),
        article.url.as_ref().map(AsRef::as_ref),
    ])
}

/// SHA-256 of the fields, each written as `<bytes>:<text>`, or `-` when it is NULL: no two
/// lists of fields are written alike. PostgreSQL writes the same in [`TEXT_DIGEST`] and
/// [`BODY_DIGEST`] (text is UTF-8 on both sides).
fn digest(fields: &[Option<&str>]) -> Vec<u8> {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    let mut length = itoa::Buffer::new();
    for field in fields {
        match field {
            Some(text) => {
                hasher.update(length.format(text.len()));
                hasher.update(b":");
                hasher.update(text);
            }
            None => hasher.update(b"-"),
        }
    }
    hasher.finalize().to_vec()
}

const TEXT_DIGEST: &str = "sha256(convert_to( \
    octet_length(articles.title) || ':' || articles.title || \
    octet_length(articles.summary) || ':' || articles.summary, 'UTF8'))";
const BODY_DIGEST: &str = "sha256(convert_to( \
    coalesce(octet_length(articles.content_html) || ':' || articles.content_html, '-') || \
    coalesce(octet_length(articles.url) || ':' || articles.url, '-'), 'UTF8'))";

/// A stored article as an import compares it: its short fields as they are, its text as
/// digests PostgreSQL computes, so that a re-import does not fetch every article's text.
#[derive(Queryable)]
struct StoredRow {
    id: i64,
    public_id: Uuid,
    author_id: Option<i64>,
    level: DbLevel,
    read_minutes: Option<i32>,
    includes_code: bool,
    has_summary: bool,
    source: String,
    published_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    text_digest: Vec<u8>,
    body_digest: Vec<u8>,
    import_digest: Option<Vec<u8>>,
}

/// A stored article an item matched.
struct Stored {
    row: StoredRow,
    deleted_at: Option<DateTime<Utc>>,
    edited_since_import: bool,
}

/// A stored article, its import key, deletion and whether an editor changed it since.
type MatchRow = (StoredRow, Option<String>, Option<DateTime<Utc>>, bool);

/// The stored articles the catalogue names, by public id and by import key.
struct Matches {
    stored: Vec<Stored>,
    by_public_id: HashMap<Uuid, usize>,
    by_import_key: HashMap<String, usize>,
}

impl Matches {
    fn by_public_id(&self, id: &Uuid) -> Option<&Stored> {
        self.by_public_id.get(id).map(|&i| &self.stored[i])
    }

    fn by_import_key(&self, key: &str) -> Option<&Stored> {
        self.by_import_key.get(key).map(|&i| &self.stored[i])
    }
}

async fn load_matches<'a>(
    conn: &mut AsyncPgConnection,
    items: impl Iterator<Item = &'a NewArticle>,
) -> Result<Matches> {
    use diesel::dsl::sql;
    let mut ids: Vec<Uuid> = Vec::new();
    let mut keys: Vec<String> = Vec::new();
    for item in items {
        ids.extend(item.public_id);
        keys.push(item.import_key());
    }
    if keys.is_empty() {
        return Ok(Matches {
            stored: Vec::new(),
            by_public_id: HashMap::new(),
            by_import_key: HashMap::new(),
        });
    }
    let rows: Vec<MatchRow> = articles::table
        .filter(
            articles::public_id
                .eq_any(&ids)
                .or(articles::import_key.eq_any(&keys)),
        )
        .select((
            (
                articles::id,
                articles::public_id,
                articles::author_id,
                articles::level,
                articles::read_minutes,
                articles::includes_code,
                articles::has_summary,
                articles::source,
                articles::published_at,
                articles::updated_at,
                sql::<Binary>(TEXT_DIGEST),
                sql::<Binary>(BODY_DIGEST),
                articles::import_digest,
            ),
            articles::import_key,
            articles::deleted_at,
            articles::edited_since_import,
        ))
        .load(conn)
        .await?;
    let mut matches = Matches {
        stored: Vec::with_capacity(rows.len()),
        by_public_id: HashMap::with_capacity(rows.len()),
        by_import_key: HashMap::with_capacity(rows.len()),
    };
    for (index, (row, key, deleted_at, edited_since_import)) in rows.into_iter().enumerate() {
        if let Some(key) = key {
            matches.by_import_key.insert(key, index);
        }
        matches.by_public_id.insert(row.public_id, index);
        matches.stored.push(Stored {
            row,
            deleted_at,
            edited_since_import,
        });
    }
    Ok(matches)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_large_change_keeps_every_level_author_and_source_it_touched() {
        let sources = ["Stripe", "AWS", "Fly"];
        let mut touched = Touched::default();
        for n in 0..10_000u16 {
            touched.add(TouchedArticle {
                level: Level::ALL[usize::from(n) % 3],
                author_id: Some(i64::from(n % 500)),
                source: sources[usize::from(n) % 3],
                includes_code: n % 2 == 0,
                read_minutes: Some(n % 60 + 1),
            });
        }
        let kept = &touched.articles;
        assert!(
            kept.len() > ChangedFacets::MAX_DESCRIBED_ARTICLES,
            "not described"
        );
        assert!(kept.len() < 1_000, "kept {} of 10,000", kept.len());
        let authors: HashSet<_> = kept.iter().map(|a| a.author_id).collect();
        let sources_kept: HashSet<_> = kept.iter().map(|a| a.source).collect();
        let levels: HashSet<_> = kept.iter().map(|a| a.level).collect();
        assert_eq!(
            (authors.len(), sources_kept.len(), levels.len()),
            (500, 3, 3)
        );
    }

    #[test]
    fn a_small_change_is_kept_whole() {
        let mut touched = Touched::default();
        for minutes in 1..=ChangedFacets::MAX_DESCRIBED_ARTICLES as u16 {
            touched.add(TouchedArticle {
                level: Level::Beginner,
                author_id: None,
                source: "Stripe",
                includes_code: false,
                read_minutes: Some(minutes),
            });
        }
        assert_eq!(
            touched.articles.len(),
            ChangedFacets::MAX_DESCRIBED_ARTICLES
        );
    }
}
