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
        let mut errors = Vec::new();
        let title = keep(&mut errors, ArticleTitle::parse("title", &self.title));
        let summary = keep(&mut errors, Summary::parse("summary", &self.summary));
        let content_html = keep(
            &mut errors,
            optional(self.content_html.as_deref(), |h| {
                ContentHtml::parse("content_html", h)
            }),
        );
        let url = keep(
            &mut errors,
            optional(self.url.as_deref(), |u| ArticleUrl::parse("url", u)),
        );
        let author = keep(
            &mut errors,
            optional(self.author.as_deref(), |n| AuthorName::parse("author", n)),
        );
        let level = keep(
            &mut errors,
            self.level
                .parse::<Level>()
                .map_err(|e| FieldError::new("level", e.to_string())),
        );
        let read_minutes = keep(
            &mut errors,
            optional(self.read_minutes, |m| ReadMinutes::parse("read_minutes", m)),
        );
        let source = keep(&mut errors, Source::parse("source", &self.source));
        let published_at = keep(
            &mut errors,
            optional(self.published_at.as_deref(), |d| rfc3339("published_at", d)),
        );
        let updated_at = keep(
            &mut errors,
            optional(self.updated_at.as_deref(), |d| rfc3339("updated_at", d)),
        );
        let deleted_at = keep(
            &mut errors,
            optional(self.deleted_at.as_deref(), |d| rfc3339("deleted_at", d)),
        );
        if let (Some(Some(published)), Some(Some(updated))) = (published_at, updated_at)
            && updated < published
        {
            errors.push(FieldError::new(
                "updated_at",
                "must not be before published_at",
            ));
        }
        match (
            title,
            summary,
            content_html,
            url,
            author,
            level,
            read_minutes,
            source,
            published_at,
            updated_at,
            deleted_at,
        ) {
            (
                Some(title),
                Some(summary),
                Some(content_html),
                Some(url),
                Some(author),
                Some(level),
                Some(read_minutes),
                Some(source),
                Some(published_at),
                Some(updated_at),
                Some(deleted_at),
            ) if errors.is_empty() => Ok(NewArticle {
                public_id: self.id,
                title,
                summary,
                content_html,
                url,
                author,
                level,
                read_minutes,
                includes_code: self.includes_code,
                has_summary: self.has_summary,
                source,
                published_at,
                updated_at,
                deleted_at,
            }),
            _ => Err(errors),
        }
    }
}

/// The value, or `None` after recording why not.
fn keep<T>(errors: &mut Vec<FieldError>, result: Result<T, FieldError>) -> Option<T> {
    result.map_err(|e| errors.push(e)).ok()
}

fn optional<T, R>(
    value: Option<T>,
    parse: impl FnOnce(T) -> Result<R, FieldError>,
) -> Result<Option<R>, FieldError> {
    value.map(parse).transpose()
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
