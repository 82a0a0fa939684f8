use std::collections::BTreeSet;

use super::{Article, ArticleFilter, AuthorRef, FeedScope, Level};

/// One version of an article as feed scopes and filters see it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ArticleFacets {
    pub level: Level,
    pub author: Option<AuthorRef>,
    /// As written; feeds compare sources without case.
    pub source: String,
    pub includes_code: bool,
    pub read_minutes: Option<u16>,
}

impl From<&Article> for ArticleFacets {
    fn from(article: &Article) -> Self {
        Self {
            level: article.level,
            author: article.author.clone(),
            source: article.source.clone(),
            includes_code: article.includes_code,
            read_minutes: article.read_minutes,
        }
    }
}

/// What a write changed, as the feeds that show it: every version of every article it
/// touched (an update counts the article as it was and as it is, since it may have left
/// one feed for another; a deletion counts the article its feeds now show as a tombstone),
/// and the authors it renamed (their feeds' titles change even when they hold nothing).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ChangedFacets {
    pub articles: BTreeSet<ArticleFacets>,
    pub renamed: BTreeSet<AuthorRef>,
}

impl ChangedFacets {
    /// A change that touched more distinct kinds of article than this is not described
    /// article by article: caches, this instance's and the others' (by NOTIFY), drop
    /// every document, since checking each cached feed against it would cost more than
    /// rendering them again. Only its levels, authors and sources are still read.
    pub const MAX_DESCRIBED_ARTICLES: usize = 256;

    /// Whether the change is small enough to be checked against each cached feed.
    pub fn is_described(&self) -> bool {
        self.articles.len() <= Self::MAX_DESCRIBED_ARTICLES
    }

    pub fn of<'a>(articles: impl IntoIterator<Item = &'a Article>) -> Self {
        let mut changed = Self::default();
        for article in articles {
            changed.articles.insert(article.into());
        }
        changed
    }

    pub fn merge(&mut self, other: ChangedFacets) {
        self.articles.extend(other.articles);
        self.renamed.extend(other.renamed);
    }

    pub fn is_empty(&self) -> bool {
        self.articles.is_empty() && self.renamed.is_empty()
    }

    pub fn levels(&self) -> BTreeSet<Level> {
        self.articles.iter().map(|a| a.level).collect()
    }

    /// The touched articles' authors and the renamed ones.
    pub fn authors(&self) -> BTreeSet<AuthorRef> {
        let written = self.articles.iter().filter_map(|a| a.author.clone());
        written.chain(self.renamed.iter().cloned()).collect()
    }

    pub fn sources(&self) -> BTreeSet<String> {
        self.articles.iter().map(|a| a.source.clone()).collect()
    }

    /// Whether the feed of `scope` narrowed by `filter` may show anything this change
    /// touched. Never a false "no": where a rule cannot tell from the facets (full-text
    /// search, publication dates), the answer is yes.
    pub fn may_change(&self, scope: &FeedScope, filter: &ArticleFilter) -> bool {
        self.renamed
            .iter()
            .any(|author| names(scope, filter, author))
            || self
                .articles
                .iter()
                .any(|article| holds(scope, article) && selects(filter, article))
    }
}

/// The scope's feed names the author: its title, or its filter.
fn names(scope: &FeedScope, filter: &ArticleFilter, author: &AuthorRef) -> bool {
    matches!(scope, FeedScope::Author(a) if a.slug == author.slug)
        || filter.authors.contains(&author.slug)
}

fn holds(scope: &FeedScope, article: &ArticleFacets) -> bool {
    match scope {
        FeedScope::All => true,
        FeedScope::Level(level) => article.level == *level,
        FeedScope::Author(author) => article
            .author
            .as_ref()
            .is_some_and(|a| a.slug == author.slug),
    }
}

/// The SQL filter's rules (`db::articles`), read conservatively.
fn selects(filter: &ArticleFilter, article: &ArticleFacets) -> bool {
    let level = filter.levels.is_empty() || filter.levels.contains(&article.level);
    let author = filter.authors.is_empty()
        || article
            .author
            .as_ref()
            .is_some_and(|a| filter.authors.contains(&a.slug));
    let source = filter.sources.is_empty()
        || filter
            .sources
            .iter()
            .any(|wanted| may_be_same_source(wanted, &article.source));
    let code = filter
        .includes_code
        .is_none_or(|c| c == article.includes_code);
    let minutes = match (filter.min_minutes, filter.max_minutes) {
        (None, None) => true,
        // SQL: NULL is neither at least nor at most anything.
        (min, max) => article
            .read_minutes
            .is_some_and(|m| min.is_none_or(|min| m >= min) && max.is_none_or(|max| m <= max)),
    };
    level && author && source && code && minutes
}

