//! The seed catalogue read independently of engfeed's own parser, to compute what each
//! feed must hold.

use serde_json::Value;

pub struct SeedArticle {
    pub title: String,
    pub author: Option<String>,
    pub level: String,
}

/// Newest first (listing position 1 first).
pub fn articles() -> Vec<SeedArticle> {
    let text = std::fs::read_to_string(super::helpers::seed_path()).expect("seed file");
    let mut items: Vec<Value> = serde_json::from_str(&text).expect("seed JSON");
    items.sort_by_key(|item| item["listing_position"].as_u64().expect("listing_position"));
    items
        .into_iter()
        .map(|item| SeedArticle {
            title: item["title"].as_str().expect("title").to_owned(),
            author: item["author"].as_str().map(str::to_owned),
            level: item["level"].as_str().expect("level").to_owned(),
        })
        .collect()
}

pub fn titles<'a>(articles: impl IntoIterator<Item = &'a SeedArticle>) -> Vec<String> {
    articles.into_iter().map(|a| a.title.clone()).collect()
}

/// The seed's names are plain ASCII words, so their slugs are easy to write down.
pub fn slug_of(name: &str) -> String {
    name.to_lowercase().replace(' ', "-")
}

pub fn authors() -> Vec<String> {
    let mut names: Vec<String> = articles().into_iter().filter_map(|a| a.author).collect();
    names.sort();
    names.dedup();
    names
}
