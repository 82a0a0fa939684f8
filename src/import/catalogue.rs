//! The catalogue import format (`seed/stripe-articles.json`): a JSON array of articles,
//! newest first, optionally numbered by `listing_position` (1 is the newest).

use std::collections::HashMap;
use std::fmt;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::{ArticleInput, ArticleRecord, FieldError, Level, NewArticle, json_error_text};

/// A level as every wire format spells it (`beginner`, ...): the schema of
/// [`Level::as_str`], made from [`Level::ALL`] so the two cannot drift apart.
pub struct LevelName;

impl utoipa::PartialSchema for LevelName {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .enum_values(Some(Level::ALL.map(Level::as_str)))
            .into()
    }
}

impl utoipa::ToSchema for LevelName {
    fn name() -> std::borrow::Cow<'static, str> {
        "Level".into()
    }
}

/// One article as the catalogue format writes it: what an import reads, before validation,
/// and what `engfeed export` writes (with its id, every date, and `deleted_at` for a
/// deleted article, so an import brings it back exactly).
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CatalogueArticle {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<Uuid>,
    #[schema(min_length = 1, max_length = 300)]
    title: String,
    summary: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    author: Option<String>,
    #[schema(value_type = LevelName)]
    level: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1, maximum = 600)]
    read_minutes: Option<i64>,
    includes_code: bool,
    has_summary: bool,
    source: String,
    /// 1 is the newest; given for every item or for none (then the file's order counts).
    #[serde(skip_serializing_if = "Option::is_none")]
    listing_position: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = DateTime)]
    published_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = DateTime)]
    updated_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    content_html: Option<String>,
    /// The article was deleted at this time (exports carry it; see `engfeed export`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = DateTime)]
    deleted_at: Option<String>,
}

impl From<&ArticleRecord> for CatalogueArticle {
    fn from(record: &ArticleRecord) -> Self {
        // Microseconds, PostgreSQL's precision: the dates come back exactly.
        let date = |d: DateTime<Utc>| d.to_rfc3339_opts(SecondsFormat::Micros, true);
        let article = &record.article;
        Self {
            id: Some(article.public_id),
            title: article.title.clone(),
            summary: article.summary.clone(),
            author: article.author.as_ref().map(|a| a.name.clone()),
            level: article.level.as_str().to_owned(),
            read_minutes: article.read_minutes.map(i64::from),
            includes_code: article.includes_code,
            has_summary: article.has_summary,
            source: article.source.clone(),
            listing_position: None,
            url: article.url.clone(),
            published_at: Some(date(article.published_at)),
            updated_at: Some(date(article.updated_at)),
            content_html: article.content_html.clone(),
            deleted_at: record.deleted_at.map(date),
        }
    }
}

impl From<CatalogueArticle> for ArticleInput {
    fn from(item: CatalogueArticle) -> Self {
        Self {
            id: item.id,
            title: item.title,
            summary: item.summary,
            content_html: item.content_html,
            url: item.url,
            author: item.author,
            level: item.level,
            read_minutes: item.read_minutes,
            includes_code: item.includes_code,
            has_summary: item.has_summary,
            source: item.source,
            published_at: item.published_at,
            updated_at: item.updated_at,
            deleted_at: item.deleted_at,
        }
    }
}

/// A validated catalogue: its articles, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Catalogue {
    pub articles: Vec<NewArticle>,
}

/// Why a catalogue was rejected. `item` counts from 1 in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CatalogueError {
    /// Not JSON, or not an array of objects.
    Syntax {
        line: usize,
        column: usize,
        message: String,
    },
    /// One item's field is missing, of the wrong type or invalid.
    Item { item: usize, error: FieldError },
}

impl fmt::Display for CatalogueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Syntax {
                line,
                column,
                message,
            } => {
                write!(f, "line {line}, column {column}: {message}")
            }
            Self::Item { item, error } => write!(f, "item {item}: {error}"),
        }
    }
}

impl std::error::Error for CatalogueError {}

impl Catalogue {
    pub fn from_json(bytes: &[u8]) -> Result<Self, CatalogueError> {
        // Tracking the path costs time at every value of a large file, and a file that
        // parses needs no path: only one that does not is read again with it, to say
        // where.
        if let Ok(items) = serde_json::from_slice::<Vec<CatalogueArticle>>(bytes) {
            return Self::from_items(items);
        }
        let deserializer = &mut serde_json::Deserializer::from_slice(bytes);
        let items: Vec<CatalogueArticle> =
            serde_path_to_error::deserialize(&mut *deserializer).map_err(|e| located_error(&e))?;
        // Anything after the array makes the file malformed, not ignored.
        deserializer.end().map_err(|e| CatalogueError::Syntax {
            line: e.line(),
            column: e.column(),
            message: json_error_text(&e),
        })?;
        Self::from_items(items)
    }

    fn from_items(items: Vec<CatalogueArticle>) -> Result<Self, CatalogueError> {
        let numbered = items
            .iter()
            .filter(|i| i.listing_position.is_some())
            .count();
        if numbered != 0 && numbered != items.len() {
            let first_missing = items.iter().position(|i| i.listing_position.is_none());
            return Err(CatalogueError::Item {
                item: first_missing.unwrap_or(0) + 1,
                error: FieldError::new(
                    "listing_position",
                    "must be given for every item or for none",
                ),
            });
        }
        let mut positioned = Vec::with_capacity(items.len());
        for (index, item) in items.into_iter().enumerate() {
            let position = item.listing_position.unwrap_or(index as u32 + 1);
            let article = parse_item(item).map_err(|error| CatalogueError::Item {
                item: index + 1,
                error,
            })?;
            positioned.push((position, index + 1, article));
        }
        reject_duplicates(&positioned)?;
        positioned.sort_by_key(|(position, _, _)| *position);
        Ok(Self {
            articles: positioned.into_iter().map(|(_, _, a)| a).collect(),
        })
    }
}

