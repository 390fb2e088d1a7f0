//! The shipped app's size: every file of `dist/`, raw and compressed the way the server
//! serves it (brotli quality 11, gzip best), and each citizen first load: a citizen bundle's
//! `index.html` and every file it names, and the web app manifest it names with every icon
//! that names (Chrome fetches the manifest, and an icon, on the first visit to judge
//! whether the app can be installed; counting every icon errs on the heavy side), and the
//! service worker `sw.js` for a bundle whose files register it. The citizen app is one bundle per journey
//! (`labday_domain::entry`: browse, book, samples), so a first visit fetches only the bundle of
//! the page it opens; whichever page that is, it must fit the budget. The staff console lives
//! under `dist/staff/` and is never part of a citizen's first load.
//!
//! One computation for two readers: `cargo xtask test` checks the first loads, and
//! `cargo xtask bench` reports the same figures. Every citizen bundle's first load must fit
//! [`FIRST_LOAD_BROTLI_BUDGET`]; the check fails as soon as one does not.

pub use labday_domain::entry::Entry;
use std::io::Write;
use std::path::Path;

/// The issue's budget for a citizen's first load: 160 KB of brotli.
pub const FIRST_LOAD_BROTLI_BUDGET: u64 = 160 * 1024;

/// One file of the bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileSize {
    /// Path under `dist/`, with `/` separators.
    pub name: String,
    pub raw: u64,
    pub gzip: u64,
    pub brotli: u64,
    /// The citizen bundles whose first load fetches it (its `index.html`, or named by it).
    pub first_load_of: Vec<Entry>,
}

/// Raw, gzip and brotli bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sizes {
    pub raw: u64,
    pub gzip: u64,
    pub brotli: u64,
}

/// The files of `dist/`, largest (brotli) first.
#[derive(Debug, Clone, Default)]
pub struct Bundle {
    pub files: Vec<FileSize>,
}

impl Bundle {
    fn sum<'a>(files: impl Iterator<Item = &'a FileSize>) -> Sizes {
        files.fold(Sizes::default(), |s, f| Sizes {
            raw: s.raw + f.raw,
            gzip: s.gzip + f.gzip,
            brotli: s.brotli + f.brotli,
        })
    }

    /// Every file.
    pub fn total(&self) -> Sizes {
        Self::sum(self.files.iter())
    }

    /// What a citizen's first visit to a page of `entry` fetches.
    pub fn first_load(&self, entry: Entry) -> Sizes {
        Self::sum(
            self.files
                .iter()
                .filter(|f| f.first_load_of.contains(&entry)),
        )
    }

    /// The heaviest first load: the bundle, and what it fetches.
    pub fn heaviest_first_load(&self) -> (Entry, Sizes) {
        Entry::ALL
            .into_iter()
            .map(|e| (e, self.first_load(e)))
            .max_by_key(|(_, s)| s.brotli)
            .unwrap_or((Entry::Browse, Sizes::default()))
    }

    /// The bundles over the brotli budget, each with its excess bytes.
    pub fn over_budget(&self) -> Vec<(Entry, u64)> {
        Entry::ALL
            .into_iter()
            .filter_map(|e| {
                let brotli = self.first_load(e).brotli;
                (brotli > FIRST_LOAD_BROTLI_BUDGET).then(|| (e, brotli - FIRST_LOAD_BROTLI_BUDGET))
            })
            .collect()
    }

    /// A plain-text table of each citizen bundle's first-load files and their total.
    pub fn first_load_table(&self) -> String {
        let mut out = String::new();
        for entry in Entry::ALL {
            out.push_str(&format!(
                "{:<60} {:>10} {:>10} {:>10}\n",
                format!("first load of {} ({})", entry.name(), entry.index()),
                "raw",
                "gzip",
                "brotli"
            ));
            for f in self
                .files
                .iter()
                .filter(|f| f.first_load_of.contains(&entry))
            {
                out.push_str(&format!(
                    "  {:<58} {:>10} {:>10} {:>10}\n",
                    f.name, f.raw, f.gzip, f.brotli
                ));
            }
            let t = self.first_load(entry);
            out.push_str(&format!(
                "  {:<58} {:>10} {:>10} {:>10}\n",
                "total", t.raw, t.gzip, t.brotli
            ));
        }
        out.push_str(&format!(
            "{:<60} {:>32}\n",
            "budget per first load (brotli)", FIRST_LOAD_BROTLI_BUDGET
        ));
        out
    }
}

