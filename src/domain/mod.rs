//! Validated domain types. Nothing here knows about HTTP or the database.

mod article;
mod author;
mod catalogue;
mod feed_scope;
mod field_error;
mod level;
mod public_url;
mod site;
mod text;

pub use article::{
    Article, ArticleTitle, ArticleUrl, AuthorRef, ContentHtml, NewArticle, ReadMinutes, Source,
    Summary,
};
pub use author::{AuthorName, AuthorSlug};
pub use catalogue::{Catalogue, CatalogueError};
pub use feed_scope::{FeedLimit, FeedScope};
pub use field_error::FieldError;
pub use level::Level;
pub use public_url::PublicUrl;
pub use site::{Site, article_feed_id};
pub use text::strip_xml_forbidden;
