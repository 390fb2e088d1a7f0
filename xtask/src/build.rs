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
/// browsing bundle) is built first.
pub fn bundles() -> Vec<(&'static str, String, String)> {
    let mut all: Vec<(&'static str, String, String)> = labday_bundle::Entry::ALL
        .into_iter()
        .map(|entry| match entry.dir() {
            "" => (entry.html(), "dist".to_owned(), "/".to_owned()),
            dir => (entry.html(), format!("dist/{dir}"), format!("/{dir}/")),
        })
        .collect();
    all.push(("staff.html", "dist/staff".to_owned(), "/staff/".to_owned()));
    all
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

fn trunk(ctx: &Ctx, tools: &Tools, (page, dist, public_url): &(&str, String, String)) -> Command {
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
        &all.iter().map(|(page, _, _)| *page).collect::<Vec<_>>(),
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
    outcomes.into_iter().collect()
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
