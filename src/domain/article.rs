use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::text::bounded_text;
use super::{AuthorName, AuthorSlug, FieldError, Level};

/// 1 to 300 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleTitle(String);

impl ArticleTitle {
    pub const MAX_CHARS: usize = 300;

    pub fn parse(field: &str, value: &str) -> Result<Self, FieldError> {
        bounded_text(field, value, 1, Self::MAX_CHARS).map(Self)
    }
}

/// Up to 10,000 characters; may be empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary(String);

impl Summary {
    pub const MAX_CHARS: usize = 10_000;

    pub fn parse(field: &str, value: &str) -> Result<Self, FieldError> {
        bounded_text(field, value, 0, Self::MAX_CHARS).map(Self)
    }
}

/// The company or blog an article comes from ("Stripe"): 1 to 200 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source(String);

impl Source {
    pub const MAX_CHARS: usize = 200;

    pub fn parse(field: &str, value: &str) -> Result<Self, FieldError> {
        bounded_text(field, value, 1, Self::MAX_CHARS).map(Self)
    }
}

/// An absolute http(s) URL of at most 2,048 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleUrl(String);

impl ArticleUrl {
    pub const MAX_CHARS: usize = 2048;

    pub fn parse(field: &str, value: &str) -> Result<Self, FieldError> {
        let value = value.trim();
        if value.len() > Self::MAX_CHARS {
            return Err(FieldError::new(
                field,
                format!("must be at most {} characters", Self::MAX_CHARS),
            ));
        }
        let url = url::Url::parse(value)
            .map_err(|e| FieldError::new(field, format!("must be an absolute URL ({e})")))?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(FieldError::new(field, "must be an http:// or https:// URL"));
        }
        Ok(Self(url.into()))
    }
}

/// Article body HTML, cleaned with an allow-list so it is safe to show in readers and
/// pages: scripts, event handlers and unknown tags are removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentHtml(String);

impl ContentHtml {
    /// As submitted, and as stored after cleaning (which can grow text: `&` is `&amp;`).
    pub const MAX_BYTES: usize = 256 * 1024;
    /// Elements open inside one another at most. The HTML parser's work grows faster than
    /// the input with nesting (250 KB of nested `<div>` took 10 s), and articles nest a
    /// few levels deep.
    pub const MAX_NESTING: usize = 100;
    /// Ampersands (character references) at most: the parser's work grows with the square
    /// of a run of them (256 KiB of `&` took minutes), and articles hold a few hundred.
    pub const MAX_AMPERSANDS: usize = 8192;

    pub fn parse(field: &str, value: &str) -> Result<Self, FieldError> {
        if value.len() > Self::MAX_BYTES {
            return Err(FieldError::new(field, "must be at most 256 KiB"));
        }
        if value.contains('\0') {
            return Err(FieldError::new(field, "must not contain the NUL character"));
        }
        if value.matches('&').count() > Self::MAX_AMPERSANDS {
            return Err(FieldError::new(
                field,
                format!(
                    "must hold at most {} `&` (character references)",
                    Self::MAX_AMPERSANDS
                ),
            ));
        }
        if nesting_depth(value) > Self::MAX_NESTING {
            return Err(FieldError::new(
                field,
                format!(
                    "must not nest elements more than {} deep",
                    Self::MAX_NESTING
                ),
            ));
        }
        let cleaned = ammonia::clean(value);
        if cleaned.len() > Self::MAX_BYTES {
            return Err(FieldError::new(
                field,
                "must be at most 256 KiB once cleaned (escaping made it longer)",
            ));
        }
        Ok(Self(cleaned))
    }
}

/// How deep elements nest in `html`, counted from its tags alone (a linear scan, before
/// any parsing). Void elements and those whose end tag HTML lets one leave out (`<p>`,
/// `<li>`, table parts, ...) are not counted, so loosely written HTML is not refused.
fn nesting_depth(html: &str) -> usize {
    const UNCOUNTED: &[&str] = &[
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr", "p", "li", "dt", "dd", "option", "optgroup", "tr", "td", "th", "thead",
        "tbody", "tfoot", "colgroup", "caption", "rb", "rt", "rp", "html", "head", "body",
    ];
    let (mut depth, mut deepest) = (0usize, 0usize);
    for tag in html.split('<').skip(1) {
        let closing = tag.starts_with('/');
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_ascii_lowercase();
        let head = tag.split('>').next().unwrap_or_default();
        if name.is_empty() || UNCOUNTED.contains(&name.as_str()) || head.ends_with('/') {
            continue;
        }
        if closing {
            depth = depth.saturating_sub(1);
        } else {
            depth += 1;
            deepest = deepest.max(depth);
        }
    }
    deepest
}

