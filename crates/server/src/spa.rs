//! Serves the built single-page app: hashed assets cached for a year, `index.html` always
//! revalidated, deep links answered with the `index.html` of the bundle that shows them
//! (`labday_domain::entry`), and brotli/gzip files prepared once at start-up so no request
//! pays for compression.

use axum::body::Body;
use axum::extract::State;
use axum::handler::Handler;
use axum::http::{header, HeaderValue, Request, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use axum::Router;
use labday_domain::entry::Entry;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use tower::ServiceExt;
use tower_http::services::{ServeDir, ServeFile};

const COMPRESSIBLE: [&str; 7] = ["html", "js", "css", "wasm", "svg", "json", "txt"];

/// Writes `.br` and `.gz` beside every compressible file that lacks them or is newer.
pub fn precompress(dist: &Path) -> std::io::Result<usize> {
    let mut written = 0;
    let mut stack = vec![dist.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let ext = path
                .extension()
                .and_then(|e| e.to_str())
                .unwrap_or_default();
            if !COMPRESSIBLE.contains(&ext) {
                continue;
            }
            let modified = std::fs::metadata(&path)?.modified()?;
            for (suffix, encode) in [
                ("br", brotli_bytes as fn(&[u8]) -> std::io::Result<Vec<u8>>),
                ("gz", gzip_bytes),
            ] {
                let target = path.with_extension(format!("{ext}.{suffix}"));
                let fresh = std::fs::metadata(&target)
                    .and_then(|m| m.modified())
                    .is_ok_and(|t| t >= modified);
                if !fresh {
                    let data = std::fs::read(&path)?;
                    std::fs::write(&target, encode(&data)?)?;
                    written += 1;
                }
            }
        }
    }
    Ok(written)
}

fn brotli_bytes(data: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    {
        let mut w = brotli::CompressorWriter::new(&mut out, 4096, 11, 22);
        w.write_all(data)?;
    }
    Ok(out)
}

fn gzip_bytes(data: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut w = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    w.write_all(data)?;
    w.finish()
}

/// Trunk names built assets `name-<16 hex>.ext`; those never change and can be cached.
fn is_hashed_asset(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or_default();
    let stem = file.split('.').next().unwrap_or_default();
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    stem.rsplit_once('-')
        .is_some_and(|(_, hash)| hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()))
}

async fn cache_headers(request: Request<Body>, next: Next) -> Response {
    let hashed = is_hashed_asset(request.uri().path());
    let mut response = next.run(request).await;
    let value = if hashed && response.status() == StatusCode::OK {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
    response
}

async fn not_built() -> impl IntoResponse {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        Html("<!doctype html><meta charset=utf-8><title>labday</title><p>The app has not been built. Run <code>cargo xtask run</code>.</p>"),
    )
}

/// The router for everything outside `/api`.
pub fn router(dist: &Path) -> Router {
    let index = dist.join("index.html");
    if !index.exists() {
        tracing::warn!(dist = %dist.display(), "no built app found; serving the API only");
        return Router::new().fallback(not_built);
    }
    match precompress(dist) {
        Ok(n) if n > 0 => tracing::info!(files = n, "precompressed app files"),
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "could not precompress app files"),
    }
    let mut router = citizen_app(dist);
    // The staff console is its own bundle with its own deep links under /staff/.
    if dist.join("staff").join("index.html").exists() {
        router = router.nest_service("/staff", single_page_app(&dist.join("staff")));
    }
    router.layer(axum::middleware::from_fn(cache_headers))
}

fn index_page(dir: &Path) -> ServeFile {
    ServeFile::new(dir.join("index.html"))
        .precompressed_br()
        .precompressed_gzip()
}

/// Files from `dir`, precompressed where possible; any other path gets its `index.html`.
fn single_page_app(dir: &Path) -> ServeDir<ServeFile> {
    ServeDir::new(dir)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(index_page(dir))
}

/// Each citizen bundle's `index.html`, by the bundle.
#[derive(Clone)]
struct Pages(Arc<Vec<(Entry, ServeFile)>>);

/// A page path: the `index.html` of the bundle that shows it.
async fn page(State(pages): State<Pages>, request: Request<Body>) -> Response {
    let entry = Entry::for_path(request.uri().path());
    let file = pages
        .0
        .iter()
        .find(|(e, _)| *e == entry)
        .unwrap_or(&pages.0[0])
        .1
        .clone();
    match file.oneshot(request).await {
        Ok(response) => response.map(Body::new),
        Err(never) => match never {},
    }
}

/// The citizen app's files; a page path gets the `index.html` of its bundle (the browsing
/// bundle's when that bundle was not built).
fn citizen_app(dist: &Path) -> Router {
    let pages = Entry::ALL
        .into_iter()
        .map(|entry| {
            let dir = dist.join(entry.dir());
            let dir = if dir.join("index.html").exists() {
                dir
            } else {
                dist.to_path_buf()
            };
            (entry, index_page(&dir))
        })
        .collect();
    let files = ServeDir::new(dist)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(page.with_state(Pages(Arc::new(pages))));
    Router::new().fallback_service(files)
}

#[cfg(test)]
mod tests {
    use super::is_hashed_asset;

    #[test]
    fn recognises_trunk_hashed_names() {
        assert!(is_hashed_asset("/labday-1a2b3c4d5e6f7a8b.js"));
        assert!(is_hashed_asset("/labday-1a2b3c4d5e6f7a8b_bg.wasm"));
        assert!(is_hashed_asset("/style-1a2b3c4d5e6f7a8b.css"));
        assert!(!is_hashed_asset("/index.html"));
        assert!(!is_hashed_asset("/embed.js"));
        assert!(!is_hashed_asset("/activities/3"));
    }
}
