//! The admin API's wire format: every request and response body, with its OpenAPI schema.
//! The domain and the store know nothing of JSON field names; conversions live here.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use uuid::Uuid;

use crate::db::authors::AuthorSummary;
use crate::domain::{ArticleInput, ArticleRecord, AuthorRef, FeedScope, ImportReport, Site};
use crate::feeds::FeedFormat;
use crate::import::LevelName;

/// A new article. Fields left out take their defaults; unknown fields are refused.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ArticleBody {
    #[schema(min_length = 1, max_length = 300)]
    title: String,
    #[serde(default)]
    summary: String,
    content_html: Option<String>,
    url: Option<String>,
    author: Option<String>,
    #[schema(value_type = LevelName)]
    level: String,
    #[schema(minimum = 1, maximum = 600)]
    read_minutes: Option<i64>,
    #[serde(default)]
    includes_code: bool,
    #[serde(default)]
    has_summary: bool,
    source: String,
    #[schema(format = DateTime)]
    published_at: Option<String>,
}

impl From<ArticleBody> for ArticleInput {
    fn from(body: ArticleBody) -> Self {
        Self {
            id: None,
            title: body.title,
            summary: body.summary,
            content_html: body.content_html,
            url: body.url,
            author: body.author,
            level: body.level,
            read_minutes: body.read_minutes,
            includes_code: body.includes_code,
            has_summary: body.has_summary,
            source: body.source,
            published_at: body.published_at,
            updated_at: None,
            deleted_at: None,
        }
    }
}

/// A partial update: every field optional; `null` clears the nullable ones and is refused
/// for the others.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ArticlePatch {
    #[serde(default, deserialize_with = "present")]
    title: Option<String>,
    #[serde(default, deserialize_with = "present")]
    summary: Option<String>,
    #[serde(default, deserialize_with = "present")]
    content_html: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    url: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    author: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<LevelName>)]
    level: Option<String>,
    #[serde(default, deserialize_with = "present")]
    read_minutes: Option<Option<i64>>,
    #[serde(default, deserialize_with = "present")]
    includes_code: Option<bool>,
    #[serde(default, deserialize_with = "present")]
    has_summary: Option<bool>,
    #[serde(default, deserialize_with = "present")]
    source: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[schema(format = DateTime)]
    published_at: Option<String>,
}

/// A field that is present in the body, whatever its value (`null` included).
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

impl ArticlePatch {
    /// Writes the fields the patch names over `input`.
    pub fn apply_to(self, input: &mut ArticleInput) {
        let ArticlePatch {
            title,
            summary,
            content_html,
            url,
            author,
            level,
            read_minutes,
            includes_code,
            has_summary,
            source,
            published_at,
        } = self;
        macro_rules! merge {
            ($($field:ident),*) => {$( if let Some(value) = $field { input.$field = value; } )*};
        }
        merge!(
            title,
            summary,
            content_html,
            url,
            author,
            level,
            read_minutes,
            includes_code,
            has_summary,
            source
        );
        if let Some(published_at) = published_at {
            input.published_at = Some(published_at);
        }
    }
}

/// An article as the API shows it: its stored fields, version and permalink.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ArticleResponse<'a> {
    id: Uuid,
    title: &'a str,
    summary: &'a str,
    content_html: Option<&'a str>,
    url: Option<&'a str>,
    author: Option<AuthorRefResponse<'a>>,
    #[schema(value_type = LevelName)]
    level: &'static str,
    #[schema(minimum = 1, maximum = 600)]
    read_minutes: Option<u16>,
    includes_code: bool,
    has_summary: bool,
    source: &'a str,
    published_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    /// Moves on every change; the `ETag` is `"v{version}"`.
    version: i64,
    created_at: DateTime<Utc>,
    /// Set while the article is deleted (gone from feeds, kept here).
    deleted_at: Option<DateTime<Utc>>,
    permalink: String,
}

impl<'a> ArticleResponse<'a> {
    pub fn new(site: &Site, record: &'a ArticleRecord) -> Self {
        let article = &record.article;
        Self {
            id: article.public_id,
            title: &article.title,
            summary: &article.summary,
            content_html: article.content_html.as_deref(),
            url: article.url.as_deref(),
            author: article.author.as_ref().map(AuthorRefResponse::from),
            level: article.level.as_str(),
            read_minutes: article.read_minutes,
            includes_code: article.includes_code,
            has_summary: article.has_summary,
            source: &article.source,
            published_at: article.published_at,
            updated_at: article.updated_at,
            version: record.version,
            created_at: record.created_at,
            deleted_at: record.deleted_at,
            permalink: site.article_permalink(article.public_id),
        }
    }
}

