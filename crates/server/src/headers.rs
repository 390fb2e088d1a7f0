//! Response headers that protect whoever reads a response, set in one place so no route
//! can forget them:
//!
//! - a Content-Security-Policy on every response: scripts only from labday itself (and the
//!   WebAssembly they compile), plus the inline scripts the built pages really contain,
//!   allowed by their SHA-256 hashes. An injected `<script>` or event-handler attribute
//!   cannot run. The hashes are read from the HTML files in `dist/` at start-up, so a new
//!   build needs a restart (as the precompressed files do). Portals may frame the citizen
//!   pages; the staff console's pages are framed by labday alone.
//! - `Strict-Transport-Security` on answers to requests that came over https, so the
//!   browser never again asks over plain http (a sign-in cookie or a phone number in
//!   clear). Without `includeSubDomains`: labday cannot vouch for its neighbours.
//! - `Cache-Control: no-store` on every API answer that did not choose its own caching:
//!   bookings, rosters, sample lists and staff pages carry names and phone numbers that must
//!   not stay in a shared computer's browser cache or a proxy. The public catalogue reads
//!   and photos set their own.
//!
//! It also holds [`list_items`], the one reader of a request header written as a list.

use crate::client::TrustedProxies;
use axum::body::Body;
use axum::extract::State;
use axum::http::header::AsHeaderName;
use axum::http::{header, HeaderMap, HeaderValue, Request};
use axum::middleware::Next;
use axum::response::Response;
use axum::Router;
use base64::Engine as _;
use sha2::{Digest, Sha256};
use std::path::Path;
use std::sync::Arc;

/// HSTS for a year: long enough to matter, and the usual value for preload lists.
const HSTS: &str = "max-age=31536000";

/// The `'sha256-…'` sources of the inline scripts and styles of the built pages.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct InlineHashes {
    pub scripts: Vec<String>,
    pub styles: Vec<String>,
}

impl InlineHashes {
    /// Every inline `<script>` and `<style>` of every `.html` file under `dist` (all the
    /// bundles' pages, the staff console's and the demo portal's), sorted and deduplicated.
    /// A missing or unreadable `dist` has none (the server then serves the API only).
    pub fn of_dist(dist: &Path) -> InlineHashes {
        let mut hashes = InlineHashes::default();
        let mut stack = vec![dist.to_path_buf()];
        while let Some(dir) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "html") {
                    match std::fs::read_to_string(&path) {
                        Ok(html) => hashes.add_page(&html),
                        Err(e) => {
                            tracing::warn!(file = %path.display(), error = %e, "cannot read a page for its CSP hashes")
                        }
                    }
                }
            }
        }
        for list in [&mut hashes.scripts, &mut hashes.styles] {
            list.sort();
            list.dedup();
        }
        hashes
    }

    /// Adds the inline scripts and styles of one page.
    pub fn add_page(&mut self, html: &str) {
        self.scripts
            .extend(inline_elements(html, "script").map(hash_source));
        self.styles
            .extend(inline_elements(html, "style").map(hash_source));
    }
}

/// The CSP source for an inline element's text. Browsers hash the text as parsed, and the
/// HTML parser turns every CRLF and lone CR into LF first; so does this.
pub fn hash_source(text: &str) -> String {
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let digest = Sha256::digest(text.as_bytes());
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// The text of every `<tag>` element of `html` that has no `src` attribute: what a browser
/// runs (or applies) inline. `script` and `style` hold raw text, so their content runs to
/// the first `</tag`.
pub fn inline_elements<'a>(html: &'a str, tag: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    let open = format!("<{tag}");
    let close = format!("</{tag}");
    let lower = html.to_ascii_lowercase();
    let mut found = Vec::new();
    let mut at = 0;
    while let Some(start) = lower[at..].find(&open).map(|i| at + i) {
        let after_name = start + open.len();
        // `<scripts>` or `<style-x>` are other elements.
        let is_tag = lower[after_name..]
            .chars()
            .next()
            .is_some_and(|c| c == '>' || c == '/' || c.is_ascii_whitespace());
        let Some(tag_end) = tag_end(&lower, after_name) else {
            break;
        };
        let body_start = tag_end + 1;
        let Some(body_end) = lower[body_start..].find(&close).map(|i| body_start + i) else {
            break;
        };
        if is_tag && !has_attribute(&lower[after_name..tag_end], "src") {
            found.push(&html[body_start..body_end]);
        }
        at = body_end + close.len();
    }
    found.into_iter()
}

