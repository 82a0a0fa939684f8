//! What engfeed reads in: its own catalogue format (`seed/stripe-articles.json`, and what
//! `engfeed export` writes) and other publishers' feeds (RSS 2.0, Atom 1.0, JSON Feed),
//! each turned into validated articles, newest first.

mod catalogue;
pub mod feed;

pub use catalogue::{Catalogue, CatalogueArticle, CatalogueError, LevelName};