/// An article's author.
#[derive(Serialize, utoipa::ToSchema)]
pub struct AuthorRefResponse<'a> {
    name: &'a str,
    #[schema(example = "james-beswick")]
    slug: &'a str,
}

impl<'a> From<&'a AuthorRef> for AuthorRefResponse<'a> {
    fn from(author: &'a AuthorRef) -> Self {
        Self {
            name: &author.name,
            slug: author.slug.as_ref(),
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ArticleListResponse<'a> {
    pub articles: Vec<ArticleResponse<'a>>,
    /// The next page, or `null` on the last one.
    pub next: Option<String>,
}

/// An author with their article count, page and feeds.
#[derive(Serialize, utoipa::ToSchema)]
pub struct AuthorResponse {
    name: String,
    slug: String,
    article_count: i64,
    page: String,
    feeds: AuthorFeeds,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct AuthorFeeds {
    rss: String,
    atom: String,
}

impl AuthorResponse {
    pub fn new(site: &Site, summary: AuthorSummary) -> Self {
        let scope = FeedScope::Author(summary.author.clone());
        Self {
            name: summary.author.name,
            slug: summary.author.slug.to_string(),
            article_count: summary.article_count,
            page: site.page_url(&scope),
            feeds: AuthorFeeds {
                rss: site.feed_url(&scope, FeedFormat::Rss.extension()),
                atom: site.feed_url(&scope, FeedFormat::Atom.extension()),
            },
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct AuthorListResponse {
    pub authors: Vec<AuthorResponse>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RenameAuthorRequest {
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
}

/// What an import did, article by article.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ImportReportResponse {
    created: usize,
    updated: usize,
    unchanged: usize,
    /// Changed in the catalogue, but edited through the admin API since the last import:
    /// left as the editor left it.
    kept_edited: usize,
}

impl From<ImportReport> for ImportReportResponse {
    fn from(report: ImportReport) -> Self {
        Self {
            created: report.created,
            updated: report.updated,
            unchanged: report.unchanged,
            kept_edited: report.kept_edited,
        }
    }
}

/// Poll statistics of the feeds polled in a period, most estimated subscribers first.
#[derive(Serialize, utoipa::ToSchema)]
pub struct FeedStatsResponse {
    /// Days covered, today (UTC) included.
    pub days: u16,
    /// The first day covered (UTC).
    #[schema(value_type = String, format = Date, example = "2026-11-22")]
    pub since: chrono::NaiveDate,
    pub feeds: Vec<FeedStatsEntry>,
}

/// One feed's polls in the period.
#[derive(Serialize, utoipa::ToSchema)]
pub struct FeedStatsEntry {
    /// The canonical path and query, e.g. `/levels/advanced/feed.atom?code=true`.
    pub feed: String,
    /// The feed's absolute URL.
    pub url: String,
    /// Feed responses sent (200 and 304).
    pub requests: u64,
    /// Of those, 304 Not Modified.
    pub not_modified: u64,
    /// `not_modified / requests`, 0 to 1.
    pub not_modified_share: f64,
    /// Body bytes sent.
    pub bytes_sent: u64,
    /// Distinct clients (address and User-Agent) on the busiest day.
    pub distinct_clients: u64,
    /// The same, without aggregators that report their subscribers.
    pub direct_clients: u64,
    /// Each aggregator's latest report of its subscribers to this feed.
    pub reported_subscribers: Vec<AggregatorSubscribers>,
    /// The reported subscribers plus the direct clients.
    pub estimated_subscribers: u64,
}

/// Subscribers an aggregator reported in its User-Agent.
#[derive(Serialize, utoipa::ToSchema)]
pub struct AggregatorSubscribers {
    /// `Feedly`, `Inoreader`, `NewsBlur`, `Feedbin`, or the first word of another
    /// fetcher's User-Agent.
    pub aggregator: String,
    pub subscribers: u64,
}

impl FeedStatsEntry {
    pub fn new(site: &Site, stats: crate::domain::FeedStats) -> Self {
        Self {
            url: site.public_url.join(&stats.feed),
            not_modified_share: stats.not_modified_share(),
            estimated_subscribers: stats.estimated_subscribers(),
            requests: stats.requests,
            not_modified: stats.not_modified,
            bytes_sent: stats.bytes,
            distinct_clients: stats.distinct_clients,
            direct_clients: stats.direct_clients,
            reported_subscribers: stats
                .reported
                .into_iter()
                .map(|(aggregator, subscribers)| AggregatorSubscribers {
                    aggregator,
                    subscribers,
                })
                .collect(),
            feed: stats.feed,
        }
    }
}
