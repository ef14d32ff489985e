//! Where a NaN began (`non_finite` notes) and the numerical check (`"check"`), on /v1/evaluate.

use serde_json::{json, Value};

use crate::support::{app_with, call, evaluate};

fn run(body: Value) -> Value {
    let (st, v) = evaluate(body);
    assert_eq!(st, 200, "{v}");
    v
}

/// (node, index, values) of a non_finite note.
fn site(n: &Value) -> (String, Value, Value) {
    assert_eq!(n["reason"], "non_finite", "{n}");
    (
        n["node"].as_str().unwrap().to_string(),
        n["index"].clone(),
        n["values"].clone(),
    )
}

/// x is a variable; the graph ends in y = reduce_sum(last); requests d y / d x.
fn program(x: Value, graph: Value) -> Value {
    let mut graph = graph.as_array().unwrap().clone();
    let last = graph.last().unwrap()["name"].clone();
    graph.push(json!({"name": "y", "op": "reduce_sum", "inputs": [last]}));
    json!({"variables": [{"name": "x", "value": x}], "graph": graph, "outputs": ["y"],
           "requests": [{"gradient": {"target": "y", "sources": "x"}}]})
}

#[test]
fn log_of_zero_is_found_in_the_forward_pass_and_in_its_gradient() {
    // log([1, 0]) = [0, -inf]; d/dx = 1/x = [1, inf]
    let v = run(program(
        json!([1.0, 0.0]),
        json!([{"name": "l", "op": "log", "inputs": ["x"]}]),
    ));
    assert_eq!(v["outputs"]["y"]["value"], "-Infinity");
    assert_eq!(site(&v["notes"][0]), ("l".into(), json!([1]), json!([0.0])));
    let r = &v["results"][0];
    assert_eq!(r["gradient"]["value"], json!([1.0, "Infinity"]));
    assert_eq!(site(&r["notes"][0]).0, "l");
    assert_eq!(site(&r["notes"][0]).1, json!([1]));
}

#[test]
fn sqrt_at_zero_goes_non_finite_only_in_the_backward_pass() {
    // sqrt([0, 4]) = [0, 2] is finite; its gradient 1 / (2 sqrt(x)) is [inf, 0.25]
    let v = run(program(
        json!([0.0, 4.0]),
        json!([{"name": "r", "op": "sqrt", "inputs": ["x"]}]),
    ));
    assert!(v.get("notes").is_none(), "the forward pass is finite: {v}");
    let r = &v["results"][0];
    assert_eq!(r["gradient"]["value"], json!(["Infinity", 0.25]));
    let (node, index, _) = site(&r["notes"][0]);
    assert_eq!((node.as_str(), index), ("r", json!([0])));
    assert!(r["notes"][0]["detail"]
        .as_str()
        .unwrap()
        .contains("gradient of r"));
}

#[test]
fn zero_over_zero_and_exp_overflow_are_forward_notes() {
    // 0/0 is NaN at index [0]; x/x is 1 elsewhere
    let v = run(program(
        json!([0.0, 2.0]),
        json!([{"name": "d", "op": "divide", "inputs": ["x", "x"]}]),
    ));
    assert_eq!(
        site(&v["notes"][0]),
        ("d".into(), json!([0]), json!([0.0, 0.0]))
    );
    // exp(100) overflows float32 (max ~3.4e38): index [1]
    let v = run(program(
        json!([1.0, 100.0]),
        json!([{"name": "e", "op": "exp", "inputs": ["x"]}]),
    ));
    assert_eq!(
        site(&v["notes"][0]),
        ("e".into(), json!([1]), json!([100.0]))
    );
    assert_eq!(v["results"][0]["gradient"]["value"][1], "Infinity");
}

