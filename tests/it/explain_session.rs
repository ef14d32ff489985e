//! Notes in sessions: the reasons only a session can build (a stopped tape, an assignment) and a
//! non-finite value in a graph call and in a gradient.

use serde_json::{json, Value};

use crate::support::{call, test_app};

struct S {
    app: axum::Router,
    base: String,
    auth: String,
}

impl S {
    async fn new() -> S {
        let app = test_app();
        let (_, body) = call(&app, "POST", "/v1/sessions", None, &[]).await;
        S {
            base: format!("/v1/sessions/{}", body["id"].as_str().unwrap()),
            auth: format!("Bearer {}", body["token"].as_str().unwrap()),
            app,
        }
    }
    async fn ok(&self, path: &str, body: Value) -> Value {
        let uri = format!("{}{path}", self.base);
        let (st, v) = call(
            &self.app,
            "POST",
            &uri,
            Some(body),
            &[("authorization", &self.auth)],
        )
        .await;
        assert!(st.is_success(), "{path}: {st} {v}");
        v
    }
    async fn tape(&self) -> String {
        self.ok("/tapes", json!({"persistent": true})).await["id"]
            .as_str()
            .unwrap()
            .to_string()
    }
}

fn only_note(v: &Value) -> (String, Option<String>) {
    let notes = v["notes"]
        .as_array()
        .unwrap_or_else(|| panic!("no notes: {v}"));
    assert_eq!(notes.len(), 1, "{v}");
    (
        notes[0]["reason"].as_str().unwrap().to_string(),
        notes[0]["node"].as_str().map(str::to_string),
    )
}

#[tokio::test]
async fn a_path_computed_after_stop_is_recording_paused() {
    let s = S::new().await;
    s.ok("/variables", json!({"name": "w", "value": 3.0})).await;
    let t = s.tape().await;
    s.ok(
        "/graph",
        json!({"nodes": [{"name": "h", "op": "multiply", "inputs": ["w", 2.0]}]}),
    )
    .await;
    s.ok(&format!("/tapes/{t}/stop"), json!({})).await;
    s.ok(
        "/graph",
        json!({"nodes": [{"name": "y", "op": "square", "inputs": ["h"]}]}),
    )
    .await;
    let g = s
        .ok(
            &format!("/tapes/{t}/gradient"),
            json!({"target": "y", "sources": "w"}),
        )
        .await;
    assert!(g["gradient"].is_null(), "{g}");
    assert_eq!(only_note(&g), ("recording_paused".into(), Some("y".into())));
    // dh/dw = 2 was recorded before the stop
    let g = s
        .ok(
            &format!("/tapes/{t}/gradient"),
            json!({"target": "h", "sources": "w"}),
        )
        .await;
    assert_eq!(g["gradient"]["value"], json!(2.0));
    assert!(g.get("notes").is_none(), "{g}");
}

#[tokio::test]
async fn a_path_through_an_assignment_is_through_assign() {
    // v.assign(2x), then y = 3v: y reads the variable, not x
    let s = S::new().await;
    s.ok("/variables", json!({"name": "x", "value": 1.0})).await;
    s.ok("/variables", json!({"name": "v", "value": 0.0})).await;
    let t = s.tape().await;
    s.ok(
        "/graph",
        json!({"nodes": [{"name": "a", "op": "multiply", "inputs": ["x", 2.0]}]}),
    )
    .await;
    s.ok("/variables/v/assign", json!({"from": "a"})).await;
    s.ok(
        "/graph",
        json!({"nodes": [{"name": "y", "op": "multiply", "inputs": ["v", 3.0]}]}),
    )
    .await;
    let g = s
        .ok(
            &format!("/tapes/{t}/gradient"),
            json!({"target": "y", "sources": ["x", "v"]}),
        )
        .await;
    assert!(g["gradient"][0].is_null(), "{g}");
    assert_eq!(g["gradient"][1]["value"], json!(3.0));
    assert_eq!(only_note(&g), ("through_assign".into(), Some("v".into())));
    // a Variable made from a tensor is the same break
    s.ok("/variables", json!({"name": "u", "from": "a"})).await;
    s.ok(
        "/graph",
        json!({"nodes": [{"name": "z", "op": "multiply", "inputs": ["u", 3.0]}]}),
    )
    .await;
    let g = s
        .ok(
            &format!("/tapes/{t}/jacobian"),
            json!({"target": "z", "sources": "x"}),
        )
        .await;
    assert!(g["jacobian"].is_null(), "{g}");
    assert_eq!(only_note(&g), ("through_assign".into(), Some("u".into())));
}

#[tokio::test]
async fn a_tape_opened_after_the_forward_pass_is_recorded_before_tape() {
    let s = S::new().await;
    s.ok("/variables", json!({"name": "w", "value": 3.0})).await;
    s.ok(
        "/graph",
        json!({"nodes": [{"name": "y", "op": "square", "inputs": ["w"]}]}),
    )
    .await;
    let t = s.tape().await;
    let g = s
        .ok(
            &format!("/tapes/{t}/gradient"),
            json!({"target": "y", "sources": "w", "unconnected_gradients": "zero"}),
        )
        .await;
    assert_eq!(g["gradient"]["value"], json!(0.0));
    assert_eq!(
        only_note(&g),
        ("recorded_before_tape".into(), Some("y".into()))
    );
}

