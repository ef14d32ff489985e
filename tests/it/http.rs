//! The HTTP surface: status codes, problem+json errors, and one real socket.

use serde_json::json;

use crate::support::{call, evaluate, raw, test_app};

#[tokio::test]
async fn healthz_answers_ok() {
    let (status, body) = call(&test_app(), "GET", "/healthz", None, &[]).await;
    assert_eq!(status, 200);
    assert_eq!(body, "ok");
}

#[tokio::test]
async fn a_body_that_is_not_json_is_400_problem_json() {
    let (status, ct, body) = raw(&test_app(), "POST", "/v1/evaluate", b"{not json".to_vec()).await;
    assert_eq!(status, 400);
    assert_eq!(ct.as_deref(), Some("application/problem+json"));
    assert_eq!(body["code"], "invalid_json");
    assert_eq!(body["status"], 400);
    assert!(
        body["detail"].as_str().unwrap().contains("not valid JSON"),
        "{body}"
    );
}

#[tokio::test]
async fn a_body_of_the_wrong_shape_is_400_naming_the_member() {
    let (status, _, body) = raw(
        &test_app(),
        "POST",
        "/v1/evaluate",
        br#"{"graph": [{"name": "a"}]}"#.to_vec(),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("graph[0] needs \"op\""),
        "{body}"
    );
}

#[test]
fn dtype_errors_name_the_node_the_op_and_the_fix() {
    let (status, body) = evaluate(json!({"setup": [
        {"name": "a", "op": "constant", "value": [1.0]},
        {"name": "b", "op": "constant", "value": [2.0], "dtype": "float64"},
        {"name": "p", "op": "multiply", "inputs": ["a", "b"]}]}));
    assert_eq!(status, 422);
    assert_eq!(body["code"], "dtype_mismatch");
    assert_eq!(body["node"], "p");
    assert_eq!(
        body["detail"],
        "node \"p\": multiply of float32 [1] and float64 [1]: dtypes differ (TensorFlow does not convert; add a cast)"
    );
}

#[test]
fn a_misspelt_attribute_is_reported() {
    let (status, body) = evaluate(json!({"setup": [
        {"name": "a", "op": "ones", "shape": [2, 3]},
        {"name": "s", "op": "reduce_sum", "inputs": ["a"], "axsi": 0}]}));
    assert_eq!(status, 422);
    assert_eq!(body["code"], "invalid_argument");
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("no attribute \"axsi\""),
        "{body}"
    );
}

#[test]
fn a_huge_shape_is_refused_before_allocating() {
    let (status, body) = evaluate(
        json!({"setup": [{"name": "a", "op": "ones", "shape": [100000, 100000, 100000]}]}),
    );
    assert_eq!(status, 422);
    assert_eq!(body["code"], "limit_exceeded");
}

#[test]
fn the_seed_gradient_dl_dw_is_the_hand_derived_one() {
    // L = -sum(y log softmax(W xB)), so dL/dW = (softmax(z) - y) xB^T.
    let w = [
        [0.015110626, 0.0042292206, -0.0041969493, -0.010360372],
        [-0.012368279, 0.0047027301, -0.00013974885, 0.011888582],
    ];
    let xb = [76.0, 120.0, 37.5, 1.0];
    let (status, body) = evaluate(json!({
        "variables": [{"name": "W", "value": w}],
        "setup": [{"name": "xB", "op": "constant", "value": xb}, {"name": "y", "op": "constant", "value": [1.0, 0.0]}],
        "graph": [{"name": "z", "op": "matvec", "inputs": ["W", "xB"]}, {"name": "a", "op": "softmax", "inputs": ["z"]},
                  {"name": "l", "op": "log", "inputs": ["a"]}, {"name": "t", "op": "multiply", "inputs": ["y", "l"]},
                  {"name": "L", "op": "reduce_sum", "inputs": ["t"]}, {"name": "nL", "op": "negative", "inputs": ["L"]}],
        "requests": [{"gradient": {"target": "nL", "sources": "W"}}]
    }));
    assert_eq!(status, 200, "{body}");
    let z: Vec<f64> = w
        .iter()
        .map(|r| r.iter().zip(&xb).map(|(a, b)| a * b).sum())
        .collect();
    let e: Vec<f64> = z.iter().map(|v| v.exp()).collect();
    let a: Vec<f64> = e.iter().map(|v| v / (e[0] + e[1])).collect();
    let y = [1.0, 0.0];
    let g = &body["results"][0]["gradient"]["value"];
    for i in 0..2 {
        for j in 0..4 {
            let want = (a[i] - y[i]) * xb[j];
            let got = g[i][j].as_f64().unwrap();
            assert!(
                (got - want).abs() < 1e-4 * (1.0 + want.abs()),
                "dL/dW[{i}][{j}] = {got}, want {want}"
            );
        }
    }
}

