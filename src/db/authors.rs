use super::Result;
use std::collections::{BTreeSet, HashMap, HashSet};

use diesel::dsl::exists;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::level_sql::DbLevel;
use super::models::AuthorRow;
use super::schema::{articles, authors};
use crate::domain::{ArticleFacets, AuthorName, AuthorRef, AuthorSlug, ChangedFacets};

pub async fn find_by_slug(
    conn: &mut AsyncPgConnection,
    slug: &AuthorSlug,
) -> Result<Option<AuthorRef>> {
    let row: Option<AuthorRow> = authors::table
        .filter(authors::slug.eq(slug.as_ref()))
        .select(AuthorRow::as_select())
        .first(conn)
        .await
        .optional()?;
    Ok(row.map(AuthorRef::try_from).transpose()?)
}

/// Authors with at least one live article, by name.
pub async fn list_published(conn: &mut AsyncPgConnection) -> Result<Vec<AuthorRef>> {
    let has_live_article = exists(
        articles::table
            .filter(articles::author_id.eq(authors::id.nullable()))
            .filter(articles::deleted_at.is_null()),
    );
    let rows: Vec<AuthorRow> = authors::table
        .filter(has_live_article)
        .order(authors::name.asc())
        .select(AuthorRow::as_select())
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(AuthorRef::try_from)
        .collect::<QueryResult<_>>()?)
}

/// The authors with these ids, by id.
pub(super) async fn by_ids(
    conn: &mut AsyncPgConnection,
    ids: &BTreeSet<i64>,
) -> Result<HashMap<i64, AuthorRef>> {
    let ids: Vec<i64> = ids.iter().copied().collect();
    let rows: Vec<(i64, AuthorRow)> = authors::table
        .filter(authors::id.eq_any(ids))
        .select((authors::id, AuthorRow::as_select()))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, row)| Ok((id, AuthorRef::try_from(row)?)))
        .collect::<QueryResult<_>>()?)
}

/// What renaming an author changes: every article of theirs (deleted ones too, whose
/// tombstones may still be shown), and the feeds named after them.
async fn renamed(conn: &mut AsyncPgConnection, author: &AuthorRef) -> Result<ChangedFacets> {
    let rows: Vec<(DbLevel, String, bool, Option<i32>)> = articles::table
        .inner_join(authors::table)
        .filter(authors::slug.eq(author.slug.as_ref()))
        .select((
            articles::level,
            articles::source,
            articles::includes_code,
            articles::read_minutes,
        ))
        .distinct()
        .load(conn)
        .await?;
    let articles = rows
        .into_iter()
        .map(|(level, source, includes_code, minutes)| ArticleFacets {
            level: level.0,
            author: Some(author.clone()),
            source,
            includes_code,
            read_minutes: minutes.and_then(|m| u16::try_from(m).ok()),
        })
        .collect();
    Ok(ChangedFacets {
        articles,
        renamed: [author.clone()].into(),
    })
}

/// Returns the id of each named author, creating the missing ones with a free slug.
/// Run inside the caller's transaction.
pub(super) async fn ensure(
    conn: &mut AsyncPgConnection,
    names: &BTreeSet<&AuthorName>,
) -> Result<HashMap<String, i64>> {
    let wanted: Vec<&str> = names.iter().map(|n| n.as_ref()).collect();
    let mut ids: HashMap<String, i64> = authors::table
        .filter(authors::name.eq_any(&wanted))
        .select((authors::name, authors::id))
        .load::<(String, i64)>(conn)
        .await?
        .into_iter()
        .collect();
    let missing: Vec<&AuthorName> = names
        .iter()
        .copied()
        .filter(|name| !ids.contains_key(name.as_ref()))
        .collect();
    ids.extend(insert_all(conn, &missing).await?);
    // What a concurrent writer took meanwhile goes the careful way, one at a time.
    for name in missing {
        if !ids.contains_key(name.as_ref()) {
            let id = insert(conn, name).await?;
            ids.insert(name.as_ref().to_owned(), id);
        }
    }
    Ok(ids)
}

