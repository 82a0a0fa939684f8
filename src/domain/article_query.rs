//! Listing parameters shared by feed URLs and the admin API: the filter grammar, its
//! canonical form, and keyset cursors.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};

use super::{AuthorSlug, FeedLimit, FieldError, Level, ReadMinutes};

/// Narrows a listing: AND across fields, OR within one. Sets keep values sorted and unique,
/// so filters written differently (order, case, repeats) compare and print the same.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ArticleFilter {
    pub levels: BTreeSet<Level>,
    pub authors: BTreeSet<AuthorSlug>,
    /// Lowercase; matched without regard to case.
    pub sources: BTreeSet<String>,
    pub includes_code: Option<bool>,
    pub min_minutes: Option<u16>,
    pub max_minutes: Option<u16>,
    /// Words to find in title or summary (PostgreSQL full-text search), spaces collapsed.
    pub text: Option<String>,
    /// Published at or after.
    pub since: Option<DateTime<Utc>>,
    /// Published before.
    pub until: Option<DateTime<Utc>>,
}

/// A whole listing request: the filter, and where and how much to read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ArticleQuery {
    pub filter: ArticleFilter,
    pub include_deleted: bool,
    /// Continue after this position (keyset pagination).
    pub after: Option<Cursor>,
    pub limit: FeedLimit,
}

/// Which parameters a URL may carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listing {
    Feed,
    Admin,
}

const FILTER_KEYS: [&str; 9] = [
    "level",
    "author",
    "source",
    "code",
    "min_minutes",
    "max_minutes",
    "q",
    "since",
    "until",
];

/// The parameters whose values are comma-separated lists; only these may repeat freely.
const LIST_KEYS: [&str; 3] = ["level", "author", "source"];

impl ArticleQuery {
    /// Parses a query string (`level=advanced,beginner&code=true&limit=20`). Every problem is
    /// reported, each naming its parameter; unknown parameters are problems too, so a typo
    /// never silently widens a feed. A list parameter may repeat (its values add up); any
    /// other may repeat only with the same value.
    pub fn parse(query_string: &str, listing: Listing) -> Result<Self, Vec<FieldError>> {
        let mut parser = QueryParser::new(listing);
        parser.errors.extend(undecodable_parameters(query_string));
        for (key, value) in url::form_urlencoded::parse(query_string.as_bytes()) {
            parser.read(&key, &value);
        }
        parser.errors.extend(range_errors(&parser.query.filter));
        if parser.errors.is_empty() {
            Ok(parser.query)
        } else {
            Err(parser.errors)
        }
    }

    /// Whether this selects the first page, at the default size, of a feed the directory
    /// lists: a scope's whole feed or, on the full feed (`of_everything`), one source's.
    /// These are the documents the WebSub publisher announces.
    pub fn is_directory_page(&self, of_everything: bool) -> bool {
        let first_default_page =
            self.after.is_none() && self.limit == FeedLimit::default() && !self.include_deleted;
        // Runs on every feed request: the filter is compared (and copied) only when it names
        // exactly one source, the one shape besides "no filter" that the directory lists.
        let one_source_only = || {
            self.filter.sources.len() == 1
                && ArticleFilter {
                    sources: self.filter.sources.clone(),
                    ..ArticleFilter::default()
                } == self.filter
        };
        first_default_page && (self.filter.is_empty() || (of_everything && one_source_only()))
    }

    /// The query string that selects the same listing, in one fixed form: keys in order,
    /// list values sorted and joined with commas, defaults left out.
    pub fn canonical_query(&self) -> String {
        let mut pairs = self.filter.canonical_pairs();
        if self.include_deleted {
            pairs.push(("include_deleted", "true".to_owned()));
        }
        if self.limit != FeedLimit::default() {
            pairs.push(("limit", self.limit.get().to_string()));
        }
        if let Some(after) = self.after {
            pairs.push(("cursor", after.to_string()));
        }
        encode(&pairs)
    }
}

