//! Bad and abusive programs, one test each: every one answers a clear 4xx problem+json with a
//! stable code, quickly, and the process stays up.

use serde_json::{json, Value};

use crate::support::{raw, test_app};

/// Sends `body` to /v1/evaluate; asserts the status and code and that the detail says something.
fn expect(body: Vec<u8>, status: u16, code: &str) -> Value {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (st, ct, v) = rt.block_on(raw(&test_app(), "POST", "/v1/evaluate", body));
    assert_eq!(st.as_u16(), status, "{v}");
    assert_eq!(ct.as_deref(), Some("application/problem+json"));
    assert_eq!(v["code"], code, "{v}");
    assert!(
        v["detail"]
            .as_str()
            .is_some_and(|d| d.len() > 10 && d.len() < 2000),
        "detail: {v}"
    );
    v
}

fn program(v: Value) -> Vec<u8> {
    v.to_string().into_bytes()
}

fn setup(nodes: Value) -> Vec<u8> {
    program(json!({ "setup": nodes }))
}

macro_rules! bad {
    ($($name:ident: $body:expr => $status:expr, $code:expr;)*) => {
        $(#[test] fn $name() { expect($body, $status, $code); })*
    };
}

bad! {
    malformed_json: b"{\"graph\": [".to_vec() => 400, "invalid_json";
    empty_body: Vec::new() => 400, "invalid_json";
    deeply_nested_json: format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)).into_bytes() => 400, "invalid_json";
    deeply_nested_literal: setup(json!([{"name": "a", "op": "constant", "value": serde_json::from_str::<Value>(&format!("{}1{}", "[".repeat(100), "]".repeat(100))).unwrap()}])) => 422, "invalid_argument";
    body_is_a_list: program(json!([1, 2])) => 400, "invalid_json";
    graph_is_an_object: program(json!({"graph": {"name": "a"}})) => 400, "invalid_json";
    variable_without_name: program(json!({"variables": [{"value": 1.0}]})) => 400, "invalid_json";
    node_without_op: setup(json!([{"name": "a"}])) => 400, "invalid_json";
    unknown_top_level_member: program(json!({"grpah": []})) => 400, "invalid_json";
    request_not_an_object: program(json!({"requests": [{"gradient": 1}]})) => 400, "invalid_json";
    unknown_request_kind: program(json!({"requests": [{"hessain": {"target": "a", "sources": "b"}}]})) => 400, "invalid_json";
    trainable_not_a_bool: program(json!({"variables": [{"name": "w", "value": 1.0, "trainable": "yes"}]})) => 400, "invalid_json";
    huge_shape: setup(json!([{"name": "a", "op": "ones", "shape": [100000, 100000]}])) => 422, "limit_exceeded";
    ten_billion_elements: setup(json!([{"name": "a", "op": "zeros", "shape": [10000000000u64]}])) => 422, "limit_exceeded";
    empty_with_huge_dims: setup(json!([{"name": "a", "op": "zeros", "shape": [4611686018427387904u64, 2, 0]}])) => 422, "limit_exceeded";
    empty_b64_with_huge_dims: setup(json!([{"name": "a", "op": "constant", "value": {"b64": "", "shape": [9223372036854775807u64, 0], "dtype": "float32"}}])) => 422, "limit_exceeded";
    empty_with_a_billion_rows: setup(json!([{"name": "a", "op": "zeros", "shape": [1000000000, 0]}])) => 422, "limit_exceeded";
    reshape_empty_to_huge_dims: setup(json!([{"name": "x", "op": "constant", "value": []}, {"name": "a", "op": "reshape", "inputs": ["x"], "shape": [4611686018427387904u64, 3, 0]}])) => 422, "limit_exceeded";
    shape_product_overflows_u64: setup(json!([{"name": "a", "op": "ones", "shape": [4294967296u64, 4294967296u64, 4294967296u64]}])) => 422, "limit_exceeded";
    negative_dimension: setup(json!([{"name": "a", "op": "ones", "shape": [-1, 2]}])) => 422, "invalid_argument";
    fractional_dimension: setup(json!([{"name": "a", "op": "ones", "shape": [2.5]}])) => 422, "invalid_argument";
    dimension_beyond_i64: program(json!({"setup": [{"name": "a", "op": "ones", "shape": [1e30]}]})) => 422, "invalid_argument";
    huge_linspace: setup(json!([{"name": "a", "op": "linspace", "start": 0, "stop": 1, "num": 1000000000}])) => 422, "limit_exceeded";
    negative_linspace: setup(json!([{"name": "a", "op": "linspace", "start": 0, "stop": 1, "num": -5}])) => 422, "invalid_argument";
    huge_range: setup(json!([{"name": "a", "op": "range", "limit": 1e15}])) => 422, "limit_exceeded";
    zero_delta_range: setup(json!([{"name": "a", "op": "range", "limit": 10, "delta": 0}])) => 422, "invalid_argument";
    infinite_range: setup(json!([{"name": "a", "op": "range", "limit": "Infinity"}])) => 422, "invalid_argument";
    nan_range: setup(json!([{"name": "a", "op": "range", "start": "NaN", "limit": 3.0}])) => 422, "invalid_argument";
    huge_tile: setup(json!([{"name": "a", "op": "ones", "shape": [10, 10]}, {"name": "t", "op": "tile", "inputs": ["a"], "multiples": [100000, 100000]}])) => 422, "limit_exceeded";
    huge_broadcast_to: setup(json!([{"name": "a", "op": "ones", "shape": [1]}, {"name": "b", "op": "broadcast_to", "inputs": ["a"], "shape": [100000, 100000]}])) => 422, "limit_exceeded";
    huge_one_hot: setup(json!([{"name": "i", "op": "constant", "value": [1, 2, 3]}, {"name": "h", "op": "one_hot", "inputs": ["i"], "depth": 1000000000}])) => 422, "limit_exceeded";
    huge_eye: setup(json!([{"name": "e", "op": "eye", "num_rows": 1000000}])) => 422, "limit_exceeded";
    huge_matmul: setup(json!([{"name": "a", "op": "ones", "shape": [4096, 4096]}, {"name": "m", "op": "matmul", "inputs": ["a", "a"]}])) => 422, "limit_exceeded";
    two_inferred_dims: setup(json!([{"name": "a", "op": "ones", "shape": [6]}, {"name": "r", "op": "reshape", "inputs": ["a"], "shape": [-1, -1]}])) => 422, "invalid_argument";
    absurd_axis: setup(json!([{"name": "a", "op": "ones", "shape": [2, 3]}, {"name": "s", "op": "reduce_sum", "inputs": ["a"], "axis": 1000000}])) => 422, "invalid_argument";
    most_negative_axis: setup(json!([{"name": "a", "op": "ones", "shape": [2, 3]}, {"name": "s", "op": "softmax", "inputs": ["a"], "axis": i64::MIN}])) => 422, "invalid_argument";
    axis_not_an_integer: setup(json!([{"name": "a", "op": "ones", "shape": [2]}, {"name": "s", "op": "reduce_sum", "inputs": ["a"], "axis": "NaN"}])) => 422, "invalid_argument";
    unknown_dtype: setup(json!([{"name": "a", "op": "constant", "value": [1.0], "dtype": "float16"}])) => 422, "invalid_argument";
    unknown_variable_dtype: program(json!({"variables": [{"name": "w", "value": 1.0, "dtype": "complex64"}]})) => 422, "invalid_argument";
    self_reference: setup(json!([{"name": "a", "op": "add", "inputs": ["a", "a"]}])) => 422, "unknown_tensor";
    forward_reference: setup(json!([{"name": "a", "op": "negative", "inputs": ["b"]}, {"name": "b", "op": "ones", "shape": [1]}])) => 422, "unknown_tensor";
    gather_out_of_range: setup(json!([{"name": "p", "op": "ones", "shape": [3]}, {"name": "i", "op": "constant", "value": [0, 7]}, {"name": "g", "op": "gather", "inputs": ["p", "i"]}])) => 422, "invalid_argument";
    gather_negative_index: setup(json!([{"name": "p", "op": "ones", "shape": [3]}, {"name": "i", "op": "constant", "value": [-1]}, {"name": "g", "op": "gather", "inputs": ["p", "i"]}])) => 422, "invalid_argument";
    huge_node_name: setup(json!([{"name": "n".repeat(1 << 20), "op": "ones", "shape": [1]}])) => 422, "invalid_argument";
    huge_input_name: setup(json!([{"name": "a", "op": "negative", "inputs": ["x".repeat(1 << 20)]}])) => 422, "unknown_tensor";
    too_many_nodes: setup(Value::Array((0..20_000).map(|i| json!({"name": format!("n{i}"), "op": "ones", "shape": [1]})).collect())) => 422, "limit_exceeded";
    too_many_requests: program(json!({"requests": vec![json!({"gradient": {"target": "a", "sources": "a"}}); 1000]})) => 422, "limit_exceeded";
    jacobian_too_large: program(json!({"setup": [{"name": "x", "op": "ones", "shape": [4000]}], "tape": {"watch": ["x"]}, "graph": [{"name": "y", "op": "exp", "inputs": ["x"]}], "requests": [{"jacobian": {"target": "y", "sources": "x"}}, {"jacobian": {"target": "y", "sources": "x"}}]})) => 422, "limit_exceeded";
    wrong_arity: setup(json!([{"name": "a", "op": "ones", "shape": [2]}, {"name": "b", "op": "add", "inputs": ["a"]}])) => 422, "invalid_argument";
    literal_of_strings: setup(json!([{"name": "a", "op": "constant", "value": ["one", "two"]}])) => 422, "invalid_argument";
    ragged_literal: setup(json!([{"name": "a", "op": "constant", "value": [[1, 2], [3]]}])) => 422, "invalid_argument";
    bad_b64: setup(json!([{"name": "a", "op": "constant", "value": {"b64": "AAAA", "shape": [3], "dtype": "float32"}}])) => 422, "invalid_argument";
    watch_in_setup: setup(json!([{"name": "a", "op": "ones", "shape": [1]}, {"op": "watch", "inputs": ["a"]}])) => 422, "invalid_argument";
    matmul_of_vectors: setup(json!([{"name": "a", "op": "ones", "shape": [3]}, {"name": "m", "op": "matmul", "inputs": ["a", "a"]}])) => 422, "invalid_argument";
    body_over_the_limit: vec![b' '; (32 << 20) + 10] => 413, "limit_exceeded";
}