/// Gzip at the best level, as the server precompresses.
pub fn gzip(bytes: &[u8]) -> std::io::Result<u64> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes)?;
    Ok(encoder.finish()?.len() as u64)
}

/// Brotli at quality 11 with a 4 MB window, as the server precompresses.
pub fn brotli(bytes: &[u8]) -> std::io::Result<u64> {
    let mut out = Vec::new();
    {
        let mut writer = brotli::CompressorWriter::new(&mut out, 4096, 11, 22);
        writer.write_all(bytes)?;
    }
    Ok(out.len() as u64)
}

/// Whether an `index.html` names the file `name` (a path under `dist/`), as a link, script,
/// preload or module import does. Trunk writes absolute paths, and its minified HTML leaves
/// attribute values unquoted: `href=/name`, `"/name"` or `'/name'`.
pub fn named_by(index: &str, name: &str) -> bool {
    ['"', '\'', '=']
        .iter()
        .any(|q| index.contains(&format!("{q}/{name}")))
}

/// The service worker's script under `dist/` (served at `/sw.js`).
pub const SERVICE_WORKER: &str = "sw.js";

/// Whether the file at `path` names the service worker (`/sw.js`, in a script or in the
/// WebAssembly's strings).
fn names_worker(path: &Path) -> Result<bool, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let wanted = format!("/{SERVICE_WORKER}");
    Ok(bytes.windows(wanted.len()).any(|w| w == wanted.as_bytes()))
}

/// Texts that must not be in a citizen bundle's WebAssembly, and why each is there when it
/// is. A string-slicing panic (`&s[a..b]` off a character boundary) links its message, and
/// with it `char`'s debug formatting and Unicode tables: 3 to 5 KB of brotli in each bundle.
pub const NOT_LINKED: &[(&str, &str)] = &[(
    "is not a char boundary",
    "a string-slicing panic's message: take a part of a str with get or split_at_checked \
     (README, Bundle size)",
)];

/// The citizen first-load WebAssembly files of `dist/` that hold a text of [`NOT_LINKED`],
/// with why the text is there.
pub fn linked_by_mistake(
    dist: &Path,
    bundle: &Bundle,
) -> Result<Vec<(String, &'static str)>, String> {
    let mut found = Vec::new();
    for file in &bundle.files {
        if file.first_load_of.is_empty() || !file.name.ends_with(".wasm") {
            continue;
        }
        let path = dist.join(&file.name);
        let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        for (text, why) in NOT_LINKED {
            if bytes.windows(text.len()).any(|w| w == text.as_bytes()) {
                found.push((file.name.clone(), *why));
            }
        }
    }
    Ok(found)
}

/// Measures every file of `dist/` (precompressed `.br`/`.gz` siblings are skipped: they are
/// the same file, served instead of it).
pub fn measure(dist: &Path) -> Result<Bundle, String> {
    measure_files(dist, false)
}

/// Measures only the citizen first loads (what the budget check needs: brotli at quality
/// 11 is slow, and the console's files would double the work).
pub fn measure_first_load(dist: &Path) -> Result<Bundle, String> {
    measure_files(dist, true)
}

