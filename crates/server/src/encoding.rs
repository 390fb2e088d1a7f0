//! Content codings: which one a client takes (`Accept-Encoding`), and brotli and gzip made
//! once for a body that many requests send. The app's files and share pages are compressed
//! at their best once at start; a kept catalogue answer once per load, at the quality the
//! per-request API compression uses (`startup.rs`), since under a rush it is loaded again
//! every few milliseconds.

use crate::headers::list_items;
use axum::body::Bytes;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use std::io::Write;

/// Answers smaller than this go as they are: compressing them saves fewer bytes on the wire
/// than the encoder's set-up costs (a booking's receipt, an error).
pub const COMPRESS_FROM_BYTES: u16 = 1024;

/// How hard to compress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effort {
    /// Once, at start: the smallest files (brotli 11, gzip 9).
    Best,
    /// Per answer: brotli 4 and gzip 4, a fraction of the cost for a few % more bytes.
    Quick,
}

/// Whether the client takes `coding` (`br`, `gzip`) by its `Accept-Encoding`.
pub fn accepts(request: &HeaderMap, coding: &str) -> bool {
    weight(request, coding).is_some()
}

/// How much the client wants `coding` (its `q`, 1 when not given; `x-gzip` is gzip), or
/// `None` when it is not named or refused (`q=0`, or a `q` that is not a number). Names
/// and parameters are case-insensitive (RFC 9110 12.4.2).
fn weight(request: &HeaderMap, coding: &str) -> Option<f32> {
    let named = |name: &str| {
        name.eq_ignore_ascii_case(coding)
            || (coding == "gzip" && name.eq_ignore_ascii_case("x-gzip"))
    };
    list_items(request, header::ACCEPT_ENCODING, ',')
        .filter_map(|item| {
            let mut parts = item.split(';').map(str::trim);
            if !parts.next().is_some_and(named) {
                return None;
            }
            let mut q = 1.0_f32;
            for (key, value) in parts.filter_map(|p| p.split_once('=')) {
                if key.trim().eq_ignore_ascii_case("q") {
                    q = value.trim().parse().ok()?;
                }
            }
            (q > 0.0).then_some(q)
        })
        .reduce(f32::max)
}

pub fn brotli(data: &[u8], effort: Effort) -> std::io::Result<Vec<u8>> {
    let (quality, window) = match effort {
        Effort::Best => (11, 22),
        Effort::Quick => (4, 20),
    };
    let mut out = Vec::new();
    {
        let mut w = brotli::CompressorWriter::new(&mut out, 4096, quality, window);
        w.write_all(data)?;
    }
    Ok(out)
}

pub fn gzip(data: &[u8], effort: Effort) -> std::io::Result<Vec<u8>> {
    let level = match effort {
        Effort::Best => flate2::Compression::best(),
        Effort::Quick => flate2::Compression::new(4),
    };
    let mut w = flate2::write::GzEncoder::new(Vec::new(), level);
    w.write_all(data)?;
    w.finish()
}

/// A body in the codings a client may take, each made the first time one is asked for.
#[derive(Debug, Clone)]
pub struct Encoded {
    pub identity: Bytes,
    effort: Effort,
    brotli: std::sync::Arc<std::sync::OnceLock<Option<Bytes>>>,
    gzip: std::sync::Arc<std::sync::OnceLock<Option<Bytes>>>,
}

impl Encoded {
    pub fn new(identity: Bytes, effort: Effort) -> Encoded {
        Encoded {
            identity,
            effort,
            brotli: Default::default(),
            gzip: Default::default(),
        }
    }

    /// The body in the best coding `request` takes, and that coding's name (`None`: as is,
    /// also when it is too small to be worth compressing).
    pub fn pick(&self, request: &HeaderMap) -> (Bytes, Option<&'static str>) {
        if self.identity.len() < usize::from(COMPRESS_FROM_BYTES) {
            return (self.identity.clone(), None);
        }
        let made = |cell: &std::sync::OnceLock<Option<Bytes>>, make: Compress| {
            cell.get_or_init(|| make(&self.identity, self.effort).ok().map(Bytes::from))
                .clone()
        };
        // The coding the client wants most; brotli when it wants both as much.
        let (br, gz) = (weight(request, "br"), weight(request, "gzip"));
        let mut codings = [
            (br, &self.brotli, brotli as Compress, "br"),
            (gz, &self.gzip, gzip as Compress, "gzip"),
        ];
        if gz > br {
            codings.swap(0, 1);
        }
        for (wanted, cell, make, name) in codings {
            if wanted.is_some() {
                if let Some(body) = made(cell, make) {
                    return (body, Some(name));
                }
            }
        }
        (self.identity.clone(), None)
    }
}

pub type Compress = fn(&[u8], Effort) -> std::io::Result<Vec<u8>>;

/// An answer many requests get the same: its body in every coding, its ETag and content
/// type (a page with its share card, the service worker, a catalogue response).
#[derive(Debug, Clone)]
pub struct Prepared {
    body: Encoded,
    etag: HeaderValue,
    content_type: &'static str,
}

impl Prepared {
    pub fn new(body: Vec<u8>, content_type: &'static str, effort: Effort) -> Prepared {
        use std::hash::{Hash, Hasher};
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        body.hash(&mut hasher);
        let etag = HeaderValue::from_str(&format!("\"{:016x}\"", hasher.finish()))
            .unwrap_or(HeaderValue::from_static("\"0\""));
        Prepared {
            body: Encoded::new(Bytes::from(body), effort),
            etag,
            content_type,
        }
    }

    /// The body as is.
    pub fn identity(&self) -> &Bytes {
        &self.body.identity
    }

