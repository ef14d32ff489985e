//! The HTTP layer: thin handlers that extract, call the engine, and map to JSON.
//! Each resource has its `router()`; `app()` merges them with the shared middleware.

mod activations;
pub mod body;
pub mod decode;
pub mod encode;
pub mod error;
mod evaluate;

use std::sync::Arc;

use axum::routing::get;
use axum::Router;
use tokio::sync::Semaphore;

use crate::config::Config;

#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    /// Bounds how many evaluations compute at once (the rest wait briefly, then get 503).
    pub compute: Arc<Semaphore>,
}

impl AppState {
    pub fn new(config: Config) -> AppState {
        let permits = config.max_concurrent_evaluations;
        AppState { config: Arc::new(config), compute: Arc::new(Semaphore::new(permits)) }
    }
}

async fn healthz() -> &'static str {
    "ok"
}

pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .merge(evaluate::router())
        .merge(activations::router())
        .with_state(state)
        .layer(tower_http::trace::TraceLayer::new_for_http())
}
