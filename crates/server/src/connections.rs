//! Serving HTTP connections: the router over hyper's HTTP/1.1, with the limits a server on
//! the open internet needs and `axum::serve` does not set.
//!
//! - **A client that stalls is disconnected** after [`ConnectionConfig::client_timeout_secs`]:
//!   one that does not send a request's head within it (a byte at a time, or nothing at
//!   all), one that leaves a kept-alive connection idle that long, and one that takes in
//!   nothing of its answers for that long (it sends requests and never reads). Without
//!   it, one client holding thousands of silent connections ran the server out of open
//!   files, and one that never read held its connection, and the server's stop, for ever.
//!   (A request's body has the request deadline, `--request-timeout-secs`.)
//! - **At most [`ConnectionConfig::max_connections`] connections at once**, by default and at
//!   most as many as the open-file limit leaves room for beside the database and the files
//!   served. Past it, a new connection waits in the system's queue (4,096 long) until one
//!   ends, rather than taking the last file the database needs.
//! - **A client that half-closes** (ends its sending side after its request, as some
//!   scripts and proxies do) still gets its answer.
//! - **Stopping gracefully:** on the signal, no new connection is taken, every request under
//!   way is answered, and idle connections are closed; `serve` returns when all have ended,
//!   or after a grace period at the latest.
//!
//! Each request carries its peer's address (`ConnectInfo<SocketAddr>`), which the throttles
//! and the trusted-proxy rules read.

use axum::extract::ConnectInfo;
use axum::{Extension, Router};
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};
use tokio::time::Sleep;
use tower::Layer;

/// Open files kept for everything but connections: the database's connections and journal,
/// the app's files and photos being served, the log.
const FILES_KEPT: u64 = 256;
/// The fewest connections served at once, however low the open-file limit.
const FEWEST_CONNECTIONS: u64 = 64;

/// Connections waiting to be taken, in the system's queue, once all are in use.
pub const BACKLOG: u32 = 4096;

/// How clients may hold connections.
#[derive(Debug, Clone, clap::Args)]
pub struct ConnectionConfig {
    /// Seconds a client may take to send a request's headers, leave a kept-alive connection
    /// idle, or take in nothing of an answer, before it is disconnected (1–3600).
    #[arg(long, env = "LABDAY_CLIENT_TIMEOUT_SECS", default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub client_timeout_secs: u64,
    /// Connections served at once; more wait until one ends. 0, and at most: as many as the
    /// open-file limit leaves room for (the server raises its soft limit to the hard one),
    /// less 256 files kept for the database and the files it serves.
    #[arg(long, env = "LABDAY_MAX_CONNECTIONS", default_value_t = 0)]
    pub max_connections: u32,
}

impl Default for ConnectionConfig {
    fn default() -> Self {
        ConnectionConfig {
            client_timeout_secs: 20,
            max_connections: 0,
        }
    }
}

impl ConnectionConfig {
    /// The connections served at once: the configured number within the open-file limit's
    /// room, or all that room.
    pub fn slots(&self) -> usize {
        let room = room_in(raise_open_file_limit());
        let wanted = match self.max_connections {
            0 => room,
            n if u64::from(n) > room => {
                tracing::warn!(
                    configured = n,
                    served = room,
                    "--max-connections is more than the open-file limit leaves room for"
                );
                room
            }
            n => u64::from(n),
        };
        // Whole, so that stopping can wait for every slot with one `acquire_many`.
        wanted.min(u64::from(u32::MAX)) as usize
    }

    fn client_timeout(&self) -> Duration {
        Duration::from_secs(self.client_timeout_secs)
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

/// Binds `address` with a queue of [`BACKLOG`] connections waiting to be taken.
pub fn bind(address: std::net::SocketAddr) -> io::Result<TcpListener> {
    let socket = if address.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(address)?;
    socket.listen(BACKLOG)
}

/// Serves `router` on `listener` until `shutdown` completes and every connection has ended,
/// or `grace` has passed since.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    config: &ConnectionConfig,
    shutdown: impl Future<Output = ()>,
    grace: Duration,
) {
    let slots = config.slots();
    tracing::info!(connections = slots, "serving");
    let free = Arc::new(Semaphore::new(slots));
    let stall = config.client_timeout();
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(stall)
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
        let io = TokioIo::new(SendDeadline::new(stream, stall));
        tokio::spawn(serve_one(
            http.clone(),
            io,
            TowerToHyperService::new(service),
            stop.clone(),
            slot,
        ));
    }
    drop(listener);
    let _ = stopping.send(true);
    // Every connection holds a slot until it ends.
    if tokio::time::timeout(grace, free.acquire_many(slots as u32))
        .await
        .is_err()
    {
        let open = slots - free.available_permits();
        tracing::warn!(connections = open, "stopping with connections still open");
    }
}

