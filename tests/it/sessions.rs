//! The session API: the seed notebook replayed step by step, TensorFlow's variable and tape
//! semantics, security, expiry, limits and concurrency.

use std::time::Duration;

use axum::http::StatusCode;
use serde_json::{json, Value};

use crate::support::{app_with, call, test_app};
use gradtape::config::Config;

const W0: [[f64; 4]; 2] = [
    [0.015110626, 0.0042292206, -0.0041969493, -0.010360372],
    [-0.012368279, 0.0047027301, -0.00013974885, 0.011888582],
];

/// A session on `app`: its base URL and the Authorization header value.
struct S {
    app: axum::Router,
    base: String,
    auth: String,
}

impl S {
    async fn new(app: &axum::Router) -> S {
        let (st, body) = call(app, "POST", "/v1/sessions", None, &[]).await;
        assert_eq!(st, StatusCode::CREATED, "{body}");
        S {
            app: app.clone(),
            base: format!("/v1/sessions/{}", body["id"].as_str().unwrap()),
            auth: format!("Bearer {}", body["token"].as_str().unwrap()),
        }
    }
    async fn req(&self, method: &str, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        call(
            &self.app,
            method,
            &format!("{}{path}", self.base),
            body,
            &[("authorization", &self.auth)],
        )
        .await
    }
    async fn ok(&self, method: &str, path: &str, body: Value) -> Value {
        let (st, out) = self.req(method, path, Some(body)).await;
        assert!(st.is_success(), "{method} {path}: {st} {out}");
        out
    }
}

fn seed_setup() -> Value {
    json!({"nodes": [
        {"name": "x", "op": "constant", "value": [76, 120, 37.5]},
        {"name": "y", "op": "constant", "value": [1.0, 0.0]},
        {"name": "one", "op": "tf.ones", "shape": [1]},
        {"name": "bias_feature", "op": "multiply", "inputs": [1.0, "one"]},
        {"name": "xB", "op": "tf.concat", "inputs": ["x", "bias_feature"], "axis": 0}]})
}

fn seed_forward() -> Value {
    json!({"nodes": [
        {"name": "z", "op": "tf.linalg.matvec", "inputs": ["W", "xB"]},
        {"name": "a", "op": "tf.nn.softmax", "inputs": ["z"]},
        {"name": "yhat", "op": "identity", "inputs": ["a"]},
        {"name": "log_yhat", "op": "tf.math.log", "inputs": ["yhat"]},
        {"name": "neg_y", "op": "negative", "inputs": ["y"]},
        {"name": "terms", "op": "multiply", "inputs": ["neg_y", "log_yhat"]},
        {"name": "L", "op": "tf.reduce_sum", "inputs": ["terms"]}]})
}

#[tokio::test]
async fn the_seed_notebook_replayed_as_a_session_matches_evaluate() {
    let app = test_app();
    let s = S::new(&app).await;
    let w = s
        .ok("POST", "/variables", json!({"name": "W", "value": W0}))
        .await;
    assert_eq!(
        (w["dtype"].as_str(), w["shape"].clone()),
        (Some("float32"), json!([2, 4]))
    );
    s.ok("POST", "/graph", seed_setup()).await;
    let tape = s.ok("POST", "/tapes", json!({"persistent": true})).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let fwd = s.ok("POST", "/graph", seed_forward()).await;
    s.ok("POST", &format!("/tapes/{tape}/stop"), json!({}))
        .await;

    // the same program through /v1/evaluate
    let case: Value = serde_json::from_str(include_str!(
        "../conformance/cases/seed_softmax_persistent.json"
    ))
    .unwrap();
    let (st, ev) = call(
        &app,
        "POST",
        "/v1/evaluate",
        Some(case["request"].clone()),
        &[],
    )
    .await;
    assert_eq!(st, 200);
    for name in ["z", "a", "L"] {
        assert_eq!(fwd["outputs"][name], ev["outputs"][name], "{name}");
    }
    let asks = [
        ("gradient", "L", "yhat"),
        ("gradient", "a", "z"),
        ("gradient", "z", "W"),
        ("gradient", "L", "W"),
        ("jacobian", "a", "z"),
        ("jacobian", "z", "W"),
        ("jacobian", "L", "yhat"),
    ];
    for (i, (kind, target, source)) in asks.iter().enumerate() {
        let got = s
            .ok(
                "POST",
                &format!("/tapes/{tape}/{kind}"),
                json!({"target": target, "sources": source}),
            )
            .await;
        assert_eq!(
            got[kind], ev["results"][i][kind],
            "{kind} of {target} by {source}"
        );
    }
    let (st, _) = s.req("DELETE", &format!("/tapes/{tape}"), None).await;
    assert_eq!(st, StatusCode::NO_CONTENT);

    // persistent=false: the first gradient works, the second is TensorFlow's error
    let tape = s.ok("POST", "/tapes", json!({"persistent": false})).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    s.ok("POST", "/graph", seed_forward()).await;
    let first = s
        .ok(
            "POST",
            &format!("/tapes/{tape}/gradient"),
            json!({"target": "L", "sources": "W", "bind": "dL_dW"}),
        )
        .await;
    assert_eq!(first["gradient"], ev["results"][3]["gradient"]);
    let (st, err) = s
        .req(
            "POST",
            &format!("/tapes/{tape}/gradient"),
            Some(json!({"target": "L", "sources": "yhat"})),
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT);
    assert_eq!(err["code"], "tape_exhausted");
    assert!(
        err["detail"].as_str().unwrap().contains(
            "A non-persistent GradientTape can only be used to compute one set of gradients"
        ),
        "{err}"
    );

    // one gradient-descent step, W.assign_sub(lr * dL_dW), lowers the loss
    let loss_before = fwd["outputs"]["L"]["value"].as_f64().unwrap();
    s.ok(
        "POST",
        "/graph",
        json!({"nodes": [{"name": "step", "op": "multiply", "inputs": [0.0001, "dL_dW"]}]}),
    )
    .await;
    let w_id = w["id"].as_str().unwrap();
    let after = s
        .ok(
            "POST",
            &format!("/variables/{w_id}/assign"),
            json!({"op": "assign_sub", "from": "step"}),
        )
        .await;
    assert_eq!(after["id"], w["id"], "assign keeps the same variable");
    let loss_after = s.ok("POST", "/graph", seed_forward()).await["outputs"]["L"]["value"]
        .as_f64()
        .unwrap();
    assert!(
        loss_after < loss_before,
        "loss {loss_before} -> {loss_after}"
    );
}

