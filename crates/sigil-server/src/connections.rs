//! Serving HTTP/1.1 connections with the limits a server on an open network needs: a bound on
//! concurrent connections, a deadline for each request head, and a deadline for silence.
//!
//! axum's own `serve` sets none of these: a socket that sends nothing, one that trickles a
//! header (slowloris) and an idle keep-alive each held a task, a file handle and ~45 KiB until
//! the peer went away. Here:
//! - **`max_connections`**: at the limit the server stops accepting, so further connections
//!   wait in the kernel's backlog instead of costing memory; each served connection holds a
//!   permit until it closes.
//! - **`header_read_timeout`**: a request head must be complete within this time of the
//!   connection waiting for one (when it opens, and after each response), however slowly its
//!   bytes trickle in (hyper's header-read timer).
//! - **`idle_timeout`**: a connection on which no byte has moved either way for this long is
//!   closed gracefully: at once if it is between requests, after its response if one is still
//!   being computed.
//!
//! Shutdown is graceful too: every connection finishes its in-flight request and closes.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio::task::JoinSet;
use tokio::time::Instant;
use tower::ServiceExt as _;

/// How many connections, and how long each may take to speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// Connections served at once; more wait to be accepted.
    pub max_connections: usize,
    /// The longest a request head may take to arrive complete.
    pub header_read_timeout: Duration,
    /// The longest a connection may stay silent (no byte in or out).
    pub idle_timeout: Duration,
}

impl Default for ConnectionLimits {
    /// 1024 connections (≈ 45 MiB if every one sat idle, within the default file-handle
    /// limit); 10 s for a request head; 5 s of silence, as node's and Apache's keep-alive.
    fn default() -> Self {
        Self {
            max_connections: 1024,
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(5),
        }
    }
}

/// Serves `router` on `listener` within `limits` until `shutdown` completes, then lets every
/// connection finish its in-flight request.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let (stop, stopping) = watch::channel(false);
    let mut connections = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        // Reap finished connections so the set holds only live ones.
        while connections.try_join_next().is_some() {}
        let permit = tokio::select! {
            permit = permits.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    accept_failed(&e).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let (stream, peer) = stream;
        connections.spawn(connection(
            stream,
            peer,
            router.clone(),
            limits,
            stopping.clone(),
            permit,
        ));
    }
    let _ = stop.send(true);
    while connections.join_next().await.is_some() {}
    Ok(())
}

/// An accept error is about one connection (reset before accept) or about the process (out of
/// file handles): neither stops the server, and the second is not retried in a busy loop.
async fn accept_failed(e: &io::Error) {
    match e.kind() {
        io::ErrorKind::ConnectionAborted | io::ErrorKind::ConnectionReset => {}
        _ => {
            tracing::warn!(error = %e, "accepting a connection failed; retrying shortly");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// One connection, from accept to close; the permit is released when it ends.
async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    router: Router,
    limits: ConnectionLimits,
    mut stopping: watch::Receiver<bool>,
    _permit: OwnedSemaphorePermit,
) {
    let _ = stream.set_nodelay(true);
    let activity = Arc::new(Activity::new());
    let io = TokioIo::new(Tracked {
        inner: stream,
        activity: activity.clone(),
    });
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    // The peer address, for what counts per client address (login throttling), as axum's
    // `ConnectInfo` would carry it.
    let service = router.map_request(move |mut request: axum::extract::Request<_>| {
        request.extensions_mut().insert(ConnectInfo(peer));
        request
    });
    let conn = builder.serve_connection(io, TowerToHyperService::new(service));
    tokio::pin!(conn);
    let mut closing = false;
    loop {
        let silent_until = activity.last() + limits.idle_timeout;
        tokio::select! {
            served = conn.as_mut() => {
                if let Err(e) = served {
                    tracing::debug!(error = %e, "connection ended");
                }
                return;
            }
            changed = stopping.changed(), if !closing => {
                // A dropped sender means the server is gone: stop as for a shutdown.
                if changed.is_err() || *stopping.borrow() {
                    conn.as_mut().graceful_shutdown();
                    closing = true;
                }
            }
            () = tokio::time::sleep_until(silent_until), if !closing => {
                if activity.last() + limits.idle_timeout <= Instant::now() {
                    tracing::debug!("closing a silent connection");
                    conn.as_mut().graceful_shutdown();
                    closing = true;
                }
            }
        }
    }
}

/// When a connection last moved a byte, as milliseconds since it was accepted.
#[derive(Debug)]
struct Activity {
    accepted: Instant,
    last_ms: AtomicU64,
}

impl Activity {
    fn new() -> Self {
        Self {
            accepted: Instant::now(),
            last_ms: AtomicU64::new(0),
        }
    }

    fn touch(&self) {
        let ms = u64::try_from(self.accepted.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_ms.store(ms, Ordering::Relaxed);
    }

    fn last(&self) -> Instant {
        self.accepted + Duration::from_millis(self.last_ms.load(Ordering::Relaxed))
    }
}

/// A stream that records when bytes move through it.
#[derive(Debug)]
struct Tracked {
    inner: TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for Tracked {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.activity.touch();
        }
        polled
    }
}

impl AsyncWrite for Tracked {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        polled
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
