//! One feed document as HTTP serves it: its bytes in each content coding, and the
//! validators (`ETag`, `Last-Modified`) of conditional requests, made once per document.

use std::io::Write;
use std::sync::OnceLock;

use actix_web::http::header::{EntityTag, HeaderValue, HttpDate};
use actix_web::web::Bytes;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

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

    fn compress(self, bytes: &[u8]) -> std::io::Result<Vec<u8>> {
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
    bodies: [OnceLock<Bytes>; 4],
    /// Hex of the uncompressed bytes' hash: the ETag, less the encoding suffix.
    hash: String,
    /// The `ETag` header of each encoding, made once: a hit only copies it.
    etag_headers: [HeaderValue; 4],
    /// `last_modified` as an HTTP date.
    last_modified_header: HeaderValue,
    /// Whole seconds.
    pub last_modified: DateTime<Utc>,
}

impl RenderedFeed {
    pub fn new(body: Vec<u8>, last_modified: DateTime<Utc>) -> Self {
        let digest = Sha256::digest(&body);
        let hash = digest[..12]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>();
        let bodies: [OnceLock<Bytes>; 4] = Default::default();
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
        }
    }

    /// The body in `encoding`, compressed on first use.
    pub fn body(&self, encoding: Encoding) -> std::io::Result<Bytes> {
        if let Some(body) = self.bodies[encoding.index()].get() {
            return Ok(body.clone());
        }
        let compressed = Bytes::from(encoding.compress(&self.identity())?);
        Ok(self.bodies[encoding.index()]
            .get_or_init(|| compressed)
            .clone())
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

    /// Compresses every encoding now, so the entry's size is final before it is weighed.
    pub(super) fn compress_all(&self) -> std::io::Result<()> {
        for encoding in Encoding::ALL {
            self.body(encoding)?;
        }
        Ok(())
    }

    pub(super) fn size(&self) -> usize {
        self.bodies
            .iter()
            .filter_map(OnceLock::get)
            .map(Bytes::len)
            .sum::<usize>()
            + self.hash.len()
    }
}