#[test]
fn the_where_trap_is_found_in_the_untaken_branch() {
    // where(x > 0, x ** 0.5, 0) at x = [0, 4]: the forward value [0, 2] is finite, but pow's
    // gradient 0.5 x^-0.5 is inf at 0, and the where's 0 times it is NaN
    let graph = json!([{"name": "c", "op": "greater", "inputs": ["x", 0.0]},
                       {"name": "p", "op": "pow", "inputs": ["x", 0.5]},
                       {"name": "z", "op": "zeros_like", "inputs": ["x"]},
                       {"name": "w", "op": "where", "inputs": ["c", "p", "z"]}]);
    let v = run(program(json!([0.0, 4.0]), graph));
    assert!(v.get("notes").is_none(), "{v}");
    let r = &v["results"][0];
    assert_eq!(r["gradient"]["value"], json!(["NaN", 0.25]));
    let (node, index, _) = site(&r["notes"][0]);
    assert_eq!((node.as_str(), index), ("p", json!([0])));
    // log in the untaken branch: log(0) = -inf already in the forward pass (a top-level note),
    // and its gradient 0/0 = NaN
    let graph = json!([{"name": "c", "op": "greater", "inputs": ["x", 0.0]},
                       {"name": "l", "op": "log", "inputs": ["x"]},
                       {"name": "z", "op": "zeros_like", "inputs": ["x"]},
                       {"name": "w", "op": "where", "inputs": ["c", "l", "z"]}]);
    let v = run(program(json!([0.0, 4.0]), graph));
    assert_eq!(site(&v["notes"][0]).0, "l");
    let r = &v["results"][0];
    assert_eq!(r["gradient"]["value"], json!(["NaN", 0.25]));
    assert_eq!(site(&r["notes"][0]).0, "l");
}

#[test]
fn log_softmax_underflow_is_named() {
    // softmax([0, -200]) underflows to [1, 0] in float32; log of it is -inf at [1]
    let v = run(json!({
        "variables": [{"name": "z", "value": [0.0, -200.0]}],
        "graph": [{"name": "a", "op": "softmax", "inputs": ["z"]},
                  {"name": "log_a", "op": "log", "inputs": ["a"]}],
        "outputs": ["log_a"]
    }));
    assert_eq!(v["outputs"]["log_a"]["value"][1], "-Infinity");
    assert_eq!(
        site(&v["notes"][0]),
        ("log_a".into(), json!([1]), json!([0.0]))
    );
}

fn check(body: Value) -> Value {
    let v = run(body);
    v["results"][0]["check"].clone()
}

#[test]
fn a_check_passes_for_a_smooth_gradient_and_fails_at_a_kink() {
    // y = sum(x^2 * sin(x)): the float32 tape against float64 central differences
    let c = check(json!({
        "variables": [{"name": "x", "value": [0.3, -1.2, 2.0]}],
        "graph": [{"name": "s", "op": "sin", "inputs": ["x"]},
                  {"name": "q", "op": "square", "inputs": ["x"]},
                  {"name": "m", "op": "multiply", "inputs": ["q", "s"]},
                  {"name": "y", "op": "reduce_sum", "inputs": ["m"]}],
        "requests": [{"gradient": {"target": "y", "sources": "x", "check": true}}]
    }));
    assert_eq!(c["passed"], true, "{c}");
    assert!(c["max_abs_error"].as_f64().unwrap() < 1e-5, "{c}");
    assert_eq!(c["eps"], 1e-6);
    // relu at 0: TensorFlow's gradient is 0, the central difference (1 - 0) / 2 = 0.5
    let c = check(json!({
        "variables": [{"name": "x", "value": [1.0, 0.0]}],
        "graph": [{"name": "r", "op": "relu", "inputs": ["x"]},
                  {"name": "y", "op": "reduce_sum", "inputs": ["r"]}],
        "requests": [{"gradient": {"target": "y", "sources": "x", "check": {"eps": 1e-3}}}]
    }));
    assert_eq!(c["passed"], false, "{c}");
    assert_eq!(c["worst_index"], json!([1]));
    assert!(
        (c["max_abs_error"].as_f64().unwrap() - 0.5).abs() < 1e-9,
        "{c}"
    );
    assert_eq!(c["eps"], 1e-3);
}

