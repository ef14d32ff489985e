//! The access layer around the router: every answered request is counted and timed by route,
//! logged once (a client error with its code and node, a failure at error level, health probes
//! only at debug), answered with its request id (the client's `x-request-id`, else a random one),
//! and a problem+json body gets the id too, so a student's bug report can be matched to the
//! server's log line. A handler that panics is answered 500 and logged, not dropped.
//!
//! All of this is one hand-written service around the whole router, not a stack of tower layers
//! and `from_fn` middleware applied to every route: axum boxes and clones each route layer's
//! service and future on every request, and those layers cost an empty program more
//! instructions than the bare server under it.
//!
//! The line carries the request's id, method and URI itself rather than from a per-request
//! span: a span costs every request its creation and field formatting even when nothing but this
//! one line is logged, and a warning raised inside a request that fails is matched by the
//! failure's own line (same id, its code).

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use axum::body::Body;
use axum::extract::{ConnectInfo, Request};
use axum::http::{HeaderName, HeaderValue, Method, Uri};
use axum::response::Response;
use tower_service::Service;

use super::later;
use super::metrics::ErrorCode;
use super::AppState;

/// Problem bodies are a few hundred bytes; anything past this is left as it is.
const MAX_PROBLEM_BYTES: usize = 64 << 10;

const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// What every request of the service shares, behind one `Arc` (hyper clones the service for
/// each request).
struct Shared {
    st: AppState,
    ids: RequestIds,
    routes: RouteNames,
}

/// The access layer around `inner` (the router).
#[derive(Clone)]
pub struct Access<S> {
    inner: S,
    shared: Arc<Shared>,
    /// The connection's peer, given to the session routes as `ConnectInfo` (the per-client
    /// session bound).
    peer: Option<SocketAddr>,
}

impl<S> Access<S> {
    /// `paths` are the router's route paths, which requests are counted and logged under.
    pub fn new(inner: S, st: AppState, paths: impl IntoIterator<Item = &'static str>) -> Self {
        let shared = Shared {
            st,
            ids: RequestIds::default(),
            routes: RouteNames::new(paths),
        };
        Access {
            inner,
            shared: Arc::new(shared),
            peer: None,
        }
    }

    /// This service for the connection from `peer`.
    pub fn with_peer(mut self, peer: SocketAddr) -> Self {
        self.peer = Some(peer);
        self
    }
}

/// The route a request is counted under: the router's own path pattern for it, matched as axum
/// matches it (axum uses the same matcher), or "unmatched".
struct RouteNames(matchit::Router<&'static str>);

impl RouteNames {
    fn new(paths: impl IntoIterator<Item = &'static str>) -> RouteNames {
        let mut r = matchit::Router::new();
        for p in paths {
            // a path listed once per method is one route; the first insert holds it
            let _ = r.insert(p, p);
        }
        RouteNames(r)
    }

    fn of(&self, path: &str) -> &'static str {
        self.0.at(path).map_or("unmatched", |m| *m.value)
    }
}

/// Request ids, kept if the client (or a load balancer) sent one. Otherwise a counter hashed
/// under a key the OS draws at start-up: unique within a process, unpredictable, and not
/// repeating across restarts and replicas as a bare counter would.
struct RequestIds {
    next: std::sync::atomic::AtomicU64,
    key: std::collections::hash_map::RandomState,
}

impl Default for RequestIds {
    fn default() -> RequestIds {
        RequestIds {
            next: std::sync::atomic::AtomicU64::new(0),
            key: std::collections::hash_map::RandomState::new(),
        }
    }
}

impl RequestIds {
    /// The next id as 16 lowercase hex digits.
    fn next(&self) -> [u8; 16] {
        use std::hash::BuildHasher;
        let n = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let id = self.key.hash_one(n);
        let mut out = [0; 16];
        for (i, digit) in out.iter_mut().enumerate() {
            *digit = b"0123456789abcdef"[(id >> (60 - 4 * i)) as usize & 0xf];
        }
        out
    }
}

/// A request's id: ours, kept as digits until the response takes it, or the client's.
enum RequestId {
    Ours([u8; 16]),
    Theirs(HeaderValue),
}

impl RequestId {
    fn as_str(&self) -> Option<&str> {
        match self {
            RequestId::Ours(digits) => std::str::from_utf8(digits).ok(),
            RequestId::Theirs(v) => v.to_str().ok(),
        }
    }

    fn header(&self) -> Option<HeaderValue> {
        match self {
            RequestId::Ours(digits) => HeaderValue::from_bytes(digits).ok(),
            RequestId::Theirs(v) => Some(v.clone()),
        }
    }
}

/// A request's access line, written once its answer is on its way (`later`): the client
/// waits for none of its formatting.
struct Line {
    id: RequestId,
    method: Method,
    uri: Uri,
    health: bool,
    status: u16,
    latency_us: u64,
    problem: Option<ErrorCode>,
}

impl Line {
    fn level(&self) -> tracing::Level {
        match (self.health, self.status) {
            (true, _) => tracing::Level::DEBUG,
            (false, 500..) => tracing::Level::ERROR,
            (false, _) => tracing::Level::INFO,
        }
    }

