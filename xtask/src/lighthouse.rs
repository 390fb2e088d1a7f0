//! `cargo xtask lighthouse [--port N]`: Lighthouse (mobile, its default) on the home page,
//! served as `cargo xtask run` serves it, with demo data on a scratch database. Lighthouse 12
//! scores accessibility, SEO and best practices; Lighthouse 11 says whether the app is
//! installable (12 dropped its PWA category). Not part of the gate (`cargo xtask test`): it
//! installs two npm packages and takes a minute; it fails when accessibility or SEO is under
//! 100 or the app is not installable, naming the audits that fell short.

use crate::ctx::{run, stage, Ctx, Failure, Result};
use crate::{build, tools};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Lighthouse releases: the current one, and the last with the PWA category.
const LIGHTHOUSE: &str = "12.8.2";
const LIGHTHOUSE_PWA: &str = "11.7.1";

/// Prints each category's score and what fell short (a Lighthouse JSON report in argv[1];
/// with argv[2] = "pwa", the installability audit instead).
const SUMMARY_JS: &str = r#"
const r = require(process.argv[1]);
if (process.argv[2] === 'pwa') {
  const a = r.audits['installable-manifest'];
  console.log('installable ' + (a.score === 1 ? 'yes' : 'no'));
  for (const i of (a.details && a.details.items) || []) console.log('  - ' + (i.reason || JSON.stringify(i)));
} else {
  for (const c of Object.values(r.categories)) {
    console.log(c.id + ' ' + Math.round(c.score * 100));
    for (const ref of c.auditRefs) {
      const a = r.audits[ref.id];
      if (ref.weight > 0 && a.score !== null && a.score < 1) console.log('  - ' + a.id + ': ' + a.title);
    }
  }
}
"#;

pub fn main(args: &[String]) -> Result {
    let port = match args {
        [] => 8090,
        [flag, port] if flag == "--port" => port
            .parse()
            .ok()
            .filter(|&p: &u16| p != 0)
            .ok_or_else(|| Failure::new("--port needs a port number between 1 and 65535"))?,
        _ => {
            return Err(Failure::new(
                "usage: cargo xtask lighthouse [--port N] (default 8090)",
            ))
        }
    };
    let mut ctx = Ctx::new()?;
    let tools = tools::bootstrap(&mut ctx, true)?;
    let chromium = tools
        .browser
        .clone()
        .map(|(chromium, _)| chromium)
        .ok_or_else(|| Failure::new("Lighthouse needs Chromium"))?;
    let current = tools::npm_package(&ctx, "lighthouse", LIGHTHOUSE)?;
    let pwa = tools::npm_package(&ctx, "lighthouse", LIGHTHOUSE_PWA)?;
    stage("trunk build --release (dist/)", || build::spa(&ctx, &tools)).0?;
    let server = stage("cargo build --release -p labday-server", || {
        build::server(&ctx)
    })
    .0?;

    let scratch = build::target_dir(&ctx)
        .join("xtask")
        .join(format!("lighthouse-{}", std::process::id()));
    std::fs::create_dir_all(&scratch)
        .map_err(|e| Failure::new(format!("cannot create {}: {e}", scratch.display())))?;
    let mut serving = Serving(
        Command::new(&server)
            .arg("--bind")
            .arg(format!("127.0.0.1:{port}"))
            .arg("--database")
            .arg(scratch.join("labday.db"))
            .arg("--dist")
            .arg(ctx.root.join("dist"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| Failure::new(format!("cannot start {}: {e}", server.display())))?,
    );
    wait_for_health(port, &mut serving.0)?;
    let url = format!("http://127.0.0.1:{port}/");
    let report = |home: &Path, name: &str, categories: &str| -> Result<PathBuf> {
        let out = scratch.join(format!("{name}.json"));
        let mut cmd = ctx.command("node");
        cmd.arg(home.join("node_modules/lighthouse/cli/index.js"))
            .arg(&url)
            .arg("--quiet")
            .arg(format!("--only-categories={categories}"))
            .arg("--chrome-flags=--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage")
            .arg("--output=json")
            .arg(format!("--output-path={}", out.display()))
            .env("CHROME_PATH", &chromium);
        println!("$ {}", crate::ctx::show(&cmd));
        run(&mut cmd)?;
        Ok(out)
    };
    let scores = report(&current, "lighthouse", "accessibility,seo,best-practices")?;
    let installable = report(&pwa, "lighthouse-pwa", "pwa")?;
    drop(serving);

    let summary = |json: &Path, mode: &str| -> Result<String> {
        let out = Command::new("node")
            .arg("-e")
            .arg(SUMMARY_JS)
            .arg(json)
            .arg(mode)
            .output()
            .map_err(|e| Failure::new(format!("cannot run node: {e}")))?;
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    };
    let text = summary(&scores, "")? + &summary(&installable, "pwa")?;
    println!("\n==> Lighthouse {LIGHTHOUSE} (mobile) on {url}, installability by Lighthouse {LIGHTHOUSE_PWA}\n{text}");
    println!("reports: {}", scratch.display());
    let fell_short: Vec<&str> = text
        .lines()
        .filter(|l| {
            matches!(*l, "installable no")
                || l.starts_with("accessibility ") && *l != "accessibility 100"
                || l.starts_with("seo ") && *l != "seo 100"
        })
        .collect();
    if fell_short.is_empty() {
        Ok(())
    } else {
        Err(Failure::new(format!(
            "Lighthouse: {} (the audits are listed above)",
            fell_short.join(", ")
        )))
    }
}

/// The server, stopped when dropped.
struct Serving(Child);

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Waits until `GET /api/v1/health` answers 200 (30 s at most, or until the server exits).
fn wait_for_health(port: u16, server: &mut Child) -> Result {
    let started = Instant::now();
    loop {
        if let Ok(Some(status)) = server.try_wait() {
            return Err(Failure::new(format!(
                "the server stopped before answering ({status}): is port {port} free?"
            )));
        }
        let answer = std::net::TcpStream::connect(("127.0.0.1", port)).and_then(|mut s| {
            s.write_all(b"GET /api/v1/health HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")?;
            let mut head = String::new();
            s.read_to_string(&mut head)?;
            Ok(head)
        });
        if answer
            .is_ok_and(|head| head.starts_with("HTTP/1.0 200") || head.starts_with("HTTP/1.1 200"))
        {
            return Ok(());
        }
        if started.elapsed() > Duration::from_secs(30) {
            return Err(Failure::new(
                "the server did not answer its health check within 30 s",
            ));
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}
