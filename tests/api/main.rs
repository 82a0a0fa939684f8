//! One integration-test binary: every test gets its own database and server.

mod admin_articles;
mod admin_auth;
mod admin_authors;
mod admin_import;
mod admin_validation;
mod cli;
mod conditional_get;
mod content_links;
mod export;
mod feed_filters;
mod feed_metadata;
mod feed_paging;
mod feed_parse;
mod feeds;
mod helpers;
mod hostile;
mod hostile_text;
mod import;
mod import_feeds;
mod instances;
mod negotiation;
mod pages;
mod reimport;
mod seed;
mod tombstones;
mod websub;