#[tokio::test]
async fn non_finite_values_are_traced_to_their_node() {
    // log(x) at x = [1, 0]: -Infinity at index [1] in the forward pass; its gradient 1/x is
    // Infinity there, made by log's VJP
    let s = S::new().await;
    s.ok("/variables", json!({"name": "x", "value": [1.0, 0.0]}))
        .await;
    let t = s.tape().await;
    let fwd = s
        .ok(
            "/graph",
            json!({"nodes": [{"name": "l", "op": "log", "inputs": ["x"]},
                                       {"name": "y", "op": "reduce_sum", "inputs": ["l"]}]}),
        )
        .await;
    assert_eq!(only_note(&fwd), ("non_finite".into(), Some("l".into())));
    assert_eq!(fwd["notes"][0]["index"], json!([1]));
    assert_eq!(fwd["notes"][0]["values"], json!([0.0]));
    let g = s
        .ok(
            &format!("/tapes/{t}/gradient"),
            json!({"target": "y", "sources": "x"}),
        )
        .await;
    assert_eq!(g["gradient"]["value"], json!([1.0, "Infinity"]));
    assert_eq!(only_note(&g), ("non_finite".into(), Some("l".into())));
    assert_eq!(g["notes"][0]["index"], json!([1]));
}

/// A name bound to a None gradient keeps the gradient's reason: the bind answer lists it under
/// `bound_to_none`, and a later use of it (a read, a graph input) says why it is None (here the
/// variable was not trainable, not "not connected"), until a cell rebinds it to a plain None.
#[tokio::test]
async fn a_name_bound_to_a_none_gradient_says_why_it_is_none() {
    let s = S::new().await;
    s.ok(
        "/variables",
        json!({"name": "U", "value": [1.0, 2.0], "trainable": false}),
    )
    .await;
    s.ok("/variables", json!({"name": "W", "value": [1.0, 2.0]}))
        .await;
    let t = s.tape().await;
    s.ok(
        "/graph",
        json!({"nodes": [{"name": "M", "op": "multiply", "inputs": ["U", "W"]}]}),
    )
    .await;
    let g = s
        .ok(
            &format!("/tapes/{t}/gradient"),
            json!({"target": "M", "sources": ["U", "W"], "bind": ["dU", "dW"]}),
        )
        .await;
    assert_eq!(
        (&g["bound"], &g["bound_to_none"]),
        (&json!(["dW"]), &json!(["dU"])),
        "{g}"
    );
    let auth = [("authorization", s.auth.as_str())];
    let read = |app: axum::Router, uri: String| async move {
        call(&app, "GET", &uri, None, &[("authorization", auth[0].1)]).await
    };
    let (st, v) = read(s.app.clone(), format!("{}/tensors/dU", s.base)).await;
    let detail = v["detail"].as_str().unwrap();
    assert_eq!(st, 422, "{v}");
    assert!(detail.contains("\"dU\" is None (the gradient bound to it was None, not_trainable: U is a Variable created with trainable=false"), "{detail}");
    assert!(!detail.contains("not connected"), "{detail}");
    let uri = format!("{}/graph", s.base);
    let body = json!({"nodes": [{"name": "q", "op": "add", "inputs": ["dU", "W"]}]});
    let (st, v) = call(&s.app, "POST", &uri, Some(body), &auth).await;
    assert_eq!(st, 422, "{v}");
    assert!(
        v["detail"].as_str().unwrap().contains("not_trainable"),
        "{v}"
    );
    // a cell that only reads it keeps the reason; one that binds None itself drops it
    s.ok("/cells", json!({"source": "print(dU is None)"})).await;
    let (_, v) = read(s.app.clone(), format!("{}/tensors/dU", s.base)).await;
    assert!(
        v["detail"].as_str().unwrap().contains("not_trainable"),
        "{v}"
    );
    s.ok("/cells", json!({"source": "dU = None"})).await;
    let (_, v) = read(s.app.clone(), format!("{}/tensors/dU", s.base)).await;
    assert!(
        v["detail"]
            .as_str()
            .unwrap()
            .starts_with("\"dU\" is None, and None is not a tensor"),
        "{v}"
    );
}

