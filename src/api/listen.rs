//! The accept loop `gradtape serve` runs: `axum::serve`'s, HTTP/1.1 only, with each
//! connection's task polled through `SelfWakes` (why: `self_wake.rs`). On shutdown it stops
//! accepting, lets every connection finish the request it is answering, and returns when the
//! last one has closed.

use std::future::Future;
use std::io;
use std::time::Duration;

use axum::body::Body;
use axum::extract::Request;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower_service::Service as _;

use super::access::Access;
use super::self_wake::SelfWakes;

/// Serves `service` on `listener` until `shutdown` completes, then drains the connections.
pub async fn serve(
    listener: TcpListener,
    service: Access<Router>,
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
        let hyper_service = hyper::service::service_fn(move |req: Request<Incoming>| {
            for_peer.clone().call(req.map(Body::new))
        });
        let stop_tx = stop_tx.clone();
        let done_rx = done_rx.clone();
        tokio::spawn(SelfWakes::new(async move {
            let conn = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), hyper_service);
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
        }));
    }
    drop(stop_rx);
    drop(done_rx);
    drop(listener);
    done_tx.closed().await;
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
