use std::fmt;

use super::FieldError;
use super::text::bounded_text;

/// An author's display name: 1 to 200 characters, trimmed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AuthorName(String);

impl AuthorName {
    pub const MAX_CHARS: usize = 200;

    pub fn parse(field: &str, value: &str) -> Result<Self, FieldError> {
        bounded_text(field, value, 1, Self::MAX_CHARS).map(Self)
    }

    /// The slug this name would get if no other author had it already.
    pub fn base_slug(&self) -> AuthorSlug {
        let slug = slug::slugify(&self.0);
        let slug: String = slug.chars().take(AuthorSlug::MAX_CHARS - 8).collect();
        let slug = slug.trim_end_matches('-');
        AuthorSlug(if slug.is_empty() {
            "author".to_owned()
        } else {
            slug.to_owned()
        })
    }
}

impl AsRef<str> for AuthorName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AuthorName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The URL-safe identity of an author (`james-beswick`): lowercase ASCII letters and
/// digits in groups joined by single hyphens. Slugs never change once given, so the
/// author's feed URLs stay valid across renames.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AuthorSlug(String);

impl AuthorSlug {
    pub const MAX_CHARS: usize = 100;

    pub fn parse(value: &str) -> Result<Self, FieldError> {
        let well_formed = !value.is_empty()
            && value.len() <= Self::MAX_CHARS
            && value.split('-').all(|part| {
                !part.is_empty()
                    && part
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            });
        if well_formed {
            Ok(Self(value.to_owned()))
        } else {
            Err(FieldError::new(
                "slug",
                "must be lowercase letters and digits joined by single hyphens",
            ))
        }
    }

    /// The `n`th alternative (`n` >= 2) used when the base slug is taken: `james-beswick-2`.
    pub fn numbered(&self, n: u32) -> AuthorSlug {
        AuthorSlug(format!("{}-{n}", self.0))
    }
}

impl AsRef<str> for AuthorSlug {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AuthorSlug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slug_of(name: &str) -> String {
        AuthorName::parse("author", name)
            .unwrap()
            .base_slug()
            .to_string()
    }

    #[test]
    fn slugs_are_lowercase_and_transliterated() {
        assert_eq!(slug_of("James Beswick"), "james-beswick");
        assert_eq!(slug_of("Jorge Aguirre Gonzalez"), "jorge-aguirre-gonzalez");
        assert_eq!(slug_of("Zoë Ñúñez-Ørsted"), "zoe-nunez-orsted");
        assert_eq!(slug_of("李小龍"), "li-xiao-long");
        assert_eq!(slug_of("!!!"), "author");
    }

    #[test]
    fn numbered_slugs_disambiguate() {
        let base = AuthorSlug::parse("ana-andres").unwrap();
        assert_eq!(base.numbered(2).to_string(), "ana-andres-2");
    }

    #[test]
    fn parse_rejects_anything_not_canonical() {
        for bad in [
            "",
            "James",
            "a--b",
            "-a",
            "a-",
            "a b",
            "../x",
            "é",
            &"a".repeat(101),
        ] {
            assert!(
                AuthorSlug::parse(bad).is_err(),
                "{bad:?} should be rejected"
            );
        }
        assert!(AuthorSlug::parse("li-xiao-long-2").is_ok());
    }
}
