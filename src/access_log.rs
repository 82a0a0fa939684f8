//! The access log: one line per request (target `engfeed::access`), in the log's format
//! (text or JSON), on the same stream and background writer as every other log line.
//!
//! Formatted by hand rather than as a `tracing` event: a cache hit costs a few microseconds,
//! and `tracing-subscriber`'s field visitors and timestamp formatting took about a third of
//! that (docs/PERFORMANCE.md). `RUST_LOG` still decides whether lines are written
//! (`RUST_LOG=info,engfeed::access=off` turns them off).

use std::cell::RefCell;
use std::io::Write;
use std::net::IpAddr;
use std::sync::OnceLock;

use chrono::{DateTime, Utc};
use tracing_appender::non_blocking::NonBlocking;
use uuid::Uuid;

use crate::telemetry::LogFormat;

/// One request as the access log records it.
pub struct AccessLine<'a> {
    /// When the request arrived (the line's timestamp).
    pub at: DateTime<Utc>,
    pub client: Option<IpAddr>,
    pub method: &'static str,
    /// Path and query, as the request named them.
    pub uri: &'a str,
    pub status: u16,
    /// Body bytes sent (0 for HEAD, 304 and streamed bodies).
    pub bytes: u64,
    pub micros: u64,
    pub request_id: Uuid,
}

struct Sink {
    writer: NonBlocking,
    format: LogFormat,
}

static SINK: OnceLock<Sink> = OnceLock::new();

/// Sends access lines to `writer` (the log's own background writer) in `format`. Until this
/// is called (tests), access lines are not written. A second call keeps the first sink.
pub fn install(writer: NonBlocking, format: LogFormat) {
    let _ = SINK.set(Sink { writer, format });
}

/// Per worker thread: the line being formatted, its own handle on the writer, and the
/// timestamp's date and time to the second, formatted once a second.
struct Scratch {
    line: Vec<u8>,
    writer: NonBlocking,
    second: i64,
    second_text: String,
}

thread_local! {
    static SCRATCH: RefCell<Option<Scratch>> = const { RefCell::new(None) };
}

/// Writes `line`, unless `RUST_LOG` leaves `engfeed::access` out.
pub fn write(line: &AccessLine<'_>) {
    let Some(sink) = SINK.get() else { return };
    if !tracing::enabled!(target: "engfeed::access", tracing::Level::INFO) {
        return;
    }
    SCRATCH.with_borrow_mut(|scratch| {
        let scratch = scratch.get_or_insert_with(|| Scratch {
            line: Vec::with_capacity(512),
            writer: sink.writer.clone(),
            second: i64::MIN,
            second_text: String::new(),
        });
        scratch.line.clear();
        let timestamp = timestamp(&mut scratch.second, &mut scratch.second_text, line.at);
        match sink.format {
            LogFormat::Text => text(&mut scratch.line, &timestamp, line),
            LogFormat::Json => json(&mut scratch.line, &timestamp, line),
        }
        // The non-blocking writer queues the line for the log thread; it fails only once
        // that thread is gone (the process is ending).
        let _ = scratch.writer.write_all(&scratch.line);
    });
}

/// `2026-11-28T14:21:19.123456Z`, as the rest of the log writes its timestamps.
fn timestamp(second: &mut i64, second_text: &mut String, now: DateTime<Utc>) -> [u8; 27] {
    if now.timestamp() != *second {
        *second = now.timestamp();
        *second_text = now.format("%Y-%m-%dT%H:%M:%S").to_string();
    }
    let mut out = [0u8; 27];
    out[..19].copy_from_slice(&second_text.as_bytes()[..19]);
    out[19] = b'.';
    let mut micros = now.timestamp_subsec_micros().min(999_999);
    for digit in out[20..26].iter_mut().rev() {
        *digit = b'0' + (micros % 10) as u8;
        micros /= 10;
    }
    out[26] = b'Z';
    out
}

fn text(out: &mut Vec<u8>, timestamp: &[u8], line: &AccessLine<'_>) {
    let mut numbers = itoa::Buffer::new();
    out.extend_from_slice(timestamp);
    out.extend_from_slice(b"  INFO engfeed::access: client=");
    client(out, line.client);
    out.extend_from_slice(b" method=");
    out.extend_from_slice(line.method.as_bytes());
    // A request target holds no spaces or control characters: actix refuses such heads.
    out.extend_from_slice(b" uri=");
    out.extend_from_slice(line.uri.as_bytes());
    out.extend_from_slice(b" status=");
    out.extend_from_slice(numbers.format(line.status).as_bytes());
    out.extend_from_slice(b" bytes=");
    out.extend_from_slice(numbers.format(line.bytes).as_bytes());
    out.extend_from_slice(b" micros=");
    out.extend_from_slice(numbers.format(line.micros).as_bytes());
    out.extend_from_slice(b" request_id=");
    request_id(out, line.request_id);
    out.push(b'\n');
}