/// NaN and infinities are accepted wherever a float is (TensorFlow computes with them) and
/// come back as the strings the wire uses.
#[test]
fn non_finite_values_in_every_float_position_compute() {
    let (st, v) = crate::support::evaluate(json!({
        "variables": [{"name": "w", "value": ["NaN", "Infinity", "-Infinity", 1.0]}],
        "setup": [{"name": "f", "op": "fill", "shape": [2], "value": "Infinity"},
                  {"name": "l", "op": "linspace", "start": "-Infinity", "stop": 1.0, "num": 3},
                  {"name": "r", "op": "random_normal", "shape": [2], "stddev": "NaN", "seed": 1},
                  {"name": "h", "op": "one_hot", "inputs": [[0, 1]], "depth": 2, "on_value": "NaN"}],
        "graph": [{"name": "p", "op": "multiply", "inputs": ["w", ["Infinity"]]},
                  {"name": "q", "op": "leaky_relu", "inputs": ["w"], "alpha": "NaN"}],
        "outputs": ["f", "l", "r", "h", "q"],
        "requests": [{"gradient": {"target": "q", "sources": "w", "output_gradients": ["NaN", 1.0, "Infinity", 2.0]}}]
    }));
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["outputs"]["f"]["value"], json!(["Infinity", "Infinity"]));
    assert_eq!(v["outputs"]["r"]["value"], json!(["NaN", "NaN"]));
    assert_eq!(v["results"][0]["gradient"]["value"][3], json!(2.0));
}

