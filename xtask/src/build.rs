//! The builds: the citizen app (Trunk, one bundle per journey: dist/, dist/bundles/book/,
//! dist/bundles/samples/), the staff console (its own bundle in dist/staff/, so it never
//! weighs on a citizen's first load) and the server binary.

use crate::ctx::{run, Ctx, Failure, Result};
use crate::tools::Tools;
use std::path::PathBuf;

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

/// `trunk build --release` of every bundle (Trunk.toml: offline, wasm-release).
pub fn spa(ctx: &Ctx, tools: &Tools) -> Result {
    for (page, dist, public_url) in bundles() {
        if !ctx.root.join(page).is_file() {
            return Err(Failure::new(format!(
                "{page} is missing at the workspace root: Trunk builds a bundle from it"
            )));
        }
        let mut cmd = ctx.command(&tools.trunk.to_string_lossy());
        cmd.args([
            "build",
            page,
            "--release",
            "--dist",
            &dist,
            "--public-url",
            &public_url,
        ]);
        println!("$ {}", crate::ctx::show(&cmd));
        run(&mut cmd)?;
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
    if exe.is_file() {
        Ok(exe)
    } else {
        Err(Failure::new(format!(
            "cargo built labday-server but {} does not exist (custom target dir?)",
            exe.display()
        )))
    }
}

/// Cargo's target directory (CARGO_TARGET_DIR, else `<root>/target`).
pub fn target_dir(ctx: &Ctx) -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => crate::ctx::absolute(&ctx.root, dir.as_ref()),
        _ => ctx.root.join("target"),
    }
}
