use clap::Parser;
use labday_server::config::{Cli, Command};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn")),
        )
        .init();
    let cli = Cli::parse();
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => match labday_server::startup::start(&cli.config).await {
            Ok((running, handle)) => {
                println!("labday is serving on http://{}/", running.addr);
                let _ = handle.await;
                std::process::ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("labday-server could not start: {e}");
                std::process::ExitCode::FAILURE
            }
        },
        Command::User(command) => {
            let password = std::env::var("LABDAY_PASSWORD").ok().or_else(|| {
                let mut line = String::new();
                std::io::stdin().read_line(&mut line).ok()?;
                Some(line.trim_end_matches(['\r', '\n']).to_owned())
            });
            match labday_server::users::run(&cli.config, command, password).await {
                Ok(done) => {
                    println!("{done}");
                    std::process::ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("labday-server: {e}");
                    std::process::ExitCode::FAILURE
                }
            }
        }
    }
}