/// Serves one connection until it ends, or until the server stops and its last request has
/// been answered.
async fn serve_one<S>(
    http: http1::Builder,
    io: TokioIo<SendDeadline<TcpStream>>,
    service: S,
    mut stop: watch::Receiver<bool>,
    _slot: OwnedSemaphorePermit,
) where
    S: hyper::service::HttpService<hyper::body::Incoming> + 'static,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    S::ResBody: 'static,
    <S::ResBody as hyper::body::Body>::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let connection = http.serve_connection(io, service);
    tokio::pin!(connection);
    tokio::select! {
        // A client that goes away or times out is nothing to report.
        _ = connection.as_mut() => return,
        _ = stop.wait_for(|stopping| *stopping) => {}
    }
    connection.as_mut().graceful_shutdown();
    let _ = connection.await;
}

/// A connection whose writes fail once the client has taken in nothing for `stall`: a
/// client that sends requests and never reads would otherwise hold the connection, with
/// its answers waiting in the server's buffers, for as long as it likes. The timer exists
/// only while a write waits, so an answer the system takes at once costs nothing.
struct SendDeadline<S> {
    inner: S,
    stall: Duration,
    waiting: Option<Pin<Box<Sleep>>>,
}

impl<S> SendDeadline<S> {
    fn new(inner: S, stall: Duration) -> Self {
        SendDeadline {
            inner,
            stall,
            waiting: None,
        }
    }

    /// What a write came to: progress ends the wait; no progress starts it, or fails the
    /// write once it has lasted `stall`.
    fn waited<T>(
        &mut self,
        cx: &mut Context<'_>,
        write: Poll<io::Result<T>>,
    ) -> Poll<io::Result<T>> {
        if write.is_ready() {
            self.waiting = None;
            return write;
        }
        let stall = self.stall;
        let timer = self
            .waiting
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(stall)));
        ready!(timer.as_mut().poll(cx));
        Poll::Ready(Err(io::Error::new(
            io::ErrorKind::TimedOut,
            "the client took in nothing of its answer",
        )))
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for SendDeadline<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for SendDeadline<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let write = Pin::new(&mut self.inner).poll_write(cx, buf);
        self.waited(cx, write)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let write = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        self.waited(cx, write)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let flush = Pin::new(&mut self.inner).poll_flush(cx);
        self.waited(cx, flush)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let shutdown = Pin::new(&mut self.inner).poll_shutdown(cx);
        self.waited(cx, shutdown)
    }
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

    /// On the signal, a connection whose client never reads its answers is waited for only
    /// the grace period (its client timeout here is an hour).
    #[tokio::test]
    async fn stopping_waits_no_longer_than_the_grace() {
        use tokio::io::AsyncWriteExt;
        let listener = bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let address = listener.local_addr().unwrap();
        let router = Router::new().route("/", axum::routing::get(|| async { "x".repeat(1 << 20) }));
        let config = ConnectionConfig {
            client_timeout_secs: 3600,
            max_connections: 0,
        };
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let grace = Duration::from_secs(1);
        let serving = tokio::spawn(async move {
            let signal = async {
                let _ = stopped.await;
            };
            serve(listener, router, &config, signal, grace).await;
        });
        let mut greedy = TcpStream::connect(address).await.unwrap();
        let requests = "GET / HTTP/1.1\r\nHost: x\r\n\r\n".repeat(20);
        greedy.write_all(requests.as_bytes()).await.unwrap();
        tokio::time::sleep(Duration::from_millis(300)).await;
        let signalled = std::time::Instant::now();
        stop.send(()).unwrap();
        tokio::time::timeout(Duration::from_secs(10), serving)
            .await
            .expect("stopped within the grace period")
            .unwrap();
        let took = signalled.elapsed();
        assert!(
            took >= grace,
            "the request under way was waited for: {took:?}"
        );
        drop(greedy);
    }

    #[test]
    fn a_configured_number_is_kept_within_the_open_file_limit() {
        let configured = |max_connections| ConnectionConfig {
            max_connections,
            ..Default::default()
        };
        assert_eq!(configured(8).slots(), 8);
        let room = room_in(raise_open_file_limit()) as usize;
        assert_eq!(configured(0).slots(), room);
        assert_eq!(configured(u32::MAX).slots(), room, "never past the files");
    }
}
