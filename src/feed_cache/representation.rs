//! One feed document as HTTP serves it: its bytes in each content coding, and the
//! validators (`ETag`, `Last-Modified`) of conditional requests, made once per document.

use std::io::Write;

use actix_web::http::header::{EntityTag, HeaderName, HeaderValue, HttpDate};
use actix_web::web::Bytes;
use chrono::{DateTime, Utc};
use once_cell::sync::OnceCell;
use sha2::{Digest, Sha256};

use super::freshness::{Currency, Shows};

/// A content coding engfeed can send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Identity,
    Gzip,
    Brotli,
    Zstd,
}

impl Encoding {
    pub const ALL: [Encoding; 4] = [
        Encoding::Identity,
        Encoding::Gzip,
        Encoding::Brotli,
        Encoding::Zstd,
    ];

    fn index(self) -> usize {
        self as usize
    }

    /// The `Content-Encoding` value; `None` for identity.
    pub fn content_coding(self) -> Option<&'static str> {
        match self {
            Encoding::Identity => None,
            Encoding::Gzip => Some("gzip"),
            Encoding::Brotli => Some("br"),
            Encoding::Zstd => Some("zstd"),
        }
    }

    pub fn compress(self, bytes: &[u8]) -> std::io::Result<Vec<u8>> {
        match self {
            Encoding::Identity => Ok(bytes.to_vec()),
            Encoding::Gzip => {
                let mut encoder =
                    flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
                encoder.write_all(bytes)?;
                encoder.finish()
            }
            Encoding::Brotli => {
                let mut out = Vec::new();
                // Quality 5 of 11: ~1 ms for a 60 KB feed where 9 takes 10 ms (benches/render),
                // and every change re-renders every feed asked for.
                let params = brotli::enc::BrotliEncoderParams {
                    quality: 5,
                    ..Default::default()
                };
                brotli::BrotliCompress(&mut &bytes[..], &mut out, &params)?;
                Ok(out)
            }
            Encoding::Zstd => zstd::encode_all(bytes, 3),
        }
    }
}

/// One feed document as served: its bytes in every encoding asked for so far, and the
/// validators of conditional requests.
pub struct RenderedFeed {
    /// Identity from the start; each other coding made the first time a client asks for
    /// it (once, however many ask at the same time).
    bodies: [OnceCell<Bytes>; 4],
    /// Hex of the uncompressed bytes' hash: the ETag, less the encoding suffix.
    hash: String,
    /// The `ETag` header of each encoding, made once: a hit only copies it.
    etag_headers: [HeaderValue; 4],
    /// `last_modified` as an HTTP date.
    last_modified_header: HeaderValue,
    /// Whole seconds.
    pub last_modified: DateTime<Utc>,
    /// `Content-Type`, sent with the body.
    content_type: HeaderValue,
    /// Sent with every response for this document, 200 or 304 (`Cache-Control`, `Vary`,
    /// `Link`): made once, when the document is rendered.
    headers: Vec<(HeaderName, HeaderValue)>,
    /// What it shows, and the newest change it is known to show.
    currency: Currency,
}

impl RenderedFeed {
    pub fn new(body: Vec<u8>, last_modified: DateTime<Utc>) -> Self {
        let digest = Sha256::digest(&body);
        let hash = digest[..12]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>();
        let bodies: [OnceCell<Bytes>; 4] = Default::default();
        let _ = bodies[Encoding::Identity.index()].set(Bytes::from(body));
        let etag_headers = Encoding::ALL.map(|encoding| {
            let tag = match encoding.content_coding() {
                None => format!("\"{hash}\""),
                Some(coding) => format!("\"{hash}-{coding}\""),
            };
            // Hex digits, a dash and letters: always a valid header value.
            HeaderValue::from_str(&tag).unwrap_or_else(|_| HeaderValue::from_static("\"\""))
        });
        let date = HttpDate::from(std::time::SystemTime::from(last_modified)).to_string();
        Self {
            bodies,
            hash,
            etag_headers,
            last_modified_header: HeaderValue::from_str(&date)
                .unwrap_or_else(|_| HeaderValue::from_static("")),
            last_modified,
            content_type: HeaderValue::from_static("application/octet-stream"),
            headers: Vec::new(),
            currency: Currency::default(),
        }
    }

