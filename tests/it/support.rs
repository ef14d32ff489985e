//! Helpers shared by the integration tests: an in-process app and JSON calls through it.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use gradtape::api::{app, AppState};
use gradtape::config::Config;
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

pub fn test_app() -> axum::Router {
    app_with(Config::default())
}

/// The app with `config`, its sessions in the store the tests run against: memory, or with
/// `GRADTAPE_TEST_SESSION_STORE=redis://...` (as .ci/run sets for its second pass over the
/// session tests) that Redis, under a key prefix of this app's own so bounds stay per test.
pub fn app_with(mut config: Config) -> axum::Router {
    if config.session_store.is_none() {
        if let Ok(url) = std::env::var("GRADTAPE_TEST_SESSION_STORE") {
            static APPS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
            let n = APPS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            config.session_key_prefix = format!("test{}-{n}", std::process::id());
            config.session_store = Some(url);
        }
    }
    app(AppState::new(config))
}

/// Sends one request through the router (no socket) and returns status and parsed body.
pub async fn call(
    app: &axum::Router,
    method: &str,
    uri: &str,
    body: Option<Value>,
    headers: &[(&str, &str)],
) -> (StatusCode, Value) {
    let mut req = Request::builder().method(method).uri(uri);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let body = match body {
        Some(v) => Body::from(v.to_string()),
        None => Body::empty(),
    };
    let resp = app.clone().oneshot(req.body(body).unwrap()).await.unwrap();
    let status = resp.status();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    let v = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()));
    (status, v)
}

pub async fn raw(
    app: &axum::Router,
    method: &str,
    uri: &str,
    body: Vec<u8>,
) -> (StatusCode, Option<String>, Value) {
    let req = Request::builder()
        .method(method)
        .uri(uri)
        .body(Body::from(body))
        .unwrap();
    let resp = app.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let ct = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string());
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        ct,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

pub fn evaluate(body: Value) -> (StatusCode, Value) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async { call(&test_app(), "POST", "/v1/evaluate", Some(body), &[]).await })
}

/// Sends a raw body with a Content-Type; returns status and the parsed JSON body.
pub async fn raw_with(
    app: &axum::Router,
    method: &str,
    uri: &str,
    body: Vec<u8>,
    content_type: &str,
) -> (StatusCode, Value) {
    let req = Request::builder()
        .method(method)
        .uri(uri)
        .header("content-type", content_type)
        .body(Body::from(body))
        .unwrap();
    let resp = app.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// A stateless cell (`POST /v1/cells` on a fresh app), which must answer 200; its body.
pub async fn run_cell(source: &str) -> Value {
    let app = test_app();
    let (status, body) = call(
        &app,
        "POST",
        "/v1/cells",
        Some(serde_json::json!({"source": source})),
        &[],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body
}