#[test]
fn jacobian_and_hessian_checks_compare_every_entry() {
    // softmax's Jacobian, and the Hessian of sum(x^3) = diag(6x), float64
    let v = run(json!({
        "variables": [{"name": "z", "value": [0.5, -1.0, 2.0]},
                      {"name": "x", "value": [1.0, -2.0], "dtype": "float64"}],
        "graph": [{"name": "a", "op": "softmax", "inputs": ["z"]},
                  {"name": "c", "op": "pow", "inputs": ["x", 3.0]},
                  {"name": "y", "op": "reduce_sum", "inputs": ["c"]}],
        "tape": {"persistent": true},
        "requests": [{"jacobian": {"target": "a", "sources": "z", "check": true}},
                     {"hessian": {"target": "y", "sources": "x", "check": true}}]
    }));
    for r in v["results"].as_array().unwrap() {
        assert_eq!(r["check"]["passed"], true, "{r}");
    }
    assert_eq!(
        v["results"][1]["hessian"]["value"],
        json!([[6.0, 0.0], [0.0, -12.0]])
    );
    assert!(v["results"][1]["check"]["max_abs_error"].as_f64().unwrap() < 1e-6);
}

#[test]
fn a_batch_jacobian_check_compares_each_rows_block() {
    // y = x^2 * w row by row (w broadcast across the batch): each row's block is diag(2 x w);
    // a relu at 0 is a kink whose one-sided slopes the central difference averages
    let v = run(json!({
        "variables": [{"name": "x", "value": [[1.0, 2.0], [3.0, -4.0]], "dtype": "float64"},
                      {"name": "k", "value": [[0.0, 1.0]]}],
        "graph": [{"name": "s", "op": "square", "inputs": ["x"]},
                  {"name": "y", "op": "multiply", "inputs": ["s", [0.5, 3.0]]},
                  {"name": "r", "op": "relu", "inputs": ["k"]}],
        "tape": {"persistent": true},
        "requests": [{"batch_jacobian": {"target": "y", "source": "x", "check": true}},
                     {"batch_jacobian": {"target": "r", "source": "k", "check": {"eps": 1e-3}}}]
    }));
    let (ok, kink) = (&v["results"][0], &v["results"][1]);
    assert_eq!(ok["check"]["passed"], true, "{ok}");
    assert!(
        ok["check"]["max_abs_error"].as_f64().unwrap() < 1e-6,
        "{ok}"
    );
    assert_eq!(
        ok["batch_jacobian"]["value"],
        json!([[[1.0, 0.0], [0.0, 12.0]], [[3.0, 0.0], [0.0, -24.0]]])
    );
    assert_eq!(kink["check"]["passed"], false, "{kink}");
    assert_eq!(kink["check"]["worst_index"], json!([0, 0, 0]), "{kink}");
}

#[test]
fn a_check_past_its_bound_is_refused() {
    let mut config = gradtape::config::Config::default();
    config.limits.max_check_passes = 10;
    let body = json!({
        "variables": [{"name": "x", "value": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]}],
        "graph": [{"name": "y", "op": "reduce_sum", "inputs": ["x"]}],
        "requests": [{"gradient": {"target": "y", "sources": "x", "check": true}}]
    });
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    // the app is built inside the runtime: a Redis session store (GRADTAPE_TEST_SESSION_STORE)
    // connects on a Tokio runtime
    let (st, v) = rt.block_on(async {
        call(
            &app_with(config),
            "POST",
            "/v1/evaluate",
            Some(body.clone()),
            &[],
        )
        .await
    });
    assert_eq!(st, 422, "{v}");
    assert_eq!(v["code"], "limit_exceeded", "{v}");
    assert!(v["detail"].as_str().unwrap().contains("max_check_passes"));
    // without "check" the same program answers
    let mut plain = body;
    plain["requests"][0]["gradient"]["check"] = json!(false);
    let (st, v) = evaluate(plain);
    assert_eq!((st.as_u16(), v["results"][0].get("check")), (200, None));
}
