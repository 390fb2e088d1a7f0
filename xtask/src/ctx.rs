//! Shared plumbing: the error type, the repository context and command helpers.

use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// A failure that ends the xtask with one clear message and exit code 1.
#[derive(Debug)]
pub struct Failure(String);

impl Failure {
    pub fn new(message: impl Into<String>) -> Self {
        Failure(message.into())
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

pub type Result<T = ()> = std::result::Result<T, Failure>;

/// Where things are, and the environment every child process gets.
pub struct Ctx {
    /// The workspace root.
    pub root: PathBuf,
    /// Where missing tools are installed, one folder per tool and version (see `tools_dir`).
    pub tools: PathBuf,
    /// PATH for children: the tool folders the bootstrap chose first, then the caller's PATH.
    path: OsString,
    /// Extra environment for children, in insertion order.
    env: Vec<(OsString, OsString)>,
}

impl Ctx {
    pub fn new() -> Result<Ctx> {
        // xtask/ sits directly under the workspace root.
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .map(Path::to_path_buf)
            .ok_or_else(|| Failure::new("cannot locate the workspace root"))?;
        let tools = tools_dir(&root);
        Ok(Ctx {
            root,
            tools,
            path: std::env::var_os("PATH").unwrap_or_default(),
            env: Vec::new(),
        })
    }

    /// Put `dir` first on the children's PATH (and on the one `which` searches).
    pub fn prepend_path(&mut self, dir: &Path) -> Result {
        let dirs = std::iter::once(dir.to_path_buf()).chain(std::env::split_paths(&self.path));
        self.path = std::env::join_paths(dirs).map_err(|e| {
            Failure::new(format!(
                "the tools folder {} cannot go on PATH: {e}",
                dir.display()
            ))
        })?;
        Ok(())
    }

    /// Set an environment variable for every later child process.
    pub fn set_env(&mut self, key: impl Into<OsString>, value: impl Into<OsString>) {
        let key = key.into();
        let value = value.into();
        self.env.retain(|(k, _)| *k != key);
        self.env.push((key, value));
    }

    /// Find an executable on the children's PATH.
    pub fn which(&self, name: &str) -> Option<PathBuf> {
        if name.contains('/') {
            let p = PathBuf::from(name);
            return is_executable(&p).then_some(p);
        }
        std::env::split_paths(&self.path)
            .map(|dir| dir.join(name))
            .find(|p| is_executable(p))
    }

    /// A command for `program` (resolved on the children's PATH), run from the workspace root,
    /// with the children's environment.
    pub fn command(&self, program: &str) -> Command {
        let resolved = self
            .which(program)
            .map(PathBuf::into_os_string)
            .unwrap_or_else(|| program.into());
        let mut cmd = Command::new(resolved);
        cmd.current_dir(&self.root).env("PATH", &self.path);
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd
    }

    /// The `cargo` that runs us (so the toolchain stays the same), or the one on PATH.
    pub fn cargo(&self) -> Command {
        match std::env::var("CARGO") {
            Ok(cargo) if !cargo.is_empty() => self.command(&cargo),
            _ => self.command("cargo"),
        }
    }
}

/// Run a command to completion with inherited stdio; a failure names the command.
pub fn run(cmd: &mut Command) -> Result {
    let status = cmd.status().map_err(|e| spawn_failure(cmd, e))?;
    finished(cmd, status)
}

/// How a command that ran ended: a failure names the command and its exit code.
pub fn finished(cmd: &Command, status: ExitStatus) -> Result {
    if status.success() {
        Ok(())
    } else {
        Err(Failure::new(format!(
            "`{}` failed ({})",
            show(cmd),
            match status.code() {
                Some(code) => format!("exit code {code}"),
                None => "killed by a signal".to_owned(),
            }
        )))
    }
}

/// Run a command quietly and return its stdout if it succeeded.
pub fn output(cmd: &mut Command) -> Option<String> {
    let out = cmd
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

pub fn spawn_failure(cmd: &Command, e: std::io::Error) -> Failure {
    let program = cmd.get_program().to_string_lossy();
    if e.kind() == std::io::ErrorKind::NotFound {
        Failure::new(format!("`{program}` was not found: install it and retry"))
    } else {
        Failure::new(format!("could not start `{program}`: {e}"))
    }
}

/// The command line, for messages.
pub fn show(cmd: &Command) -> String {
    let program = Path::new(cmd.get_program());
    let name = program.file_name().unwrap_or(program.as_os_str());
    std::iter::once(name)
        .chain(cmd.get_args())
        .map(|a| a.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Print a stage header, run it, print its duration.
pub fn stage<T>(title: &str, f: impl FnOnce() -> Result<T>) -> (Result<T>, Duration) {
    println!("\n==> {title}");
    let start = Instant::now();
    let result = f();
    let took = start.elapsed();
    let verdict = if result.is_ok() { "done" } else { "FAILED" };
    println!("==> {title}: {verdict} in {}", secs(took));
    (result, took)
}

pub fn secs(d: Duration) -> String {
    format!("{:.1}s", d.as_secs_f64())
}

/// Where tools are installed: LABDAY_TOOLS_DIR if set, else a per-user cache that every clone
/// of the repository shares (`$XDG_CACHE_HOME/labday/tools`, by default
/// `~/.cache/labday/tools`), so a fresh clone does not build Trunk and wasm-bindgen again.
/// Only without a home directory does it fall back to `<repo>/.tools`.
fn tools_dir(root: &Path) -> PathBuf {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    if let Some(dir) = var("LABDAY_TOOLS_DIR") {
        let cwd = std::env::current_dir().unwrap_or_else(|_| root.to_path_buf());
        return absolute(&cwd, Path::new(&dir));
    }
    // The XDG base-directory spec ignores relative paths.
    let cache = var("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| {
            var("HOME")
                .map(PathBuf::from)
                .filter(|p| p.is_absolute())
                .map(|home| home.join(".cache"))
        });
    match cache {
        Some(cache) => cache.join("labday").join("tools"),
        None => root.join(".tools"),
    }
}

/// `file`, which the step just run should have made, when it is there; else a failure, its
/// message `missing` given the file's path.
pub fn made(file: PathBuf, missing: impl FnOnce(&Path) -> String) -> Result<PathBuf> {
    if file.is_file() {
        Ok(file)
    } else {
        Err(Failure::new(missing(&file)))
    }
}

pub fn absolute(base: &Path, p: &Path) -> PathBuf {
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        base.join(p)
    }
}

#[cfg(unix)]
fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p)
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

#[cfg(not(unix))]
fn is_executable(p: &Path) -> bool {
    p.is_file()
}
