use std::collections::{BTreeSet, HashMap, HashSet};

use diesel::dsl::exists;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::models::AuthorRow;
use super::schema::{articles, authors};
use crate::domain::{AuthorName, AuthorRef, AuthorSlug};

pub async fn find_by_slug(
    conn: &mut AsyncPgConnection,
    slug: &AuthorSlug,
) -> QueryResult<Option<AuthorRef>> {
    let row: Option<AuthorRow> = authors::table
        .filter(authors::slug.eq(slug.as_ref()))
        .select(AuthorRow::as_select())
        .first(conn)
        .await
        .optional()?;
    row.map(AuthorRef::try_from).transpose()
}

/// Authors with at least one live article, by name.
pub async fn list_published(conn: &mut AsyncPgConnection) -> QueryResult<Vec<AuthorRef>> {
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
    rows.into_iter().map(AuthorRef::try_from).collect()
}

/// Returns the id of each named author, creating the missing ones with a free slug.
/// Run inside the caller's transaction.
pub(super) async fn ensure(
    conn: &mut AsyncPgConnection,
    names: &BTreeSet<&AuthorName>,
) -> QueryResult<HashMap<String, i64>> {
    let wanted: Vec<&str> = names.iter().map(|n| n.as_ref()).collect();
    let mut ids: HashMap<String, i64> = authors::table
        .filter(authors::name.eq_any(&wanted))
        .select((authors::name, authors::id))
        .load::<(String, i64)>(conn)
        .await?
        .into_iter()
        .collect();
    for name in names {
        if ids.contains_key(name.as_ref()) {
            continue;
        }
        let slug = free_slug(conn, &name.base_slug()).await?;
        let id = diesel::insert_into(authors::table)
            .values((
                authors::name.eq(name.as_ref()),
                authors::slug.eq(slug.as_ref()),
            ))
            .returning(authors::id)
            .get_result(conn)
            .await?;
        ids.insert(name.as_ref().to_owned(), id);
    }
    Ok(ids)
}

/// `base` if no author has it, else the first free `base-2`, `base-3`, ...
async fn free_slug(conn: &mut AsyncPgConnection, base: &AuthorSlug) -> QueryResult<AuthorSlug> {
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
