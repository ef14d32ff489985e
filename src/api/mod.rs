//! The HTTP layer: thin handlers that extract, call the engine, and map to JSON.
//! Each resource lists its `routes()`; `app()` builds one router from them all.

mod access;
mod activations;
pub mod body;
pub mod cells;
pub mod decode;
mod docs;
pub mod encode;
pub mod error;
mod evaluate;
mod grade;
mod idle;
pub mod json;
mod json_error;
mod json_fast;
mod later;
mod listen;
pub mod metrics;
pub mod notes;
pub mod ops;
mod path;
mod self_wake;
mod sessions;

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use axum::handler::Handler;
use axum::http::Method;
use axum::routing::{on, MethodFilter, MethodRouter};
use axum::Router;
use tokio::sync::Semaphore;

use crate::config::Config;
use crate::sessions::SessionStore;

/// What every handler shares, behind one `Arc`: axum clones the state for the middleware and
/// again for the handler on every request, and one reference count costs less than five
/// (each count bounces between the cores that answer requests).
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

pub struct Shared {
    pub config: Arc<Config>,
    /// Bounds how many evaluations compute at once (the rest wait briefly, then get 503).
    pub compute: Arc<Semaphore>,
    /// Sessions in memory or in Redis (`GRADTAPE_SESSION_STORE`); cheap to clone.
    pub sessions: SessionStore,
    pub metrics: Arc<metrics::Metrics>,
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl AppState {
    /// The state for `config`; an unusable session store setting is an error to print.
    pub fn try_new(config: Config) -> Result<AppState, String> {
        let permits = config.max_concurrent_evaluations;
        let sessions = SessionStore::from_config(&config)?;
        Ok(AppState(Arc::new(Shared {
            config: Arc::new(config),
            compute: Arc::new(Semaphore::new(permits)),
            sessions,
            metrics: Arc::new(metrics::Metrics::default()),
        })))
    }

    pub fn new(config: Config) -> AppState {
        AppState::try_new(config).unwrap_or_else(|e| panic!("gradtape: {e}"))
    }
}

/// Liveness: the process answers. It does not look at the session store, so a store outage
/// does not get replicas restarted.
async fn healthz() -> &'static str {
    "ok"
}

/// Readiness: 200 when the session store answers, else 503 naming the store that is down
/// (a load balancer can route sessions elsewhere; `/v1/evaluate` still works here).
async fn readyz(
    axum::extract::State(st): axum::extract::State<AppState>,
) -> Result<axum::Json<serde_json::Value>, error::AppError> {
    st.sessions.ping().await?;
    Ok(axum::Json(
        serde_json::json!({"ready": true, "session_store": st.sessions.name()}),
    ))
}

/// A browser pointed at the server's root lands on the API documentation.
async fn root() -> axum::response::Redirect {
    axum::response::Redirect::temporary("/docs")
}

/// One route: the method and path are part of the value, so the router and the OpenAPI
/// parity test read the same table.
pub struct Route {
    pub method: Method,
    pub path: &'static str,
    handler: MethodRouter<AppState>,
}

pub fn route<H, T>(method: Method, path: &'static str, handler: H) -> Route
where
    H: Handler<T, AppState>,
    T: 'static,
{
    let filter = MethodFilter::try_from(method.clone()).expect("a standard method");
    Route {
        method,
        path,
        handler: on(filter, handler),
    }
}

/// Every route the service answers.
pub fn routes() -> Vec<Route> {
    let mut all = vec![
        route(Method::GET, "/", root),
        route(Method::GET, "/healthz", healthz),
        route(Method::GET, "/readyz", readyz),
    ];
    all.extend(evaluate::routes());
    all.extend(cells::routes());
    all.extend(grade::routes());
    all.extend(sessions::routes());
    all.extend(activations::routes());
    all.extend(ops::routes());
    all.extend(docs::routes());
    all.extend(metrics::routes());
    all
}

async fn no_route(uri: axum::http::Uri) -> error::AppError {
    error::AppError::not_found(format!(
        "no route {uri}; the API is described at /docs and /openapi.json"
    ))
}

/// A path the service has, asked with another method: 405 as problem+json (axum's own answer
/// has no body), naming the methods the path answers; axum adds the `Allow` header to it.
async fn no_method(method: Method, uri: axum::http::Uri) -> error::AppError {
    // the path's methods, matched as axum matches the path (axum uses the same matcher)
    static METHODS: OnceLock<matchit::Router<String>> = OnceLock::new();
    let methods = METHODS.get_or_init(|| {
        let mut by_path: HashMap<&'static str, Vec<String>> = HashMap::new();
        for r in routes() {
            let m = by_path.entry(r.path).or_default();
            m.push(r.method.to_string());
            if r.method == Method::GET {
                m.push("HEAD".into());
            }
        }
        let mut router = matchit::Router::new();
        for (path, m) in by_path {
            let _ = router.insert(path, m.join(", "));
        }
        router
    });
    let path = uri.path();
    let answers = methods.at(path).map_or("", |m| m.value.as_str());
    error::AppError::new(
        axum::http::StatusCode::METHOD_NOT_ALLOWED,
        error::ApiCode::MethodNotAllowed,
        format!(
            "{path} does not answer {method}; it answers {answers} (the API is described at /docs)"
        ),
    )
}

/// Serves the API on `listener` until `shutdown` completes, then lets the connections finish
/// what they are answering: the router inside the access layer (request ids, the access log,
/// request metrics, panics answered 500), each connection's peer address given to it.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()>,
) {
    let reading = listen::Reading {
        max_body_bytes: state.config.max_body_bytes,
        timeout: state.config.read_timeout,
        min_rate: state.config.min_body_rate,
    };
    listen::serve(listener, layered(state), reading, shutdown).await
}

/// The same service as a `Router`, for callers that want one (the tests drive it with `oneshot`).
pub fn app(state: AppState) -> Router {
    Router::new().fallback_service(layered(state))
}

fn layered(state: AppState) -> access::Access<Router> {
    let all = routes();
    let paths: Vec<&'static str> = all.iter().map(|r| r.path).collect();
    let router = all
        .into_iter()
        .fold(Router::new(), |r, rt| r.route(rt.path, rt.handler))
        .method_not_allowed_fallback(no_method)
        .fallback(no_route)
        .with_state(state.clone());
    access::Access::new(router, state, paths)
}
