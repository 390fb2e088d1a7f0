//! Serves the built single-page app: hashed assets cached for a year, `index.html` always
//! revalidated, deep links answered with the `index.html` of the bundle that shows them
//! (`labday_domain::entry`), an activity's or a session's page with its own title and share
//! card (`share.rs`), and brotli/gzip files prepared once at start-up so no request pays for
//! compression; `/sw.js`, the service worker, with this build's version
//! (`service_worker.rs`). A path that is no page gets 404: a stray file name (`/favicon.ico`,
//! `/sitemap.xml`) a short text, anything else the app saying "page not found".

use crate::encoding::{self, Compress, Effort};
use crate::share::{Lang, SharePages, Shared};
use crate::storage::Storage;
use axum::body::Body;
use axum::extract::State;
use axum::handler::Handler;
use axum::http::{header, HeaderValue, Request, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use axum::Router;
use labday_domain::entry::Entry;
use std::path::Path;
use std::sync::Arc;
use tower::ServiceExt;
use tower_http::services::{ServeDir, ServeFile};

const COMPRESSIBLE: [&str; 8] = [
    "html",
    "js",
    "css",
    "wasm",
    "svg",
    "json",
    "txt",
    "webmanifest",
];

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
            for (suffix, encode) in [("br", encoding::brotli as Compress), ("gz", encoding::gzip)] {
                let target = path.with_extension(format!("{ext}.{suffix}"));
                let fresh = std::fs::metadata(&target)
                    .and_then(|m| m.modified())
                    .is_ok_and(|t| t >= modified);
                if !fresh {
                    let data = std::fs::read(&path)?;
                    std::fs::write(&target, encode(&data, Effort::Best)?)?;
                    // The file's own time, so each coding of it says the same Last-Modified.
                    std::fs::File::options()
                        .write(true)
                        .open(&target)?
                        .set_modified(modified)?;
                    written += 1;
                }
            }
        }
    }
    Ok(written)
}

/// Trunk names the files it builds `name-<hash>.js`, `name-<hash>_bg.wasm` and
/// `name-<hash>.css`; those never change and can be cached. The hash is a 64-bit number in
/// hex without leading zeros: 16 digits, or fewer about one build in sixteen.
fn is_hashed_asset(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or_default();
    let Some((stem, "js" | "wasm" | "css")) = file.rsplit_once('.') else {
        return false;
    };
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    stem.rsplit_once('-').is_some_and(|(_, hash)| {
        (1..=16).contains(&hash.len())
            && hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    })
}