impl ArticleFilter {
    pub fn is_empty(&self) -> bool {
        *self == ArticleFilter::default()
    }

    /// The filter's canonical query string; empty for no filter. Part of a feed's identity.
    pub fn canonical(&self) -> String {
        encode(&self.canonical_pairs())
    }

    fn canonical_pairs(&self) -> Vec<(&'static str, String)> {
        let join = |items: Vec<String>| items.join(",");
        let mut pairs = Vec::new();
        if !self.authors.is_empty() {
            pairs.push((
                "author",
                join(self.authors.iter().map(ToString::to_string).collect()),
            ));
        }
        if let Some(code) = self.includes_code {
            pairs.push(("code", code.to_string()));
        }
        if !self.levels.is_empty() {
            pairs.push((
                "level",
                join(self.levels.iter().map(ToString::to_string).collect()),
            ));
        }
        if let Some(max) = self.max_minutes {
            pairs.push(("max_minutes", max.to_string()));
        }
        if let Some(min) = self.min_minutes {
            pairs.push(("min_minutes", min.to_string()));
        }
        if let Some(text) = &self.text {
            pairs.push(("q", text.clone()));
        }
        if !self.sources.is_empty() {
            let names = self
                .sources
                .iter()
                .map(|name| escape_source(name))
                .collect();
            pairs.push(("source", join(names)));
        }
        if let Some(since) = self.since {
            pairs.push((
                "since",
                since.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
            ));
        }
        if let Some(until) = self.until {
            pairs.push((
                "until",
                until.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
            ));
        }
        pairs
    }

    /// What the filter adds to a feed's title, e.g. "beginner or advanced, with code,
    /// 5 to 10 minutes, matching “webhooks”"; `None` for no filter.
    pub fn describe(&self) -> Option<String> {
        let mut parts = Vec::new();
        if !self.levels.is_empty() {
            parts.push(
                self.levels
                    .iter()
                    .map(|l| l.as_str())
                    .collect::<Vec<_>>()
                    .join(" or "),
            );
        }
        if !self.authors.is_empty() {
            let slugs: Vec<String> = self.authors.iter().map(ToString::to_string).collect();
            parts.push(format!("by {}", slugs.join(" or ")));
        }
        if !self.sources.is_empty() {
            parts.push(format!(
                "from {}",
                self.sources
                    .iter()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(" or ")
            ));
        }
        match self.includes_code {
            Some(true) => parts.push("with code".to_owned()),
            Some(false) => parts.push("without code".to_owned()),
            None => {}
        }
        match (self.min_minutes, self.max_minutes) {
            (Some(min), Some(max)) => parts.push(format!("{min} to {max} minutes")),
            (Some(min), None) => parts.push(format!("at least {min} minutes")),
            (None, Some(max)) => parts.push(format!("at most {max} minutes")),
            (None, None) => {}
        }
        if let Some(text) = &self.text {
            parts.push(format!("matching “{text}”"));
        }
        if let Some(since) = self.since {
            parts.push(format!("since {}", since.format("%Y-%m-%d %H:%M")));
        }
        if let Some(until) = self.until {
            parts.push(format!("until {}", until.format("%Y-%m-%d %H:%M")));
        }
        (!parts.is_empty()).then(|| parts.join(", "))
    }
}

/// One query string being read: the listing so far and every problem found in it.
struct QueryParser {
    listing: Listing,
    query: ArticleQuery,
    errors: Vec<FieldError>,
    /// Each non-list parameter read so far, with its value, to refuse conflicting repeats.
    seen: Vec<(String, String)>,
}

impl QueryParser {
    fn new(listing: Listing) -> Self {
        Self {
            listing,
            query: ArticleQuery::default(),
            errors: Vec::new(),
            seen: Vec::new(),
        }
    }

