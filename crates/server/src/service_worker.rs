//! `/sw.js`, the citizen app's service worker (`public/sw.js`, copied into `dist/` by Trunk),
//! served with this build's version in place of its `BUILD = 'dev'`: a digest of every
//! citizen bundle's `index.html`, which names each built file by its content hash. A new
//! release is therefore a new worker script; the browser, which revalidates the script on
//! navigation (`no-cache`, as every unhashed file: `spa::cache_headers`), installs it, and it
//! keeps the new shells in a cache of the new name and deletes the old ones. Served from the
//! site's root, its scope is the whole site; the worker itself leaves `/api/` and `/staff/`
//! alone.
//!
//! What the worker keeps (its comments are short: it counts in a citizen's first load):
//! - Each citizen bundle's shell: its page, the built files that page names (Trunk's
//!   `name-<16 hex>.js`, `_bg.wasm`, `.css`, never changed once made) and the header's icon,
//!   all or none. Nothing personal: no `/api/` answer, no staff page. The app keeps the
//!   citizen's own bookings and samples itself (`src/offline.rs`), and registers the worker
//!   once it keeps one.
//! - On install, a new release renews the shells the old release kept, from the network, and
//!   keeps "my bookings" (`/my`, the list of the citizen's own tickets) though this device
//!   may never have opened it; the other bundles' shells only from the browser's HTTP cache
//!   (`only-if-cached`), so a bundle this device never opened is not downloaded for it. A bundle opened for the first
//!   time since the release keeps its page at once and its files as the page asks for them.
//! - Anything else (not a citizen page, the manifest, a photo) is the server's to answer.

use crate::encoding::{Effort, Prepared};
use axum::http::HeaderMap;
use axum::routing::{get, MethodRouter};
use labday_domain::entry::Entry;
use sha2::{Digest, Sha256};
use std::path::Path;
use std::sync::Arc;

/// Where the worker is served (its folder is its scope: the whole site).
pub const PATH: &str = "/sw.js";

/// The line of `public/sw.js` the server rewrites.
const UNVERSIONED: &str = "var BUILD = 'dev';";

/// The worker with its version, ready to send.
pub struct Worker(Arc<Prepared>);

/// The build's version: 16 hex digits of the SHA-256 of the citizen bundles' pages.
pub fn version(pages: &[Vec<u8>]) -> String {
    let mut digest = Sha256::new();
    for page in pages {
        digest.update((page.len() as u64).to_le_bytes());
        digest.update(page);
    }
    digest.finalize()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `script` with `version` written in.
pub fn versioned(script: &str, version: &str) -> Option<String> {
    script
        .contains(UNVERSIONED)
        .then(|| script.replacen(UNVERSIONED, &format!("var BUILD = '{version}';"), 1))
}

/// The worker of the app built in `dist`, or `None` when it has none (then `/sw.js` is not
/// found, and the app keeps working online). `framed_by` is the pages' `frame-ancestors`
/// directive: a worker keeps the pages it stored with the headers they came with, so a new
/// list of portals is a new version too, whose install stores them again (a portal taken
/// off the list no longer frames the app from a returning reader's stored page).
pub fn render(dist: &Path, framed_by: &str) -> Option<Worker> {
    let script = std::fs::read_to_string(dist.join("sw.js")).ok()?;
    let pages: Vec<Vec<u8>> = Entry::ALL
        .into_iter()
        .filter_map(|entry| std::fs::read(dist.join(entry.index())).ok())
        .chain([framed_by.as_bytes().to_vec()])
        .collect();
    let Some(script) = versioned(&script, &version(&pages)) else {
        tracing::warn!("dist/sw.js has no `{UNVERSIONED}` line to version; not serving it");
        return None;
    };
    Some(Worker(Arc::new(Prepared::new(
        script.into_bytes(),
        "text/javascript; charset=utf-8",
        Effort::Best,
    ))))
}

impl Worker {
    /// `GET /sw.js`: the worker, 304 when the browser holds this version.
    pub fn route<S: Clone + Send + Sync + 'static>(self) -> MethodRouter<S> {
        let worker = self.0;
        get(move |request: HeaderMap| {
            let worker = Arc::clone(&worker);
            async move { worker.send(&request) }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::{version, versioned};

    #[test]
    fn each_build_is_its_own_version() {
        let one = version(&[b"<script src=/app-0123456789abcdef.js>".to_vec()]);
        let two = version(&[b"<script src=/app-fedcba9876543210.js>".to_vec()]);
        assert_eq!(one.len(), 16);
        assert!(one.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_ne!(one, two);
        assert_eq!(
            one,
            version(&[b"<script src=/app-0123456789abcdef.js>".to_vec()])
        );
        // Moving bytes between pages is another build.
        assert_ne!(
            version(&[b"ab".to_vec(), b"c".to_vec()]),
            version(&[b"a".to_vec(), b"bc".to_vec()])
        );
    }

    #[test]
    fn the_version_replaces_the_placeholder_once() {
        let script = "'use strict';\nvar BUILD = 'dev';\nvar CACHE = 'x' + BUILD;";
        let served = versioned(script, "00ff00ff00ff00ff").unwrap();
        assert!(served.contains("var BUILD = '00ff00ff00ff00ff';"));
        assert!(!served.contains("'dev'"));
        assert_eq!(versioned("var BUILD = 'other';", "1"), None);
    }

    #[test]
    fn another_list_of_portals_is_another_worker() {
        let dist = tempfile::tempdir().unwrap();
        std::fs::write(dist.path().join("sw.js"), "var BUILD = 'dev';").unwrap();
        std::fs::write(dist.path().join("index.html"), "<script src=/app.js>").unwrap();
        let tag = |framed_by: &str| {
            let worker = super::render(dist.path(), framed_by).unwrap();
            let sent = worker.0.send(&axum::http::HeaderMap::new());
            sent.headers()[axum::http::header::ETAG].clone()
        };
        let own = "frame-ancestors 'self'";
        assert_eq!(tag(own), tag(own));
        assert_ne!(
            tag(own),
            tag("frame-ancestors 'self' https://www.jiangxi.gov.cn")
        );
    }

    #[test]
    fn the_shipped_worker_has_the_line_the_server_versions() {
        let script = include_str!("../../../public/sw.js");
        assert!(versioned(script, "0123456789abcdef").is_some());
    }
}