/// Where the start tag beginning at `from` ends (its `>`), skipping quoted values.
fn tag_end(lower: &str, from: usize) -> Option<usize> {
    let mut quote = None;
    for (i, c) in lower[from..].char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '>') => return Some(from + i),
            _ => {}
        }
    }
    None
}

/// Whether a start tag's attribute text names `name` (values skipped, so `data-x="src"`
/// does not count).
fn has_attribute(attributes: &str, name: &str) -> bool {
    let mut names = Vec::new();
    let mut chars = attributes.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_whitespace() || c == '/' {
            continue;
        }
        let mut attribute = String::from(c);
        while let Some(&c) = chars.peek() {
            if c.is_ascii_whitespace() || c == '=' || c == '/' {
                break;
            }
            attribute.push(c);
            chars.next();
        }
        while chars.peek().is_some_and(|c| c.is_ascii_whitespace()) {
            chars.next();
        }
        if chars.peek() == Some(&'=') {
            chars.next();
            while chars.peek().is_some_and(|c| c.is_ascii_whitespace()) {
                chars.next();
            }
            match chars.peek().copied() {
                Some(q @ ('"' | '\'')) => {
                    chars.next();
                    for c in chars.by_ref() {
                        if c == q {
                            break;
                        }
                    }
                }
                _ => {
                    while chars.peek().is_some_and(|c| !c.is_ascii_whitespace()) {
                        chars.next();
                    }
                }
            }
        }
        names.push(attribute);
    }
    names.iter().any(|n| n == name)
}

/// The policy for every response. `frame_ancestors` is the directive that says which
/// portals may frame the app ([`crate::embedding::frame_ancestors`]).
///
/// - `script-src`: labday's own files, WebAssembly compilation (`'wasm-unsafe-eval'`,
///   which allows no JavaScript `eval`), and the inline boot scripts by hash.
/// - `style-src`: labday's stylesheets and inline `<style>` by hash. The app sets styles
///   only through the CSSOM (`style.setProperty`), which CSP does not restrict, so no
///   `'unsafe-inline'`.
/// - `connect-src 'self'`: the app talks only to its own API; a portal's calls to the API
///   come from the portal's page and are governed by CORS, not by this policy.
/// - `img-src` adds `data:` and `blob:` for QR codes and photo previews.
pub fn content_security_policy(hashes: &InlineHashes, frame_ancestors: &str) -> String {
    let with = |base: &str, extra: &[String]| {
        std::iter::once(base.to_owned())
            .chain(extra.iter().cloned())
            .collect::<Vec<_>>()
            .join(" ")
    };
    [
        "default-src 'self'".to_owned(),
        with("script-src 'self' 'wasm-unsafe-eval'", &hashes.scripts),
        with("style-src 'self'", &hashes.styles),
        "connect-src 'self'".to_owned(),
        "img-src 'self' data: blob:".to_owned(),
        "object-src 'none'".to_owned(),
        "base-uri 'self'".to_owned(),
        "form-action 'self'".to_owned(),
        frame_ancestors.to_owned(),
    ]
    .join("; ")
}

/// The policy of every response that is not a page.
const NOT_A_PAGE: &str = "default-src 'none'; frame-ancestors 'none'";

/// The policy of a script. A script a page loads runs under the page's policy and ignores
/// this one; a Web Worker (the staff console's QR decoder) runs under its own script's
/// policy, and must load labday's script and WebAssembly beside it and nothing else.
const SCRIPT: &str = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; \
                      connect-src 'self'; frame-ancestors 'none'";