fn measure_files(dist: &Path, first_load_only: bool) -> Result<Bundle, String> {
    let mut pages = Vec::new();
    for entry in Entry::ALL {
        let path = dist.join(entry.index());
        let page = std::fs::read_to_string(&path).map_err(|e| {
            format!(
                "{}: {e} (build the app first: cargo xtask run builds every bundle, as \
                 xtask/src/build.rs says)",
                path.display()
            )
        })?;
        pages.push((entry, entry.index(), page));
    }
    let mut found = Vec::new();
    let mut stack = vec![dist.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        for entry in entries {
            let path = entry.map_err(|e| e.to_string())?.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let name = path
                .strip_prefix(dist)
                .unwrap_or(&path)
                .to_string_lossy()
                .replace('\\', "/");
            if !(name.ends_with(".br") || name.ends_with(".gz")) {
                found.push((name, path));
            }
        }
    }
    // What a first visit reads names from: the page, and the manifests the page names.
    for (_, _, page) in &mut pages {
        let manifests: Vec<&std::path::PathBuf> = found
            .iter()
            .filter(|(name, _)| name.ends_with(".webmanifest") && named_by(page, name))
            .map(|(_, path)| path)
            .collect();
        let mut read = String::new();
        for path in manifests {
            read +=
                &std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        }
        page.push_str(&read);
    }
    let first_load_of = |name: &str| -> Vec<Entry> {
        pages
            .iter()
            .filter(|(_, index, page)| name == *index || named_by(page, name))
            .map(|(e, _, _)| *e)
            .collect()
    };
    // The service worker: fetched by a bundle whose files register it (name `/sw.js`; the
    // app registers it once the device keeps a ticket, which a first visit can do).
    let mut registering = Vec::new();
    for (name, path) in &found {
        if name.ends_with(".html") || name == SERVICE_WORKER {
            continue;
        }
        for entry in first_load_of(name) {
            if !registering.contains(&entry) && names_worker(path)? {
                registering.push(entry);
            }
        }
    }
    let mut files = Vec::new();
    for (name, path) in found {
        let first_load_of = if name == SERVICE_WORKER {
            registering.clone()
        } else {
            first_load_of(&name)
        };
        if first_load_only && first_load_of.is_empty() {
            continue;
        }
        let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        files.push(FileSize {
            raw: bytes.len() as u64,
            gzip: gzip(&bytes).map_err(|e| e.to_string())?,
            brotli: brotli(&bytes).map_err(|e| e.to_string())?,
            name,
            first_load_of,
        });
    }
    files.sort_by(|a, b| b.brotli.cmp(&a.brotli).then(a.name.cmp(&b.name)));
    Ok(Bundle { files })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dist() -> tempdir::Dir {
        tempdir::Dir::new()
    }

    /// A scratch directory removed on drop (std only, to keep this crate light).
    mod tempdir {
        use std::path::{Path, PathBuf};

        pub struct Dir(PathBuf);

        impl Dir {
            pub fn new() -> Dir {
                let n = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_nanos())
                    .unwrap_or_default();
                let path =
                    std::env::temp_dir().join(format!("labday-bundle-{}-{n}", std::process::id()));
                std::fs::create_dir_all(path.join("staff")).unwrap();
                Dir(path)
            }

            pub fn path(&self) -> &Path {
                &self.0
            }
        }

        impl Drop for Dir {
            fn drop(&mut self) {
                let _ = std::fs::remove_dir_all(&self.0);
            }
        }
    }

    /// dist/ as Trunk writes it: three citizen bundles sharing the icon, and the console.
    fn built(p: &Path) {
        std::fs::write(
            p.join("index.html"),
            r#"<link rel=icon href=/favicon.svg><link rel=manifest href=/app.webmanifest><link rel="preload" href="/app-1_bg.wasm"><link href=/main-2.css rel=stylesheet><script type="module">import init from '/app-1.js';</script>"#,
        )
        .unwrap();
        std::fs::write(
            p.join("app.webmanifest"),
            r#"{"icons": [{"src": "/icons/a-192.png"}, {"src": "/icons/a-512.png"}]}"#,
        )
        .unwrap();
        std::fs::create_dir_all(p.join("icons")).unwrap();
        for icon in ["a-192.png", "a-512.png", "unused.png"] {
            std::fs::write(p.join("icons").join(icon), icon).unwrap();
        }
        std::fs::write(p.join("app-1_bg.wasm"), vec![7u8; 5000]).unwrap();
        std::fs::write(p.join("app-1.js"), "export default 1;").unwrap();
        std::fs::write(p.join("main-2.css"), "body{}").unwrap();
        std::fs::write(p.join("favicon.svg"), "<svg/>").unwrap();
        std::fs::write(p.join("embed.js"), "/* portal loader */").unwrap();
        std::fs::write(p.join("app-1_bg.wasm.br"), "precompressed").unwrap();
        for (dir, wasm) in [
            ("bundles/book", 9000),
            ("bundles/mine", 4000),
            ("bundles/samples", 3000),
        ] {
            let d = p.join(dir);
            std::fs::create_dir_all(&d).unwrap();
            std::fs::write(
                d.join("index.html"),
                format!(r#"<link rel=icon href=/favicon.svg><link rel=manifest href="/app.webmanifest"><link rel="preload" href="/{dir}/b-3_bg.wasm"><script type="module">import init from '/{dir}/b-3.js';</script>"#),
            )
            .unwrap();
            let bytes: Vec<u8> = (0..wasm)
                .map(|i: u32| (i.wrapping_mul(2654435761) >> 13) as u8)
                .collect();
            std::fs::write(d.join("b-3_bg.wasm"), bytes).unwrap();
            std::fs::write(d.join("b-3.js"), "export default 3;").unwrap();
        }
        std::fs::write(p.join("staff").join("index.html"), "<p>console</p>").unwrap();
        std::fs::write(p.join("staff").join("app-1.js"), "console").unwrap();
    }

    /// The names of `entry`'s first load, checked to be `count` of them with every one of
    /// `expected` among them.
    fn first_load<'b>(
        bundle: &'b Bundle,
        entry: Entry,
        count: usize,
        expected: &[&str],
    ) -> Vec<&'b str> {
        let names: Vec<&str> = bundle
            .files
            .iter()
            .filter(|f| f.first_load_of.contains(&entry))
            .map(|f| f.name.as_str())
            .collect();
        assert_eq!(names.len(), count, "{names:?}");
        for name in expected {
            assert!(names.contains(name), "{name} in {names:?}");
        }
        names
    }

    #[test]
    fn each_first_load_is_its_index_and_what_it_names_never_the_console() {
        let d = dist();
        let p = d.path();
        built(p);
        let bundle = measure(p).unwrap();

        let browse = [
            "index.html",
            "app-1_bg.wasm",
            "app-1.js",
            "main-2.css",
            "favicon.svg",
            "app.webmanifest",
            "icons/a-192.png",
            "icons/a-512.png",
        ];
        first_load(&bundle, Entry::Browse, 8, &browse);
        let book = [
            "bundles/book/index.html",
            "bundles/book/b-3_bg.wasm",
            "bundles/book/b-3.js",
            "favicon.svg",
            "app.webmanifest",
            "icons/a-512.png",
        ];
        let book = first_load(&bundle, Entry::Book, 7, &book);
        assert!(!book
            .iter()
            .any(|n| n.contains("samples") || n.starts_with("app-1")));
        assert!(bundle.files.iter().all(|f| !f.name.ends_with(".br")));
        for quiet in [
            "staff/app-1.js",
            "staff/index.html",
            "embed.js",
            "icons/unused.png",
        ] {
            let f = bundle.files.iter().find(|f| f.name == quiet).unwrap();
            assert!(f.first_load_of.is_empty(), "{quiet} is in no first load");
        }
        let wasm = bundle
            .files
            .iter()
            .find(|f| f.name == "app-1_bg.wasm")
            .unwrap();
        assert_eq!(wasm.raw, 5000);
        assert!(
            wasm.brotli < 100 && wasm.gzip < 100,
            "repetitive bytes compress"
        );
        assert_eq!(
            bundle.first_load(Entry::Book).raw,
            bundle
                .files
                .iter()
                .filter(|f| f.first_load_of.contains(&Entry::Book))
                .map(|f| f.raw)
                .sum::<u64>()
        );
        // The book bundle's wasm is the biggest and barely compresses.
        assert_eq!(bundle.heaviest_first_load().0, Entry::Book);
        assert!(bundle.over_budget().is_empty());
        let first_only = measure_first_load(p).unwrap();
        for entry in Entry::ALL {
            assert_eq!(first_only.first_load(entry), bundle.first_load(entry));
        }
        assert!(first_only.files.iter().all(|f| !f.first_load_of.is_empty()));
        assert!(first_only
            .first_load_table()
            .contains("bundles/samples/b-3_bg.wasm"));
    }

    #[test]
    fn the_service_worker_counts_for_the_bundles_that_register_it() {
        let d = dist();
        let p = d.path();
        built(p);
        std::fs::write(p.join(SERVICE_WORKER), "self.addEventListener('fetch', f);").unwrap();
        let unregistered = measure(p).unwrap();
        let worker = |b: &Bundle| {
            b.files
                .iter()
                .find(|f| f.name == SERVICE_WORKER)
                .unwrap()
                .first_load_of
                .clone()
        };
        assert!(worker(&unregistered).is_empty(), "no bundle registers it");

        // The booking bundle's WebAssembly names it (among its strings).
        let mut wasm = std::fs::read(p.join("bundles/book/b-3_bg.wasm")).unwrap();
        wasm.extend_from_slice(b"\0/sw.js\0");
        std::fs::write(p.join("bundles/book/b-3_bg.wasm"), wasm).unwrap();
        let bundle = measure(p).unwrap();
        assert_eq!(worker(&bundle), vec![Entry::Book]);
        let sw = bundle
            .files
            .iter()
            .find(|f| f.name == SERVICE_WORKER)
            .unwrap();
        assert_eq!(
            bundle.first_load(Entry::Book).raw,
            unregistered.first_load(Entry::Book).raw + 8 + sw.raw
        );
        assert_eq!(
            measure_first_load(p).unwrap().first_load(Entry::Book),
            bundle.first_load(Entry::Book)
        );
    }

    #[test]
    fn a_missing_bundle_is_an_error_that_says_how_to_build_it() {
        let d = dist();
        let p = d.path();
        built(p);
        std::fs::remove_file(p.join("bundles/samples/index.html")).unwrap();
        let err = measure(p).unwrap_err();
        assert!(err.contains("bundles/samples/index.html"), "{err}");
        assert!(err.contains("cargo xtask run"), "{err}");
    }

    fn weighing(entry: Entry, brotli: u64) -> FileSize {
        FileSize {
            name: format!("{}/app_bg.wasm", entry.name()),
            raw: 500_000,
            gzip: 200_000,
            brotli,
            first_load_of: vec![entry],
        }
    }

    #[test]
    fn a_panics_message_in_a_citizen_bundle_is_named_and_the_consoles_is_not() {
        let d = dist();
        let p = d.path();
        built(p);
        let clean = measure_first_load(p).unwrap();
        assert_eq!(linked_by_mistake(p, &clean).unwrap(), vec![]);
        let mut wasm = vec![0u8; 100];
        wasm.extend(b"byte index  is not a char boundary; it is inside ");
        std::fs::write(p.join("bundles/mine/b-3_bg.wasm"), &wasm).unwrap();
        std::fs::write(p.join("staff").join("app_bg.wasm"), &wasm).unwrap();
        let bundle = measure_first_load(p).unwrap();
        let found = linked_by_mistake(p, &bundle).unwrap();
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, "bundles/mine/b-3_bg.wasm");
        assert!(found[0].1.contains("split_at_checked"), "{found:?}");
    }

    #[test]
    fn a_first_load_past_the_budget_says_which_and_by_how_much() {
        let bundle = Bundle {
            files: vec![
                weighing(Entry::Browse, FIRST_LOAD_BROTLI_BUDGET - 10),
                weighing(Entry::Book, 1000),
                weighing(Entry::Samples, FIRST_LOAD_BROTLI_BUDGET + 1234),
            ],
        };
        assert_eq!(bundle.over_budget(), vec![(Entry::Samples, 1234)]);
        assert!(bundle.first_load_table().contains("samples/app_bg.wasm"));
        let exact = Bundle {
            files: vec![weighing(Entry::Book, FIRST_LOAD_BROTLI_BUDGET)],
        };
        assert!(exact.over_budget().is_empty(), "the budget itself fits");
    }
}
