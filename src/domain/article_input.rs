use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{
    ArticleTitle, ArticleUrl, AuthorName, ContentHtml, FieldError, Level, NewArticle, ReadMinutes,
    Source, Summary,
};

/// An article's fields as a client wrote them (a catalogue item, an API body), before
/// validation. [`ArticleInput::validate`] is the only way to a [`NewArticle`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ArticleInput {
    pub id: Option<Uuid>,
    pub title: String,
    pub summary: String,
    pub content_html: Option<String>,
    pub url: Option<String>,
    pub author: Option<String>,
    pub level: String,
    pub read_minutes: Option<i64>,
    pub includes_code: bool,
    pub has_summary: bool,
    pub source: String,
    pub published_at: Option<String>,
    pub updated_at: Option<String>,
    /// Catalogues only (an export being imported): the article was deleted then.
    pub deleted_at: Option<String>,
}

impl ArticleInput {
    /// Checks every field and reports every problem, not just the first.
    pub fn validate(self) -> Result<NewArticle, Vec<FieldError>> {
        let mut check = Validator::default();
        match self.checked(&mut check) {
            // An update before publication is refused though both dates parsed: only the
            // errors tell.
            Some(article) if check.errors.is_empty() => Ok(article),
            _ => Err(check.errors),
        }
    }

    /// The article, or `None` when a field is refused (the problem recorded in `check`).
    fn checked(self, check: &mut Validator) -> Option<NewArticle> {
        let title = check.keep(ArticleTitle::parse("title", &self.title));
        let summary = check.keep(Summary::parse("summary", &self.summary));
        let content_html = check.keep_optional(self.content_html.as_deref(), |h| {
            ContentHtml::parse("content_html", h)
        });
        let url = check.keep_optional(self.url.as_deref(), |u| ArticleUrl::parse("url", u));
        let author =
            check.keep_optional(self.author.as_deref(), |n| AuthorName::parse("author", n));
        let level = check.keep(level(&self.level));
        let read_minutes =
            check.keep_optional(self.read_minutes, |m| ReadMinutes::parse("read_minutes", m));
        let source = check.keep(Source::parse("source", &self.source));
        // The dates come last: once they are checked, the first refused field may end this.
        let Dates {
            published_at,
            updated_at,
            deleted_at,
        } = self.dates(check)?;
        Some(NewArticle {
            public_id: self.id,
            title: title?,
            summary: summary?,
            content_html: content_html?,
            url: url?,
            author: author?,
            level: level?,
            read_minutes: read_minutes?,
            includes_code: self.includes_code,
            has_summary: self.has_summary,
            source: source?,
            published_at,
            updated_at,
            deleted_at,
        })
    }

    /// The three dates, or `None` when one is refused; an update before publication is
    /// refused too.
    fn dates(&self, check: &mut Validator) -> Option<Dates> {
        let mut date = |field: &str, value: &Option<String>| {
            check.keep_optional(value.as_deref(), |d| rfc3339(field, d))
        };
        let published_at = date("published_at", &self.published_at);
        let updated_at = date("updated_at", &self.updated_at);
        let deleted_at = date("deleted_at", &self.deleted_at);
        if let (Some(Some(published)), Some(Some(updated))) = (published_at, updated_at)
            && updated < published
        {
            check.errors.push(FieldError::new(
                "updated_at",
                "must not be before published_at",
            ));
        }
        Some(Dates {
            published_at: published_at?,
            updated_at: updated_at?,
            deleted_at: deleted_at?,
        })
    }
}

/// An article's optional dates, each one accepted.
#[derive(Debug)]
struct Dates {
    published_at: Option<DateTime<Utc>>,
    updated_at: Option<DateTime<Utc>>,
    deleted_at: Option<DateTime<Utc>>,
}

/// Collects the problems of every field checked through it.
#[derive(Debug, Default)]
struct Validator {
    errors: Vec<FieldError>,
}

impl Validator {
    /// The value, or `None` after recording why not.
    fn keep<T>(&mut self, result: Result<T, FieldError>) -> Option<T> {
        result.map_err(|e| self.errors.push(e)).ok()
    }

    /// [`Validator::keep`] for a field that may be absent: `Some(None)` when it is.
    fn keep_optional<T, R>(
        &mut self,
        value: Option<T>,
        parse: impl FnOnce(T) -> Result<R, FieldError>,
    ) -> Option<Option<R>> {
        self.keep(value.map(parse).transpose())
    }
}

fn level(value: &str) -> Result<Level, FieldError> {
    value
        .parse::<Level>()
        .map_err(|e| FieldError::new("level", e.to_string()))
}

fn rfc3339(field: &str, value: &str) -> Result<DateTime<Utc>, FieldError> {
    super::parse_date(field, value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_every_invalid_field() {
        let input = ArticleInput {
            title: " ".into(),
            level: "expert".into(),
            read_minutes: Some(0),
            source: "Stripe".into(),
            url: Some("ftp://x".into()),
            ..ArticleInput::default()
        };
        let fields: Vec<String> = input
            .validate()
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["title", "url", "level", "read_minutes"]);
    }

    #[test]
    fn dates_are_reported_with_the_other_fields() {
        let fields = |input: ArticleInput| -> Vec<String> {
            let errors = input.validate().unwrap_err();
            errors.into_iter().map(|e| e.to_string()).collect()
        };
        let valid = ArticleInput {
            title: "T".into(),
            level: "advanced".into(),
            source: "Stripe".into(),
            published_at: Some("2024-02-01T00:00:00Z".into()),
            ..ArticleInput::default()
        };
        let backwards = ArticleInput {
            updated_at: Some("2024-01-01T00:00:00Z".into()),
            ..valid.clone()
        };
        // Both dates parse, so only the recorded error refuses this one.
        let order = "field `updated_at`: must not be before published_at";
        assert_eq!(fields(backwards.clone()), [order]);
        let untitled = ArticleInput {
            title: " ".into(),
            ..backwards
        };
        let problems = fields(untitled);
        assert_eq!(problems.len(), 2);
        assert!(problems[0].starts_with("field `title`:"));
        assert_eq!(problems[1], order);
        let bad_dates = ArticleInput {
            published_at: Some("yesterday".into()),
            deleted_at: Some("never".into()),
            ..valid
        };
        let names = bad_dates
            .validate()
            .unwrap_err()
            .into_iter()
            .map(|e| e.field);
        assert_eq!(names.collect::<Vec<_>>(), ["published_at", "deleted_at"]);
    }

    #[test]
    fn a_valid_input_becomes_a_new_article() {
        let input = ArticleInput {
            title: "T".into(),
            level: "advanced".into(),
            source: "Stripe".into(),
            published_at: Some("2024-01-15T10:00:00+01:00".into()),
            ..ArticleInput::default()
        };
        let article = input.validate().unwrap();
        assert_eq!(
            article.published_at.unwrap().to_rfc3339(),
            "2024-01-15T09:00:00+00:00"
        );
    }
}