#[tokio::test]
async fn a_real_socket_serves_evaluate() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, test_app()).await.unwrap() });
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let body = r#"{"setup":[{"name":"x","op":"constant","value":[1.0,2.0]}],"outputs":["x"]}"#;
    let req = format!("POST /v1/evaluate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len());
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    stream.write_all(req.as_bytes()).await.unwrap();
    let mut resp = String::new();
    stream.read_to_string(&mut resp).await.unwrap();
    assert!(resp.starts_with("HTTP/1.1 200"), "{resp}");
    assert!(
        resp.contains(r#""x":{"dtype":"float32","shape":[2],"value":[1.0,2.0]}"#),
        "{resp}"
    );
}

#[tokio::test]
async fn metrics_count_requests_errors_and_evaluations() {
    let app = test_app();
    let ok = json!({"setup": [{"name": "a", "op": "ones", "shape": [2]}], "outputs": ["a"]});
    let too_big = json!({"setup": [{"name": "a", "op": "ones", "shape": [100000, 100000]}]});
    assert_eq!(
        call(&app, "POST", "/v1/evaluate", Some(ok), &[]).await.0,
        200
    );
    assert_eq!(
        call(&app, "POST", "/v1/evaluate", Some(too_big), &[])
            .await
            .0,
        422
    );
    let (st, text) = call(&app, "GET", "/metrics", None, &[]).await;
    assert_eq!(st, 200);
    let text = text.as_str().unwrap();
    for line in [
        r#"gradtape_http_requests_total{method="POST",route="/v1/evaluate",status="200"} 1"#,
        r#"gradtape_http_requests_total{method="POST",route="/v1/evaluate",status="422"} 1"#,
        r#"gradtape_errors_total{code="limit_exceeded"} 1"#,
        "gradtape_evaluation_seconds_count 2",
        "gradtape_sessions_alive 0",
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "missing {line:?} in\n{text}"
        );
    }
}

#[test]
fn b64_tensors_in_and_out() {
    use base64::Engine as _;
    let b64 = |bytes: Vec<u8>| base64::engine::general_purpose::STANDARD.encode(bytes);
    let w: Vec<u8> = [1.5f32, -2.0, 0.25, 4.0]
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .collect();
    let (st, v) = evaluate(json!({
        "variables": [{"name": "w", "value": {"b64": b64(w), "shape": [2, 2], "dtype": "float32"}}],
        "setup": [{"name": "m", "op": "constant", "value": {"b64": b64(vec![1, 0, 0, 1]), "shape": [2, 2], "dtype": "bool"}}],
        "graph": [{"name": "s", "op": "square", "inputs": ["w"]}, {"name": "L", "op": "reduce_sum", "inputs": ["s"]}],
        "outputs": ["m"],
        "requests": [{"gradient": {"target": "L", "sources": "w"}}],
        "encoding": "b64"
    }));
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["outputs"]["m"]["b64"], b64(vec![1, 0, 0, 1]));
    // d(sum w^2)/dw = 2w
    let g = base64::engine::general_purpose::STANDARD
        .decode(v["results"][0]["gradient"]["b64"].as_str().unwrap())
        .unwrap();
    let g: Vec<f32> = g
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
        .collect();
    assert_eq!(g, vec![3.0, -4.0, 0.5, 8.0]);
    assert_eq!(v["results"][0]["gradient"]["shape"], json!([2, 2]));
}

