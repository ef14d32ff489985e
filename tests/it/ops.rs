//! The op reference (`GET /v1/ops`, and its table in the OpenAPI document) and tensor inputs
//! given by TensorFlow's keyword names in a node.

use serde_json::{json, Value};

use crate::support::{call, evaluate, test_app};
use gradtape::engine::ops::registry;

#[tokio::test]
async fn the_reference_lists_every_registry_op_with_its_signature() {
    let (status, body) = call(&test_app(), "GET", "/v1/ops", None, &[]).await;
    assert_eq!(status, 200);
    let ops = body["ops"].as_array().unwrap();
    let names: Vec<&str> = ops.iter().map(|o| o["name"].as_str().unwrap()).collect();
    let want: Vec<&str> = registry::op_names().collect();
    assert_eq!(names, want);
    let sce = ops
        .iter()
        .find(|o| o["name"] == "softmax_cross_entropy_with_logits")
        .unwrap();
    assert_eq!(
        sce["signature"],
        "tf.nn.softmax_cross_entropy_with_logits(labels, logits, axis=-1, name=None)"
    );
    assert_eq!(
        sce["inputs"],
        json!([{"name": "labels", "list": false}, {"name": "logits", "list": false}])
    );
    assert_eq!(
        sce["attributes"],
        json!([{"name": "axis", "type": "int", "required": false, "default": -1, "support": "full"}])
    );
    assert_eq!(sce["dtypes"], json!(["float32", "float64"]));
    assert_eq!(sce["differentiable"], true);
    let concat = ops.iter().find(|o| o["name"] == "concat").unwrap();
    assert_eq!(concat["inputs"], json!([{"name": "values", "list": true}]));
    let argmax = ops.iter().find(|o| o["name"] == "argmax").unwrap();
    assert_eq!(argmax["differentiable"], false);
    assert_eq!(argmax["paths"], json!(["tf.argmax", "tf.math.argmax"]));
    assert_eq!(
        argmax["signature"],
        "tf.argmax(input, axis=None, output_type=tf.int64, name=None)"
    );
    assert_eq!(argmax["attributes"][1]["support"], "default_only");
}

#[tokio::test]
async fn one_op_by_path_or_name() {
    let (status, body) = call(&test_app(), "GET", "/v1/ops/tf.math.log_softmax", None, &[]).await;
    assert_eq!(status, 200);
    assert_eq!(body["name"], "log_softmax");
    let (status, body) = call(&test_app(), "GET", "/v1/ops/tf.nn.log", None, &[]).await;
    assert_eq!(
        (status.as_u16(), body["code"].as_str()),
        (404, Some("not_found"))
    );
    assert!(body["detail"].as_str().unwrap().contains("GET /v1/ops"));
}

#[test]
fn unknown_op_points_at_the_reference() {
    let (status, body) =
        evaluate(json!({"setup": [{"name": "a", "op": "tf.nn.softmx", "inputs": [[1.0]]}]}));
    assert_eq!(
        (status.as_u16(), body["code"].as_str()),
        (422, Some("unknown_op"))
    );
    let detail = body["detail"].as_str().unwrap();
    assert!(detail.contains("did you mean \"softmax\"?"), "{detail}");
    assert!(detail.contains("GET /v1/ops lists every op"), "{detail}");
}

/// The op table in the OpenAPI document's `GET /v1/ops` description is the registry's;
/// `GRADTAPE_BLESS=1 cargo test openapi_op_table` rewrites it.
#[test]
fn openapi_op_table_is_the_registry() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.yaml");
    let yaml = std::fs::read_to_string(path).unwrap();
    let (begin, end) = ("<!-- op table:", "<!-- end of op table -->");
    let start = yaml.find(begin).unwrap();
    let start = start + yaml[start..].find('\n').unwrap() + 1;
    let stop = start + yaml[start..].find(end).unwrap();
    let stop = yaml[..stop].rfind('\n').unwrap() + 1;
    let indent = "        ";
    let want: String = gradtape::api::ops::markdown_table()
        .lines()
        .map(|l| format!("{indent}{l}\n"))
        .collect();
    if yaml[start..stop] != want {
        if std::env::var_os("GRADTAPE_BLESS").is_some() {
            std::fs::write(path, format!("{}{want}{}", &yaml[..start], &yaml[stop..])).unwrap();
        } else {
            panic!("openapi.yaml's op table differs from the registry: GRADTAPE_BLESS=1 cargo test openapi_op_table");
        }
    }
}

