//! Error messages in the student's own terms: the shapes they sent, the path in their JSON,
//! and why a literal became int32.

use serde_json::json;

use crate::support::{call, raw, test_app};

#[tokio::test]
async fn an_integer_literal_mismatch_says_how_to_write_a_float() {
    // what Swagger UI or `jq -c` sends for "y": [1.0, 0.0]
    let prog = json!({
        "variables": [{"name": "z", "value": [0.5, 0.25]}],
        "setup": [{"name": "y", "op": "constant", "value": [1, 0]}],
        "graph": [{"name": "p", "op": "multiply", "inputs": ["y", "z"]}]
    });
    let (status, body) = call(&test_app(), "POST", "/v1/evaluate", Some(prog), &[]).await;
    assert_eq!(status, 422);
    assert_eq!(body["code"], "dtype_mismatch");
    let detail = body["detail"].as_str().unwrap();
    assert!(
        detail.contains("y is int32 because [1, 0] has no decimal point")
            && detail.contains("\"dtype\": \"float32\""),
        "{detail}"
    );
    // a variable made from the same literal says the same
    let prog = json!({
        "variables": [{"name": "y", "value": [1, 0]}, {"name": "z", "value": [0.5, 0.25]}],
        "graph": [{"name": "p", "op": "add", "inputs": ["z", "y"]}]
    });
    let (_, body) = call(&test_app(), "POST", "/v1/evaluate", Some(prog), &[]).await;
    assert!(body["detail"]
        .as_str()
        .unwrap()
        .contains("y is int32 because [1, 0]"));
    // an explicit int dtype is the student's choice: no hint
    let prog = json!({
        "variables": [{"name": "y", "value": [1, 0], "dtype": "int32"}, {"name": "z", "value": [0.5, 0.25]}],
        "graph": [{"name": "p", "op": "add", "inputs": ["z", "y"]}]
    });
    let (_, body) = call(&test_app(), "POST", "/v1/evaluate", Some(prog), &[]).await;
    assert!(!body["detail"].as_str().unwrap().contains("decimal point"));
}

#[tokio::test]
async fn matvec_names_the_shapes_that_were_sent() {
    let prog = json!({
        "variables": [{"name": "W", "value": [[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0]]},
                      {"name": "x", "value": [0.5, 0.5, 1.0]}],
        "graph": [{"name": "L", "op": "matvec", "inputs": ["W", "x"]}]
    });
    let (status, body) = call(&test_app(), "POST", "/v1/evaluate", Some(prog), &[]).await;
    assert_eq!(
        (status.as_u16(), body["code"].as_str()),
        (422, Some("shape_mismatch"))
    );
    let detail = body["detail"].as_str().unwrap();
    assert!(
        detail.contains("float32 [3]") && !detail.contains("[3, 1]"),
        "{detail}"
    );
    assert!(
        detail.contains("4 columns but the vector has 3 elements"),
        "{detail}"
    );
}

#[tokio::test]
async fn pythons_true_is_named_with_its_path() {
    let body = br#"{"tape": {"persistent": True}, "graph": []}"#.to_vec();
    let (status, _, v) = raw(&test_app(), "POST", "/v1/evaluate", body).await;
    assert_eq!(status, 400);
    assert_eq!(v["code"], "invalid_json");
    assert_eq!(
        v["detail"],
        "the body is not valid JSON at tape.persistent: JSON spells it true, not True (Python's spelling)"
    );
}

/// The first line of a cell error's detail, as TensorFlow writes it where gradtape's own
/// wording would mislead (a Rust debug text, a wrong rank, a container TensorFlow does not use).
#[tokio::test]
async fn cell_errors_begin_with_tensorflows_first_line() {
    let app = test_app();
    let cases = [
        (
            "x = tf.constant([[1.0, 2.0]])\ny = tf.reduce_sum(x, axis=[0, 0])\n",
            "Invalid reduction arguments: Axes contains duplicate dimension: 0",
        ),
        (
            "x = tf.constant([[1, 2], [3, 4]])\ny = tf.expand_dims(x, axis=-4)\n",
            "Tried to expand dim index -4 for tensor with 2 dimensions.",
        ),
        (
            "x = tf.range(10)\ny = x.reshape(2, 5)\n",
            "EagerTensor object has no attribute 'reshape'. \n",
        ),
        (
            "x = tf.zeros([2, 3])\nd = x.shape[2]\n",
            "tuple index out of range",
        ),
    ];
    for (body, first) in cases {
        let src = format!("import tensorflow as tf\n{body}");
        let (status, out) =
            call(&app, "POST", "/v1/cells", Some(json!({"source": src})), &[]).await;
        assert_eq!(status, 200, "{out}");
        let detail = out["error"]["detail"].as_str().unwrap_or_default();
        assert!(detail.starts_with(first), "{body}: {detail}");
    }
}

