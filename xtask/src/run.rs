//! `cargo xtask run [--port N] [--no-demo-data]`: build everything and serve it.

use crate::ctx::{stage, Ctx, Failure, Result};
use crate::{build, tools};
use std::process::Command;

struct Args {
    port: u16,
    demo_data: bool,
}

fn parse(args: &[String]) -> Result<Args> {
    let mut parsed = Args {
        port: 8080,
        demo_data: true,
    };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let port = match arg.as_str() {
            "--no-demo-data" => {
                parsed.demo_data = false;
                continue;
            }
            "--port" => it.next().map(String::as_str),
            other => match other.strip_prefix("--port=") {
                Some(value) => Some(value),
                None => {
                    return Err(Failure::new(format!(
                    "unknown option `{other}` (usage: cargo xtask run [--port N] [--no-demo-data])"
                )))
                }
            },
        };
        parsed.port = port
            .and_then(|p| p.parse().ok())
            .filter(|&p: &u16| p != 0)
            .ok_or_else(|| Failure::new("--port needs a port number between 1 and 65535"))?;
    }
    Ok(parsed)
}

pub fn main(args: &[String]) -> Result {
    let args = parse(args)?;
    let mut ctx = Ctx::new()?;
    let tools = tools::bootstrap(&mut ctx, false)?;
    stage("trunk build --release (dist/)", || build::spa(&ctx, &tools)).0?;
    let server = stage("cargo build --release -p labday-server", || {
        build::server(&ctx)
    })
    .0?;

    let data = ctx.root.join("data");
    std::fs::create_dir_all(&data)
        .map_err(|e| Failure::new(format!("cannot create {}: {e}", data.display())))?;
    let mut cmd = Command::new(&server);
    cmd.current_dir(&ctx.root)
        .arg("--bind")
        .arg(format!("127.0.0.1:{}", args.port))
        .arg("--database")
        .arg(data.join("labday.db"))
        .arg("--dist")
        .arg(ctx.root.join("dist"));
    if !args.demo_data {
        cmd.arg("--no-demo-data");
    }
    println!(
        "\n==> labday on http://127.0.0.1:{}/  (Ctrl-C stops it)",
        args.port
    );
    println!("$ {}", crate::ctx::show(&cmd));
    exec(cmd)
}

/// Replace this process with the server, so Ctrl-C and exit codes go straight to it.
#[cfg(unix)]
fn exec(mut cmd: Command) -> Result {
    use std::os::unix::process::CommandExt;
    let e = cmd.exec();
    Err(crate::ctx::spawn_failure(&cmd, e))
}

#[cfg(not(unix))]
fn exec(mut cmd: Command) -> Result {
    crate::ctx::run(&mut cmd)
}

#[cfg(test)]
mod tests {
    use super::parse;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn defaults_and_flags() {
        let a = parse(&[]).unwrap();
        assert_eq!((a.port, a.demo_data), (8080, true));
        let a = parse(&args(&["--port", "9000", "--no-demo-data"])).unwrap();
        assert_eq!((a.port, a.demo_data), (9000, false));
        assert_eq!(parse(&args(&["--port=1234"])).unwrap().port, 1234);
        assert!(parse(&args(&["--port"])).is_err());
        assert!(parse(&args(&["--port", "0"])).is_err());
        assert!(parse(&args(&["--bogus"])).is_err());
    }
}
