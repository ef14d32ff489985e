//! A cell's error `code` is the code `/v1/evaluate` gives for the same failure, in
//! evaluate.md's sense: operands of different dtypes or a literal that cannot take the dtype
//! asked for are `dtype_mismatch`, a size that does not reshape is `shape_mismatch`.

use serde_json::{json, Value};

use crate::support::{call, test_app};

async fn cell_error(app: &axum::Router, src: &str) -> Value {
    let (status, body) = call(app, "POST", "/v1/cells", Some(json!({"source": src})), &[]).await;
    assert_eq!(status, 200, "{src}: {body}");
    body["error"].clone()
}

async fn evaluate_code(app: &axum::Router, program: Value) -> Value {
    let (_, body) = call(app, "POST", "/v1/evaluate", Some(program), &[]).await;
    body["code"].clone()
}

#[tokio::test]
async fn a_cells_code_is_evaluates_code_for_the_same_failure() {
    let app = test_app();
    let ints_and_floats = |op: &str| {
        json!({"setup": [{"name": "a", "op": "constant", "value": [1, 2]},
                         {"name": "b", "op": "constant", "value": [1.0, 2.0]}],
               "graph": [{"name": "c", "op": op, "inputs": ["a", "b"]}], "outputs": ["c"]})
    };
    let cases = [
        (
            "import tensorflow as tf\na = tf.constant([1, 2])\nb = tf.constant([1.0, 2.0])\nc = a == b\n",
            ints_and_floats("equal"),
            "dtype_mismatch",
        ),
        (
            "import tensorflow as tf\na = tf.constant([1, 2])\nb = tf.constant([1.0, 2.0])\nc = a < b\n",
            ints_and_floats("less"),
            "dtype_mismatch",
        ),
        (
            "import tensorflow as tf\nx = tf.constant(1.5, dtype=tf.int32)\n",
            json!({"setup": [{"name": "x", "op": "constant", "value": 1.5, "dtype": "int32"}],
                   "outputs": ["x"]}),
            "dtype_mismatch",
        ),
        (
            "import numpy as np\na = np.arange(12.0)\nb = a.reshape(5, -1)\n",
            json!({"setup": [{"name": "a", "op": "ones", "shape": [12]}],
                   "graph": [{"name": "b", "op": "reshape", "inputs": ["a"], "shape": [5, -1]}],
                   "outputs": ["b"]}),
            "shape_mismatch",
        ),
        // a matmul of a vector is TensorFlow's rank check, invalid_argument in both
        (
            "import tensorflow as tf\nA = tf.ones((2, 3))\ny = tf.matmul(A, tf.ones(3))\n",
            json!({"setup": [{"name": "A", "op": "ones", "shape": [2, 3]},
                             {"name": "x", "op": "ones", "shape": [3]}],
                   "graph": [{"name": "y", "op": "matmul", "inputs": ["A", "x"]}],
                   "outputs": ["y"]}),
            "invalid_argument",
        ),
    ];
    for (src, program, code) in cases {
        let error = cell_error(&app, src).await;
        assert_eq!(error["code"], code, "{src}: {error}");
        assert_eq!(evaluate_code(&app, program).await, code, "{src}");
    }
}

#[tokio::test]
async fn numpy_ufuncs_without_a_loop_for_a_dtype_are_dtype_mismatch() {
    let app = test_app();
    let error = cell_error(&app, "import numpy as np\nm = +np.array([True])\n").await;
    assert_eq!(error["type"], "UFuncTypeError", "{error}");
    assert_eq!(error["code"], "dtype_mismatch", "{error}");
}

#[tokio::test]
async fn a_failed_numpy_reshape_writes_the_shape_as_numpy_does() {
    let app = test_app();
    // NumPy's convert_shape_to_string: no spaces, -1 as newaxis, leading -1s left out
    for (shape, shown) in [
        ("5, -1", "(5,newaxis)"),
        ("5, 3", "(5,3)"),
        ("-1, 5", "(5)"),
        ("2, -1, 5", "(2,newaxis,5)"),
        ("13", "(13,)"),
    ] {
        let src = format!("import numpy as np\nb = np.arange(12).reshape({shape})\n");
        let error = cell_error(&app, &src).await;
        assert_eq!(
            error["detail"],
            format!("cannot reshape array of size 12 into shape {shown}"),
            "{src}"
        );
    }
}
