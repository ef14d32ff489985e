//! Corners where an earlier build differed from TensorFlow 2.15 (found by review against the
//! oracle); each expectation is TensorFlow's answer to the same request.

use serde_json::json;

use crate::support::evaluate;

#[test]
fn slice_bounds_that_overflow_are_refused() {
    let (st, v) = evaluate(
        json!({"graph": [{"name": "a", "op": "slice", "inputs": [[1.0]], "begin": [i64::MAX], "size": [1]}], "outputs": ["a"]}),
    );
    assert_eq!(
        (st.as_u16(), v["code"].as_str()),
        (422, Some("invalid_argument")),
        "{v}"
    );
}

#[test]
fn hessians_through_relu_like_ops_are_zeros_not_null() {
    for op in ["relu", "relu6", "leaky_relu"] {
        let (st, v) = evaluate(
            json!({"variables": [{"name": "x", "value": [0.5, 1.2, -2.0]}],
            "graph": [{"name": "y", "op": op, "inputs": ["x"]}, {"name": "f", "op": "reduce_sum", "inputs": ["y"]}],
            "requests": [{"hessian": {"target": "f", "sources": "x"}}]}),
        );
        assert_eq!(st, 200, "{v}");
        assert_eq!(
            v["results"][0]["hessian"]["value"],
            json!([[0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]),
            "{op}"
        );
    }
}

#[test]
fn reciprocal_jacobian_at_zero_has_zeros_off_the_diagonal() {
    let (_, v) = evaluate(
        json!({"variables": [{"name": "x", "value": [0.0, 1.0]}], "tape": {"persistent": true},
        "graph": [{"name": "y", "op": "reciprocal", "inputs": ["x"]}],
        "requests": [{"jacobian": {"target": "y", "sources": "x"}}]}),
    );
    assert_eq!(
        v["results"][0]["jacobian"]["value"],
        json!([["-Infinity", 0.0], [0.0, -1.0]])
    );
}

#[test]
fn batch_jacobian_of_an_unconnected_source_is_zeros() {
    let (_, v) = evaluate(
        json!({"variables": [{"name": "x", "value": [[1.0, 2.0, 0.5], [-1.0, 0.3, 2.0]]}, {"name": "u", "value": [[1.0], [2.0]]}],
        "tape": {"persistent": true}, "graph": [{"name": "y", "op": "square", "inputs": ["x"]}],
        "requests": [{"batch_jacobian": {"target": "y", "source": "u"}}]}),
    );
    assert_eq!(v["results"][0]["batch_jacobian"]["shape"], json!([2, 3, 1]));
}

/// TensorFlow drops a non-persistent tape only after a gradient is computed: a request that
/// raised leaves the tape for the next one, which then uses it up. The recorded ops are gone
/// (TensorFlow clears them as a computation starts), so the next gradient finds none: null
/// (TensorFlow itself raises InternalError for a target an op produced, as the README says).
#[test]
fn a_failed_request_leaves_a_non_persistent_tape_usable() {
    let (_, v) = evaluate(
        json!({"variables": [{"name": "x", "value": [1.0, 2.0]}], "graph": [{"name": "a", "op": "square", "inputs": ["x"]}],
        "requests": [{"gradient": {"target": "a", "sources": "x", "output_gradients": [1.0, 2.0, 3.0]}},
            {"gradient": {"target": "a", "sources": "x"}}, {"gradient": {"target": "a", "sources": "x"}}]}),
    );
    assert_eq!(v["results"][0]["error"]["code"], "shape_mismatch");
    assert_eq!(v["results"][1]["gradient"], json!(null));
    assert_eq!(v["results"][2]["error"]["code"], "tape_exhausted");
}

/// An output gradient keeps the target's dtype. One of another shape is handed to the gradient
/// functions as it is: square's multiplies a scalar in, so TensorFlow answers 3 * 2x; one that
/// makes a gradient of another shape than its source's is refused (the README lists it).
#[test]
fn output_gradients_keep_the_target_dtype_and_broadcast_as_tensorflow_does() {
    let program = |og: serde_json::Value| {
        json!({"variables": [{"name": "x", "value": [1.0, 2.0]}], "tape": {"persistent": true},
        "graph": [{"name": "a", "op": "square", "inputs": ["x"]}], "requests": [{"gradient": {"target": "a", "sources": "x", "output_gradients": og}}]})
    };
    let (_, v) = evaluate(program(json!({"value": [1.0, 2.0], "dtype": "float64"})));
    assert_eq!(v["results"][0]["error"]["code"], "dtype_mismatch");
    let (_, v) = evaluate(program(json!(3.0)));
    assert_eq!(
        v["results"][0]["gradient"]["value"],
        json!([6.0, 12.0]),
        "{v}"
    );
    // TensorFlow's identity passes a scalar on as it is: x's gradient would be a scalar
    let (_, v) = evaluate(json!({"variables": [{"name": "x", "value": [1.0, 2.0]}],
        "graph": [{"name": "a", "op": "identity", "inputs": ["x"]}],
        "requests": [{"gradient": {"target": "a", "sources": "x", "output_gradients": 3.0}}]}));
    assert_eq!(v["results"][0]["error"]["code"], "shape_mismatch", "{v}");
}

#[test]
fn the_jacobian_of_an_empty_target_is_empty_zeros() {
    let (_, v) = evaluate(
        json!({"variables": [{"name": "x", "value": [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]}], "tape": {"persistent": true},
        "graph": [{"name": "y", "op": "tile", "inputs": ["x"], "multiples": [0, 2]}],
        "requests": [{"jacobian": {"target": "y", "sources": "x"}}]}),
    );
    assert_eq!(v["results"][0]["jacobian"]["shape"], json!([0, 6, 2, 3]));
}

#[test]
fn integer_and_cast_corners() {
    let (_, v) = evaluate(
        json!({"graph": [{"name": "r", "op": "round", "inputs": [[3, -2, 0]]},
        {"name": "c", "op": "cast", "inputs": [["NaN", "Infinity", -3.9e10]], "dtype": "int32"}], "outputs": ["r", "c"]}),
    );
    assert_eq!(v["outputs"]["r"]["value"], json!([3, -2, 0]));
    assert_eq!(
        v["outputs"]["c"]["value"],
        json!([i32::MIN, i32::MIN, i32::MIN])
    );
    let (st, v) = evaluate(
        json!({"setup": [{"name": "z", "op": "zeros", "shape": [0]}, {"name": "a", "op": "argmax", "inputs": ["z"]}]}),
    );
    assert_eq!(
        (st.as_u16(), v["code"].as_str()),
        (422, Some("shape_mismatch"))
    );
    let (st, v) = evaluate(
        json!({"setup": [{"name": "l", "op": "linspace", "start": 1, "stop": 2.0, "num": 3}]}),
    );
    assert_eq!(
        (st.as_u16(), v["code"].as_str()),
        (422, Some("dtype_mismatch"))
    );
}

#[test]
fn only_real_tensorflow_paths_are_aliases() {
    let (st, v) = evaluate(json!({"setup": [{"name": "a", "op": "tf.nn.log", "inputs": [[1.0]]}]}));
    assert_eq!((st.as_u16(), v["code"].as_str()), (422, Some("unknown_op")));
    let (st, _) =
        evaluate(json!({"setup": [{"name": "a", "op": "tf.math.log", "inputs": [[1.0]]}]}));
    assert_eq!(st, 200);
}

#[test]
fn softmax_cross_entropy_casts_integer_labels() {
    // TensorFlow 2.15: -log softmax([1, 2])[1] = log(1 + e^-1) = 0.31326166
    let (st, v) = evaluate(json!({"variables": [{"name": "l", "value": [1.0, 2.0]}],
        "setup": [{"name": "lab", "op": "constant", "value": [0, 1]}],
        "graph": [{"name": "b", "op": "softmax_cross_entropy_with_logits", "inputs": ["lab", "l"]}],
        "outputs": ["b"], "requests": [{"gradient": {"target": "b", "sources": "l"}}]}));
    assert_eq!(st, 200, "{v}");
    assert!(
        (v["outputs"]["b"]["value"].as_f64().unwrap() - 0.31326166).abs() < 1e-6,
        "{v}"
    );
    // d/dlogits = softmax - labels = [0.26894142, -0.26894142]
    let g = &v["results"][0]["gradient"]["value"];
    assert!(
        (g[0].as_f64().unwrap() - 0.26894142).abs() < 1e-6
            && (g[1].as_f64().unwrap() + 0.26894142).abs() < 1e-6,
        "{g}"
    );
}

fn output(body: serde_json::Value) -> serde_json::Value {
    let (st, v) = evaluate(body);
    assert_eq!(st, 200, "{v}");
    v["outputs"]["a"].clone()
}

fn error_code(body: serde_json::Value) -> String {
    let (st, v) = evaluate(body);
    assert_eq!(st, 422, "{v}");
    v["code"].as_str().unwrap().to_string()
}

/// TF 2.15's float32 softmax is oneDNN's kernel (on by default on AVX-512 VNNI CPUs): a NaN in
/// a row (here x - max of an inf) is NaN and zeroes the rest of the row. float64 softmax and
/// float32 log_softmax are Eigen's: the row is NaN throughout. A row with -inf only is ordinary.
#[test]
fn softmax_of_a_row_with_inf_or_nan_answers_as_tensorflow_does() {
    let softmax = |value: serde_json::Value, op: &str, dtype: &str, axis: i64| {
        output(json!({"setup": [
            {"name": "x", "op": "constant", "value": value, "dtype": dtype},
            {"name": "big", "op": "multiply", "inputs": ["x", 1e30]},
            {"name": "a", "op": op, "inputs": ["big"], "axis": axis}],
            "outputs": ["a"]}))["value"]
            .clone()
    };
    // 1e30 * 1e30 overflows float32 to +inf; 1e30 * -1e30 to -inf.
    assert_eq!(
        softmax(json!([1e30, 1e-30]), "softmax", "float32", -1),
        json!(["NaN", 0.0])
    );
    assert_eq!(
        softmax(json!([-1e30, 1e-30]), "softmax", "float32", -1),
        json!([0.0, 1.0])
    );
    // Column 0 is [inf, 2]; column 1, [1, 3], is ordinary.
    let cols = softmax(
        json!([[1e30, 1e-30], [2e-30, 3e-30]]),
        "softmax",
        "float32",
        0,
    );
    assert_eq!((&cols[0][0], &cols[1][0]), (&json!("NaN"), &json!(0.0)));
    let p = cols[0][1].as_f64().unwrap();
    assert!(
        (p - 0.11920292).abs() < 1e-6 && (cols[1][1].as_f64().unwrap() - (1.0 - p)).abs() < 1e-6
    );
    assert_eq!(
        softmax(json!([1e300, 1e-300]), "softmax", "float64", -1),
        json!(["NaN", "NaN"])
    );
    assert_eq!(
        softmax(json!([1e30, 1e-30]), "log_softmax", "float32", -1),
        json!(["NaN", "NaN"])
    );
}

#[test]
fn reshape_infers_minus_one_past_a_zero_dimension_as_tensorflow_does() {
    let reshape = |from: [usize; 2], to: [i64; 2]| {
        json!({"setup": [{"name": "x", "op": "zeros", "shape": from},
            {"name": "a", "op": "reshape", "inputs": ["x"], "shape": to}], "outputs": ["a"]})
    };
    assert_eq!(output(reshape([0, 3], [-1, 0]))["shape"], json!([3, 0]));
    assert_eq!(output(reshape([0, 3], [-1, 3]))["shape"], json!([0, 3]));
    // ... and rounds down unchecked when both sides have a zero
    let three = json!({"setup": [{"name": "x", "op": "zeros", "shape": [0, 3]},
        {"name": "a", "op": "reshape", "inputs": ["x"], "shape": [-1, 2, 0]}], "outputs": ["a"]});
    assert_eq!(output(three)["shape"], json!([1, 2, 0]));
    assert_eq!(error_code(reshape([2, 3], [-1, 0])), "shape_mismatch");
}

#[test]
fn fill_takes_a_scalar_or_a_one_element_vector() {
    let fill = |value: serde_json::Value| json!({"setup": [{"name": "a", "op": "fill", "shape": [2], "value": value}], "outputs": ["a"]});
    assert_eq!(output(fill(json!([1.5])))["value"], json!([1.5, 1.5]));
    assert_eq!(error_code(fill(json!([[1.5]]))), "invalid_argument");
    assert_eq!(error_code(fill(json!([1.0, 2.0]))), "invalid_argument");
}

#[test]
fn one_hot_takes_its_dtype_from_on_and_off_values_and_bool_needs_booleans() {
    let one_hot = |attrs: serde_json::Value| {
        let mut node = json!({"name": "a", "op": "one_hot", "inputs": [[0, 1]], "depth": 2});
        node.as_object_mut()
            .unwrap()
            .extend(attrs.as_object().unwrap().clone());
        json!({"setup": [node], "outputs": ["a"]})
    };
    let a = output(one_hot(json!({"on_value": true, "off_value": false})));
    assert_eq!(
        (&a["dtype"], &a["value"]),
        (&json!("bool"), &json!([[true, false], [false, true]]))
    );
    let a = output(one_hot(json!({"on_value": 2})));
    assert_eq!(
        (&a["dtype"], &a["value"]),
        (&json!("int32"), &json!([[2, 0], [0, 2]]))
    );
    let a = output(one_hot(json!({"on_value": true, "dtype": "float32"})));
    assert_eq!(a["value"], json!([[1.0, 0.0], [0.0, 1.0]]));
    // with an explicit dtype both values convert to it, but a float does not become an integer
    let a = output(one_hot(
        json!({"on_value": 1, "off_value": 0.5, "dtype": "float32"}),
    ));
    assert_eq!(a["value"], json!([[1.0, 0.5], [0.5, 1.0]]));
    assert_eq!(
        error_code(one_hot(json!({"on_value": 1.5, "dtype": "int32"}))),
        "dtype_mismatch"
    );
    assert_eq!(
        error_code(one_hot(json!({"dtype": "bool"}))),
        "dtype_mismatch"
    );
    assert_eq!(
        error_code(one_hot(json!({"on_value": 2, "off_value": 0.5}))),
        "dtype_mismatch"
    );
}

/// TensorFlow registers no gradient for SoftsignGrad: softsign's second derivative raises
/// (LookupError), as a Hessian through softsign does here.
#[test]
fn softsign_has_no_second_derivative() {
    let (_, v) = evaluate(
        json!({"variables": [{"name": "x", "value": [-3.0, 0.7]}], "tape": {"persistent": true},
        "graph": [{"name": "f", "op": "softsign", "inputs": ["x"]}],
        "requests": [{"gradient": {"target": "f", "sources": "x"}}, {"hessian": {"target": "f", "sources": "x"}}]}),
    );
    assert_eq!(v["results"][0]["gradient"]["value"][0], json!(0.0625));
    assert_eq!(v["results"][1]["error"]["code"], "invalid_argument");
}

/// The sign of each zero in a tensor answer, `true` for -0.
fn zero_signs(t: &serde_json::Value) -> Vec<bool> {
    let mut out = Vec::new();
    let mut stack = vec![&t["value"]];
    while let Some(v) = stack.pop() {
        match v.as_array() {
            Some(a) => stack.extend(a.iter().rev()),
            None => out.push(v.as_f64().is_some_and(f64::is_sign_negative)),
        }
    }
    out
}

/// TensorFlow (Eigen) on a tie of -0 and +0: AVX packets keep the second operand of
/// max/min, the scalar code for the last len % lanes elements the first; relu is max(x, 0).
#[test]
fn relu_and_maximum_of_negative_zero_follow_eigens_packets() {
    let (z9, z15, z5) = (vec![-0.0f64; 9], vec![-0.0f64; 15], vec![-0.0f64; 5]);
    let (st, v) = evaluate(json!({
        "variables": [{"name": "a", "value": {"data": z9, "shape": [9], "dtype": "float32"}},
                      {"name": "c", "value": {"data": z15, "shape": [3, 5], "dtype": "float32"}},
                      {"name": "b", "value": {"data": z5, "shape": [5], "dtype": "float64"}}],
        "graph": [{"name": "ra", "op": "relu", "inputs": ["a"]},
                  {"name": "mx", "op": "maximum", "inputs": ["c", [0.0, 0.0, 0.0, 0.0, 0.0]]},
                  {"name": "rb", "op": "relu6", "inputs": ["b"]}],
        "outputs": ["ra", "mx", "rb"]}));
    assert_eq!(st, 200, "{v}");
    let tail =
        |n: usize, lanes: usize| -> Vec<bool> { (0..n).map(|i| i >= n / lanes * lanes).collect() };
    assert_eq!(zero_signs(&v["outputs"]["ra"]), tail(9, 8));
    assert_eq!(zero_signs(&v["outputs"]["mx"]), tail(15, 8));
    assert_eq!(zero_signs(&v["outputs"]["rb"]), tail(5, 4));
}

/// The zeros of a Hessian through a product, as TensorFlow 2.15's pfor'd Jacobian signs them.
/// relu's gradient reads its output (`ReluGrad(grad, y)`), so the zero of its second derivative
/// reaches the product's gradient as computed zeros, and `0 * others` keeps the sign of each
/// product of the others; leaky_relu's reads its input, so that zero is a constant Grappler
/// folds through the product's gradient, and only the other path's zeros (+0 here) remain.
#[test]
fn hessian_zeros_through_a_product_follow_which_value_the_activations_gradient_reads() {
    let (st, v) = evaluate(json!({
        "variables": [{"name": "b", "value": {"value": [2.0, -0.0, -1.33], "dtype": "float32"}},
                      {"name": "c", "value": {"value": [-0.5, -0.0, 2.0], "dtype": "float32"}}],
        "graph": [{"name": "pb", "op": "reduce_prod", "inputs": ["b"]},
                  {"name": "rb", "op": "relu", "inputs": ["pb"]},
                  {"name": "pc", "op": "reduce_prod", "inputs": ["c"]},
                  {"name": "lc", "op": "tf.nn.leaky_relu", "inputs": ["pc"], "alpha": 0.2}],
        "requests": [{"hessian": {"target": "rb", "sources": "b"}},
                     {"hessian": {"target": "lc", "sources": "c"}}]}));
    assert_eq!(st, 200, "{v}");
    // TensorFlow: [[0, 0, -0], [0, 0, -0], [0, 0, -0]]
    let relu = &v["results"][0]["hessian"];
    assert_eq!(relu["value"][0], json!([0.0, 0.0, -0.0]), "{relu}");
    assert_eq!(
        zero_signs(relu),
        [false, false, true, false, false, true, false, false, true]
    );
    // TensorFlow: [[0, 0, 0], [0.4, 0, -0.1], [0, 0, 0]]
    let leaky = &v["results"][1]["hessian"];
    assert_eq!(leaky["value"][1], json!([0.4, 0.0, -0.1]), "{leaky}");
    assert_eq!(
        zero_signs(leaky),
        [false, false, false, false, false, true, false, false, false]
    );
}

/// leaky_relu's gradient keeps a -0 that reaches it, as TensorFlow's LeakyReluGrad picks
/// `grad` or `grad * alpha`: in a gradient (here a -0 from multiplying by -0) and in each row of
/// a Jacobian (the negation of a one-hot's zeros). TensorFlow 2.15: [-0, 0.2, -0] and
/// [[-1, -0, -0], [-0, -0.2, -0], [-0, -0, -1]].
#[test]
fn leaky_relu_gradient_keeps_a_negative_zero() {
    let (st, v) = evaluate(json!({
        "variables": [{"name": "x", "value": [2.0, -3.0, 0.5]}],
        "setup": [{"name": "c", "op": "constant", "value": [-0.0, 1.0, -0.0]}],
        "tape": {"persistent": true},
        "graph": [{"name": "l", "op": "tf.nn.leaky_relu", "inputs": ["x"], "alpha": 0.2},
                  {"name": "m", "op": "multiply", "inputs": ["l", "c"]},
                  {"name": "f", "op": "reduce_sum", "inputs": ["m"]},
                  {"name": "n", "op": "negative", "inputs": ["l"]}],
        "requests": [{"gradient": {"target": "f", "sources": "x"}},
                     {"jacobian": {"target": "n", "sources": "x"}}]}));
    assert_eq!(st, 200, "{v}");
    let gradient = &v["results"][0]["gradient"];
    assert_eq!(gradient["value"], json!([-0.0, 0.2, -0.0]));
    assert_eq!(zero_signs(gradient), [true, false, true]);
    let jacobian = &v["results"][1]["jacobian"];
    assert_eq!(
        zero_signs(jacobian),
        [true, true, true, true, true, true, true, true, true]
    );
}

/// A Jacobian through `sign` starts from a constant zero that Grappler folds through the ops
/// before it, each with the sign its rewrite leaves: `-grad` (subtract's second input) negates
/// it, log_softmax's `grad - sum(grad) * softmax` becomes `Neg(0 * softmax)` (-0), softmax's
/// `(...) * softmax` is `x * 0` (+0). TensorFlow 2.15: -0, -0 and +0 in every element.
#[test]
fn a_folded_zero_keeps_the_sign_graplers_rewrite_gives_it() {
    let (st, v) = evaluate(json!({
        "tape": {"persistent": true},
        "variables": [{"name": "v", "value": [0.5, -0.0, 2.0]}],
        "setup": [{"name": "c", "op": "constant", "value": [1.0, 1.0, 1.0]}],
        "graph": [{"name": "d", "op": "subtract", "inputs": ["c", "v"]},
                  {"name": "sd", "op": "sign", "inputs": ["d"]},
                  {"name": "l", "op": "log_softmax", "inputs": ["v"]},
                  {"name": "sl", "op": "sign", "inputs": ["l"]},
                  {"name": "s", "op": "softmax", "inputs": ["v"]},
                  {"name": "ss", "op": "sign", "inputs": ["s"]}],
        "requests": [{"jacobian": {"target": "sd", "sources": "v"}},
                     {"jacobian": {"target": "sl", "sources": "v"}},
                     {"jacobian": {"target": "ss", "sources": "v"}}]}));
    assert_eq!(st, 200, "{v}");
    for (i, negative) in [(0, true), (1, true), (2, false)] {
        let jacobian = &v["results"][i]["jacobian"];
        assert_eq!(
            zero_signs(jacobian),
            [negative; 9],
            "request {i}: {jacobian}"
        );
    }
}

/// maximum's gradient selects with a recorded mask, so in a Hessian the zero that reaches it
/// stays computed: each input gets the zero where the mask picks it (-0 here, from the
/// negation) and +0 where it does not (at the tie the first input, the constant, is picked).
/// TensorFlow 2.15: -0 everywhere but at the tie, element [0, 1] of every row.
#[test]
fn a_hessian_through_maximum_keeps_the_zero_its_mask_picks() {
    let (st, v) = evaluate(json!({
        "variables": [{"name": "v", "value": [[7.0, -1.33], [2.0, 7.0]]}],
        "setup": [{"name": "c", "op": "constant", "value": [[2.0, -1.33], [0.0, 1.5]]}],
        "graph": [{"name": "m", "op": "maximum", "inputs": ["c", "v"]},
                  {"name": "n", "op": "negative", "inputs": ["m"]},
                  {"name": "a", "op": "abs", "inputs": ["n"]},
                  {"name": "s", "op": "reduce_sum", "inputs": ["a"]}],
        "requests": [{"hessian": {"target": "s", "sources": "v"}}]}));
    assert_eq!(st, 200, "{v}");
    let row = [true, false, true, true];
    assert_eq!(zero_signs(&v["results"][0]["hessian"]), row.repeat(4));
}
