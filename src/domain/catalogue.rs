//! The catalogue import format (`seed/stripe-articles.json`): a JSON array of articles,
//! newest first, optionally numbered by `listing_position` (1 is the newest).

use std::collections::HashMap;
use std::fmt;

use serde::Deserialize;
use uuid::Uuid;

use super::{ArticleInput, FieldError, NewArticle, json_error_text};

/// One item as written in the file, before validation.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CatalogueItem {
    id: Option<Uuid>,
    #[schema(min_length = 1, max_length = 300)]
    title: String,
    summary: String,
    author: Option<String>,
    #[schema(value_type = super::Level)]
    level: String,
    #[schema(minimum = 1, maximum = 600)]
    read_minutes: Option<i64>,
    includes_code: bool,
    has_summary: bool,
    source: String,
    listing_position: Option<u32>,
    url: Option<String>,
    #[schema(format = DateTime)]
    published_at: Option<String>,
    #[schema(format = DateTime)]
    updated_at: Option<String>,
    content_html: Option<String>,
    /// The article was deleted at this time (exports carry it; see `engfeed export`).
    #[schema(format = DateTime)]
    deleted_at: Option<String>,
}

/// One article as `engfeed export` writes it: the import format, with its id and every
/// date, and `deleted_at` for a deleted one, so an import brings it back exactly.
#[derive(Debug, serde::Serialize)]
pub struct ExportedArticle<'a> {
    id: uuid::Uuid,
    title: &'a str,
    summary: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    author: Option<&'a str>,
    level: super::Level,
    #[serde(skip_serializing_if = "Option::is_none")]
    read_minutes: Option<u16>,
    includes_code: bool,
    has_summary: bool,
    source: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<&'a str>,
    published_at: String,
    updated_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    content_html: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    deleted_at: Option<String>,
}

impl<'a> From<&'a super::ArticleRecord> for ExportedArticle<'a> {
    fn from(record: &'a super::ArticleRecord) -> Self {
        // Microseconds, PostgreSQL's precision: the dates come back exactly.
        let date = |d: chrono::DateTime<chrono::Utc>| {
            d.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
        };
        let article = &record.article;
        Self {
            id: article.public_id,
            title: &article.title,
            summary: &article.summary,
            author: article.author.as_ref().map(|a| a.name.as_str()),
            level: article.level,
            read_minutes: article.read_minutes,
            includes_code: article.includes_code,
            has_summary: article.has_summary,
            source: &article.source,
            url: article.url.as_deref(),
            published_at: date(article.published_at),
            updated_at: date(article.updated_at),
            content_html: article.content_html.as_deref(),
            deleted_at: record.deleted_at.map(date),
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
        let deserializer = &mut serde_json::Deserializer::from_slice(bytes);
        let items: Vec<CatalogueItem> =
            serde_path_to_error::deserialize(&mut *deserializer).map_err(|e| located_error(&e))?;
        // Anything after the array makes the file malformed, not ignored.
        deserializer.end().map_err(|e| CatalogueError::Syntax {
            line: e.line(),
            column: e.column(),
            message: json_error_text(&e),
        })?;
        Self::from_items(items)
    }

    fn from_items(items: Vec<CatalogueItem>) -> Result<Self, CatalogueError> {
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

fn parse_item(item: CatalogueItem) -> Result<NewArticle, FieldError> {
    if item.listing_position == Some(0) {
        return Err(FieldError::new("listing_position", "must be 1 or more"));
    }
    let input = ArticleInput {
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
    };
    // A catalogue error names one field: the first, in the order the item is read.
    input.validate().map_err(|mut errors| errors.swap_remove(0))
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
