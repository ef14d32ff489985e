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
            "{{function_node __wrapped__Sum_device_/job:localhost/replica:0/task:0/device:CPU:0}} Invalid reduction arguments: Axes contains duplicate dimension: 0",
        ),
        (
            "x = tf.constant([[1, 2], [3, 4]])\ny = tf.expand_dims(x, axis=-4)\n",
            "{{function_node __wrapped__ExpandDims_device_/job:localhost/replica:0/task:0/device:CPU:0}} Tried to expand dim index -4 for tensor with 2 dimensions.",
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

/// A cell's uncaught error detail, exactly as TensorFlow 2.15 / NumPy 1.26 / CPython 3.11
/// word it (what `print(e)` in an `except` shows), one `(cell body, detail)` per row.
async fn check_exact_details(cases: &[(&str, &str)]) {
    let app = test_app();
    for (body, want) in cases {
        let src = format!("import tensorflow as tf\nimport numpy as np\n{body}");
        let (status, out) =
            call(&app, "POST", "/v1/cells", Some(json!({"source": src})), &[]).await;
        assert_eq!(status, 200, "{out}");
        assert_eq!(out["error"]["detail"].as_str(), Some(*want), "{body}");
    }
}

/// The commonest Python mistakes on tensors and in printing, in Python's and NumPy's words.
#[tokio::test]
async fn truth_value_scalar_conversion_and_concatenation_are_pythons_words() {
    const AMBIGUOUS: &str =
        "The truth value of an array with more than one element is ambiguous. Use a.any() or a.all()";
    const LENGTH_1: &str = "only length-1 arrays can be converted to Python scalars";
    check_exact_details(&[
        ("x = tf.constant([1.0, 2.0])\nif x > 0:\n    pass\n", AMBIGUOUS),
        ("x = tf.constant([0.5, 2.0])\ny = 0 < x < 1\n", AMBIGUOUS),
        ("y = bool(tf.Variable([1.0, 2.0]))\n", AMBIGUOUS),
        ("y = float(tf.constant([1.0, 2.0]))\n", LENGTH_1),
        ("y = int(tf.constant([1, 2]))\n", LENGTH_1),
        ("y = float(np.array([1.0, 2.0]))\n", LENGTH_1),
        (
            "y = round(tf.constant(0.12), 2)\n",
            "EagerTensor object has no attribute 'astype'. \n        If you are looking for numpy-related methods, please run the following:\n        tf.experimental.numpy.experimental_enable_numpy_behavior()\n      ",
        ),
        ("print(\"loss: \" + 0.5)\n", "can only concatenate str (not \"float\") to str"),
        ("s = \"a\" + None\n", "can only concatenate str (not \"NoneType\") to str"),
        ("s = [1.0, 2.0] + 1\n", "can only concatenate list (not \"int\") to list"),
        ("s = (1,) + [2]\n", "can only concatenate tuple (not \"list\") to tuple"),
        (
            "s = \"loss: \" + tf.constant(1.0).numpy()\n",
            "can only concatenate str (not \"numpy.float32\") to str",
        ),
        ("s = 0.5 + \"a\"\n", "unsupported operand type(s) for +: 'float' and 'str'"),
        (
            "s = \"x=\" + tf.constant(1.0)\n",
            "Cannot convert 'x=' to EagerTensor of dtype float",
        ),
        (
            "v = tf.Variable()\n",
            "The `initial_value` arg to `tf.Variable` must be specified except when you are not providing a `variable_def`. You provided neither.",
        ),
        (
            "r = round(np.array([0.12, 1.0]), 2)\n",
            "type numpy.ndarray doesn't define __round__ method",
        ),
    ])
    .await;
}

/// eager TensorFlow's framing of a kernel's refusal on the CPU
fn kernel(wrapped: &str, text: &str, op: &str, name: &str) -> String {
    format!("{{{{function_node __wrapped__{wrapped}_device_/job:localhost/replica:0/task:0/device:CPU:0}}}} {text} [Op:{op}]{name}")
}

/// A kernel's shape refusal reads as TensorFlow 2.15 (oneDNN on) words it, framing and all;
/// /v1/evaluate keeps its own sentences for the same failures (tested in http.rs and above).
#[tokio::test]
async fn kernel_shape_errors_are_tensorflows_text() {
    let n = " name: ";
    let rows = [
        (
            "y = tf.ones((2, 3)) * tf.ones((3, 2))\n",
            kernel("Mul", "Incompatible shapes: [2,3] vs. [3,2]", "Mul", n),
        ),
        (
            "y = tf.add(tf.ones((2, 3)), tf.ones((2,)))\n",
            kernel("AddV2", "Incompatible shapes: [2,3] vs. [2]", "AddV2", n),
        ),
        (
            "y = tf.matmul(tf.ones((3, 2)), tf.ones((1, 3)))\n",
            kernel("__MklMatMul", "Matrix size-incompatible: In[0]: [3,2], In[1]: [1,3]", "MatMul", n),
        ),
        (
            "y = tf.matmul(tf.ones((3, 2), tf.float64), tf.ones((1, 3), tf.float64))\n",
            kernel("MatMul", "Matrix size-incompatible: In[0]: [3,2], In[1]: [1,3]", "MatMul", n),
        ),
        (
            "y = tf.constant([1., 2., 3.]) @ tf.constant([4., 5., 6.])\n",
            kernel("__MklMatMul", "In[0] ndims must be >= 2", "MatMul", n),
        ),
        (
            "y = tf.linalg.matvec(tf.ones((2, 2)), tf.constant([1., 1., 1.]))\n",
            kernel("__MklMatMul", "Matrix size-incompatible: In[0]: [2,2], In[1]: [3,1]", "MatMul", n),
        ),
        (
            "y = tf.reshape(tf.range(6), (4, 2))\n",
            kernel("Reshape", "Input to reshape is a tensor with 6 values, but the requested shape has 8", "Reshape", ""),
        ),
        (
            "y = tf.reshape(tf.range(6), (-1, 4))\n",
            kernel("Reshape", "Input to reshape is a tensor with 6 values, but the requested shape requires a multiple of 4", "Reshape", ""),
        ),
        (
            "y = tf.reduce_sum(tf.ones((2, 3)), axis=2)\n",
            kernel("Sum", "Invalid reduction dimension (2 for input with 2 dimension(s)", "Sum", n),
        ),
        (
            "y = tf.reduce_mean(tf.ones((2, 3)), axis=[0, 0])\n",
            kernel("Mean", "Invalid reduction arguments: Axes contains duplicate dimension: 0", "Mean", ""),
        ),
        (
            "y = tf.concat([tf.ones((2, 3)), tf.ones((2, 4))], axis=0)\n",
            kernel("ConcatV2_N_2", "ConcatOp : Dimension 1 in both shapes must be equal: shape[0] = [2,3] vs. shape[1] = [2,4]", "ConcatV2", " name: concat"),
        ),
        (
            "y = tf.stack([tf.ones((2, 3)), tf.ones((2, 4))])\n",
            kernel("Pack_N_2", "Shapes of all inputs must match: values[0].shape = [2,3] != values[1].shape = [2,4]", "Pack", " name: stack"),
        ),
        (
            "y = tf.transpose(tf.ones((2, 3)), perm=[1, 0, 2])\n",
            kernel("Transpose", "transpose expects a vector of size 2. But input(1) is a vector of size 3", "Transpose", ""),
        ),
        (
            "y = tf.squeeze(tf.ones((2, 3)), axis=0)\n",
            kernel("Squeeze", "Can not squeeze dim[0], expected a dimension of 1, got 2", "Squeeze", n),
        ),
        (
            "y = tf.expand_dims(tf.ones((2, 3)), axis=3)\n",
            kernel("ExpandDims", "Tried to expand dim index 3 for tensor with 2 dimensions.", "ExpandDims", n),
        ),
        (
            "y = tf.tile(tf.ones((4, 3)), [2])\n",
            kernel("Tile", "Expected multiples argument to be a vector of length 2 but got length 1", "Tile", ""),
        ),
        (
            "y = tf.split(tf.constant([1., 2., 3.]), 2)\n",
            kernel("Split_num_split_2", "Number of ways to split should evenly divide the split dimension, but got split_dim 0 (size = 3) and num_split 2", "Split", " name: split"),
        ),
        (
            "y = tf.ones((2, -1))\n",
            kernel("Fill", "Dimension -1 must be >= 0", "Fill", n),
        ),
        (
            "y = tf.constant([1, 2]) ** -1\n",
            kernel("Pow", "Integers to negative integer powers are not allowed", "Pow", n),
        ),
        (
            "y = tf.constant([1., 2., 3.])[3]\n",
            kernel("StridedSlice", "slice index 3 of dimension 0 out of bounds.", "StridedSlice", " name: strided_slice/"),
        ),
        (
            "y = tf.gather(tf.ones((3,)), [5])\n",
            kernel("GatherV2", "indices[0] = 5 is not in [0, 3)", "GatherV2", ""),
        ),
    ];
    let rows: Vec<(&str, &str)> = rows.iter().map(|(c, d)| (*c, d.as_str())).collect();
    check_exact_details(&rows).await;
    check_exact_details(&[
        (
            "y = tf.stack([tf.ones((2,)), tf.ones((2,))], axis=2)\n",
            "Argument `axis` = 2 not in range [-2, 2)",
        ),
        (
            "y = tf.zeros([2, 3.0])\n",
            "Cannot convert [2, 3.0] to EagerTensor of dtype int32",
        ),
    ])
    .await;
}

/// The tape's API misuse reads as TensorFlow's: the method's qualified name, the value given
/// (its repr), the class without its call.
#[tokio::test]
async fn tape_misuse_is_tensorflows_text() {
    let grad = "x = tf.Variable(3.0)\nwith tf.GradientTape() as tape:\n    y = x * x\n";
    let missing = format!("{grad}g = tape.gradient(y)\n");
    let zeros = format!("{grad}g = tape.gradient(y, x, unconnected_gradients='zeros')\n");
    check_exact_details(&[
        (
            &missing,
            "GradientTape.gradient() missing 1 required positional argument: 'sources'",
        ),
        (&zeros, "Unknown value for unconnected_gradients: 'zeros'"),
        (
            "with tf.GradientTape as tape:\n    y = 1.0\n",
            "'type' object does not support the context manager protocol",
        ),
        (
            "x = tf.Variable(3.0)\ntape = tf.GradientTape()\ny = x * x\ng = tape.gradient(y, x)\n",
            "A non-persistent GradientTape can only be used to compute one set of gradients (or jacobians)",
        ),
    ])
    .await;
}

/// A dtype refusal of a tf.* function is eager TensorFlow's input check (no framing), as the
/// operator's already was; a float-only op given integers prints the op's definition.
#[tokio::test]
async fn function_dtype_errors_are_tensorflows_text() {
    check_exact_details(&[
        (
            "a = tf.constant([1.0, 2.0], dtype=tf.float64)\nc = tf.add(a, tf.constant([1.0, 2.0]))\n",
            "cannot compute AddV2 as input #1(zero-based) was expected to be a double tensor but is a float tensor [Op:AddV2] name: ",
        ),
        (
            "c = tf.matmul(tf.ones((2, 2), dtype=tf.int32), tf.ones((2, 1)))\n",
            "cannot compute MatMul as input #1(zero-based) was expected to be a int32 tensor but is a float tensor [Op:MatMul] name: ",
        ),
        (
            "W = tf.Variable(tf.ones((2, 1), dtype=tf.float64))\ny = tf.ones((2, 2)) @ W\n",
            "cannot compute _MklMatMul as input #1(zero-based) was expected to be a float tensor but is a double tensor [Op:MatMul] name: ",
        ),
        (
            "c = tf.concat([tf.constant([1.0, 2.0]), tf.constant([1, 2])], 0)\n",
            "cannot compute ConcatV2 as input #1(zero-based) was expected to be a float tensor but is a int32 tensor [Op:ConcatV2] name: concat",
        ),
        (
            "c = tf.stack([tf.constant([1.0, 2.0]), tf.constant([1, 2])])\n",
            "cannot compute Pack as input #1(zero-based) was expected to be a float tensor but is a int32 tensor [Op:Pack] name: stack",
        ),
        (
            "y = tf.math.exp(tf.constant([1, 2, 3]))\n",
            "Value for attr 'T' of int32 is not in the list of allowed values: bfloat16, half, float, double, complex64, complex128\n\t; NodeDef: {{node Exp}}; Op<name=Exp; signature=x:T -> y:T; attr=T:type,allowed=[DT_BFLOAT16, DT_HALF, DT_FLOAT, DT_DOUBLE, DT_COMPLEX64, DT_COMPLEX128]> [Op:Exp] name: ",
        ),
    ])
    .await;
}