    /// Reads one decoded parameter into the query, or records why not.
    fn read(&mut self, key: &str, value: &str) {
        if value.contains('\0') {
            self.errors
                .push(FieldError::new(key, "must not contain the NUL character"));
            return;
        }
        if !LIST_KEYS.contains(&key) && self.is_repeat(key, value) {
            return;
        }
        if let Err(error) = self.apply(key, value) {
            self.errors.push(error);
        }
    }

    /// Whether this non-list parameter came before; a repeat with another value is an error.
    fn is_repeat(&mut self, key: &str, value: &str) -> bool {
        match self.seen.iter().find(|(k, _)| k == key) {
            Some((_, earlier)) => {
                if earlier != value {
                    self.errors
                        .push(FieldError::new(key, "is given twice with different values"));
                }
                true
            }
            None => {
                self.seen.push((key.to_owned(), value.to_owned()));
                false
            }
        }
    }

    fn apply(&mut self, key: &str, value: &str) -> Result<(), FieldError> {
        let filter = &mut self.query.filter;
        match (key, self.listing) {
            ("level", _) => add_levels(&mut filter.levels, value),
            ("author", _) => add_authors(&mut filter.authors, value),
            ("source", _) => add_sources(&mut filter.sources, value),
            ("code", _) => boolean("code", value).map(|b| filter.includes_code = Some(b)),
            ("min_minutes", _) => {
                minutes("min_minutes", value).map(|m| filter.min_minutes = Some(m))
            }
            ("max_minutes", _) => {
                minutes("max_minutes", value).map(|m| filter.max_minutes = Some(m))
            }
            ("q", _) => search_words(value).map(|words| filter.text = words),
            ("since", _) => date("since", value).map(|d| filter.since = Some(d)),
            ("until", _) => date("until", value).map(|d| filter.until = Some(d)),
            ("limit", _) => FeedLimit::parse(value).map(|l| self.query.limit = l),
            ("cursor", _) => value.parse().map(|c| self.query.after = Some(c)),
            ("include_deleted", Listing::Admin) => {
                boolean("include_deleted", value).map(|b| self.query.include_deleted = b)
            }
            _ => Err(FieldError::new(
                key,
                format!(
                    "is not a parameter here (use {}, limit)",
                    FILTER_KEYS.join(", ")
                ),
            )),
        }
    }
}

/// One error per parameter whose value is not UTF-8 once percent-decoded.
/// form_urlencoded decodes invalid UTF-8 to U+FFFD, which would silently search for
/// something else: such a parameter is refused instead.
fn undecodable_parameters(query_string: &str) -> Vec<FieldError> {
    let mut errors = Vec::new();
    for raw in query_string.split('&') {
        let (key, value) = raw.split_once('=').unwrap_or((raw, ""));
        let value = value.replace('+', " ");
        if percent_encoding::percent_decode_str(&value)
            .decode_utf8()
            .is_err()
        {
            let key = percent_encoding::percent_decode_str(key).decode_utf8_lossy();
            errors.push(FieldError::new(
                key,
                "is not valid UTF-8 once percent-decoded",
            ));
        }
    }
    errors
}

/// The problems only the whole filter shows: bounds that cross.
fn range_errors(filter: &ArticleFilter) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if let (Some(min), Some(max)) = (filter.min_minutes, filter.max_minutes)
        && min > max
    {
        errors.push(FieldError::new(
            "min_minutes",
            "must not be more than max_minutes",
        ));
    }
    if let (Some(since), Some(until)) = (filter.since, filter.until)
        && since >= until
    {
        errors.push(FieldError::new("since", "must be before until"));
    }
    errors
}

/// The non-blank items of a comma-separated list, trimmed.
fn list_items(value: &str) -> impl Iterator<Item = &str> {
    value.split(',').map(str::trim).filter(|v| !v.is_empty())
}

fn add_levels(levels: &mut BTreeSet<Level>, value: &str) -> Result<(), FieldError> {
    list_items(value).try_for_each(|v| {
        let level = v
            .parse::<Level>()
            .map_err(|e| FieldError::new("level", e.to_string()))?;
        levels.insert(level);
        Ok(())
    })
}