    /// The scope and filter of its articles, so that a change they do not show spares it
    /// (without, every change drops it).
    pub fn showing(mut self, shows: Shows) -> Self {
        self.currency = Currency::new(Some(shows));
        self
    }

    pub(super) fn currency(&self) -> &Currency {
        &self.currency
    }

    /// The document's media type and the headers every response for it carries.
    pub fn with_headers(
        mut self,
        content_type: HeaderValue,
        headers: Vec<(HeaderName, HeaderValue)>,
    ) -> Self {
        self.content_type = content_type;
        self.headers = headers;
        self
    }

    pub fn content_type(&self) -> &HeaderValue {
        &self.content_type
    }

    pub fn headers(&self) -> &[(HeaderName, HeaderValue)] {
        &self.headers
    }

    /// Keeps `body` as the body in `encoding`, unless one was made meanwhile.
    pub fn set_body(&self, encoding: Encoding, body: Vec<u8>) {
        let _ = self.bodies[encoding.index()].set(Bytes::from(body));
    }

    /// Whether the body in `encoding` is made already.
    pub fn has_body(&self, encoding: Encoding) -> bool {
        self.bodies[encoding.index()].get().is_some()
    }

    /// The body in `encoding`, compressed on first use; a second caller meanwhile waits
    /// for the first one's result rather than compressing again.
    pub fn body(&self, encoding: Encoding) -> std::io::Result<Bytes> {
        self.bodies[encoding.index()]
            .get_or_try_init(|| encoding.compress(&self.identity()).map(Bytes::from))
            .cloned()
    }

    pub(super) fn identity(&self) -> Bytes {
        self.bodies[Encoding::Identity.index()]
            .get()
            .cloned()
            .unwrap_or_default()
    }

    /// A hash of the uncompressed bytes: equal hashes, equal documents.
    pub fn content_hash(&self) -> &str {
        &self.hash
    }

    /// The strong ETag of the body in `encoding`: each encoding is its own representation.
    pub fn etag(&self, encoding: Encoding) -> EntityTag {
        match encoding.content_coding() {
            None => EntityTag::new_strong(self.hash.clone()),
            Some(coding) => EntityTag::new_strong(format!("{}-{coding}", self.hash)),
        }
    }

    /// `Last-Modified` as a header value.
    pub fn last_modified_header(&self) -> HeaderValue {
        self.last_modified_header.clone()
    }

    /// The `ETag` header value of the body in `encoding`.
    pub fn etag_header(&self, encoding: Encoding) -> HeaderValue {
        self.etag_headers[encoding.index()].clone()
    }

    /// Whether an `If-None-Match` tag names this content, in any encoding (the weak
    /// comparison RFC 9110 prescribes for `If-None-Match`: the opaque tags alone).
    pub fn matches(&self, tag: &EntityTag) -> bool {
        let opaque = tag.tag();
        Encoding::ALL.iter().any(|e| match e.content_coding() {
            None => opaque == self.hash,
            Some(coding) => {
                opaque
                    .strip_prefix(self.hash.as_str())
                    .and_then(|rest| rest.strip_prefix('-'))
                    == Some(coding)
            }
        })
    }

    /// The bytes the entry may come to hold. The compressed codings are made after it is
    /// weighed, so they are counted in advance as one more identity's worth: for XML and
    /// JSON the three together come to less (each is 15-30% of the identity).
    pub(super) fn weight(&self) -> usize {
        2 * self.identity().len() + self.hash.len()
    }
}

/// Readers may keep a feed `max_age` seconds, use a stale one for a minute while they
/// fetch it again, and for a day when engfeed cannot answer.
pub fn cache_control(max_age: u32) -> HeaderValue {
    let value =
        format!("public, max-age={max_age}, stale-while-revalidate=60, stale-if-error=86400");
    HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static("public"))
}