/// New authors, each with a free slug, in one look-up and one insert (an import may bring
/// thousands). Returns the ids of those inserted; a name or slug a concurrent writer took
/// meanwhile is left out, for [`insert`] to settle.
async fn insert_all(
    conn: &mut AsyncPgConnection,
    names: &[&AuthorName],
) -> Result<HashMap<String, i64>> {
    if names.is_empty() {
        return Ok(HashMap::new());
    }
    let bases: Vec<AuthorSlug> = names.iter().map(|name| name.base_slug()).collect();
    let mut taken = taken_slugs(conn, &bases).await?;
    let rows: Vec<(&str, String)> = names
        .iter()
        .zip(&bases)
        .map(|(name, base)| {
            let slug = std::iter::once(base.clone())
                .chain((2..).map(|n| base.numbered(n)))
                .find(|candidate| !taken.contains(candidate.as_ref()))
                .unwrap_or_else(|| base.clone());
            taken.insert(slug.as_ref().to_owned());
            (name.as_ref(), slug.as_ref().to_owned())
        })
        .collect();
    let mut ids = HashMap::with_capacity(rows.len());
    // Two parameters a row, within PostgreSQL's 65,535.
    for chunk in rows.chunks(20_000) {
        let values: Vec<_> = chunk
            .iter()
            .map(|(name, slug)| (authors::name.eq(*name), authors::slug.eq(slug)))
            .collect();
        let inserted: Vec<(String, i64)> = diesel::insert_into(authors::table)
            .values(values)
            .on_conflict_do_nothing()
            .returning((authors::name, authors::id))
            .get_results(conn)
            .await?;
        ids.extend(inserted);
    }
    Ok(ids)
}

/// The slugs taken among `bases` and their numbered forms (`base-2`, ...).
async fn taken_slugs(
    conn: &mut AsyncPgConnection,
    bases: &[AuthorSlug],
) -> Result<HashSet<String>> {
    #[derive(QueryableByName)]
    struct Taken {
        #[diesel(sql_type = diesel::sql_types::Text)]
        slug: String,
    }
    let bases: Vec<&str> = bases.iter().map(AsRef::as_ref).collect();
    let rows: Vec<Taken> = diesel::sql_query(
        "SELECT slug FROM authors \
          WHERE slug = ANY($1) OR regexp_replace(slug, '-[0-9]+$', '') = ANY($1)",
    )
    .bind::<diesel::sql_types::Array<diesel::sql_types::Text>, _>(bases)
    .load(conn)
    .await?;
    Ok(rows.into_iter().map(|t| t.slug).collect())
}

/// Tries at most this many slugs for a new author before the conflict is reported.
const SLUG_ATTEMPTS: usize = 5;

/// The id of a new author `name`, created with a free slug. Concurrent writers may insert
/// the same name, or take the chosen slug, between the look-up and the insert: the insert
/// then does nothing and the name is looked up, or another slug tried.
async fn insert(conn: &mut AsyncPgConnection, name: &AuthorName) -> Result<i64> {
    for _ in 0..SLUG_ATTEMPTS {
        let slug = free_slug(conn, &name.base_slug()).await?;
        let inserted: Option<i64> = diesel::insert_into(authors::table)
            .values((
                authors::name.eq(name.as_ref()),
                authors::slug.eq(slug.as_ref()),
            ))
            .on_conflict_do_nothing()
            .returning(authors::id)
            .get_result(conn)
            .await
            .optional()?;
        if let Some(id) = inserted {
            return Ok(id);
        }
        let existing: Option<i64> = authors::table
            .filter(authors::name.eq(name.as_ref()))
            .select(authors::id)
            .first(conn)
            .await
            .optional()?;
        if let Some(id) = existing {
            return Ok(id);
        }
    }
    // Still racing: a plain insert reports the unique violation (a 409).
    Ok(diesel::insert_into(authors::table)
        .values((
            authors::name.eq(name.as_ref()),
            authors::slug.eq(name.base_slug().as_ref()),
        ))
        .returning(authors::id)
        .get_result(conn)
        .await?)
}

/// `base` if no author has it, else the first free `base-2`, `base-3`, ...
async fn free_slug(conn: &mut AsyncPgConnection, base: &AuthorSlug) -> Result<AuthorSlug> {
    // Slugs hold only [a-z0-9-], so the LIKE pattern has no wildcard to escape.
    let taken: HashSet<String> = authors::table
        .filter(
            authors::slug
                .eq(base.as_ref())
                .or(authors::slug.like(format!("{base}-%"))),
        )
        .select(authors::slug)
        .load(conn)
        .await?
        .into_iter()
        .collect();
    if !taken.contains(base.as_ref()) {
        return Ok(base.clone());
    }
    let free = (2..)
        .map(|n| base.numbered(n))
        .find(|candidate| !taken.contains(candidate.as_ref()));
    Ok(free.unwrap_or_else(|| base.clone()))
}

