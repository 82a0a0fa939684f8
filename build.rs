//! `embed_migrations!` (src/db/mod.rs) reads `migrations/` when the crate compiles, and
//! cargo does not know that: without this, adding a migration and building again gave a
//! binary without it.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
