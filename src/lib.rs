//! engfeed: engineering articles in PostgreSQL, published as RSS 2.0, Atom 1.0 and JSON Feed 1.1.
//!
//! Layers, each importing only from those below it (docs/ARCHITECTURE.md has the picture):
//! - `main`, `cli`: the process, its commands and flags;
//! - `startup`, `routes`, `handlers`: the HTTP surface; `handlers::api::dto` is the admin
//!   API's wire format;
//! - `websub`: publish pings to a WebSub hub, off the request path;
//! - `feed_documents`: a feed page loaded, rendered and cached, shared by handlers and
//!   `websub`;
//! - `error`: the HTTP layer's error type (problem+json), made from `db` and render errors;
//! - `catalogue_listener`, `feed_cache`: rendered feeds in memory with their HTTP
//!   representations, each dropped when a change it may show is announced;
//! - `poll_stats`: who polls which feed, counted in memory and flushed to `db` each minute;
//! - `search_indexer`: the text-search documents imports leave pending, in the background;
//! - `import`: what comes in (the catalogue format, other publishers' feeds);
//! - `pages`, `feeds`: pure rendering of domain values into HTML and feed documents;
//! - `db`: the only module that speaks SQL or names diesel; its own error type;
//! - `config`, `telemetry`, `access_log`: settings; logs and metrics; the access log;
//! - `domain`: validated types, no I/O, no wire formats.

pub mod access_log;
pub mod catalogue_listener;
pub mod cli;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod feed_cache;
pub mod feed_documents;
pub mod feeds;
pub mod handlers;
pub mod import;
pub mod pages;
pub mod poll_stats;
pub mod routes;
pub mod search_indexer;
pub mod startup;
pub mod telemetry;
pub mod websub;