/// PostgreSQL compares sources under an ICU case-insensitive collation, whose idea of
/// "the same" Rust cannot reproduce beyond ASCII (it ignores some characters, folds
/// others): outside printable ASCII, any two sources may be the same.
fn may_be_same_source(a: &str, b: &str) -> bool {
    let plain = |s: &str| s.bytes().all(|c| c.is_ascii_graphic() || c == b' ');
    !(plain(a) && plain(b)) || a.eq_ignore_ascii_case(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::AuthorSlug;

    fn author(slug: &str) -> AuthorRef {
        AuthorRef {
            name: slug.to_uppercase(),
            slug: AuthorSlug::parse(slug).unwrap(),
        }
    }

    fn facets() -> ArticleFacets {
        ArticleFacets {
            level: Level::Advanced,
            author: Some(author("ann")),
            source: "Stripe".into(),
            includes_code: true,
            read_minutes: Some(12),
        }
    }

    fn changed(article: ArticleFacets) -> ChangedFacets {
        ChangedFacets {
            articles: [article].into(),
            renamed: BTreeSet::new(),
        }
    }

    fn filter(edit: impl FnOnce(&mut ArticleFilter)) -> ArticleFilter {
        let mut filter = ArticleFilter::default();
        edit(&mut filter);
        filter
    }

    fn touches(scope: FeedScope, filter: ArticleFilter) -> bool {
        changed(facets()).may_change(&scope, &filter)
    }

    #[test]
    fn the_full_feed_shows_every_change_and_nothing_shows_no_change() {
        assert!(touches(FeedScope::All, ArticleFilter::default()));
        assert!(!ChangedFacets::default().may_change(&FeedScope::All, &ArticleFilter::default()));
    }

    #[test]
    fn level_feeds_show_their_level_only() {
        assert!(touches(FeedScope::Level(Level::Advanced), filter(|_| ())));
        assert!(!touches(FeedScope::Level(Level::Beginner), filter(|_| ())));
        let levels = |l: &[Level]| filter(|f| f.levels = l.iter().copied().collect());
        assert!(touches(
            FeedScope::All,
            levels(&[Level::Beginner, Level::Advanced])
        ));
        assert!(!touches(FeedScope::All, levels(&[Level::Beginner])));
    }

    #[test]
    fn author_feeds_show_their_author_only() {
        assert!(touches(FeedScope::Author(author("ann")), filter(|_| ())));
        assert!(!touches(FeedScope::Author(author("bob")), filter(|_| ())));
        let by = |slug: &str| filter(|f| f.authors = [author(slug).slug].into());
        assert!(touches(FeedScope::All, by("ann")));
        assert!(!touches(FeedScope::All, by("bob")));
        let anonymous = ArticleFacets {
            author: None,
            ..facets()
        };
        assert!(!changed(anonymous).may_change(&FeedScope::All, &by("ann")));
    }

    #[test]
    fn sources_compare_without_case_and_unsure_beyond_ascii() {
        let from = |s: &str| filter(|f| f.sources = [s.to_lowercase()].into());
        assert!(touches(FeedScope::All, from("stripe")));
        assert!(!touches(FeedScope::All, from("aws")));
        let unusual = ArticleFacets {
            source: "Straße".into(),
            ..facets()
        };
        assert!(changed(unusual).may_change(&FeedScope::All, &from("strasse")));
    }

    #[test]
    fn code_and_read_time_narrow_as_sql_does() {
        assert!(touches(
            FeedScope::All,
            filter(|f| f.includes_code = Some(true))
        ));
        assert!(!touches(
            FeedScope::All,
            filter(|f| f.includes_code = Some(false))
        ));
        let minutes = |min, max| {
            filter(|f| {
                f.min_minutes = min;
                f.max_minutes = max;
            })
        };
        assert!(touches(FeedScope::All, minutes(Some(12), Some(12))));
        assert!(!touches(FeedScope::All, minutes(Some(13), None)));
        assert!(!touches(FeedScope::All, minutes(None, Some(11))));
        let untimed = ArticleFacets {
            read_minutes: None,
            ..facets()
        };
        assert!(!changed(untimed.clone()).may_change(&FeedScope::All, &minutes(None, Some(60))));
        assert!(changed(untimed).may_change(&FeedScope::All, &minutes(None, None)));
    }

    #[test]
    fn text_and_date_filters_cannot_tell_so_they_always_change() {
        assert!(touches(
            FeedScope::All,
            filter(|f| f.text = Some("nothing like it".into()))
        ));
        assert!(touches(
            FeedScope::All,
            filter(|f| f.since = Some(chrono::DateTime::UNIX_EPOCH))
        ));
    }

    #[test]
    fn a_moved_article_changes_the_feeds_it_left_and_joined() {
        let mut moved = changed(facets());
        moved.articles.insert(ArticleFacets {
            level: Level::Beginner,
            ..facets()
        });
        for level in [Level::Advanced, Level::Beginner] {
            assert!(moved.may_change(&FeedScope::Level(level), &ArticleFilter::default()));
        }
        assert!(!moved.may_change(
            &FeedScope::Level(Level::Intermediate),
            &ArticleFilter::default()
        ));
    }

    #[test]
    fn a_rename_changes_the_authors_feeds_even_empty_ones() {
        let rename = ChangedFacets {
            articles: BTreeSet::new(),
            renamed: [author("ann")].into(),
        };
        let plain = ArticleFilter::default();
        assert!(rename.may_change(&FeedScope::Author(author("ann")), &plain));
        let by_ann = filter(|f| f.authors = [author("ann").slug].into());
        assert!(rename.may_change(&FeedScope::All, &by_ann));
        assert!(!rename.may_change(&FeedScope::Author(author("bob")), &plain));
        assert!(!rename.may_change(&FeedScope::All, &plain));
    }
}