/// The policy for a response of this content type (none: a 304 or 204, see `protect`).
fn policy_for(content_type: Option<&[u8]>) -> Option<&'static str> {
    match content_type {
        None => None,
        Some(t) if t.starts_with(b"text/html") => None,
        Some(t)
            if t.starts_with(b"text/javascript") || t.starts_with(b"application/javascript") =>
        {
            Some(SCRIPT)
        }
        Some(_) => Some(NOT_A_PAGE),
    }
}

/// What the protecting layer knows: who may speak for the client, and the page policy.
struct Protection {
    trusted: TrustedProxies,
    csp: HeaderValue,
    /// The staff console's pages: the same, but framed by labday alone, never by a portal.
    staff_csp: HeaderValue,
}

/// One layer for what every request needs on its way in and out (each layer is a boxed
/// future and a cloned service per request, so they are folded into one): the client
/// address (`client::resolve`) before anything reads forwarding headers; on the way out the
/// CSP, HSTS over https, and `no-store` on API answers that did not choose their caching.
async fn protect(
    State(protection): State<Arc<Protection>>,
    mut request: Request<Body>,
    next: Next,
) -> Response {
    crate::client::resolve(&protection.trusted, &mut request);
    let https = crate::auth::is_https(request.headers());
    let path = request.uri().path();
    let api = path.starts_with("/api/");
    let console = in_console(path);
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if api {
        headers
            .entry(header::CACHE_CONTROL)
            .or_insert(HeaderValue::from_static("no-store"));
    }
    // No content type is a 304 (or a 204): a browser merges a 304's headers into the page
    // it has cached, so it must carry the page's policy, or the cached page stops booting.
    // A page gets the whole policy; anything else (JSON, CSV, images) runs nothing and
    // frames nothing, which the short policy says in 40 bytes instead of the page's half a
    // kilobyte on every API answer; a script may load what a worker needs.
    let policy = match policy_for(headers.get(header::CONTENT_TYPE).map(|t| t.as_bytes())) {
        None if console => protection.staff_csp.clone(),
        None => protection.csp.clone(),
        Some(short) => HeaderValue::from_static(short),
    };
    headers.insert(header::CONTENT_SECURITY_POLICY, policy);
    if https {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        );
    }
    response
}

/// Whether `path` reaches the staff console's files, read as the file server reads it
/// (escapes decoded, empty and `.` segments skipped): `/%73taff/` and `//staff/` serve the
/// console's page too, so they get its policy, never a portal's.
fn in_console(path: &str) -> bool {
    let decoded = percent_encoding::percent_decode_str(path).decode_utf8_lossy();
    decoded.split('/').find(|s| !s.is_empty() && *s != ".") == Some("staff")
}

/// The items of a request header written as a list (`Accept-Encoding` and
/// `X-Forwarded-For` by `,`, `Cookie` by `;`), across all its lines, each trimmed; a line
/// that is not visible ASCII is passed over.
pub fn list_items<'a>(
    headers: &'a HeaderMap,
    name: impl AsHeaderName,
    separator: char,
) -> impl Iterator<Item = &'a str> + 'a {
    headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(move |v| v.split(separator))
        .map(str::trim)
}

