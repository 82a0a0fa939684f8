//! Validated domain types. Nothing here knows about HTTP or the database.

// Renderers and domain types take any stored or submitted value: nothing here may panic
// (tests may index what they just built).
#![deny(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]
#![cfg_attr(test, allow(clippy::indexing_slicing))]

mod article;
mod article_input;
mod article_query;
mod author;
mod changed_facets;
mod date;
mod feed_scope;
mod field_error;
mod import_report;
mod level;
mod poll_stats;
mod public_url;
mod site;
mod subscriber_report;
mod text;
mod token;

pub use article::{
    Article, ArticleRecord, ArticleTitle, ArticleUrl, AuthorRef, ContentHtml, NewArticle,
    Precondition, ReadMinutes, Source, Summary, Tombstone, new_public_id,
};
pub use article_input::ArticleInput;
pub use article_query::{ArticleFilter, ArticleQuery, Cursor, Listing};
pub use author::{AuthorName, AuthorSlug};
pub use changed_facets::{ArticleFacets, ChangedFacets};
pub use date::{in_range as date_in_range, parse_date};
pub use feed_scope::{FeedLimit, FeedScope};
pub use field_error::{FieldError, json_error_text};
pub use import_report::ImportReport;
pub use level::Level;
pub use poll_stats::{
    DEFAULT_STATS_DAYS, FeedPolls, FeedStats, MAX_STATS_DAYS, PollScope, StatsQuery,
    sort_by_estimate,
};
pub use public_url::PublicUrl;
pub use site::{Site, article_feed_id};
pub use subscriber_report::{Aggregator, SubscriberReport};
pub use text::strip_xml_forbidden;
pub use token::{ApiToken, TokenHash, parse_token_name};