/// Minutes to read: 1 to 600.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadMinutes(u16);

impl ReadMinutes {
    pub const MAX: u16 = 600;

    pub fn parse(field: &str, value: i64) -> Result<Self, FieldError> {
        match u16::try_from(value) {
            Ok(minutes @ 1..=Self::MAX) => Ok(Self(minutes)),
            _ => Err(FieldError::new(
                field,
                format!(
                    "must be a whole number from 1 to {} (got {value})",
                    Self::MAX
                ),
            )),
        }
    }

    pub fn get(self) -> u16 {
        self.0
    }
}

macro_rules! text_accessors {
    ($($ty:ty),*) => {$(
        impl AsRef<str> for $ty {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    )*};
}
text_accessors!(ArticleTitle, Summary, Source, ArticleUrl, ContentHtml);

/// The public id of an article that comes without one: a UUIDv7, so that ids made later sort
/// later and the unique index on `public_id` grows at its right edge. With random (v4) ids,
/// every insert landed on a random leaf page, which costs more the more the index outgrows
/// memory (docs/PERFORMANCE.md, "Imports and memory").
pub fn new_public_id() -> Uuid {
    Uuid::now_v7()
}

/// An article as an import or an admin submits it, every field already validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewArticle {
    /// Set when the article already has a public id elsewhere (an export being re-imported);
    /// else [`new_public_id`] makes one.
    pub public_id: Option<Uuid>,
    pub title: ArticleTitle,
    pub summary: Summary,
    pub content_html: Option<ContentHtml>,
    pub url: Option<ArticleUrl>,
    pub author: Option<AuthorName>,
    pub level: Level,
    pub read_minutes: Option<ReadMinutes>,
    pub includes_code: bool,
    pub has_summary: bool,
    pub source: Source,
    /// `None`: the time of the import or request.
    pub published_at: Option<DateTime<Utc>>,
    /// `None`: the time of the change.
    pub updated_at: Option<DateTime<Utc>>,
    /// Set when importing a deleted article (from an export); `None` leaves a stored
    /// article's deletion as it is, so a re-import never brings back what an editor deleted.
    pub deleted_at: Option<DateTime<Utc>>,
}

impl NewArticle {
    /// How a later import recognises this article when the catalogue carries no id:
    /// its URL when it has one, else its source and title (the seed listing has no links).
    pub fn import_key(&self) -> String {
        match &self.url {
            Some(url) => url.as_ref().to_owned(),
            None => format!("{}\n{}", self.source.as_ref(), self.title.as_ref()),
        }
    }
}

/// The author of an article, as feeds and pages show it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct AuthorRef {
    pub name: String,
    pub slug: AuthorSlug,
}

/// An article deleted not long ago: Atom feeds that held it announce the deletion
/// (RFC 6721) so that readers and mirrors can retract it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tombstone {
    pub public_id: Uuid,
    pub deleted_at: DateTime<Utc>,
}

/// A stored, live article, as feeds and pages read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Article {
    pub public_id: Uuid,
    pub title: String,
    pub summary: String,
    pub content_html: Option<String>,
    pub url: Option<String>,
    pub author: Option<AuthorRef>,
    pub level: Level,
    pub read_minutes: Option<u16>,
    pub includes_code: bool,
    pub has_summary: bool,
    pub source: String,
    pub published_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A stored article with what the admin API adds: its version (the ETag), and its creation
/// and deletion times. Also the snapshot the audit log keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleRecord {
    pub article: Article,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