    fn write(self) {
        let level = self.level();
        let Line {
            id,
            method,
            uri,
            status,
            latency_us,
            problem,
            ..
        } = self;
        let code = problem.as_ref().map_or("-", |p| p.0);
        let node = problem.as_ref().and_then(|p| p.1.as_deref()).unwrap_or("-");
        let rid = id.as_str().unwrap_or("-");
        let method = method.as_str();
        match level {
            tracing::Level::DEBUG => {
                tracing::debug!(id = rid, method, %uri, status, latency_us, "health probe")
            }
            tracing::Level::ERROR => {
                tracing::error!(id = rid, method, %uri, status, latency_us, code, node, "request failed")
            }
            _ if status >= 400 => {
                tracing::info!(id = rid, method, %uri, status, latency_us, code, node, "client error")
            }
            _ => tracing::info!(id = rid, method, %uri, status, latency_us, "answered"),
        }
    }
}

impl<S> Service<Request> for Access<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
    S::Future: Unpin,
{
    type Response = Response;
    type Error = Infallible;
    type Future = AccessFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request) -> AccessFuture<S::Future> {
        let started = Instant::now();
        let id = match req.headers().get(&X_REQUEST_ID) {
            Some(v) => RequestId::Theirs(v.clone()),
            None => RequestId::Ours(self.shared.ids.next()),
        };
        let seen = Seen {
            started,
            route: self.shared.routes.of(req.uri().path()),
            method: req.method().clone(),
            uri: req.uri().clone(),
            id,
            shared: self.shared.clone(),
        };
        // only the session routes count clients (`ClientAddr`), and an extension costs every
        // other request an insert into the request's map
        if let Some(peer) = self.peer.filter(|_| seen.route.starts_with("/v1/sessions")) {
            req.extensions_mut().insert(ConnectInfo(peer));
        }
        let stage = match std::panic::catch_unwind(AssertUnwindSafe(|| self.inner.call(req))) {
            Ok(f) => Stage::Running(f),
            Err(_) => Stage::Panicked,
        };
        AccessFuture {
            stage,
            seen: Some(seen),
        }
    }
}

/// The request as the access line and the metrics need it once it is answered.
struct Seen {
    started: Instant,
    route: &'static str,
    method: Method,
    uri: Uri,
    id: RequestId,
    shared: Arc<Shared>,
}

pub struct AccessFuture<F> {
    stage: Stage<F>,
    seen: Option<Seen>,
}

enum Stage<F> {
    Running(F),
    Panicked,
    /// A problem body getting its request id.
    Rewriting(Pin<Box<dyn Future<Output = Response> + Send>>),
}

impl<F> Future for AccessFuture<F>
where
    F: Future<Output = Result<Response, Infallible>> + Unpin,
{
    type Output = Result<Response, Infallible>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let resp = match &mut this.stage {
            Stage::Rewriting(f) => return f.as_mut().poll(cx).map(Ok),
            Stage::Panicked => panic_response(),
            Stage::Running(f) => {
                match std::panic::catch_unwind(AssertUnwindSafe(|| Pin::new(f).poll(cx))) {
                    Ok(Poll::Pending) => return Poll::Pending,
                    Ok(Poll::Ready(Ok(resp))) => resp,
                    Ok(Poll::Ready(Err(never))) => match never {},
                    Err(_) => panic_response(),
                }
            }
        };
        let seen = this
            .seen
            .take()
            .expect("an access future polled after its answer");
        match seen.answered(resp) {
            Ok(resp) => Poll::Ready(Ok(resp)),
            Err(mut rewrite) => {
                let out = rewrite.as_mut().poll(cx);
                this.stage = Stage::Rewriting(rewrite);
                out.map(Ok)
            }
        }
    }
}

impl Seen {
    /// Counts and logs the answer and gives it its request id: the response as it goes out, or
    /// (a problem body) the future that adds the id to the body.
    fn answered(
        self,
        mut resp: Response,
    ) -> Result<Response, Pin<Box<dyn Future<Output = Response> + Send>>> {
        let took = self.started.elapsed();
        let status = resp.status().as_u16();
        let route = self.route;
        let problem = resp.extensions_mut().remove::<ErrorCode>();
        self.shared.st.metrics.observe_request(
            &self.method,
            route,
            status,
            took,
            problem.as_ref().map(|p| p.0),
        );
        let body_id = problem.as_ref().and(self.id.as_str().map(str::to_string));
        if let Some(v) = self.id.header() {
            resp.headers_mut().insert(X_REQUEST_ID, v);
        }
        let line = Line {
            id: self.id,
            method: self.method,
            uri: self.uri,
            health: route == "/healthz" || route == "/readyz",
            status,
            latency_us: took.as_micros() as u64,
            problem,
        };
        if line.level() <= tracing::level_filters::LevelFilter::current() {
            later::defer(move || line.write());
        }
        match body_id {
            Some(id) => Err(Box::pin(with_request_id(resp, id))),
            None => Ok(resp),
        }
    }
}

fn panic_response() -> Response {
    tracing::error!("a request panicked; answering 500");
    let e = super::error::AppError::new(
        axum::http::StatusCode::INTERNAL_SERVER_ERROR,
        crate::engine::Code::Internal,
        "the server failed on this request (a bug, logged); please report it with the request",
    );
    axum::response::IntoResponse::into_response(e)
}

/// Adds `"request_id"` to a problem+json body.
async fn with_request_id(resp: Response, id: String) -> Response {
    let (parts, body) = resp.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_PROBLEM_BYTES).await else {
        return Response::from_parts(parts, Body::empty());
    };
    let mut parts = parts;
    let body = match serde_json::from_slice::<serde_json::Value>(&bytes) {
        Ok(serde_json::Value::Object(mut m)) => {
            m.insert("request_id".into(), id.into());
            let out = serde_json::Value::Object(m).to_string();
            parts.headers.remove(axum::http::header::CONTENT_LENGTH);
            Body::from(out)
        }
        _ => Body::from(bytes),
    };
    Response::from_parts(parts, body)
}