/// The layout of `tracing-subscriber`'s JSON lines: `timestamp`, `level`, `fields`, `target`.
fn json(out: &mut Vec<u8>, timestamp: &[u8], line: &AccessLine<'_>) {
    let mut numbers = itoa::Buffer::new();
    out.extend_from_slice(b"{\"timestamp\":\"");
    out.extend_from_slice(timestamp);
    out.extend_from_slice(b"\",\"level\":\"INFO\",\"fields\":{\"client\":\"");
    client(out, line.client);
    out.extend_from_slice(b"\",\"method\":\"");
    out.extend_from_slice(line.method.as_bytes());
    out.extend_from_slice(b"\",\"uri\":");
    // Percent-encoded in practice, but a target may hold `"` or `\`: escaped as JSON.
    let _ = serde_json::to_writer(&mut *out, line.uri);
    out.extend_from_slice(b",\"status\":");
    out.extend_from_slice(numbers.format(line.status).as_bytes());
    out.extend_from_slice(b",\"bytes\":");
    out.extend_from_slice(numbers.format(line.bytes).as_bytes());
    out.extend_from_slice(b",\"micros\":");
    out.extend_from_slice(numbers.format(line.micros).as_bytes());
    out.extend_from_slice(b",\"request_id\":\"");
    request_id(out, line.request_id);
    out.extend_from_slice(b"\"},\"target\":\"engfeed::access\"}\n");
}

fn client(out: &mut Vec<u8>, client: Option<IpAddr>) {
    match client {
        // Most clients: without `core::fmt`, which cost more than the rest of the line.
        Some(IpAddr::V4(address)) => {
            let mut octet = itoa::Buffer::new();
            for (i, value) in address.octets().into_iter().enumerate() {
                if i > 0 {
                    out.push(b'.');
                }
                out.extend_from_slice(octet.format(value).as_bytes());
            }
        }
        Some(address) => {
            let _ = write!(out, "{address}");
        }
        None => out.push(b'-'),
    }
}

fn request_id(out: &mut Vec<u8>, id: Uuid) {
    let mut buffer = Uuid::encode_buffer();
    out.extend_from_slice(id.hyphenated().encode_lower(&mut buffer).as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line() -> AccessLine<'static> {
        AccessLine {
            at: at("2026-11-28T14:21:19.000042Z"),
            client: Some("192.0.2.7".parse().unwrap()),
            method: "GET",
            uri: "/feed.atom?q=a\"b",
            status: 304,
            bytes: 0,
            micros: 42,
            request_id: Uuid::nil(),
        }
    }

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    #[test]
    fn timestamps_keep_microseconds_and_follow_the_second() {
        let (mut second, mut text) = (i64::MIN, String::new());
        let first = timestamp(&mut second, &mut text, at("2026-11-28T14:21:19.000042Z"));
        assert_eq!(&first, b"2026-11-28T14:21:19.000042Z");
        let next = timestamp(&mut second, &mut text, at("2026-11-28T14:21:20.999999Z"));
        assert_eq!(&next, b"2026-11-28T14:21:20.999999Z");
    }

    #[test]
    fn a_text_line_names_every_field() {
        let mut out = Vec::new();
        text(&mut out, b"2026-11-28T14:21:19.000042Z", &line());
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "2026-11-28T14:21:19.000042Z  INFO engfeed::access: client=192.0.2.7 method=GET \
             uri=/feed.atom?q=a\"b status=304 bytes=0 micros=42 \
             request_id=00000000-0000-0000-0000-000000000000\n"
        );
    }

    #[test]
    fn a_json_line_is_one_valid_object() {
        let mut out = Vec::new();
        json(&mut out, b"2026-11-28T14:21:19.000042Z", &line());
        assert_eq!(out.last(), Some(&b'\n'));
        let parsed: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(parsed["target"], "engfeed::access");
        assert_eq!(parsed["level"], "INFO");
        assert_eq!(parsed["fields"]["uri"], "/feed.atom?q=a\"b");
        assert_eq!(parsed["fields"]["status"], 304);
        assert_eq!(parsed["fields"]["client"], "192.0.2.7");
    }

    #[test]
    fn clients_are_written_as_their_addresses() {
        for address in ["0.0.0.0", "10.200.3.45", "255.255.255.255", "2001:db8::1"] {
            let mut out = Vec::new();
            client(&mut out, Some(address.parse().unwrap()));
            assert_eq!(String::from_utf8(out).unwrap(), address);
        }
        let mut out = Vec::new();
        client(&mut out, None);
        assert_eq!(out, b"-");
    }
}
