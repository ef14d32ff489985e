//! The HTTP floor: a bare axum endpoint that parses a small JSON body and answers a
//! small JSON, with none of gradtape's layers (request ids, tracing, metrics, panic catching).
//! `tests/bench/http.sh` runs it beside the server so that each workload can be quoted against
//! the floor measured in the same run on the same machine.
//!
//!     cargo run --release --example floor -- 127.0.0.1:18182

use axum::routing::post;
use axum::{Json, Router};
use serde_json::{json, Value};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:18182".into());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    rt.block_on(async {
        let app = Router::new().route(
            "/",
            post(|Json(body): Json<Value>| async move { Json(json!({"ok": body.is_object()})) }),
        );
        let listener = tokio::net::TcpListener::bind(&addr).await.expect("bind");
        axum::serve(listener, app).await.expect("serve");
    });
}