/// A built file under a hashed name is kept for a year; anything else is asked again each
/// time. Every answer here may come brotli, gzip or plain by the request's
/// `Accept-Encoding`, so a shared cache must keep them apart (`Vary`).
async fn cache_headers(request: Request<Body>, next: Next) -> Response {
    let hashed = is_hashed_asset(request.uri().path());
    let mut response = next.run(request).await;
    let value = if hashed && response.status() == StatusCode::OK {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
    let varies = headers.get_all(header::VARY).iter().any(|v| {
        v.to_str()
            .is_ok_and(|v| v.to_ascii_lowercase().contains("accept-encoding"))
    });
    if !varies {
        headers.append(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    response
}

async fn not_built() -> impl IntoResponse {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        Html("<!doctype html><meta charset=utf-8><title>labday</title><p>The app has not been built. Run <code>cargo xtask run</code>.</p>"),
    )
}

/// The router for everything outside `/api`, without share cards (every page gets its
/// bundle's `index.html` as built), framed by nobody but itself.
pub fn router(dist: &Path) -> Router {
    app(dist, None, "frame-ancestors 'self'")
}

/// The router for everything outside `/api`: activity and session pages carry their own
/// title and share card, read from `storage`; `framed_by` is the pages' `frame-ancestors`
/// directive (the service worker's version follows it).
pub fn router_with_cards(dist: &Path, storage: Arc<dyn Storage>, framed_by: &str) -> Router {
    app(dist, Some(storage), framed_by)
}

fn app(dist: &Path, storage: Option<Arc<dyn Storage>>, framed_by: &str) -> Router {
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
    let mut router = citizen_app(dist, storage);
    if let Some(worker) = crate::service_worker::render(dist, framed_by) {
        router = router.route(crate::service_worker::PATH, worker.route());
    }
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

/// The staff console's files from `dir`, precompressed where possible; a file name that is
/// not there (an old build's script, asked for by a tab opened before a deploy) is not
/// found, and any other path gets its `index.html`.
fn single_page_app(dir: &Path) -> ServeDir<axum::routing::MethodRouter> {
    let index = index_page(dir);
    let page = axum::routing::any(move |request: Request<Body>| async move {
        let last = request.uri().path().rsplit('/').next().unwrap_or_default();
        if last.contains('.') {
            return (StatusCode::NOT_FOUND, "Not found").into_response();
        }
        match index.oneshot(request).await {
            Ok(response) => response.map(Body::new),
            Err(never) => match never {},
        }
    });
    ServeDir::new(dir)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(page)
}

/// Each citizen bundle's `index.html`, by the bundle, and the shared pages (`None`: no
/// cards).
#[derive(Clone)]
struct Pages {
    files: Arc<Vec<(Entry, ServeFile)>>,
    shared: Option<Arc<SharePages>>,
}

impl Pages {
    async fn serve(&self, entry: Entry, request: Request<Body>) -> Response {
        let file = self
            .files
            .iter()
            .find(|(e, _)| *e == entry)
            .unwrap_or(&self.files[0])
            .1
            .clone();
        match file.oneshot(request).await {
            Ok(response) => response.map(Body::new),
            Err(never) => match never {},
        }
    }
}

/// A page path: the `index.html` of the bundle that shows it, with the page's own card
/// when it is an activity's or a session's.
async fn page(State(pages): State<Pages>, request: Request<Body>) -> Response {
    let path = request.uri().path();
    let Some(entry) = Entry::page(path) else {
        return not_a_page(&pages, request).await;
    };
    if let (Some(shared), Some(page)) = (&pages.shared, Shared::of_path(path)) {
        let lang = Lang::of_query(request.uri().query());
        if let Some(rendered) = shared.page(page, lang).await {
            return rendered.send(request.headers());
        }
    }
    pages.serve(entry, request).await
}

/// No page has this path. A file name is plainly not found (crawlers and browsers ask for
/// `/favicon.ico`, `/apple-touch-icon.png`, `/sitemap.xml`); anything else gets the
/// browsing bundle, which tells the reader so, with the status that says so.
async fn not_a_page(pages: &Pages, mut request: Request<Body>) -> Response {
    let last = request.uri().path().rsplit('/').next().unwrap_or_default();
    if last.contains('.') {
        return (StatusCode::NOT_FOUND, "Not found").into_response();
    }
    // A conditional request would get 304, which would say the page exists.
    request.headers_mut().remove(header::IF_NONE_MATCH);
    request.headers_mut().remove(header::IF_MODIFIED_SINCE);
    let mut response = pages.serve(Entry::Browse, request).await;
    if response.status() == StatusCode::OK {
        *response.status_mut() = StatusCode::NOT_FOUND;
    }
    response
}

/// The citizen app's files; a page path gets the `index.html` of its bundle (the browsing
/// bundle's when that bundle was not built).
fn citizen_app(dist: &Path, storage: Option<Arc<dyn Storage>>) -> Router {
    let dirs: Vec<(Entry, std::path::PathBuf)> = Entry::ALL
        .into_iter()
        .map(|entry| {
            let dir = dist.join(entry.dir());
            let dir = if dir.join("index.html").exists() {
                dir
            } else {
                dist.to_path_buf()
            };
            (entry, dir)
        })
        .collect();
    let shared = storage.map(|storage| {
        let shells = dirs
            .iter()
            .filter_map(|(entry, dir)| {
                let html = std::fs::read_to_string(dir.join("index.html")).ok()?;
                Some((*entry, html))
            })
            .collect();
        Arc::new(SharePages::new(storage, shells))
    });
    let pages = Pages {
        files: Arc::new(
            dirs.iter()
                .map(|(entry, dir)| (*entry, index_page(dir)))
                .collect(),
        ),
        shared,
    };
    let files = ServeDir::new(dist)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(page.with_state(pages));
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
        // A hash whose first digit was 0 (seen: `labday-book-4fbd63b4bc7bbb5.js`).
        assert!(is_hashed_asset(
            "/bundles/book/labday-book-4fbd63b4bc7bbb5.js"
        ));
        assert!(is_hashed_asset(
            "/bundles/book/labday-book-4fbd63b4bc7bbb5_bg.wasm"
        ));
        assert!(!is_hashed_asset("/icons/icon-192.png"));
        assert!(!is_hashed_asset("/labday-1a2b3c4d5e6f7a8b9.js"));
        assert!(!is_hashed_asset("/index.html"));
        assert!(!is_hashed_asset("/embed.js"));
        assert!(!is_hashed_asset("/activities/3"));
    }
}