impl From<&Article> for super::ArticleInput {
    /// The stored article as input again, for partial updates to start from.
    fn from(article: &Article) -> Self {
        Self {
            id: Some(article.public_id),
            title: article.title.clone(),
            summary: article.summary.clone(),
            content_html: article.content_html.clone(),
            url: article.url.clone(),
            author: article.author.as_ref().map(|a| a.name.clone()),
            level: article.level.as_str().to_owned(),
            read_minutes: article.read_minutes.map(i64::from),
            includes_code: article.includes_code,
            has_summary: article.has_summary,
            source: article.source.clone(),
            published_at: Some(article.published_at.to_rfc3339()),
            updated_at: None,
            deleted_at: None,
        }
    }
}

/// What an `If-Match` header asks of the version being changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Precondition {
    /// No `If-Match`: change whatever is there.
    None,
    /// `If-Match: *`.
    AnyVersion,
    /// `If-Match: "v3", "v4"`: one of these versions (an empty list matches nothing).
    OneOf(Vec<i64>),
}

impl Precondition {
    pub fn allows(&self, version: i64) -> bool {
        match self {
            Precondition::None | Precondition::AnyVersion => true,
            Precondition::OneOf(versions) => versions.contains(&version),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_ids_made_later_sort_later() {
        let ids: Vec<Uuid> = (0..10_000).map(|_| new_public_id()).collect();
        assert!(ids.windows(2).all(|pair| pair[0] < pair[1]));
    }

    #[test]
    fn deep_nesting_is_refused_before_parsing_and_loose_html_is_not() {
        let deep = "<div>".repeat(50_000);
        let started = std::time::Instant::now();
        let error = ContentHtml::parse("content_html", &deep).expect_err("too deep");
        assert!(error.message.contains("nest"), "{}", error.message);
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
        let loose = format!("<ul>{}</ul>", "<li><p>item".repeat(500));
        assert!(ContentHtml::parse("content_html", &loose).is_ok());
        let fine = "<div>".repeat(100) + &"</div>".repeat(100);
        assert!(ContentHtml::parse("content_html", &fine).is_ok());
    }

    #[test]
    fn the_size_limit_holds_for_the_cleaned_text() {
        // `<` is escaped to `&lt;`: 100 KiB of them clean to 400 KiB.
        let brackets = "<".repeat(100 * 1024);
        let error = ContentHtml::parse("content_html", &brackets).expect_err("grows 4x");
        assert!(error.message.contains("cleaned"), "{}", error.message);
    }

    #[test]
    fn runs_of_ampersands_are_bounded_before_parsing() {
        let started = std::time::Instant::now();
        let ampersands = "&".repeat(ContentHtml::MAX_BYTES - 10);
        let error = ContentHtml::parse("content_html", &ampersands).expect_err("too many");
        assert!(error.message.contains('&'), "{}", error.message);
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
        let allowed = "&amp;".repeat(ContentHtml::MAX_AMPERSANDS);
        assert!(ContentHtml::parse("content_html", &allowed).is_ok());
    }

    #[test]
    fn read_minutes_bounds() {
        assert!(ReadMinutes::parse("read_minutes", 0).is_err());
        assert_eq!(ReadMinutes::parse("read_minutes", 1).unwrap().get(), 1);
        assert_eq!(ReadMinutes::parse("read_minutes", 600).unwrap().get(), 600);
        assert!(ReadMinutes::parse("read_minutes", 601).is_err());
        assert!(ReadMinutes::parse("read_minutes", -5).is_err());
        assert!(ReadMinutes::parse("read_minutes", i64::MAX).is_err());
    }

    #[test]
    fn urls_must_be_absolute_http() {
        assert!(ArticleUrl::parse("url", "https://stripe.com/blog/x").is_ok());
        for bad in [
            "/blog/x",
            "javascript:alert(1)",
            "ftp://x.org/a",
            "https://",
        ] {
            assert!(ArticleUrl::parse("url", bad).is_err(), "{bad}");
        }
        let long = format!("https://x.org/{}", "a".repeat(2048));
        assert!(ArticleUrl::parse("url", &long).is_err());
    }

    #[test]
    fn content_html_is_sanitized() {
        let html = ContentHtml::parse(
            "content_html",
            "<p onclick=\"x()\">Hi<script>alert(1)</script></p>",
        )
        .unwrap();
        assert_eq!(html.as_ref(), "<p>Hi</p>");
    }
}
