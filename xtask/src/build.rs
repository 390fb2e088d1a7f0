//! The builds: the citizen app (Trunk, into dist/), the staff console (a separate bundle,
//! into dist/staff/, so it never weighs on the citizen's first load) and the server binary.

use crate::ctx::{run, Ctx, Failure, Result};
use crate::tools::Tools;
use std::path::PathBuf;

/// `trunk build --release` at the workspace root (Trunk.toml: offline, dist/, wasm-release).
pub fn spa(ctx: &Ctx, tools: &Tools) -> Result {
    if !ctx.root.join("index.html").is_file() {
        return Err(Failure::new(
            "index.html is missing at the workspace root: Trunk builds the app from it",
        ));
    }
    let mut cmd = ctx.command(&tools.trunk.to_string_lossy());
    cmd.args(["build", "--release"]);
    println!("$ {}", crate::ctx::show(&cmd));
    run(&mut cmd)?;
    // Trunk replaces its whole output folder, so the console is built after the citizen app.
    let mut cmd = ctx.command(&tools.trunk.to_string_lossy());
    cmd.args([
        "build",
        "staff.html",
        "--release",
        "--dist",
        "dist/staff",
        "--public-url",
        "/staff/",
    ]);
    println!("$ {}", crate::ctx::show(&cmd));
    run(&mut cmd)
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