    /// 304 when `request` holds this answer already (`If-None-Match`), else the body in the
    /// best coding the client takes.
    pub fn send(&self, request: &HeaderMap) -> Response {
        let etag = self.etag.to_str().unwrap_or_default();
        // Weak comparison (RFC 9110 13.1.2): a proxy that re-encodes may mark the tag weak.
        let held = list_items(request, header::IF_NONE_MATCH, ',')
            .any(|t| t == "*" || t.strip_prefix("W/").unwrap_or(t) == etag);
        if held {
            // A 304 carries the Vary its 200 would have (RFC 9110 15.4.5).
            return (
                StatusCode::NOT_MODIFIED,
                [
                    (header::ETAG, self.etag.clone()),
                    (header::VARY, HeaderValue::from_static("accept-encoding")),
                ],
            )
                .into_response();
        }
        let (body, coding) = self.body.pick(request);
        let mut response = (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static(self.content_type),
                ),
                (header::ETAG, self.etag.clone()),
                (header::VARY, HeaderValue::from_static("accept-encoding")),
            ],
            body,
        )
            .into_response();
        if let Some(coding) = coding {
            response
                .headers_mut()
                .insert(header::CONTENT_ENCODING, HeaderValue::from_static(coding));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn with(v: &'static str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT_ENCODING, HeaderValue::from_static(v));
        h
    }

    #[test]
    fn reads_accept_encoding() {
        assert!(accepts(&with("gzip, deflate, br, zstd"), "br"));
        assert!(accepts(&with("GZIP;q=0.5"), "gzip"));
        assert!(!accepts(&with("br;q=0, gzip"), "br"));
        assert!(!accepts(&with("brotli"), "br"));
        assert!(!accepts(&HeaderMap::new(), "gzip"));
        for refusing in ["br;Q=0", "br; Q=0", "gzip, br;Q=0", "br;q=abc", "br;q=NaN"] {
            assert!(!accepts(&with(refusing), "br"), "{refusing} refuses br");
        }
        assert!(accepts(&with("x-gzip"), "gzip"));
        assert!(accepts(&with("br;q=0.0001"), "br"));
    }

    #[test]
    fn the_coding_sent_is_the_one_the_client_wants_most() {
        let encoded = Encoded::new(Bytes::from("x".repeat(5000)), Effort::Quick);
        let coding = |accept| encoded.pick(&with(accept)).1;
        assert_eq!(coding("gzip;q=1, br;q=0.1"), Some("gzip"));
        assert_eq!(coding("gzip;q=0.5, br;q=0.9"), Some("br"));
        assert_eq!(
            coding("gzip, br"),
            Some("br"),
            "as much: brotli, the smaller"
        );
        assert_eq!(coding("x-gzip"), Some("gzip"));
        assert_eq!(coding("br;q=0, gzip;q=0"), None);
    }

    #[test]
    fn a_body_is_sent_in_the_best_coding_taken_and_decodes_to_itself() {
        use std::io::Read;
        let text = "{\"places_left\":12,\"title\":\"食品快检开放日\"}".repeat(200);
        let encoded = Encoded::new(Bytes::from(text.clone()), Effort::Quick);

        let (br, coding) = encoded.pick(&with("gzip, br"));
        assert_eq!(coding, Some("br"));
        assert!(br.len() < text.len() / 10);
        let mut back = String::new();
        brotli::Decompressor::new(&br[..], 4096)
            .read_to_string(&mut back)
            .unwrap();
        assert_eq!(back, text);

        let (gz, coding) = encoded.pick(&with("gzip"));
        assert_eq!(coding, Some("gzip"));
        let mut back = String::new();
        flate2::read::GzDecoder::new(&gz[..])
            .read_to_string(&mut back)
            .unwrap();
        assert_eq!(back, text);

        let (raw, coding) = encoded.pick(&with("identity"));
        assert_eq!((raw.len(), coding), (text.len(), None));
        let small = Encoded::new(Bytes::from_static(b"{\"id\":1}"), Effort::Quick);
        assert_eq!(small.pick(&with("br")).1, None, "too small to be worth it");
        // Made once: a second reader gets the very same bytes.
        let (again, _) = encoded.clone().pick(&with("br"));
        assert_eq!(again.as_ptr(), br.as_ptr());
    }

    #[test]
    fn a_held_answer_is_304_also_when_a_proxy_marked_its_tag_weak() {
        let answer = Prepared::new(b"[]".to_vec(), "application/json", Effort::Quick);
        let tag = answer.send(&HeaderMap::new()).headers()[header::ETAG]
            .to_str()
            .unwrap()
            .to_owned();
        let asking = |value: String| {
            let mut h = HeaderMap::new();
            h.insert(
                header::IF_NONE_MATCH,
                HeaderValue::from_str(&value).unwrap(),
            );
            answer.send(&h).status()
        };
        assert_eq!(asking(tag.clone()), StatusCode::NOT_MODIFIED);
        let mut held = HeaderMap::new();
        held.insert(header::IF_NONE_MATCH, HeaderValue::from_str(&tag).unwrap());
        assert_eq!(
            answer.send(&held).headers()[header::VARY],
            "accept-encoding",
            "a 304 varies as its 200 does"
        );
        assert_eq!(asking(format!("W/{tag}")), StatusCode::NOT_MODIFIED);
        assert_eq!(
            asking(format!("\"other\", {tag}")),
            StatusCode::NOT_MODIFIED
        );
        assert_eq!(asking("*".into()), StatusCode::NOT_MODIFIED);
        assert_eq!(asking("\"other\"".into()), StatusCode::OK);
    }
}
