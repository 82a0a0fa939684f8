//! The dates engfeed accepts: RFC 3339 date-times whose instant, in UTC, falls in years 1
//! to 9999. That is what RFC 3339 (four-digit years), RFC 2822 (RSS dates) and PostgreSQL
//! can all hold, so a date that got in can always be written back out: an offset cannot
//! push `9999-12-31T23:00:00-05:00` into year 10000 behind the validation's back.

use chrono::{DateTime, Datelike, Utc};

use super::FieldError;

/// `value` as an instant, or an error naming `field`.
pub fn parse_date(field: &str, value: &str) -> Result<DateTime<Utc>, FieldError> {
    let date = DateTime::parse_from_rfc3339(value)
        .map_err(|e| FieldError::new(field, format!("must be an RFC 3339 date-time ({e})")))?;
    in_range(field, date.to_utc())
}

/// `date` if feeds and PostgreSQL can hold it.
pub fn in_range(field: &str, date: DateTime<Utc>) -> Result<DateTime<Utc>, FieldError> {
    if (1..=9999).contains(&date.year()) {
        Ok(date)
    } else {
        Err(FieldError::new(
            field,
            "must fall in the years 0001 to 9999 in UTC",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_cannot_leave_the_four_digit_years() {
        for bad in [
            "9999-12-31T23:00:00-05:00",
            "0000-01-01T00:00:00+00:30",
            "9999-12-31T23:59:59-00:01",
            "0000-06-01T00:00:00Z",
        ] {
            let error = parse_date("published_at", bad).expect_err(bad);
            assert_eq!(error.field, "published_at");
        }
        for good in [
            "9999-12-31T23:59:59Z",
            "0001-01-01T00:00:00Z",
            "2026-11-28T10:00:00+01:00",
        ] {
            assert!(parse_date("published_at", good).is_ok(), "{good}");
        }
    }
}
