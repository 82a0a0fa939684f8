use std::collections::BTreeSet;

use super::{Article, AuthorRef, Level};

/// What a write changed, as the feeds that show it: the full feed whenever anything
/// changed, and the feeds of these levels, authors and sources. An update counts the
/// article as it was and as it is, since it may have left one feed for another.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ChangedFacets {
    pub levels: BTreeSet<Level>,
    pub authors: BTreeSet<AuthorRef>,
    /// As written; feeds compare sources without case.
    pub sources: BTreeSet<String>,
}

impl ChangedFacets {
    pub fn of<'a>(articles: impl IntoIterator<Item = &'a Article>) -> Self {
        let mut changed = Self::default();
        for article in articles {
            changed.add(article);
        }
        changed
    }

    pub fn add(&mut self, article: &Article) {
        self.levels.insert(article.level);
        if let Some(author) = &article.author {
            self.authors.insert(author.clone());
        }
        self.sources.insert(article.source.clone());
    }

    pub fn merge(&mut self, other: ChangedFacets) {
        self.levels.extend(other.levels);
        self.authors.extend(other.authors);
        self.sources.extend(other.sources);
    }

    /// Nothing changed: every article has a level, so an empty level set means no article.
    pub fn is_empty(&self) -> bool {
        self.levels.is_empty()
    }
}