/// Large payloads take the SIMD base64 path both ways: a 300x200 float64 matrix (above any
/// SIMD block size, odd byte count per row) comes back bit for bit, transposed, and a bad
/// character is named with its offset.
#[test]
fn large_b64_payloads_round_trip_and_bad_characters_are_named() {
    use base64::Engine as _;
    let std64 = base64::engine::general_purpose::STANDARD;
    let vals: Vec<f64> = (0..60_000).map(|i| (i as f64).sin() * 1e3 + 0.1).collect();
    let bytes: Vec<u8> = vals.iter().flat_map(|v| v.to_le_bytes()).collect();
    let (st, v) = evaluate(json!({
        "setup": [{"name": "a", "op": "constant", "value": {"b64": std64.encode(&bytes), "shape": [300, 200], "dtype": "float64"}},
                  {"name": "t", "op": "transpose", "inputs": ["a"]}],
        "outputs": ["t"],
        "encoding": "b64"
    }));
    assert_eq!(st, 200, "{v}");
    let back = std64
        .decode(v["outputs"]["t"]["b64"].as_str().unwrap())
        .unwrap();
    let back: Vec<f64> = back
        .chunks_exact(8)
        .map(|c| f64::from_le_bytes(c.try_into().unwrap()))
        .collect();
    assert_eq!(back.len(), 60_000);
    for (i, row) in back.chunks_exact(300).enumerate() {
        for (j, &x) in row.iter().enumerate() {
            assert_eq!(x.to_bits(), vals[j * 200 + i].to_bits(), "t[{i}][{j}]");
        }
    }
    let (st, v) = evaluate(json!({
        "setup": [{"name": "a", "op": "constant", "value": {"b64": "AAAA!AAA", "shape": [2], "dtype": "float32"}}]
    }));
    assert_eq!(st, 422, "{v}");
    let detail = v["detail"].as_str().unwrap();
    assert!(
        detail.contains("not valid base64") && detail.contains("offset 4"),
        "{detail}"
    );
}

/// Heavy work waits briefly for a compute slot, then gets 503 with Retry-After; small programs
/// run inline and keep answering.
#[tokio::test]
async fn a_full_compute_pool_answers_503_with_retry_after() {
    use axum::body::Body;
    use gradtape::api::{app, AppState};
    use gradtape::config::Config;
    use tower::ServiceExt;
    let config = Config {
        max_concurrent_evaluations: 1,
        queue_wait: std::time::Duration::from_millis(20),
        ..Config::default()
    };
    let state = AppState::new(config);
    let _busy = state.compute.clone().acquire_owned().await.unwrap(); // the one slot is taken
    let app = app(state);
    let heavy = json!({"setup": [{"name": "a", "op": "ones", "shape": [500, 500]}, {"name": "m", "op": "matmul", "inputs": ["a", "a"]}]});
    let req = axum::http::Request::post("/v1/evaluate")
        .body(Body::from(heavy.to_string()))
        .unwrap();
    let resp = app.clone().oneshot(req).await.unwrap();
    assert_eq!(resp.status(), 503);
    assert_eq!(resp.headers().get("retry-after").unwrap(), "1");
    let small =
        json!({"setup": [{"name": "x", "op": "constant", "value": [1.0]}], "outputs": ["x"]});
    assert_eq!(
        call(&app, "POST", "/v1/evaluate", Some(small), &[]).await.0,
        200
    );
}

#[tokio::test]
async fn the_root_redirects_to_the_docs() {
    use tower::ServiceExt;
    let resp = crate::support::test_app()
        .oneshot(
            axum::http::Request::builder()
                .uri("/")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(resp.status(), 307);
    assert_eq!(resp.headers()["location"], "/docs");
}