/// `"check"` beside a session's gradient, Jacobian and batch Jacobian (gradients.md: beside
/// every gradient): the ops the tape recorded run again in float64 with each source nudged,
/// giving the numbers `/v1/evaluate`'s check gives for the same computation as a program; a
/// relu kink at 0 fails it, as there.
#[tokio::test]
async fn session_gradients_and_jacobians_carry_the_numerical_check() {
    let w = json!([
        [0.015110626, 0.0042292206, -0.0041969493, -0.010360372],
        [-0.012368279, 0.0047027301, -0.00013974885, 0.011888582]
    ]);
    let setup = json!([{"name": "x", "op": "constant", "value": [76, 120, 37.5]},
        {"name": "y", "op": "constant", "value": [1.0, 0.0], "dtype": "float32"},
        {"name": "xB", "op": "concat", "inputs": ["x", [1.0]], "axis": 0}]);
    let graph = json!([
        {"name": "z", "op": "tf.linalg.matvec", "inputs": ["W", "xB"]},
        {"name": "a", "op": "tf.nn.softmax", "inputs": ["z"]},
        {"name": "log_a", "op": "tf.math.log", "inputs": ["a"]},
        {"name": "terms", "op": "multiply", "inputs": ["y", "log_a"]},
        {"name": "s", "op": "reduce_sum", "inputs": ["terms"]},
        {"name": "L", "op": "negative", "inputs": ["s"]}]);
    let s = S::new().await;
    s.ok("/variables", json!({"name": "W", "value": w})).await;
    s.ok("/graph", json!({"nodes": setup})).await;
    let t = s.tape().await;
    s.ok(&format!("/tapes/{t}/watch"), json!({"names": ["xB", "y"]}))
        .await;
    s.ok("/graph", json!({"nodes": graph})).await;
    let g = s
        .ok(
            &format!("/tapes/{t}/gradient"),
            json!({"target": "L", "sources": ["W", "xB", "y"], "check": true}),
        )
        .await;
    let j = s
        .ok(
            &format!("/tapes/{t}/jacobian"),
            json!({"target": "a", "sources": ["W", "z"], "check": true}),
        )
        .await;
    let prog = json!({"variables": [{"name": "W", "value": w}], "setup": setup,
        "tape": {"persistent": true, "watch": ["xB", "y"]}, "graph": graph,
        "requests": [{"gradient": {"target": "L", "sources": ["W", "xB", "y"], "check": true}},
                     {"jacobian": {"target": "a", "sources": ["W", "z"], "check": true}}]});
    let (_, ev) = call(&s.app, "POST", "/v1/evaluate", Some(prog), &[]).await;
    for (session, program) in [
        (&g["check"], &ev["results"][0]["check"]),
        (&j["check"], &ev["results"][1]["check"]),
    ] {
        assert_eq!(session["passed"], true, "{session}");
        assert_eq!(
            (
                &session["worst_index"],
                &session["worst_source"],
                &session["eps"]
            ),
            (
                &program["worst_index"],
                &program["worst_source"],
                &program["eps"]
            )
        );
        for k in ["max_abs_error", "max_rel_error"] {
            let (a, b) = (session[k].as_f64().unwrap(), program[k].as_f64().unwrap());
            assert!(
                (a - b).abs() <= 1e-9 * b.abs().max(1e-12),
                "{k}: session {a}, program {b}"
            );
        }
    }
    // relu at 0: its tape gradient 0 is no central difference (0.5)
    let s = S::new().await;
    s.ok(
        "/variables",
        json!({"name": "v", "value": [0.0, 1.0, -2.0]}),
    )
    .await;
    let t = s.tape().await;
    s.ok(
        "/graph",
        json!({"nodes": [{"name": "r", "op": "relu", "inputs": ["v"]},
        {"name": "q", "op": "reduce_sum", "inputs": ["r"]}]}),
    )
    .await;
    let g = s
        .ok(
            &format!("/tapes/{t}/gradient"),
            json!({"target": "q", "sources": "v", "check": true}),
        )
        .await;
    assert_eq!(
        (&g["check"]["passed"], &g["check"]["worst_index"]),
        (&json!(false), &json!([0])),
        "{g}"
    );
    assert!(
        (g["check"]["max_abs_error"].as_f64().unwrap() - 0.5).abs() < 1e-6,
        "{g}"
    );
    // a non-persistent tape answers once, and its check runs what it had recorded
    let s = S::new().await;
    s.ok(
        "/graph",
        json!({"nodes": [{"name": "X", "op": "constant", "value": [[1.0, 2.0], [3.0, 4.0]]}]}),
    )
    .await;
    let t = s.ok("/tapes", json!({"persistent": false})).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    s.ok(&format!("/tapes/{t}/watch"), json!({"names": ["X"]}))
        .await;
    s.ok(
        "/graph",
        json!({"nodes": [{"name": "Y", "op": "exp", "inputs": ["X"]}]}),
    )
    .await;
    let b = s
        .ok(
            &format!("/tapes/{t}/batch_jacobian"),
            json!({"target": "Y", "source": "X", "check": {"eps": 1e-5}}),
        )
        .await;
    assert_eq!(
        (&b["check"]["passed"], &b["check"]["eps"]),
        (&json!(true), &json!(1e-5)),
        "{b}"
    );
    let uri = format!("{}/tapes/{t}/gradient", s.base);
    let bad = json!({"target": "Y", "sources": "X", "check": "yes"});
    let (st, v) = call(
        &s.app,
        "POST",
        &uri,
        Some(bad),
        &[("authorization", &s.auth)],
    )
    .await;
    assert_eq!(
        (st.as_u16(), v["code"].as_str()),
        (400, Some("invalid_json")),
        "{v}"
    );
}
