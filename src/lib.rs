//! engfeed: engineering articles in PostgreSQL, published as RSS 2.0, Atom 1.0 and JSON Feed 1.1.
//!
//! Layers, each depending only on those after it:
//! - `cli`, `startup`, `routes`, `handlers`: the process and its HTTP surface;
//! - `websub`: publish pings to a WebSub hub, off the request path;
//! - `feed_cache`, `catalogue_listener`: rendered feeds in memory, dropped when PostgreSQL
//!   says the catalogue changed;
//! - `feeds`, `pages`: pure rendering of domain values into feed documents and HTML;
//! - `db`: the only module that speaks SQL (diesel);
//! - `domain`: validated types, no I/O.

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
pub mod routes;
pub mod startup;
pub mod telemetry;
pub mod websub;