#[tokio::test]
async fn variable_copies_and_names_behave_as_in_tensorflow() {
    let s = S::new(&test_app()).await;
    let a = s
        .ok(
            "POST",
            "/variables",
            json!({"name": "a", "value": [1.0, 2.0]}),
        )
        .await;
    let b = s
        .ok("POST", "/variables", json!({"name": "b", "from": "a"}))
        .await;
    s.ok(
        "POST",
        "/variables/a/assign",
        json!({"op": "assign_add", "value": [10.0, 10.0]}),
    )
    .await;
    let (a2, b2) = (
        s.ok("GET", "/variables/a", json!(null)).await,
        s.ok(
            "GET",
            &format!("/variables/{}", b["id"].as_str().unwrap()),
            json!(null),
        )
        .await,
    );
    assert_eq!(a2["value"], json!([11.0, 12.0]));
    assert_eq!(
        b2["value"],
        json!([1.0, 2.0]),
        "tf.Variable(a) copies: later assigns to a do not show in b"
    );
    assert_eq!(a2["id"], a["id"]);

    // two variables named w: allowed, with different ids
    let w1 = s
        .ok("POST", "/variables", json!({"name": "w", "value": 1.0}))
        .await;
    let w2 = s
        .ok("POST", "/variables", json!({"name": "w", "value": 2.0}))
        .await;
    assert_eq!(
        (w1["name"].clone(), w2["name"].clone()),
        (json!("w"), json!("w"))
    );
    assert_ne!(w1["id"], w2["id"]);

    // assign keeps dtype and shape
    let (st, e) = s
        .req(
            "POST",
            "/variables/a/assign",
            Some(json!({"value": [1.0, 2.0, 3.0]})),
        )
        .await;
    assert_eq!(
        (st, e["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("shape_mismatch"))
    );
    let (st, e) = s
        .req(
            "POST",
            "/variables/a/assign",
            Some(json!({"value": {"value": [1, 2], "dtype": "int32"}})),
        )
        .await;
    assert_eq!(
        (st, e["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("dtype_mismatch"))
    );
}

#[tokio::test]
async fn nested_tapes_give_a_second_derivative() {
    let s = S::new(&test_app()).await;
    s.ok(
        "POST",
        "/variables",
        json!({"name": "x", "value": {"value": 1.5, "dtype": "float64"}}),
    )
    .await;
    let outer = s.ok("POST", "/tapes", json!({"persistent": true})).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let inner = s.ok("POST", "/tapes", json!({})).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    s.ok(
        "POST",
        "/graph",
        json!({"nodes": [{"name": "y", "op": "pow", "inputs": ["x", 3]}]}),
    )
    .await;
    s.ok("POST", &format!("/tapes/{inner}/stop"), json!({}))
        .await;
    // y = x^3: dy/dx = 3x^2 = 6.75, d2y/dx2 = 6x = 9
    let d1 = s
        .ok(
            "POST",
            &format!("/tapes/{inner}/gradient"),
            json!({"target": "y", "sources": "x", "bind": "dy_dx"}),
        )
        .await;
    assert_eq!(d1["gradient"]["value"], json!(6.75));
    s.ok("POST", &format!("/tapes/{outer}/stop"), json!({}))
        .await;
    let d2 = s
        .ok(
            "POST",
            &format!("/tapes/{outer}/gradient"),
            json!({"target": "dy_dx", "sources": "x"}),
        )
        .await;
    assert_eq!(d2["gradient"]["value"], json!(9.0));
}

#[tokio::test]
async fn sessions_are_isolated_and_tokens_are_checked() {
    let app = test_app();
    let (a, b) = (S::new(&app).await, S::new(&app).await);
    a.ok(
        "POST",
        "/graph",
        json!({"nodes": [{"name": "secret", "op": "constant", "value": 42}]}),
    )
    .await;
    // another session's tensor is not found, as an unknown variable or tape is
    let (st, e) = b.req("GET", "/tensors/secret", None).await;
    assert_eq!(
        (st, e["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found"))
    );
    // b's token on a's session, no token, and an unknown id: the same 404
    let wrong = call(
        &app,
        "GET",
        &format!("{}/tensors/secret", a.base),
        None,
        &[("authorization", &b.auth)],
    )
    .await;
    let none = call(
        &app,
        "GET",
        &format!("{}/tensors/secret", a.base),
        None,
        &[],
    )
    .await;
    let unknown = call(
        &app,
        "GET",
        "/v1/sessions/0000/tensors/secret",
        None,
        &[("authorization", &a.auth)],
    )
    .await;
    assert_eq!(wrong.0, StatusCode::NOT_FOUND);
    // the same answer whichever way the session is wrong (each carries its own request id)
    let strip = |(s, mut v): (StatusCode, Value)| {
        v.as_object_mut().map(|m| m.remove("request_id"));
        (s, v)
    };
    let (wrong, none, unknown) = (strip(wrong), strip(none), strip(unknown));
    assert_eq!(wrong, none);
    assert_eq!(wrong, unknown);
    let (st, v) = a.req("GET", "/tensors/secret", None).await;
    assert_eq!((st, v["value"].clone()), (StatusCode::OK, json!(42)));
}

#[tokio::test]
async fn idle_sessions_expire() {
    let app = app_with(Config {
        session_ttl: Duration::from_millis(150),
        ..Config::default()
    });
    let s = S::new(&app).await;
    assert_eq!(s.req("GET", "", None).await.0, StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (st, e) = s.req("GET", "", None).await;
    assert_eq!(
        (st, e["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found"))
    );
}

#[tokio::test]
async fn session_count_and_memory_are_bounded() {
    let app = app_with(Config {
        max_sessions: 2,
        max_session_bytes: 4096,
        ..Config::default()
    });
    let s = S::new(&app).await;
    S::new(&app).await;
    let (st, e) = call(&app, "POST", "/v1/sessions", None, &[]).await;
    assert_eq!(
        (st, e["code"].as_str()),
        (StatusCode::TOO_MANY_REQUESTS, Some("limit_exceeded"))
    );
    // 2000 float32 = 8000 bytes > 4096: refused, and nothing is left behind
    let (st, e) = s
        .req(
            "POST",
            "/graph",
            Some(json!({"nodes": [{"name": "big", "op": "ones", "shape": [2000]}]})),
        )
        .await;
    assert_eq!(
        (st, e["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("limit_exceeded"))
    );
    assert_eq!(
        s.req("GET", "/tensors/big", None).await.0,
        StatusCode::NOT_FOUND
    );
    let (st, _) = s.req("DELETE", "", None).await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    assert_eq!(
        call(&app, "POST", "/v1/sessions", None, &[]).await.0,
        StatusCode::CREATED
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_assigns_on_one_session_are_not_lost() {
    let app = test_app();
    let s = S::new(&app).await;
    s.ok("POST", "/variables", json!({"name": "n", "value": 0.0}))
        .await;
    let mut tasks = vec![];
    for _ in 0..40 {
        let (app, url, auth) = (
            app.clone(),
            format!("{}/variables/n/assign", s.base),
            s.auth.clone(),
        );
        tasks.push(tokio::spawn(async move {
            call(
                &app,
                "POST",
                &url,
                Some(json!({"op": "assign_add", "value": 1.0})),
                &[("authorization", &auth)],
            )
            .await
            .0
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), StatusCode::OK);
    }
    assert_eq!(
        s.ok("GET", "/variables/n", json!(null)).await["value"],
        json!(40.0)
    );
}

#[test]
fn session_state_is_plain_serializable_data() {
    use gradtape::engine::{Limits, Lit, Names};
    use gradtape::sessions::{Session, Source};
    let mut s = Session::new(Limits::default());
    s.create_variable(
        &Source::Literal(Lit::List(vec![Lit::Float(2.0), Lit::Float(3.0)])),
        None,
        true,
        Some("w"),
        None,
    )
    .unwrap();
    let tape = s.open_tape(true, true, None).unwrap();
    let node: gradtape::engine::NodeSpec = gradtape::engine::NodeSpec {
        name: Some("q".into()),
        op: "square".into(),
        inputs: vec![gradtape::engine::Input::Name("w".into())],
        attrs: vec![],
    };
    s.run_graph(&[node]).unwrap();
    s.stop(&tape).unwrap();
    // a round trip through JSON, as a shared store would hold it, keeps the tape usable
    let text = serde_json::to_string(&s).unwrap();
    let mut back: Session = serde_json::from_str(&text).unwrap();
    let g = back
        .gradient(
            &tape,
            &Names::One("q".into()),
            &Names::One("w".into()),
            &None,
            false,
        )
        .unwrap();
    let gradtape::engine::Shaped::One(Some(g)) = g else {
        panic!("no gradient")
    };
    assert_eq!(g.tensor.to_f64_vec(), vec![4.0, 6.0]); // d(w^2)/dw = 2w
}

#[tokio::test]
async fn a_persistent_tape_still_recording_records_its_own_gradient() {
    // inside `with tf.GradientTape(persistent=True) as t`: dr = t.gradient(r, x) is recorded by t
    let s = S::new(&test_app()).await;
    s.ok(
        "POST",
        "/variables",
        json!({"name": "x", "value": [1.0, 2.0]}),
    )
    .await;
    let t = s.ok("POST", "/tapes", json!({"persistent": true})).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    s.ok(
        "POST",
        "/graph",
        json!({"nodes": [{"name": "r", "op": "square", "inputs": ["x"]}]}),
    )
    .await;
    s.ok(
        "POST",
        &format!("/tapes/{t}/gradient"),
        json!({"target": "r", "sources": "x", "bind": "dr"}),
    )
    .await;
    s.ok(
        "POST",
        "/graph",
        json!({"nodes": [{"name": "dd", "op": "reduce_sum", "inputs": ["dr"]}]}),
    )
    .await;
    // dd = sum(2x), so d dd/dx = [2, 2]
    let g = s
        .ok(
            "POST",
            &format!("/tapes/{t}/gradient"),
            json!({"target": "dd", "sources": "x"}),
        )
        .await;
    assert_eq!(g["gradient"]["value"], json!([2.0, 2.0]));
}

/// TensorFlow's `tape.watch` does nothing while no tape records (`TFE_Py_TapeWatch` checks
/// `CouldBackprop()`), so a watch on a stopped tape takes effect only while another tape
/// records: `jacobian(c, c)` is then zeros, or the identity (TensorFlow 2.15's answers).
#[tokio::test]
async fn a_watch_on_a_stopped_tape_needs_a_recording_tape() {
    let app = test_app();
    for other_records in [false, true] {
        let s = S::new(&app).await;
        s.ok(
            "POST",
            "/graph",
            json!({"nodes": [{"name": "c", "op": "constant", "value": [1.0, 2.0]}]}),
        )
        .await;
        let t = s.ok("POST", "/tapes", json!({"persistent": true})).await["id"]
            .as_str()
            .unwrap()
            .to_string();
        s.ok("POST", &format!("/tapes/{t}/stop"), json!({})).await;
        let other = s.ok("POST", "/tapes", json!({"persistent": true})).await["id"]
            .as_str()
            .unwrap()
            .to_string();
        if !other_records {
            s.ok("POST", &format!("/tapes/{other}/stop"), json!({}))
                .await;
        }
        s.ok(
            "POST",
            &format!("/tapes/{t}/watch"),
            json!({"names": ["c"]}),
        )
        .await;
        let j = s
            .ok(
                "POST",
                &format!("/tapes/{t}/jacobian"),
                json!({"target": "c", "sources": ["c"], "unconnected_gradients": "zero"}),
            )
            .await;
        let want = if other_records {
            json!([[1.0, 0.0], [0.0, 1.0]])
        } else {
            json!([[0.0, 0.0], [0.0, 0.0]])
        };
        assert_eq!(j["jacobian"][0]["value"], want, "{j}");
        // an unknown name is still the client's mistake, recording or not
        let (st, e) = s
            .req(
                "POST",
                &format!("/tapes/{t}/watch"),
                Some(json!({"names": ["nope"]})),
            )
            .await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        assert_eq!(e["node"], "nope", "{e}");
    }
}