/// Adds the Content-Security-Policy (built from `dist`'s pages and the framing directive)
/// to every response, and HSTS to those served over https.
pub fn apply(
    router: Router,
    dist: &Path,
    frame_ancestors: &str,
    trusted: TrustedProxies,
) -> Router {
    let hashes = InlineHashes::of_dist(dist);
    let header_of = |policy: String| {
        HeaderValue::from_str(&policy).unwrap_or_else(|_| {
            tracing::error!(
                "the Content-Security-Policy is not a valid header; serving the strict default"
            );
            HeaderValue::from_static("default-src 'self'; frame-ancestors 'self'")
        })
    };
    let csp = header_of(content_security_policy(&hashes, frame_ancestors));
    let staff_csp = header_of(content_security_policy(&hashes, "frame-ancestors 'self'"));
    tracing::debug!(
        scripts = hashes.scripts.len(),
        styles = hashes.styles.len(),
        "inline hashes for the CSP"
    );
    router.layer(axum::middleware::from_fn_with_state(
        Arc::new(Protection {
            trusted,
            csp,
            staff_csp,
        }),
        protect,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A page shaped like Trunk's output: a module script that loads the bundle, an inlined
    /// boot script, preloads with `src`-less links, and an external script.
    const PAGE: &str = "<!doctype html><html><head>\
        <script>(function(){document.documentElement.classList.add('x')})();</script>\
        <link rel=\"modulepreload\" href=\"/labday-0123456789abcdef.js\">\
        <SCRIPT type=\"module\">\nimport init from '/labday-0123456789abcdef.js';\nawait init();\n</SCRIPT>\
        <script src=\"/embed.js\" async></script>\
        <script data-note=\"src\">one()</script>\
        <style>body{margin:0}</style>\
        </head><body><scripts>not a script</scripts></body></html>";

    #[test]
    fn finds_only_inline_scripts_and_styles() {
        let scripts: Vec<&str> = inline_elements(PAGE, "script").collect();
        assert_eq!(
            scripts,
            [
                "(function(){document.documentElement.classList.add('x')})();",
                "\nimport init from '/labday-0123456789abcdef.js';\nawait init();\n",
                "one()",
            ]
        );
        let styles: Vec<&str> = inline_elements(PAGE, "style").collect();
        assert_eq!(styles, ["body{margin:0}"]);
    }

    #[test]
    fn hashes_are_csp_sha256_sources_of_the_parsed_text() {
        // printf 'alert(1)' | openssl dgst -sha256 -binary | base64
        assert_eq!(
            hash_source("alert(1)"),
            "'sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI='"
        );
        assert_eq!(hash_source("a\r\nb\rc"), hash_source("a\nb\nc"));
    }

    #[test]
    fn the_policy_allows_self_wasm_and_the_hashed_inline_code_only() {
        let mut hashes = InlineHashes::default();
        hashes.add_page(PAGE);
        let policy = content_security_policy(&hashes, "frame-ancestors 'self'");
        assert!(
            policy.starts_with("default-src 'self'; script-src 'self' 'wasm-unsafe-eval' 'sha256-"),
            "{policy}"
        );
        assert_eq!(policy.matches("'sha256-").count(), 4, "{policy}");
        assert!(!policy.contains("unsafe-inline"), "{policy}");
        assert!(
            policy.contains("; connect-src 'self'; img-src 'self' data: blob:;"),
            "{policy}"
        );
        assert!(policy.ends_with("; frame-ancestors 'self'"), "{policy}");
    }

    #[test]
    fn pages_get_the_page_policy_scripts_may_start_a_worker_the_rest_runs_nothing() {
        assert_eq!(policy_for(None), None);
        assert_eq!(policy_for(Some(b"text/html; charset=utf-8")), None);
        for script in [
            &b"text/javascript"[..],
            b"application/javascript; charset=utf-8",
        ] {
            let policy = policy_for(Some(script)).unwrap();
            assert!(
                policy.contains("script-src 'self' 'wasm-unsafe-eval';"),
                "{policy}"
            );
            assert!(policy.starts_with("default-src 'none';"), "{policy}");
            assert!(policy.ends_with("frame-ancestors 'none'"), "{policy}");
        }
        for other in [
            &b"application/json"[..],
            b"text/csv",
            b"image/png",
            b"application/wasm",
        ] {
            assert_eq!(policy_for(Some(other)), Some(NOT_A_PAGE));
        }
    }

    #[test]
    fn a_missing_dist_has_no_hashes() {
        let hashes = InlineHashes::of_dist(Path::new("/nonexistent/labday/dist"));
        assert_eq!(hashes, InlineHashes::default());
    }
}
