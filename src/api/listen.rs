//! The accept loop `gradtape serve` runs: `axum::serve`'s, HTTP/1.1 only, with each
//! connection's task polled through `SelfWakes` (why: `self_wake.rs`). On shutdown it stops
//! accepting, lets every connection finish the request it is answering, and returns when the
//! last one has closed. A request's body is read to its end before the routes see it
//! (`whole_body`).
//!
//! A client that stops sending gives its connection and task back (slowloris): a connection
//! that waits the read timeout for a request's head, doing nothing else, is closed without an
//! answer (`idle`), and a body that stops arriving for it, or trickles in slower than the
//! minimum rate, is answered 408 (`body::ReadTimeout`).

use std::future::Future;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::Request;
use axum::Router;
use http_body::Body as _;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower_service::Service as _;

use super::access::Access;
use super::body::{gather, Gathered, ReadTimeout};
use super::idle::{close_when_quiet, Activity, Answering, Watched};
use super::later::AfterEachPoll;
use super::self_wake::SelfWakes;

/// How `serve` reads requests.
#[derive(Clone, Copy)]
pub struct Reading {
    /// A body longer than this reaches the route unread; the route refuses it (413) or answers
    /// without it, and hyper closes that connection after the answer.
    pub max_body_bytes: usize,
    /// How long a connection may wait for a request's head, doing nothing else (between one
    /// and two of these), and for each next piece of a body.
    pub timeout: Duration,
    /// Bytes a second a body must average once it has waited `timeout` (0: no minimum).
    pub min_rate: u64,
}

/// Serves `service` on `listener` until `shutdown` completes, then drains the connections.
pub async fn serve(
    listener: TcpListener,
    service: Access<Router>,
    reading: Reading,
    shutdown: impl Future<Output = ()>,
) {
    // dropping `stop_rx`, the one receiver, tells every connection to shut down (each holds a
    // `stop_tx`); each connection holds a `done_rx`, so `done_tx` closes when the last has gone
    let (stop_tx, stop_rx) = watch::channel(());
    let (done_tx, done_rx) = watch::channel(());
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        let (stream, peer) = match accepted {
            Ok(conn) => conn,
            Err(e) => {
                accept_failed(e).await;
                continue;
            }
        };
        let for_peer = service.clone().with_peer(peer);
        let activity = Arc::new(Activity::default());
        let for_requests = activity.clone();
        let hyper_service = hyper::service::service_fn(move |req: Request<Incoming>| {
            let mut for_peer = for_peer.clone();
            let answering = Answering::begin(&for_requests);
            async move {
                let _answering = answering;
                // a request without a body (a GET) skips whole_body's future, which would be
                // copied into this one only to hand the request on
                let req = match req.body().is_end_stream() {
                    true => req.map(Body::new),
                    false => whole_body(req, reading).await,
                };
                for_peer.call(req).await
            }
        });
        let stop_tx = stop_tx.clone();
        let done_rx = done_rx.clone();
        let stream = TokioIo::new(Watched::new(stream, activity.clone()));
        // what a request defers (`later`) runs once hyper has written its answer
        let conn = tokio::spawn(AfterEachPoll(SelfWakes::new(async move {
            let conn = http1::Builder::new().serve_connection(stream, hyper_service);
            let mut conn = std::pin::pin!(conn);
            let mut stopping = false;
            loop {
                tokio::select! {
                    _ = conn.as_mut() => break,
                    () = stop_tx.closed(), if !stopping => {
                        stopping = true;
                        conn.as_mut().graceful_shutdown();
                    }
                }
            }
            drop(done_rx);
        })));
        tokio::spawn(close_when_quiet(conn, activity, reading.timeout));
    }
    drop(stop_rx);
    drop(done_rx);
    drop(listener);
    done_tx.closed().await;
}

/// The request with its body read to the end, when its length is known and within
/// `max_body_bytes`; any body stops with an error once nothing of it arrives for the timeout,
/// or once it has come slower than the minimum rate.
/// hyper keeps a connection open for the next request only if the route read the body to its
/// end, or the whole body had arrived by the time it answered: a route that answers without
/// reading the body (a tape's `stop`, or a refusal before the body matters) otherwise closes
/// the connection whenever the body arrives in a packet after the headers, as Python's
/// http.client sends it, and the client's next request on that connection fails.
/// The cost: a client that sends `Expect: 100-continue` is asked for the body even where the
/// route would have refused the request without it; the access line's latency starts once the
/// body is in (`Access` sees the request then), so it is the server's time, not the upload's.
async fn whole_body(req: Request<Incoming>, reading: Reading) -> Request<Body> {
    let (parts, body) = req.into_parts();
    let limit = reading.max_body_bytes;
    let timed = |body| ReadTimeout::new(body, reading.timeout, reading.min_rate);
    let body = match body.size_hint().exact() {
        Some(len) if len > 0 && len <= limit as u64 => match gather(timed(body), limit).await {
            Ok(bytes) => Body::from(bytes),
            Err(Gathered::Broken(e)) => Body::new(Unreadable(Some(e))),
            // hyper ends a body at its Content-Length, so this does not happen
            Err(Gathered::TooLarge) => Body::new(Unreadable(Some(
                format!("more than its Content-Length of {len} bytes arrived").into(),
            ))),
        },
        _ => Body::new(timed(body)),
    };
    Request::from_parts(parts, body)
}

/// A body that could not be read (the client went away in the middle of it, or stalled): the
/// route reads the same error from it as it would have read from hyper's.
struct Unreadable(Option<axum::BoxError>);

impl http_body::Body for Unreadable {
    type Data = axum::body::Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        std::task::Poll::Ready(self.0.take().map(Err))
    }
}

/// A connection that went away before it was accepted is nothing to report; anything else
/// (out of file descriptors, most often) is logged, and the loop waits a second for some to
/// close rather than spinning on the same error.
async fn accept_failed(e: io::Error) {
    use io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(
        e.kind(),
        ConnectionRefused | ConnectionAborted | ConnectionReset
    ) {
        return;
    }
    tracing::error!(error = %e, "accept failed; retrying in a second");
    tokio::time::sleep(Duration::from_secs(1)).await;
}