fn located_error(e: &serde_path_to_error::Error<serde_json::Error>) -> CatalogueError {
    let inner = e.inner();
    let mut segments = e.path().iter();
    match segments.next() {
        Some(serde_path_to_error::Segment::Seq { index }) if inner.is_data() => {
            let rest: Vec<String> = segments.map(ToString::to_string).collect();
            let field = if rest.is_empty() {
                "(item)".to_owned()
            } else {
                rest.join(".")
            };
            let message = json_error_text(inner);
            CatalogueError::Item {
                item: index + 1,
                error: FieldError::new(field, message),
            }
        }
        _ => CatalogueError::Syntax {
            line: inner.line(),
            column: inner.column(),
            message: if inner.is_data() && e.path().iter().next().is_none() {
                "the catalogue must be a JSON array of articles".to_owned()
            } else {
                json_error_text(inner)
            },
        },
    }
}

fn parse_item(item: CatalogueArticle) -> Result<NewArticle, FieldError> {
    if item.listing_position == Some(0) {
        return Err(FieldError::new("listing_position", "must be 1 or more"));
    }
    // A catalogue error names one field: the first, in the order the item is read.
    ArticleInput::from(item)
        .validate()
        .map_err(|mut errors| errors.swap_remove(0))
}

/// Two items that would be the same article, or share a listing position, make the
/// catalogue ambiguous: say which.
fn reject_duplicates(items: &[(u32, usize, NewArticle)]) -> Result<(), CatalogueError> {
    let mut positions = HashMap::new();
    let mut keys = HashMap::new();
    let mut ids = HashMap::new();
    for (position, item, article) in items {
        let duplicate = |field: &str, first: usize| CatalogueError::Item {
            item: *item,
            error: FieldError::new(field, format!("repeats item {first}")),
        };
        if let Some(first) = positions.insert(*position, *item) {
            return Err(duplicate("listing_position", first));
        }
        if let Some(first) = keys.insert(article.import_key(), *item) {
            let field = if article.url.is_some() {
                "url"
            } else {
                "title"
            };
            return Err(duplicate(field, first));
        }
        if let Some(id) = article.public_id
            && let Some(first) = ids.insert(id, *item)
        {
            return Err(duplicate("id", first));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(extra: &str) -> String {
        format!(
            r#"{{"title":"T","summary":"S","author":"Ana Andres","level":"beginner",
            "read_minutes":5,"includes_code":false,"has_summary":true,"source":"Stripe"{extra}}}"#
        )
    }

    fn error_of(json: &str) -> String {
        Catalogue::from_json(json.as_bytes())
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn parses_the_bundled_seed_newest_first() {
        let seed = include_bytes!("../../seed/stripe-articles.json");
        let catalogue = Catalogue::from_json(seed).unwrap();
        assert_eq!(catalogue.articles.len(), 50);
        assert_eq!(
            catalogue.articles[0].title.as_ref(),
            "The PaymentIntent lifecycle and why webhooks matter"
        );
        assert_eq!(
            catalogue
                .articles
                .iter()
                .filter(|a| a.author.is_none())
                .count(),
            1
        );
    }

    #[test]
    fn orders_by_listing_position() {
        let json = format!(
            "[{}, {}]",
            item(r#","listing_position":2,"url":"https://x.org/old""#),
            item(r#","listing_position":1,"url":"https://x.org/new""#)
        );
        let catalogue = Catalogue::from_json(json.as_bytes()).unwrap();
        assert_eq!(
            catalogue.articles[0].url.as_ref().unwrap().as_ref(),
            "https://x.org/new"
        );
    }

    #[test]
    fn errors_name_the_item_and_field() {
        let bad_level = format!("[{}, {}]", item(""), item("").replace("beginner", "expert"));
        assert!(
            error_of(&bad_level.replace("\"T\"", "\"U\""))
                .starts_with("item 2: field `level`: unknown level 'expert'")
        );
        let wrong_type = format!("[{}]", item("").replace("5,", "\"five\","));
        assert!(error_of(&wrong_type).starts_with("item 1: field `read_minutes`: invalid type"));
        let missing = format!("[{}]", item("").replace(r#""summary":"S","#, ""));
        assert_eq!(
            error_of(&missing),
            "item 1: field `(item)`: missing field `summary`"
        );
        let unknown = format!("[{}]", item(r#","colour":"red""#));
        assert!(error_of(&unknown).starts_with("item 1: field `colour`: unknown field `colour`"));
        let date = format!("[{}]", item(r#","published_at":"yesterday""#));
        assert!(error_of(&date).starts_with("item 1: field `published_at`: must be an RFC 3339"));
        let duplicate = format!("[{}, {}]", item(""), item(""));
        assert_eq!(
            error_of(&duplicate),
            "item 2: field `title`: repeats item 1"
        );
    }

    #[test]
    fn syntax_errors_give_a_position() {
        assert!(error_of("[{\"title\": ").starts_with("line 1, column 11"));
        assert_eq!(
            error_of("{}"),
            "line 1, column 0: the catalogue must be a JSON array of articles"
        );
    }
}
