//! Closing a connection whose client has gone quiet: one that sends a request's head slowly or
//! not at all (slowloris), or a kept-alive connection nobody uses any more.
//!
//! A watchdog task beside each connection's task looks every `timeout`, and ends the
//! connection's task when, over the whole span since its last look, no request was being
//! answered and nothing was written. So a client has between one and two timeouts after an
//! answer (one after connecting) to send the next request's whole head; sending it a byte at a
//! time does not buy more. A request being answered is left alone: its body has a timeout of its
//! own (`body::ReadTimeout`), and its computation has the engine's limits.
//!
//! Not hyper's `header_read_timeout`: hyper 1 arms that timer as soon as the connection waits
//! for a head (at once after each answer, so it is also the idle limit), and makes, registers
//! and drops a new one for every request, which costs a kept-alive `GET /healthz` 12% more
//! instructions (17,087 against 15,233). Here a request costs two stores and each write one.

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::task::JoinHandle;

/// What a connection did since the watchdog last looked.
#[derive(Default)]
pub struct Activity {
    /// A request is in the service: its body being read, or its answer being computed.
    answering: AtomicBool,
    /// Some of an answer was written.
    wrote: AtomicBool,
}

impl Activity {
    /// Whether the connection did nothing since the last look; starts the next look's span.
    fn was_quiet(&self) -> bool {
        let wrote = self.wrote.swap(false, Relaxed);
        !wrote && !self.answering.load(Relaxed)
    }
}

/// Marks the connection as answering a request until dropped (hyper answers one at a time).
pub struct Answering(Arc<Activity>);

impl Answering {
    pub fn begin(activity: &Arc<Activity>) -> Answering {
        activity.answering.store(true, Relaxed);
        Answering(activity.clone())
    }
}

impl Drop for Answering {
    fn drop(&mut self) {
        self.0.answering.store(false, Relaxed);
    }
}

/// Ends `conn` once a whole `timeout` has passed with the connection quiet; returns when it
/// has ended either way.
pub async fn close_when_quiet(
    mut conn: JoinHandle<()>,
    activity: Arc<Activity>,
    timeout: Duration,
) {
    loop {
        tokio::select! {
            _ = &mut conn => return,
            () = tokio::time::sleep(timeout) => {
                if activity.was_quiet() {
                    conn.abort();
                    return;
                }
            }
        }
    }
}

/// A connection's stream that notes its writes in `activity`.
pub struct Watched<S> {
    stream: S,
    activity: Arc<Activity>,
}

impl<S> Watched<S> {
    pub fn new(stream: S, activity: Arc<Activity>) -> Watched<S> {
        Watched { stream, activity }
    }

    fn note<T>(&self, written: Poll<io::Result<T>>) -> Poll<io::Result<T>> {
        if let Poll::Ready(Ok(_)) = written {
            self.activity.wrote.store(true, Relaxed);
        }
        written
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Watched<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Watched<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let written = Pin::new(&mut self.stream).poll_write(cx, buf);
        self.note(written)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let written = Pin::new(&mut self.stream).poll_write_vectored(cx, bufs);
        self.note(written)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}
