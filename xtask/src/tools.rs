//! Tool bootstrap shared by `run` and `test`: install only what is missing, one line per step.
//!
//! Tools land in a per-user cache shared by every clone (`~/.cache/labday/tools`, or
//! LABDAY_TOOLS_DIR; see `Ctx::tools`), one folder per tool and version, so pinned versions
//! coexist and a version bump installs the new one beside the old:
//!
//! ```text
//! trunk-0.21.14/bin/trunk
//! wasm-bindgen-cli-0.2.100/bin/wasm-bindgen, wasm-bindgen-test-runner
//! binaryen-132/node_modules/.bin/wasm-opt
//! axe-core-4.14.1/node_modules/axe-core/axe.min.js
//! ```
//!
//! The folders of the versions in use go first on every child's PATH, which is how Trunk
//! (offline) finds `wasm-bindgen` and `wasm-opt`. Each is installed into a scratch folder and
//! renamed into place when complete, so an interrupted install is never mistaken for a tool,
//! and two clones bootstrapping at once do not overwrite each other's files.

use crate::ctx::{made, output, run, Ctx, Failure, Result};
use std::path::{Path, PathBuf};

pub const TRUNK_VERSION: &str = "0.21.14";
const WASM_TARGET: &str = "wasm32-unknown-unknown";
const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// What the bootstrap found or installed.
pub struct Tools {
    pub trunk: PathBuf,
    /// (chromium, chromedriver), when the browser was asked for.
    pub browser: Option<(PathBuf, PathBuf)>,
}

/// Make sure every tool is present; with `browser`, Chromium and chromedriver too.
/// Also sets the children's environment (Trunk tool versions, browser paths).
pub fn bootstrap(ctx: &mut Ctx, browser: bool) -> Result<Tools> {
    println!(
        "==> tools (installing only what is missing into {})",
        ctx.tools.display()
    );
    wasm_target(ctx)?;
    fetch_crates(ctx)?;

    let wasm_bindgen = wasm_bindgen_version(&ctx.root)?;
    let binaryen = binaryen_version(&ctx.root, &wasm_bindgen)?;

    let trunk = cargo_tool(ctx, "trunk", TRUNK_VERSION, &["trunk"])?;
    cargo_tool(
        ctx,
        "wasm-bindgen-cli",
        &wasm_bindgen,
        &["wasm-bindgen", "wasm-bindgen-test-runner"],
    )?;
    wasm_opt(ctx, &binaryen)?;

    // Trunk.toml pins the same versions; the environment wins should they ever drift.
    ctx.set_env("TRUNK_TOOLS_WASM_BINDGEN", &wasm_bindgen);
    ctx.set_env("TRUNK_TOOLS_WASM_OPT", format!("version_{binaryen}"));
    // The CLI-level offline switch also stops Trunk's update check against crates.io.
    ctx.set_env("TRUNK_OFFLINE", "true");
    ctx.set_env("TRUNK_SKIP_VERSION_CHECK", "true");

    let browser = if browser {
        let axe = axe_core(ctx)?;
        ctx.set_env("LABDAY_AXE", &axe);
        let (chromium, driver) = chromium(ctx)?;
        ctx.set_env("LABDAY_CHROMIUM", &chromium);
        ctx.set_env("LABDAY_CHROMEDRIVER", &driver);
        ctx.set_env("CHROMEDRIVER", &driver);
        Some((chromium, driver))
    } else {
        None
    };
    Ok(Tools { trunk, browser })
}

fn step(what: &str) {
    println!("  - {what}");
}