/// A long chain of nodes is fine under the limits: no recursion anywhere.
#[test]
fn a_long_chain_of_nodes_differentiates() {
    let mut graph = vec![json!({"name": "n0", "op": "sin", "inputs": ["x"]})];
    for i in 1..5000 {
        graph
            .push(json!({"name": format!("n{i}"), "op": "sin", "inputs": [format!("n{}", i - 1)]}));
    }
    let (st, v) = crate::support::evaluate(json!({
        "variables": [{"name": "x", "value": 0.5}], "graph": graph,
        "requests": [{"gradient": {"target": "n4999", "sources": "x"}}]
    }));
    assert_eq!(st, 200, "{v}");
    assert!(v["results"][0]["gradient"]["value"]
        .as_f64()
        .unwrap()
        .is_finite());
}

/// Every error status is problem+json, those axum itself would answer included: a method a path
/// does not answer (405, keeping its `Allow` header and naming the methods in the detail), a path
/// segment that is not UTF-8 once percent-decoded, and an unknown route.
#[tokio::test]
async fn axums_own_rejections_are_problem_json() {
    use axum::http::Request;
    use http_body_util::BodyExt;
    use std::collections::{BTreeMap, BTreeSet};
    use tower::ServiceExt;
    let app = test_app();
    let send = |method: &str, uri: String| {
        let req = Request::builder()
            .method(method)
            .uri(uri)
            .body(axum::body::Body::empty());
        let app = app.clone();
        async move {
            let resp = app.oneshot(req.unwrap()).await.unwrap();
            let (parts, body) = resp.into_parts();
            let bytes = body.collect().await.unwrap().to_bytes();
            (
                parts,
                serde_json::from_slice::<Value>(&bytes).unwrap_or(Value::Null),
            )
        }
    };
    let param = regex::Regex::new(r"\{[a-z]+\}").unwrap();
    let mut methods: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for r in gradtape::api::routes() {
        let concrete = param.replace_all(r.path, "x");
        methods
            .entry(concrete.into_owned())
            .or_default()
            .insert(r.method.to_string());
    }
    for (path, answers) in &methods {
        for m in ["GET", "POST", "PUT", "PATCH", "DELETE"] {
            if answers.contains(m) {
                continue;
            }
            let (parts, v) = send(m, path.clone()).await;
            let at = format!("{m} {path}");
            assert_eq!(parts.status, 405, "{at}: {v}");
            assert_eq!(
                parts.headers["content-type"], "application/problem+json",
                "{at}"
            );
            assert!(parts.headers.contains_key("allow"), "{at}");
            assert_eq!(
                (v["code"].as_str(), v["status"].as_u64()),
                (Some("method_not_allowed"), Some(405)),
                "{at}: {v}"
            );
            let detail = v["detail"].as_str().unwrap();
            assert!(
                answers.iter().all(|a| detail.contains(a.as_str())),
                "{at}: {detail}"
            );
        }
    }
    for uri in [
        "/v1/ops/%FF",
        "/v1/activations/%FF",
        "/docs/%FF",
        "/v1/sessions/%FF",
        "/v1/sessions/s/tensors/%C3",
        "/nowhere",
    ] {
        let (parts, v) = send("GET", uri.to_string()).await;
        assert_eq!(parts.status, 404, "{uri}: {v}");
        assert_eq!(
            parts.headers["content-type"], "application/problem+json",
            "{uri}"
        );
        assert_eq!(v["code"], "not_found", "{uri}: {v}");
    }
}
