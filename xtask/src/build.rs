//! The builds: the citizen app (Trunk, one bundle per journey: dist/, dist/bundles/book/,
//! dist/bundles/samples/), the staff console (its own bundle in dist/staff/, so it never
//! weighs on a citizen's first load) and the server binary.

use crate::ctx::{made, run, Ctx, Failure, Result};
use crate::tools::Tools;
use std::path::PathBuf;
use std::process::{Child, Command};

/// The Trunk entry pages: (page, output folder under the root, public URL). The citizen app
/// is one bundle per journey (`labday_domain::entry`, re-exported by labday-bundle); the staff
/// console is its own bundle. Trunk replaces its whole output folder, so `dist/` itself (the
/// browsing bundle) is built first. A page is a path from the root: the browsing bundle's
/// and the console's are in the repository, the other citizen pages are made from the
/// browsing bundle's (see [`entry_pages`]).
pub fn bundles() -> Vec<(String, String, String)> {
    let mut all: Vec<(String, String, String)> = labday_bundle::Entry::ALL
        .into_iter()
        .map(|entry| match entry.dir() {
            "" => (BROWSE_PAGE.to_owned(), "dist".to_owned(), "/".to_owned()),
            dir => (made_page(entry), format!("dist/{dir}"), format!("/{dir}/")),
        })
        .collect();
    all.push((
        "staff.html".to_owned(),
        "dist/staff".to_owned(),
        "/staff/".to_owned(),
    ));
    all
}

/// The browsing bundle's entry page, which every citizen bundle's is made from.
const BROWSE_PAGE: &str = "index.html";
/// Where the other citizen bundles' pages are made (under the root; git ignores `target/`).
const MADE_PAGES: &str = "target/entry-pages";

fn made_page(entry: labday_bundle::Entry) -> String {
    format!("{MADE_PAGES}/{}.html", entry.name())
}

/// Writes every citizen bundle's entry page but the browsing one's, from the browsing one's
/// (`index.html`), so the four cannot drift apart (a wasm-opt flag, a shared head, a
/// script): the same page with its own binary (`data-bin="labday-book"`), without the
/// files only the site's root carries (its `copy-file` and `copy-dir` links), and with
/// every path leading back to the root, since the page is not in it.
fn entry_pages(ctx: &Ctx) -> Result {
    let source = std::fs::read_to_string(ctx.root.join(BROWSE_PAGE))
        .map_err(|e| Failure::new(format!("cannot read {BROWSE_PAGE}: {e}")))?;
    std::fs::create_dir_all(ctx.root.join(MADE_PAGES))
        .map_err(|e| Failure::new(format!("cannot create {MADE_PAGES}: {e}")))?;
    let to_root = "../".repeat(MADE_PAGES.split('/').count());
    for entry in labday_bundle::Entry::ALL {
        if entry.dir().is_empty() {
            continue;
        }
        let page = entry_page(&source, entry.name(), &to_root)
            .map_err(|e| Failure::new(format!("{BROWSE_PAGE}: {e}")))?;
        let path = ctx.root.join(made_page(entry));
        // Rewritten only when it changes, so Trunk and the bench see an unchanged page.
        if std::fs::read_to_string(&path).ok().as_deref() != Some(page.as_str()) {
            std::fs::write(&path, page)
                .map_err(|e| Failure::new(format!("cannot write {}: {e}", path.display())))?;
        }
    }
    Ok(())
}

