//! The access middleware: every answered request is counted and timed by route, logged once
//! (a client error with its code and node, a failure at error level, health probes only at
//! debug), and a problem+json body gets the request id, so a student's bug report can be
//! matched to the server's log line.
//!
//! The line carries the request's id, method and URI itself rather than from a per-request
//! span: a span costs every request its creation and field formatting even when nothing but this
//! one line is logged, and a warning raised inside a request that fails is matched by the
//! failure's own line (same id, its code).

use std::time::Instant;

use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;

use super::metrics::ErrorCode;
use super::AppState;

/// Problem bodies are a few hundred bytes; anything past this is left as it is.
const MAX_PROBLEM_BYTES: usize = 64 << 10;

pub async fn track(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    let matched = req.extensions().get::<MatchedPath>().cloned();
    let id = req.headers().get("x-request-id").cloned();
    let uri = req.uri().clone();
    let resp = next.run(req).await;
    let route = matched.as_ref().map_or("unmatched", MatchedPath::as_str);
    let took = started.elapsed();
    let status = resp.status().as_u16();
    let problem = resp.extensions().get::<ErrorCode>().cloned();
    st.metrics.observe_request(
        method.as_str(),
        route,
        status,
        took,
        problem.as_ref().map(|p| p.0),
    );
    let latency_us = took.as_micros() as u64;
    let code = problem.as_ref().map_or("-", |p| p.0);
    let node = problem.as_ref().and_then(|p| p.1.as_deref()).unwrap_or("-");
    let rid = id.as_ref().and_then(|v| v.to_str().ok()).unwrap_or("-");
    let method = method.as_str();
    if route == "/healthz" || route == "/readyz" {
        tracing::debug!(id = rid, method, %uri, status, latency_us, "health probe");
    } else if status >= 500 {
        tracing::error!(id = rid, method, %uri, status, latency_us, code, node, "request failed");
    } else if status >= 400 {
        tracing::info!(id = rid, method, %uri, status, latency_us, code, node, "client error");
    } else {
        tracing::info!(id = rid, method, %uri, status, latency_us, "answered");
    }
    match (problem, id) {
        (Some(_), Some(id)) => with_request_id(resp, &id).await,
        _ => resp,
    }
}

/// Adds `"request_id"` to a problem+json body.
async fn with_request_id(resp: Response, id: &HeaderValue) -> Response {
    let (parts, body) = resp.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_PROBLEM_BYTES).await else {
        return Response::from_parts(parts, Body::empty());
    };
    let mut parts = parts;
    let body = match serde_json::from_slice::<serde_json::Value>(&bytes) {
        Ok(serde_json::Value::Object(mut m)) => {
            if let Ok(id) = id.to_str() {
                m.insert("request_id".into(), id.into());
            }
            let out = serde_json::Value::Object(m).to_string();
            parts.headers.remove(axum::http::header::CONTENT_LENGTH);
            Body::from(out)
        }
        _ => Body::from(bytes),
    };
    Response::from_parts(parts, body)
}