/// The wasm32 target for the installed toolchain.
fn wasm_target(ctx: &Ctx) -> Result {
    let installed = output(
        ctx.command("rustup")
            .args(["target", "list", "--installed"]),
    );
    match installed {
        Some(list) if list.lines().any(|l| l.trim() == WASM_TARGET) => {
            step(&format!("rust target {WASM_TARGET}: installed"));
            Ok(())
        }
        Some(_) => {
            step(&format!(
                "rust target {WASM_TARGET}: adding (rustup target add)"
            ));
            run(ctx.command("rustup").args(["target", "add", WASM_TARGET])).map_err(|_| {
                Failure::new(format!(
                    "could not add the {WASM_TARGET} target: run `rustup target add {WASM_TARGET}` \
                     with network access"
                ))
            })
        }
        None => {
            // No rustup: accept a toolchain that ships the target's standard library.
            let sysroot = output(ctx.command("rustc").args(["--print", "sysroot"]));
            let has_std = sysroot
                .map(|s| {
                    Path::new(s.trim())
                        .join("lib/rustlib")
                        .join(WASM_TARGET)
                        .is_dir()
                })
                .unwrap_or(false);
            if has_std {
                step(&format!("rust target {WASM_TARGET}: present (no rustup)"));
                Ok(())
            } else {
                Err(Failure::new(format!(
                    "the Rust target {WASM_TARGET} is missing and rustup is not available: \
                     install rustup (https://rustup.rs) and run `rustup target add {WASM_TARGET}`"
                )))
            }
        }
    }
}

/// Trunk builds offline (`cargo build --offline`), so every crate must be downloaded first.
fn fetch_crates(ctx: &Ctx) -> Result {
    step("crates: cargo fetch (Trunk builds offline)");
    run(ctx.cargo().args(["fetch", "--quiet"])).map_err(|e| {
        Failure::new(format!(
            "{e}: cargo could not download the dependencies (is crates.io reachable?)"
        ))
    })
}

/// The exact `wasm-bindgen` version in Cargo.lock: wasm-bindgen-cli must match it.
pub fn wasm_bindgen_version(root: &Path) -> Result<String> {
    let lock = std::fs::read_to_string(root.join("Cargo.lock"))
        .map_err(|e| Failure::new(format!("cannot read Cargo.lock: {e}")))?;
    let mut versions: Vec<String> = Vec::new();
    let mut lines = lock.lines().map(str::trim);
    while let Some(line) = lines.next() {
        if line != "name = \"wasm-bindgen\"" {
            continue;
        }
        let version = lines
            .next()
            .and_then(|l| l.strip_prefix("version = \""))
            .and_then(|l| l.strip_suffix('"'));
        if let Some(v) = version {
            if !versions.iter().any(|known| known == v) {
                versions.push(v.to_owned());
            }
        }
    }
    match versions.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err(Failure::new(
            "Cargo.lock has no `wasm-bindgen` package: does the app crate still depend on it?",
        )),
        many => Err(Failure::new(format!(
            "Cargo.lock has several wasm-bindgen versions ({}): pin one with `wasm-bindgen = \"=0.2.x\"`",
            many.join(", ")
        ))),
    }
}

/// The binaryen release pinned in Trunk.toml (`wasm_opt = "version_N"`), as `N`.
/// Also warns when Trunk.toml's `wasm_bindgen` no longer matches Cargo.lock.
fn binaryen_version(root: &Path, wasm_bindgen: &str) -> Result<String> {
    let path = root.join("Trunk.toml");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| Failure::new(format!("cannot read {}: {e}", path.display())))?;
    if let Some(pinned) = toml_string(&text, "tools", "wasm_bindgen") {
        if pinned != wasm_bindgen {
            println!(
                "  ! Trunk.toml pins wasm_bindgen = \"{pinned}\" but Cargo.lock has {wasm_bindgen}: \
                 using {wasm_bindgen}; please update Trunk.toml"
            );
        }
    }
    toml_string(&text, "tools", "wasm_opt")
        .and_then(|v| v.strip_prefix("version_").map(str::to_owned))
        .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(|| {
            Failure::new(
                "Trunk.toml must pin the binaryen release under [tools], e.g. wasm_opt = \"version_132\"",
            )
        })
}

/// A `key = "value"` string in `[section]` of a simple TOML file.
fn toml_string(text: &str, section: &str, key: &str) -> Option<String> {
    let mut current = String::new();
    for line in text.lines().map(str::trim) {
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            current = name.trim().to_owned();
            continue;
        }
        if current != section {
            continue;
        }
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        if k.trim() == key {
            let v = v.split('#').next().unwrap_or("").trim();
            return v
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .map(str::to_owned);
        }
    }
    None
}

