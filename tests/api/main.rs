//! One integration-test binary: every test gets its own database and server.

mod feed_parse;
mod feeds;
mod helpers;
mod hostile_text;
mod import;
mod pages;
mod seed;