fn add_authors(authors: &mut BTreeSet<AuthorSlug>, value: &str) -> Result<(), FieldError> {
    list_items(value).try_for_each(|v| {
        let slug = AuthorSlug::parse(&v.to_ascii_lowercase())
            .map_err(|_| FieldError::new("author", format!("'{v}' is not an author slug")))?;
        authors.insert(slug);
        Ok(())
    })
}

fn add_sources(sources: &mut BTreeSet<String>, value: &str) -> Result<(), FieldError> {
    source_names(value).into_iter().try_for_each(|v| {
        if v.chars().count() > 200 {
            return Err(FieldError::new(
                "source",
                "names at most 200 characters long",
            ));
        }
        sources.insert(v.to_lowercase());
        Ok(())
    })
}

/// The words of `q` with spaces collapsed; `None` when there are none.
fn search_words(value: &str) -> Result<Option<String>, FieldError> {
    let words = value.split_whitespace().collect::<Vec<_>>().join(" ");
    if words.chars().count() > 200 {
        Err(FieldError::new("q", "must be at most 200 characters"))
    } else {
        Ok(Some(words).filter(|w| !w.is_empty()))
    }
}

/// The names in a `source` list: split on commas, where `\,` is a comma within a name
/// (`Acme\, Inc.`) and `\\` a backslash; blank names are dropped.
fn source_names(list: &str) -> Vec<String> {
    let mut names = vec![String::new()];
    let mut chars = list.chars();
    while let Some(c) = chars.next() {
        match (c, names.last_mut()) {
            ('\\', Some(name)) => name.extend(chars.next()),
            (',', _) => names.push(String::new()),
            (c, Some(name)) => name.push(c),
            (_, None) => {}
        }
    }
    names
        .into_iter()
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty())
        .collect()
}

/// A source name as one item of a `source` list (see [`source_names`]).
fn escape_source(name: &str) -> String {
    name.replace('\\', "\\\\").replace(',', "\\,")
}

fn encode(pairs: &[(&str, String)]) -> String {
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    for (key, value) in pairs {
        out.append_pair(key, value);
    }
    out.finish()
}

fn boolean(field: &str, value: &str) -> Result<bool, FieldError> {
    match value.to_ascii_lowercase().as_str() {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(FieldError::new(
            field,
            format!("must be true or false (got '{value}')"),
        )),
    }
}

fn minutes(field: &str, value: &str) -> Result<u16, FieldError> {
    let number = value.parse::<i64>().map_err(|_| {
        FieldError::new(
            field,
            format!("must be a whole number from 1 to 600 (got '{value}')"),
        )
    })?;
    ReadMinutes::parse(field, number).map(ReadMinutes::get)
}

fn date(field: &str, value: &str) -> Result<DateTime<Utc>, FieldError> {
    super::parse_date(field, value)
}

/// A position in the newest-first order: the `(published_at, id)` of the last item seen.
/// Opaque to clients; stable while articles are added or removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub published_at: DateTime<Utc>,
    pub id: i64,
}

impl fmt::Display for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.published_at.timestamp_micros(), self.id)
    }
}