/// The version a binary reports with `--version` ("name 1.2.3 ..."), if it runs.
fn reported_version(ctx: &Ctx, bin: &str) -> Option<String> {
    ctx.which(bin)?;
    let out = output(ctx.command(bin).arg("--version"))?;
    out.split_whitespace().nth(1).map(str::to_owned)
}

/// Installs into a scratch folder beside `home` with `install`, then renames it to `home`.
/// Should another bootstrap have put a working `home` in place meanwhile (`ready`), its copy
/// is kept and ours dropped.
fn install_into(
    home: &Path,
    ready: impl Fn() -> bool,
    install: impl Fn(&Path) -> Result,
) -> Result {
    let parent = home
        .parent()
        .ok_or_else(|| Failure::new(format!("{} has no parent folder", home.display())))?;
    std::fs::create_dir_all(parent)
        .map_err(|e| Failure::new(format!("cannot create {}: {e}", parent.display())))?;
    let name = home.file_name().unwrap_or_default().to_string_lossy();
    let scratch = parent.join(format!(".{name}.installing-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch)
        .map_err(|e| Failure::new(format!("cannot create {}: {e}", scratch.display())))?;
    let installed = install(&scratch);
    if installed.is_err() {
        let _ = std::fs::remove_dir_all(&scratch);
        return installed;
    }
    if ready() {
        let _ = std::fs::remove_dir_all(&scratch);
        return Ok(());
    }
    // A broken or partial folder of the same version (e.g. from an older layout) goes first.
    let _ = std::fs::remove_dir_all(home);
    let renamed = std::fs::rename(&scratch, home);
    if renamed.is_err() {
        let _ = std::fs::remove_dir_all(&scratch);
    }
    match renamed {
        Ok(()) => Ok(()),
        Err(_) if ready() => Ok(()),
        Err(e) => Err(Failure::new(format!(
            "cannot move the installed tool into {}: {e}",
            home.display()
        ))),
    }
}

/// A crates.io binary at an exact version: ours in `<tools>/<crate>-<version>/bin` if it
/// reports that version, else the first one on PATH that does, else `cargo install` into ours.
fn cargo_tool(ctx: &mut Ctx, krate: &str, version: &str, bins: &[&str]) -> Result<PathBuf> {
    let home = ctx.tools.join(format!("{krate}-{version}"));
    let bin_dir = home.join("bin");
    let ours_ok = || {
        bins.iter().all(|bin| {
            let exe = bin_dir.join(bin);
            reported_version(ctx, &exe.to_string_lossy()).as_deref() == Some(version)
        })
    };
    let on_path_ok = || {
        bins.iter()
            .all(|bin| reported_version(ctx, bin).as_deref() == Some(version))
    };
    if ours_ok() {
        step(&format!("{krate} {version}: {}", bin_dir.display()));
    } else if on_path_ok() {
        let path = ctx.which(bins[0]).unwrap_or_default();
        step(&format!("{krate} {version}: {} (on PATH)", path.display()));
        return Ok(path);
    } else {
        step(&format!(
            "{krate} {version}: installing into {} (cargo install, takes a few minutes once \
             per version for all clones)",
            home.display()
        ));
        let install = |root: &Path, locked: bool| {
            let mut cmd = ctx.cargo();
            // Run outside the workspace so its .cargo/config.toml does not apply.
            cmd.current_dir(root)
                .args(["install", krate, "--version", version, "--force", "--root"])
                .arg(root)
                // Build tools are run a few times per build: compile them quickly (no LTO,
                // many codegen units, light optimisation) rather than squeeze their run time.
                .env("CARGO_PROFILE_RELEASE_LTO", "false")
                .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16")
                .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "1")
                .env("CARGO_PROFILE_RELEASE_DEBUG", "false")
                .env("CARGO_PROFILE_RELEASE_STRIP", "true");
            if locked {
                cmd.arg("--locked");
            }
            run(&mut cmd)
        };
        install_into(&home, ours_ok, |root| {
            if install(root, true).is_ok() {
                return Ok(());
            }
            // The crates.io mirror can lag behind a locked dependency: retry unlocked.
            step(&format!("{krate} {version}: retrying without --locked"));
            install(root, false).map_err(|e| {
                Failure::new(format!(
                    "{e}: could not install {krate} {version}; check that crates.io is \
                     reachable, or install it yourself with `cargo install {krate} --version \
                     {version}`"
                ))
            })
        })?;
        if !ours_ok() {
            return Err(Failure::new(format!(
                "{krate} {version} was installed into {} but `{} --version` does not report \
                 {version}",
                home.display(),
                bins[0]
            )));
        }
    }
    ctx.prepend_path(&bin_dir)?;
    Ok(bin_dir.join(bins[0]))
}

/// `npm install <package>@<version>` into `home` (its own prefix).
fn npm_install(ctx: &Ctx, home: &Path, ready: impl Fn() -> bool, package: &str) -> Result {
    install_into(home, ready, |prefix| {
        let mut cmd = ctx.command("npm");
        cmd.current_dir(prefix)
            .args([
                "install",
                "--no-audit",
                "--no-fund",
                "--loglevel=error",
                "--prefix",
            ])
            .arg(prefix)
            .arg(package);
        run(&mut cmd).map_err(|e| {
            Failure::new(format!(
                "{e}: could not install {package} with npm; check that registry.npmjs.org is \
                 reachable"
            ))
        })
    })
}

/// wasm-opt from the npm package `binaryen` (its JS build runs on node): ours in
/// `<tools>/binaryen-<N>` if it reports release N, else the first on PATH that does, else
/// installed into ours.
fn wasm_opt(ctx: &mut Ctx, binaryen: &str) -> Result {
    let home = ctx.tools.join(format!("binaryen-{binaryen}"));
    let bin_dir = home.join("node_modules").join(".bin");
    // `wasm-opt --version` prints "wasm-opt version 123 (version_123)".
    let reported = |ctx: &Ctx, exe: &str| {
        ctx.which(exe)?;
        let out = output(ctx.command(exe).arg("--version"))?;
        out.split_whitespace().nth(2).map(str::to_owned)
    };
    let ours = bin_dir.join("wasm-opt").to_string_lossy().into_owned();
    let ours_ok = || reported(ctx, &ours).as_deref() == Some(binaryen);
    if ours_ok() {
        step(&format!("wasm-opt (binaryen {binaryen}): {ours}"));
    } else if reported(ctx, "wasm-opt").as_deref() == Some(binaryen) {
        let path = ctx.which("wasm-opt").unwrap_or_default();
        step(&format!(
            "wasm-opt (binaryen {binaryen}): {} (on PATH)",
            path.display()
        ));
        return Ok(());
    } else {
        if ctx.which("npm").is_none() || ctx.which("node").is_none() {
            return Err(Failure::new(format!(
                "wasm-opt needs Node.js and npm, which are missing: install them (Debian: \
                 `apt-get install nodejs npm`) or put binaryen {binaryen}'s wasm-opt on PATH"
            )));
        }
        step(&format!(
            "wasm-opt (binaryen {binaryen}): installing into {} (npm)",
            home.display()
        ));
        npm_install(ctx, &home, ours_ok, &format!("binaryen@{binaryen}.0.0"))?;
        if !ours_ok() {
            return Err(Failure::new(format!(
                "binaryen {binaryen} was installed but `{ours} --version` reports {}",
                reported(ctx, &ours).unwrap_or_else(|| "nothing (does node run?)".to_owned())
            )));
        }
    }
    ctx.prepend_path(&bin_dir)
}

/// axe-core, the accessibility engine the browser tests inject into every page.
const AXE_CORE_VERSION: &str = "4.14.1";

/// axe-core from the npm registry into `<tools>/axe-core-<version>`; returns axe.min.js.
fn axe_core(ctx: &Ctx) -> Result<PathBuf> {
    let home = npm_package(ctx, "axe-core", AXE_CORE_VERSION)?;
    let script = home.join("node_modules/axe-core/axe.min.js");
    made(script, |script| {
        format!("axe-core was installed but {} is missing", script.display())
    })
}

/// An npm package at `version` in `<tools>/<name>-<version>` (installed when missing):
/// axe-core, Lighthouse. Returns that folder (the package is under `node_modules/<name>`).
pub fn npm_package(ctx: &Ctx, name: &str, version: &str) -> Result<PathBuf> {
    let home = ctx.tools.join(format!("{name}-{version}"));
    let manifest = home.join("node_modules").join(name).join("package.json");
    let ready = || {
        std::fs::read_to_string(&manifest)
            .is_ok_and(|p| p.contains(&format!("\"version\": \"{version}\"")))
    };
    if ready() {
        step(&format!("{name} {version}: {}", home.display()));
        return Ok(home);
    }
    if ctx.which("npm").is_none() {
        return Err(Failure::new(format!(
            "{name} is installed with npm, which is missing: install Node.js and npm (Debian: `apt-get install nodejs npm`)"
        )));
    }
    step(&format!(
        "{name} {version}: installing into {} (npm)",
        home.display()
    ));
    npm_install(ctx, &home, ready, &format!("{name}@{version}"))?;
    if ready() {
        Ok(home)
    } else {
        Err(Failure::new(format!(
            "{name} {version} was installed but {} is missing",
            manifest.display()
        )))
    }
}

/// Chromium and chromedriver for the browser tests (Debian packages).
fn chromium(ctx: &Ctx) -> Result<(PathBuf, PathBuf)> {
    let pick = |var: &str, default: &str| {
        std::env::var_os(var)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(default))
    };
    let browser = pick("LABDAY_CHROMIUM", CHROMIUM);
    let driver = pick("LABDAY_CHROMEDRIVER", CHROMEDRIVER);
    let present = || browser.is_file() && driver.is_file();
    if present() {
        step(&format!(
            "chromium + chromedriver: {}, {}",
            browser.display(),
            driver.display()
        ));
        return Ok((browser, driver));
    }
    let root = output(ctx.command("id").arg("-u")).is_some_and(|uid| uid.trim() == "0");
    let apt = ctx.which("apt-get").is_some();
    if !(root && apt) {
        return Err(Failure::new(format!(
            "Chromium and chromedriver are needed for the browser tests: install them \
             (Debian/Ubuntu: `sudo apt-get install chromium chromium-driver`), or set \
             LABDAY_CHROMIUM and LABDAY_CHROMEDRIVER to existing binaries (looked for {} and {})",
            browser.display(),
            driver.display()
        )));
    }
    step("chromium + chromedriver: installing (apt-get install chromium chromium-driver)");
    let install = || {
        let mut cmd = ctx.command("apt-get");
        cmd.env("DEBIAN_FRONTEND", "noninteractive").args([
            "install",
            "-y",
            "--no-install-recommends",
            "chromium",
            "chromium-driver",
        ]);
        run(&mut cmd)
    };
    if install().is_err() {
        step("chromium + chromedriver: apt-get update, then retrying");
        let updated = run(ctx.command("apt-get").arg("update"));
        if updated.and_then(|()| install()).is_err() {
            return Err(Failure::new(
                "could not install Chromium: run `apt-get install chromium chromium-driver` \
                 with access to the Debian mirrors",
            ));
        }
    }
    if present() {
        Ok((browser, driver))
    } else {
        Err(Failure::new(format!(
            "apt-get installed chromium but {} or {} is still missing: set LABDAY_CHROMIUM and \
             LABDAY_CHROMEDRIVER to the installed binaries",
            browser.display(),
            driver.display()
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::toml_string;

    #[test]
    fn reads_a_string_in_a_section() {
        let text = "[build]\nrelease = true\n[tools]\nwasm_bindgen = \"0.2.100\" # pinned\nwasm_opt=\"version_123\"\n";
        assert_eq!(
            toml_string(text, "tools", "wasm_bindgen").as_deref(),
            Some("0.2.100")
        );
        assert_eq!(
            toml_string(text, "tools", "wasm_opt").as_deref(),
            Some("version_123")
        );
        assert_eq!(toml_string(text, "build", "wasm_opt"), None);
    }
}