/// An author with how many live articles they have.
#[derive(Debug, Clone)]
pub struct AuthorSummary {
    pub author: AuthorRef,
    pub article_count: i64,
}

/// Every author (with or without live articles), by name; one author when `slug` is given.
pub async fn summaries(
    conn: &mut AsyncPgConnection,
    slug: Option<&AuthorSlug>,
) -> Result<Vec<AuthorSummary>> {
    let live_count = articles::table
        .filter(articles::author_id.eq(authors::id.nullable()))
        .filter(articles::deleted_at.is_null())
        .count()
        .single_value();
    let mut query = authors::table
        .order(authors::name.asc())
        .select((AuthorRow::as_select(), live_count))
        .into_boxed();
    if let Some(slug) = slug {
        query = query.filter(authors::slug.eq(slug.as_ref()));
    }
    let rows: Vec<(AuthorRow, Option<i64>)> = query.load(conn).await?;
    rows.into_iter()
        .map(|(row, count)| {
            Ok(AuthorSummary {
                author: AuthorRef::try_from(row)?,
                article_count: count.unwrap_or(0),
            })
        })
        .collect()
}

/// Why a rename did not happen.
#[derive(Debug, thiserror::Error)]
pub enum RenameError {
    #[error("no such author")]
    NotFound,
    #[error("another author is already called that")]
    NameTaken,
    #[error(transparent)]
    Store(#[from] super::Error),
}

impl From<diesel::result::Error> for RenameError {
    fn from(error: diesel::result::Error) -> Self {
        RenameError::Store(error.into())
    }
}

/// A rename's outcome: the author as named now, and what their new name changed
/// (nothing when the name was already theirs).
pub struct Renamed {
    pub author: AuthorRef,
    pub changed: ChangedFacets,
}

/// Renames an author; the slug (and so every feed URL) stays. Their articles' entries
/// change, so their `updated_at` moves and feeds show the new name at once.
pub async fn rename(
    conn: &mut AsyncPgConnection,
    slug: &AuthorSlug,
    name: &AuthorName,
    now: chrono::DateTime<chrono::Utc>,
    actor: super::audit::Actor,
) -> Result<Renamed, RenameError> {
    use diesel_async::AsyncConnection;
    conn.transaction(async |conn| {
        super::site::begin_catalogue_write(conn).await?;
        let (id, previous) = lock(conn, slug).await?;
        let before = AuthorRef {
            name: previous,
            slug: slug.clone(),
        };
        if before.name == name.as_ref() {
            return Ok(Renamed {
                author: before,
                changed: ChangedFacets::default(),
            });
        }
        let taken: i64 = authors::table
            .filter(authors::name.eq(name.as_ref()))
            .count()
            .get_result(conn)
            .await?;
        if taken > 0 {
            return Err(RenameError::NameTaken);
        }
        write_name(conn, id, name, now).await?;
        let after = AuthorRef {
            name: name.as_ref().to_owned(),
            slug: slug.clone(),
        };
        super::audit::record(
            conn,
            super::audit::Entry {
                actor,
                action: "author.rename",
                article_id: None,
                author_id: Some(id),
                previous: Some(super::audit::Snapshot::Author(&before)),
                current: Some(super::audit::Snapshot::Author(&after)),
            },
        )
        .await?;
        let changed = renamed(conn, &after).await?;
        super::site::end_catalogue_write(conn, &changed).await?;
        Ok(Renamed {
            author: after,
            changed,
        })
    })
    .await
}

/// The author's id and name, locked for the rest of the transaction.
async fn lock(
    conn: &mut AsyncPgConnection,
    slug: &AuthorSlug,
) -> Result<(i64, String), RenameError> {
    authors::table
        .filter(authors::slug.eq(slug.as_ref()))
        .select((authors::id, authors::name))
        .for_update()
        .first(conn)
        .await
        .optional()?
        .ok_or(RenameError::NotFound)
}

/// The new name, and a new version of each of the author's articles: their entries show
/// the name, so they changed.
async fn write_name(
    conn: &mut AsyncPgConnection,
    id: i64,
    name: &AuthorName,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    diesel::update(authors::table.find(id))
        .set((authors::name.eq(name.as_ref()), authors::updated_at.eq(now)))
        .execute(conn)
        .await?;
    diesel::update(articles::table.filter(articles::author_id.eq(id)))
        .set((
            articles::updated_at.eq(now),
            articles::version.eq(articles::version + 1),
        ))
        .execute(conn)
        .await?;
    Ok(())
}
