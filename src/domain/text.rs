use std::borrow::Cow;

use super::FieldError;

/// Checks a free-text field: trimmed of surrounding white space, between `min` and `max`
/// characters, and without NUL (PostgreSQL cannot store it in `text`).
///
/// Other control characters are kept as written; the feed writers drop the ones XML 1.0
/// forbids, so stored text stays exactly what the admin sent.
pub(crate) fn bounded_text(
    field: &str,
    value: &str,
    min: usize,
    max: usize,
) -> Result<String, FieldError> {
    let value = value.trim();
    if value.contains('\0') {
        return Err(FieldError::new(field, "must not contain the NUL character"));
    }
    let chars = value.chars().count();
    if chars < min {
        return Err(if min == 1 {
            FieldError::new(field, "must not be empty")
        } else {
            FieldError::new(field, format!("must be at least {min} characters"))
        });
    }
    if chars > max {
        return Err(FieldError::new(
            field,
            format!("must be at most {max} characters (got {chars})"),
        ));
    }
    Ok(value.to_owned())
}

/// Removes the characters that XML 1.0 does not allow anywhere in a document (C0
/// controls other than tab, line feed and carriage return, and U+FFFE / U+FFFF), and the
/// control characters it discourages (DEL and the C1 block, U+007F to U+009F: in feeds
/// they are almost always windows-1252 decoded as Latin-1, and validators warn about them).
/// Borrows when there is nothing to remove, which is almost always.
pub fn strip_xml_forbidden(text: &str) -> Cow<'_, str> {
    fn forbidden(c: char) -> bool {
        matches!(
            c,
            '\u{0}'..='\u{8}'
                | '\u{B}'
                | '\u{C}'
                | '\u{E}'..='\u{1F}'
                | '\u{7F}'..='\u{9F}'
                | '\u{FFFE}'
                | '\u{FFFF}'
        )
    }
    if text.contains(forbidden) {
        Cow::Owned(text.chars().filter(|&c| !forbidden(c)).collect())
    } else {
        Cow::Borrowed(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_text_trims_and_checks_length() {
        assert_eq!(bounded_text("title", "  hi ", 1, 5).unwrap(), "hi");
        assert!(bounded_text("title", "   ", 1, 5).is_err());
        assert!(bounded_text("title", "toolong", 1, 5).is_err());
        assert_eq!(bounded_text("title", "ééééé", 1, 5).unwrap(), "ééééé");
        let err = bounded_text("title", "a\0b", 1, 5).unwrap_err();
        assert_eq!(err.field, "title");
    }

    #[test]
    fn strips_only_what_xml_forbids() {
        assert_eq!(
            strip_xml_forbidden("a\u{1}b\u{B}c\td\ne\rf\u{FFFF}"),
            "abc\td\ne\rf"
        );
        assert!(matches!(
            strip_xml_forbidden("plain <&> ]]>"),
            Cow::Borrowed(_)
        ));
        assert_eq!(strip_xml_forbidden("emoji 🦀 ok"), "emoji 🦀 ok");
    }
}