fn run(graph: Value) -> (u16, Value) {
    let body = json!({
        "variables": [{"name": "z", "value": [[2.0, 1.0, 0.1], [0.5, 0.5, 3.0]], "dtype": "float32"}],
        "setup": [{"name": "y", "op": "constant", "value": [[1.0, 0.0, 0.0], [0.0, 0.2, 0.8]], "dtype": "float32"}],
        "tape": {},
        "graph": graph,
        "outputs": ["l"],
        "requests": [{"gradient": {"target": "l", "sources": "z"}}]
    });
    let (status, out) = evaluate(body);
    (status.as_u16(), out)
}

#[test]
fn tensor_inputs_by_keyword_bind_as_python_does() {
    let op = "softmax_cross_entropy_with_logits";
    let (status, positional) = run(json!([{"name": "l", "op": op, "inputs": ["y", "z"]}]));
    assert_eq!(status, 200, "{positional}");
    // Row 1: labels one-hot on 2.0 of logits [2, 1, 0.1]: -log softmax = log(e^2 + e^1 + e^0.1) - 2.
    let row1 = ((2f64).exp() + (1f64).exp() + (0.1f64).exp()).ln() - 2.0;
    let got = positional["outputs"]["l"]["value"][0].as_f64().unwrap();
    assert!((got - row1).abs() < 1e-6, "{got} vs {row1}");
    for graph in [
        json!([{"name": "l", "op": op, "labels": "y", "logits": "z"}]),
        json!([{"name": "l", "op": op, "logits": "z", "labels": "y"}]),
        json!([{"name": "l", "op": "tf.nn.softmax_cross_entropy_with_logits", "inputs": ["y"], "logits": "z"}]),
        json!([{"name": "l", "op": op, "logits": "z", "labels": "y", "axis": -1}]),
    ] {
        let (status, out) = run(graph.clone());
        assert_eq!(status, 200, "{graph}: {out}");
        assert_eq!(out, positional, "{graph}");
    }
    // swapped positional inputs are a different (and here wrong) program; by name they cannot be
    let (_, swapped) = run(json!([{"name": "l", "op": op, "inputs": ["z", "y"]}]));
    assert_ne!(swapped["outputs"], positional["outputs"]);
}

#[test]
fn keyword_mistakes_name_the_parameter() {
    let op = "softmax_cross_entropy_with_logits";
    let cases = [
        (
            json!({"name": "l", "op": op, "inputs": ["y"], "labels": "z"}),
            "multiple values for argument \"labels\"",
        ),
        (
            json!({"name": "l", "op": op, "labels": "y"}),
            "missing the required argument \"logits\"",
        ),
        (
            json!({"name": "l", "op": op, "inputs": ["y", "z", "z"], "logits": "z"}),
            "at most 2 positional",
        ),
        (
            json!({"name": "l", "op": "concat", "inputs": ["y"], "values": ["z"], "axis": 0}),
            "both in \"inputs\" and by name",
        ),
    ];
    for (node, says) in cases {
        let (status, out) = run(json!([node]));
        assert_eq!(
            (status, out["code"].as_str()),
            (422, Some("invalid_argument")),
            "{node}: {out}"
        );
        let detail = out["detail"].as_str().unwrap();
        assert!(detail.contains(says), "{node}: {detail}");
        assert!(
            detail.contains("\"inputs\" fills labels, logits") || detail.contains("concat"),
            "{detail}"
        );
        assert_eq!(out["node"], "l");
    }
}

#[test]
fn a_list_input_by_keyword() {
    let graph = json!([
        {"name": "c", "op": "concat", "values": ["z", "y"], "axis": 0},
        {"name": "l", "op": "reduce_sum", "input_tensor": "c"}
    ]);
    let (status, out) = run(graph);
    assert_eq!(status, 200, "{out}");
    // the sum of every element of z (7.1) and y (2.0)
    let got = out["outputs"]["l"]["value"].as_f64().unwrap();
    assert!((got - 9.1).abs() < 1e-5, "{got}");
    // d(sum)/dz is all ones
    assert_eq!(
        out["results"][0]["gradient"]["value"],
        json!([[1.0, 1.0, 1.0], [1.0, 1.0, 1.0]])
    );
}
