//! Serving HTTP connections: the router over hyper's HTTP/1.1, with the limits a server on
//! the open internet needs and `axum::serve` does not set.
//!
//! - **A request's head within [`ConnectionConfig::header_timeout_secs`].** A client that
//!   sends its headers a byte at a time, or opens a connection and sends nothing, is
//!   disconnected then, and so is a kept-alive connection left idle that long. Without it,
//!   one client holding thousands of silent connections ran the server out of open files.
//!   (The body has the request deadline, `--request-timeout-secs`.)
//! - **At most [`ConnectionConfig::max_connections`] connections at once**, by default as
//!   many as the open-file limit leaves room for beside the database and the files served.
//!   Past it, a new connection waits in the system's queue until one ends, rather than
//!   taking the last file the database needs.
//! - **A client that half-closes** (ends its sending side after its request, as some
//!   scripts and proxies do) still gets its answer.
//! - **Stopping gracefully:** on the signal, no new connection is taken, every request under
//!   way is answered, and idle connections are closed; then `serve` returns.
//!
//! Each request carries its peer's address (`ConnectInfo<SocketAddr>`), which the throttles
//! and the trusted-proxy rules read.

use axum::extract::ConnectInfo;
use axum::{Extension, Router};
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};
use tower::Layer;

/// Open files kept for everything but connections: the database's connections and journal,
/// the app's files and photos being served, the log.
const FILES_KEPT: u64 = 256;
/// The fewest connections served at once, however low the open-file limit.
const FEWEST_CONNECTIONS: u64 = 64;

/// How clients may hold connections.
#[derive(Debug, Clone, clap::Args)]
pub struct ConnectionConfig {
    /// Seconds a client has to send a request's headers, and that a kept-alive connection
    /// may stay idle, before it is disconnected (1–3600).
    #[arg(long, env = "LABDAY_HEADER_TIMEOUT_SECS", default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub header_timeout_secs: u64,
    /// Connections served at once; more wait until one ends. 0: as many as the open-file
    /// limit leaves room for (the server raises its soft limit to the hard one), less 256
    /// files kept for the database and the files it serves.
    #[arg(long, env = "LABDAY_MAX_CONNECTIONS", default_value_t = 0)]
    pub max_connections: u32,
}

impl Default for ConnectionConfig {
    fn default() -> Self {
        ConnectionConfig {
            header_timeout_secs: 20,
            max_connections: 0,
        }
    }
}

impl ConnectionConfig {
    /// The connections served at once: the configured number, or the open-file limit's room.
    pub fn slots(&self) -> usize {
        let wanted = match self.max_connections {
            0 => room_in(raise_open_file_limit()),
            n => u64::from(n),
        };
        // Whole, so that stopping can wait for every slot with one `acquire_many`.
        wanted.min(u64::from(u32::MAX)) as usize
    }
}

/// Connections that fit in `open_files` beside the files the server keeps for itself.
fn room_in(open_files: u64) -> u64 {
    open_files
        .saturating_sub(FILES_KEPT)
        .max(FEWEST_CONNECTIONS)
}

/// Raises this process's soft limit of open files to its hard limit, and gives the limit
/// in force.
#[cfg(unix)]
fn raise_open_file_limit() -> u64 {
    use rustix::process::{getrlimit, setrlimit, Resource};
    let mut limit = getrlimit(Resource::Nofile);
    if limit.current < limit.maximum {
        limit.current = limit.maximum;
        if setrlimit(Resource::Nofile, limit).is_err() {
            limit = getrlimit(Resource::Nofile);
        }
    }
    // No soft limit at all: count on what Linux allows a process by default.
    limit.current.unwrap_or(1 << 20)
}

#[cfg(not(unix))]
fn raise_open_file_limit() -> u64 {
    8192
}

/// Serves `router` on `listener` until `shutdown` completes and every connection has ended.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    config: &ConnectionConfig,
    shutdown: impl Future<Output = ()>,
) {
    let slots = config.slots();
    tracing::info!(connections = slots, "serving");
    let free = Arc::new(Semaphore::new(slots));
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(Duration::from_secs(config.header_timeout_secs))
        .half_close(true);
    // Every route becomes a service once, here: served as it is, the router would be
    // rebuilt (its whole route table deep-cloned, ~100 KB) for every connection, which under
    // a rush of a thousand connections was most of the server's memory.
    let router = router.with_state(());
    let (stopping, stop) = watch::channel(false);
    tokio::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            slot = free.clone().acquire_owned() => slot.expect("the semaphore is never closed"),
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    refused_accept(e).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let service = Extension(ConnectInfo(peer)).layer(router.clone());
        tokio::spawn(serve_one(
            http.clone(),
            stream,
            TowerToHyperService::new(service),
            stop.clone(),
            slot,
        ));
    }
    drop(listener);
    let _ = stopping.send(true);
    // Every connection holds a slot until it ends.
    let _ = free.acquire_many(slots as u32).await;
}

/// Serves one connection until it ends, or until the server stops and its last request has
/// been answered.
async fn serve_one<S>(
    http: http1::Builder,
    stream: TcpStream,
    service: S,
    mut stop: watch::Receiver<bool>,
    _slot: OwnedSemaphorePermit,
) where
    S: hyper::service::HttpService<hyper::body::Incoming> + 'static,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    S::ResBody: 'static,
    <S::ResBody as hyper::body::Body>::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let connection = http.serve_connection(TokioIo::new(stream), service);
    tokio::pin!(connection);
    tokio::select! {
        // A client that goes away or times out is nothing to report.
        _ = connection.as_mut() => return,
        _ = stop.wait_for(|stopping| *stopping) => {}
    }
    connection.as_mut().graceful_shutdown();
    let _ = connection.await;
}

/// An accept that failed: a connection reset before it was taken is the client's business;
/// anything else (out of files or memory) is logged and waited out a little, so the loop
/// does not spin.
async fn refused_accept(e: std::io::Error) {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(
        e.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset
    ) {
        return;
    }
    tracing::error!(error = %e, "accepting a connection failed");
    tokio::time::sleep(Duration::from_millis(100)).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connections_leave_room_for_the_servers_own_files() {
        assert_eq!(room_in(20_000), 20_000 - FILES_KEPT);
        assert_eq!(room_in(1024), 1024 - FILES_KEPT);
        // However low the limit, some connections are served.
        assert_eq!(room_in(100), FEWEST_CONNECTIONS);
        assert_eq!(room_in(0), FEWEST_CONNECTIONS);
    }

    #[test]
    fn a_configured_number_is_kept() {
        let config = ConnectionConfig {
            max_connections: 8,
            ..Default::default()
        };
        assert_eq!(config.slots(), 8);
    }
}