/// The entry page of the citizen bundle `name` (`book`), from the browsing bundle's page;
/// `to_root` leads from the made page's folder to the root (`../../`). (Trunk reads an
/// absolute path as one under the page's folder.)
fn entry_page(source: &str, name: &str, to_root: &str) -> std::result::Result<String, String> {
    const BIN: &str = "data-bin=\"labday\"";
    if source.matches(BIN).count() != 1 {
        return Err(format!("names its binary with {BIN} not exactly once"));
    }
    let mut page = String::with_capacity(source.len() * 2);
    for line in source.lines() {
        if line.contains("rel=\"copy-file\"") || line.contains("rel=\"copy-dir\"") {
            continue;
        }
        let mut parts = line.split("href=\"");
        page.push_str(parts.next().unwrap_or_default());
        for rest in parts {
            if rest.starts_with('/') || rest.starts_with("..") || rest.contains("://") {
                return Err(format!(
                    "names a file outside the repository: href=\"{rest}"
                ));
            }
            page.push_str(&format!("href=\"{to_root}{rest}"));
        }
        page.push('\n');
    }
    Ok(page.replace(
        BIN,
        &format!("data-bin=\"labday-{name}\" href=\"{to_root}Cargo.toml\""),
    ))
}

/// The binaries a Trunk page builds: each Rust asset's `data-bin` (the staff console's
/// page also builds its QR decoder's worker).
fn page_bins(ctx: &Ctx, page: &str) -> Result<Vec<String>> {
    let html = std::fs::read_to_string(ctx.root.join(page))
        .map_err(|e| Failure::new(format!("cannot read {page}: {e}")))?;
    let bins: Vec<String> = html
        .split("data-bin=\"")
        .skip(1)
        .filter_map(|rest| rest.split_once('"'))
        .map(|(bin, _)| bin.to_owned())
        .collect();
    if bins.is_empty() {
        return Err(Failure::new(format!(
            "{page} names no binary: its <link data-trunk rel=\"rust\"> needs data-bin"
        )));
    }
    Ok(bins)
}

/// The Rust side of every bundle at once: `cargo build` of all the app's binaries with the
/// arguments Trunk gives it (the same features and profile, so Trunk's own `cargo build`
/// then finds each binary up to date). Their link-time optimisation, single-threaded per
/// binary and most of a cold build, runs side by side.
fn wasm_binaries(ctx: &Ctx, pages: &[&str]) -> Result {
    let mut cmd = ctx.cargo();
    cmd.args([
        "build",
        "--target=wasm32-unknown-unknown",
        "--manifest-path",
    ])
    .arg(ctx.root.join("Cargo.toml"))
    .args(["--profile", "wasm-release", "--offline"]);
    for page in pages {
        for bin in page_bins(ctx, page)? {
            cmd.arg("--bin").arg(bin);
        }
    }
    println!("$ {}", crate::ctx::show(&cmd));
    run(&mut cmd)
}

fn trunk(ctx: &Ctx, tools: &Tools, (page, dist, public_url): &(String, String, String)) -> Command {
    let mut cmd = ctx.command(&tools.trunk.to_string_lossy());
    cmd.args([
        "build",
        page,
        "--release",
        "--dist",
        dist,
        "--public-url",
        public_url,
    ]);
    cmd
}

/// `trunk build --release` of every bundle (Trunk.toml: offline, wasm-release). The binaries
/// are built first, together; then `dist/` itself, since Trunk replaces its whole output
/// folder; then the bundles in its subfolders side by side (wasm-bindgen and wasm-opt are
/// single-threaded).
pub fn spa(ctx: &Ctx, tools: &Tools) -> Result {
    entry_pages(ctx)?;
    let all = bundles();
    for (page, _, _) in &all {
        if !ctx.root.join(page).is_file() {
            return Err(Failure::new(format!(
                "{page} is missing at the workspace root: Trunk builds a bundle from it"
            )));
        }
    }
    wasm_binaries(
        ctx,
        &all.iter()
            .map(|(page, _, _)| page.as_str())
            .collect::<Vec<_>>(),
    )?;
    let (first, rest) = all
        .split_first()
        .expect("the browsing bundle is always built");
    let mut cmd = trunk(ctx, tools, first);
    println!("$ {}", crate::ctx::show(&cmd));
    run(&mut cmd)?;
    let running: Vec<(Command, std::io::Result<Child>)> = rest
        .iter()
        .map(|bundle| {
            let mut cmd = trunk(ctx, tools, bundle);
            println!("$ {} &", crate::ctx::show(&cmd));
            let child = cmd.spawn();
            (cmd, child)
        })
        .collect();
    // Wait for every one before reporting, so no build is left running.
    let outcomes: Vec<Result> = running
        .into_iter()
        .map(|(cmd, child)| {
            let status = child
                .and_then(|mut c| c.wait())
                .map_err(|e| crate::ctx::spawn_failure(&cmd, e))?;
            crate::ctx::finished(&cmd, status)
        })
        .collect();
    outcomes.into_iter().collect::<Result>()?;
    for (_, dist, _) in &all {
        match crate::glue::trim(&ctx.root.join(dist)) {
            Ok(Some(bytes)) => println!("{dist}: {bytes} B of glue for dropped exports taken out"),
            Ok(None) => {}
            Err(e) => return Err(Failure::new(format!("trimming {dist}'s glue: {e}"))),
        }
        match crate::imports::shorten(&ctx.root.join(dist)) {
            Ok((names, bytes)) => println!("{dist}: {names} imports renamed short, {bytes} B less"),
            Err(e) => return Err(Failure::new(format!("renaming {dist}'s imports: {e}"))),
        }
    }
    Ok(())
}