/// A request's own error inside `results` is the same error object as a whole-request one
/// (issue 17): code, detail and the node at fault (the request's target), and the OpenAPI
/// `Result.error` schema lists exactly those members.
#[tokio::test]
async fn a_per_request_error_names_its_node_as_a_whole_request_error_does() {
    let prog = json!({
        "setup": [{"name": "x", "op": "constant", "value": [1.0, 2.0]}],
        "tape": {"watch": ["x"]},
        "graph": [{"name": "L", "op": "reduce_sum", "inputs": ["x"]},
                  {"name": "s", "op": "square", "inputs": ["x"]}],
        "requests": [
            {"gradient": {"target": "s", "sources": "x", "output_gradients": [1.0, 2.0, 3.0]}},
            {"batch_jacobian": {"target": "s", "source": "x"}},
            {"gradient": {"target": ["L", "s"], "sources": "x"}},
            {"gradient": {"target": "L", "sources": "x"}}]
    });
    let (status, body) = call(&test_app(), "POST", "/v1/evaluate", Some(prog), &[]).await;
    assert_eq!(status, 200, "{body}");
    let doc = crate::openapi::spec();
    let schema = json!({"$ref": "#/components/schemas/Result"});
    for (k, (code, node)) in [
        ("shape_mismatch", "s"),
        ("shape_mismatch", "s"),
        ("", ""),
        ("tape_exhausted", "L"),
    ]
    .into_iter()
    .enumerate()
    {
        let r = &body["results"][k];
        crate::openapi::check(&doc, &schema, r, &format!("results[{k}]"))
            .unwrap_or_else(|e| panic!("{e}"));
        if code.is_empty() {
            continue;
        }
        let e = &r["error"];
        assert_eq!(
            (e["code"].as_str(), e["node"].as_str()),
            (Some(code), Some(node)),
            "{r}"
        );
        let detail = e["detail"].as_str().unwrap();
        assert!(
            detail.starts_with(&format!("node \"{node}\": ")),
            "{detail}"
        );
        assert_eq!(e["message"], e["detail"], "message is detail's alias");
    }
}

/// Every JSON route refuses a body that is not JSON alike: `POST /v1/sessions` (which takes no
/// body, or `{}`) as well, and `/v1/grade` with a path and a hint, not serde's column.
#[tokio::test]
async fn session_creation_and_grading_refuse_a_body_that_is_not_json() {
    let app = test_app();
    for (body, status) in [
        ("", 201),
        ("{}", 201),
        ("{bad", 400),
        ("{\"ttl\": 5}", 400),
        ("[]", 400),
    ] {
        let (st, _, v) = raw(&app, "POST", "/v1/sessions", body.into()).await;
        assert_eq!(st.as_u16(), status, "{body:?}: {v}");
        if status == 400 {
            assert_eq!(v["code"], "invalid_json", "{body:?}: {v}");
        }
    }
    let (_, _, v) = raw(&app, "POST", "/v1/sessions", b"{\"ttl\": 5}".to_vec()).await;
    assert!(
        v["detail"].as_str().unwrap().contains("it takes none"),
        "{v}"
    );
    let (st, _, v) = raw(
        &app,
        "POST",
        "/v1/grade",
        b"{\"reference\": {\"cell\": None}}".to_vec(),
    )
    .await;
    assert_eq!(st, 400, "{v}");
    let detail = v["detail"].as_str().unwrap();
    assert!(
        detail.contains("at reference.cell") && detail.contains("JSON spells it null"),
        "{detail}"
    );
    assert!(!detail.contains("column"), "{detail}");
}