impl FromStr for Cursor {
    type Err = FieldError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let invalid = || FieldError::new("cursor", "is not a cursor this service issued");
        let (micros, id) = s.split_once('.').ok_or_else(invalid)?;
        let micros: i64 = micros.parse().map_err(|_| invalid())?;
        // chrono holds years PostgreSQL does not: a crafted cursor must not reach a query.
        let published_at = DateTime::from_timestamp_micros(micros).ok_or_else(invalid)?;
        Ok(Cursor {
            published_at: super::date_in_range("cursor", published_at).map_err(|_| invalid())?,
            id: id.parse().map_err(|_| invalid())?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_names_may_hold_commas_and_backslashes() {
        let names = ["Acme, Inc.", "back\\slash", "plain"];
        let list: Vec<String> = names.iter().map(|n| escape_source(n)).collect();
        assert_eq!(source_names(&list.join(",")), names);
        assert_eq!(source_names("a, b,,c"), ["a", "b", "c"]);
    }

    fn fields(query: &str, listing: Listing) -> Vec<String> {
        ArticleQuery::parse(query, listing)
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect()
    }

    #[test]
    fn equal_filters_written_differently_are_one_canonical_form() {
        let a = ArticleQuery::parse(
            "level=advanced,beginner&code=true&author=ben-smith",
            Listing::Feed,
        )
        .unwrap();
        let b = ArticleQuery::parse(
            "code=TRUE&author=Ben-Smith&level=Beginner&level=advanced,advanced",
            Listing::Feed,
        )
        .unwrap();
        assert_eq!(a, b);
        assert_eq!(
            a.canonical_query(),
            "author=ben-smith&code=true&level=beginner%2Cadvanced"
        );
        let c = ArticleQuery::parse(
            "q=%20web%20%20hooks%20&source=Stripe&limit=20",
            Listing::Feed,
        )
        .unwrap();
        assert_eq!(c.canonical_query(), "q=web+hooks&source=stripe&limit=20");
        assert_eq!(c.filter.canonical(), "q=web+hooks&source=stripe");
        assert!(
            ArticleQuery::parse("", Listing::Feed)
                .unwrap()
                .filter
                .is_empty()
        );
    }

    #[test]
    fn every_bad_parameter_is_named() {
        assert_eq!(
            fields(
                "level=expert&code=maybe&min_minutes=0&max_minutes=x&since=yesterday&limit=0&colour=red",
                Listing::Feed
            ),
            [
                "level",
                "code",
                "min_minutes",
                "max_minutes",
                "since",
                "limit",
                "colour"
            ]
        );
        assert_eq!(fields("limit=5&limit=6", Listing::Feed), ["limit"]);
        assert_eq!(fields("cursor=12", Listing::Feed), ["cursor"]);
        assert_eq!(
            fields("include_deleted=true", Listing::Feed),
            ["include_deleted"]
        );
        assert_eq!(
            fields("min_minutes=10&max_minutes=5", Listing::Feed),
            ["min_minutes"]
        );
        assert_eq!(
            fields(
                "since=2025-01-01T00:00:00Z&until=2024-01-01T00:00:00Z",
                Listing::Feed
            ),
            ["since"]
        );
        assert_eq!(fields("q=%00", Listing::Feed), ["q"]);
        assert!(
            ArticleQuery::parse(
                "limit=5&limit=5&cursor=1.2&include_deleted=true",
                Listing::Admin
            )
            .is_ok()
        );
    }

    #[test]
    fn problems_from_every_stage_are_reported_together() {
        // Undecoded bytes, single parameters and crossed bounds are checked apart.
        assert_eq!(
            fields(
                "q=%FF&limit=5&limit=6&colour=red&colour=red&min_minutes=10&max_minutes=5",
                Listing::Feed
            ),
            ["q", "limit", "colour", "min_minutes"]
        );
    }

    #[test]
    fn descriptions_read_naturally() {
        let query = ArticleQuery::parse(
            "level=advanced&code=true&min_minutes=5&max_minutes=10&q=webhooks",
            Listing::Feed,
        )
        .unwrap();
        assert_eq!(
            query.filter.describe().unwrap(),
            "advanced, with code, 5 to 10 minutes, matching “webhooks”"
        );
    }

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let cursor = Cursor {
            published_at: DateTime::from_timestamp_micros(1_700_000_000_123_456).unwrap(),
            id: 42,
        };
        assert_eq!(cursor.to_string().parse::<Cursor>(), Ok(cursor));
        for bad in ["", "abc", "1.", ".1", "1.x", "99999999999999999999.1"] {
            assert_eq!(bad.parse::<Cursor>().unwrap_err().field, "cursor", "{bad}");
        }
    }
}