/// `cargo build --release -p labday-server`, returning the binary's path.
pub fn server(ctx: &Ctx) -> Result<PathBuf> {
    let mut cmd = ctx.cargo();
    cmd.args(["build", "--release", "-p", "labday-server"]);
    println!("$ {}", crate::ctx::show(&cmd));
    run(&mut cmd)?;
    let exe = target_dir(ctx)
        .join("release")
        .join(format!("labday-server{}", std::env::consts::EXE_SUFFIX));
    made(exe, |exe| {
        format!(
            "cargo built labday-server but {} does not exist (custom target dir?)",
            exe.display()
        )
    })
}

/// Cargo's target directory (CARGO_TARGET_DIR, else `<root>/target`).
pub fn target_dir(ctx: &Ctx) -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => crate::ctx::absolute(&ctx.root, dir.as_ref()),
        _ => ctx.root.join("target"),
    }
}

#[cfg(test)]
mod tests {
    use super::entry_page;

    #[test]
    fn a_citizen_page_is_the_browsing_page_with_its_own_binary() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let source = std::fs::read_to_string(root.join("index.html")).unwrap();
        let page = entry_page(&source, "book", "../../").unwrap();
        assert_eq!(super::MADE_PAGES.split('/').count(), 2);
        assert!(page.contains("data-bin=\"labday-book\""), "{page}");
        assert!(!page.contains("data-bin=\"labday\""), "{page}");
        assert!(
            !page.contains("copy-file") && !page.contains("copy-dir"),
            "{page}"
        );
        // Every other line as it is, with each path made absolute and naming a real file.
        let kept: Vec<&str> = source
            .lines()
            .filter(|l| !l.contains("copy-file") && !l.contains("copy-dir"))
            .collect();
        assert_eq!(page.lines().count(), kept.len());
        let mut paths = 0;
        for rest in page.split("href=\"").skip(1) {
            let path = rest.split('"').next().unwrap();
            // From target/entry-pages/, two folders up is the root.
            let from_root = path.strip_prefix("../../").expect(path);
            assert!(root.join(from_root).is_file(), "{path}");
            paths += 1;
        }
        // The head, the manifest, the style sheet, the scripts and the first paint.
        assert!(paths >= 6, "{page}");
        assert!(
            page.contains("--remove-exports"),
            "the browsing page's wasm-opt flags"
        );
    }

    #[test]
    fn a_page_that_cannot_be_made_says_why() {
        let twice = "<link data-bin=\"labday\"><link data-bin=\"labday\">";
        assert!(entry_page(twice, "book", "../")
            .unwrap_err()
            .contains("exactly once"));
        for outside in [
            "/etc/style.css",
            "../style.css",
            "https://cdn.example/x.css",
        ] {
            let page = format!("<link data-bin=\"labday\"><link href=\"{outside}\">");
            assert!(entry_page(&page, "book", "../")
                .unwrap_err()
                .contains("outside"));
        }
    }
}
