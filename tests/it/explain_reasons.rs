//! Reasons that depend on when things happened (a tape stopped more than once, a watch after
//! the use, an assignment in a cell, a derivative of a derivative) and where NaNs began, on
//! every route. The values are TensorFlow's (the oracle's); only the notes are checked here.

use serde_json::{json, Value};

use crate::support::{call, evaluate, run_cell, test_app};

/// (source, reason, node, line) of each note of a cell.
fn cell_notes(body: &Value) -> Vec<(String, String, String, u64)> {
    body["notes"]
        .as_array()
        .unwrap_or(&Vec::new())
        .iter()
        .map(|n| {
            (
                n["source"].as_str().unwrap_or("").to_string(),
                n["reason"].as_str().unwrap().to_string(),
                n["node"].as_str().unwrap_or("").to_string(),
                n["line"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn n(source: &str, reason: &str, node: &str, line: u64) -> (String, String, String, u64) {
    (source.into(), reason.into(), node.into(), line)
}

fn detail(body: &Value, k: usize) -> String {
    body["notes"][k]["detail"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn an_op_under_stop_recording_stays_recording_paused_after_the_with_block() {
    let body = run_cell(
        "import tensorflow as tf
x = tf.Variable([1.0, 2.0])
with tf.GradientTape() as g:
    with g.stop_recording():
        p = x * x
gp = g.gradient(p, x)
",
    )
    .await;
    assert_eq!(body["values"]["gp"], Value::Null);
    assert_eq!(cell_notes(&body), vec![n("x", "recording_paused", "p", 6)]);
    assert!(detail(&body, 0).contains("stop_recording()"), "{body}");
}

#[tokio::test]
async fn an_op_between_two_with_blocks_of_one_tape_is_recording_paused() {
    let body = run_cell(
        "import tensorflow as tf
x = tf.Variable([1.0, 2.0])
g = tf.GradientTape(persistent=True)
y0 = x * 5.0
with g:
    y = x * 2.0
z = y * 3.0
with g:
    L = tf.reduce_sum(z)
gL = g.gradient(L, x)
gy0 = g.gradient(y0, x)
",
    )
    .await;
    assert_eq!(body["values"]["gL"], Value::Null);
    assert_eq!(
        cell_notes(&body),
        vec![
            n("x", "recording_paused", "z", 10),
            // before the first `with`, the tape had not opened yet
            n("x", "recorded_before_tape", "y0", 11)
        ]
    );
    assert!(detail(&body, 1).contains("with block"), "{body}");
    assert!(!detail(&body, 1).contains("setup"), "{body}");
}

#[tokio::test]
async fn a_session_tape_stopped_again_keeps_its_paused_stretch() {
    let app = test_app();
    let (_, s) = call(&app, "POST", "/v1/sessions", None, &[]).await;
    let base = format!("/v1/sessions/{}", s["id"].as_str().unwrap());
    let auth = format!("Bearer {}", s["token"].as_str().unwrap());
    let post = |path: &str, body: Value| {
        let (app, uri, auth) = (app.clone(), format!("{base}{path}"), auth.clone());
        async move {
            let (st, v) = call(&app, "POST", &uri, Some(body), &[("authorization", &auth)]).await;
            assert!(st.is_success(), "{uri}: {st} {v}");
            v
        }
    };
    post("/variables", json!({"name": "x", "value": [1.0, 2.0]})).await;
    let t = post("/tapes", json!({"persistent": true})).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    post(&format!("/tapes/{t}/stop_recording"), json!({})).await;
    let p = json!({"nodes": [{"name": "p", "op": "multiply", "inputs": ["x", "x"]}]});
    post("/graph", p).await;
    post(&format!("/tapes/{t}/resume"), json!({})).await;
    let l = json!({"nodes": [{"name": "L", "op": "reduce_sum", "inputs": ["p"]}]});
    post("/graph", l).await;
    post(&format!("/tapes/{t}/stop"), json!({})).await;
    let g = post(
        &format!("/tapes/{t}/gradient"),
        json!({"target": "L", "sources": "x"}),
    )
    .await;
    assert!(g["gradient"].is_null(), "{g}");
    assert_eq!(g["notes"][0]["reason"], "recording_paused", "{g}");
    assert_eq!(g["notes"][0]["node"], "p", "{g}");
}

#[tokio::test]
async fn assignments_in_cells_are_through_assign() {
    let body = run_cell(
        "import tensorflow as tf
x = tf.Variable([1.0, 2.0])
v = tf.Variable([3.0, 4.0])
u = tf.Variable(3.0)
s = tf.Variable(1.0)
with tf.GradientTape(persistent=True) as g:
    v.assign(x * 2.0)
    r = v * 1.0
    u.assign_sub(s)
    q = u * 2.0
    w2 = tf.Variable(x * 2.0)
    k = w2 * 1.0
gr = g.gradient(r, x)
gq = g.gradient(q, s)
gk = g.gradient(k, x)
",
    )
    .await;
    for name in ["gr", "gq", "gk"] {
        assert_eq!(body["values"][name], Value::Null, "{body}");
    }
    let notes = cell_notes(&body);
    assert_eq!(notes[0], n("x", "through_assign", "v", 13));
    assert_eq!(notes[1], n("s", "through_assign", "u", 14));
    assert_eq!(notes[2].1, "through_assign", "{body}");
    assert_eq!(notes[2].3, 15);
}

#[tokio::test]
async fn a_tensor_watched_after_its_use_is_not_watched_naming_the_use() {
    let body = run_cell(
        "import tensorflow as tf
c = tf.constant([1.0, 2.0])
v = tf.Variable([1.0, 2.0])
with tf.GradientTape(persistent=True, watch_accessed_variables=False) as g:
    y = c * 2.0
    z = v * 2.0
    g.watch(c)
    g.watch(v)
gy = g.gradient(y, c)
gz = g.gradient(z, v)
",
    )
    .await;
    assert_eq!(
        cell_notes(&body),
        vec![
            n("c", "not_watched", "y", 9),
            n("v", "not_watched", "z", 10)
        ]
    );
    assert!(detail(&body, 0).contains("watched only after y"), "{body}");
}

#[test]
fn a_constant_watched_after_its_use_in_a_program_is_not_watched_naming_the_use() {
    let (st, v) = evaluate(json!({
        "setup": [{"name": "c", "op": "constant", "value": [1.0, 2.0]}],
        "graph": [{"name": "y", "op": "multiply", "inputs": ["c", 2.0]},
                  {"op": "watch", "inputs": ["c"]},
                  {"name": "L", "op": "reduce_sum", "inputs": ["y"]}],
        "requests": [{"gradient": {"target": "L", "sources": "c"}}]
    }));
    assert_eq!(st, 200, "{v}");
    let note = &v["results"][0]["notes"][0];
    assert_eq!(
        (&note["reason"], &note["node"]),
        (&json!("not_watched"), &json!("y")),
        "{v}"
    );
}

#[tokio::test]
async fn a_second_derivative_of_a_linear_cell_function_is_constant_gradient() {
    let body = run_cell(
        "import tensorflow as tf
x = tf.Variable([1.0, 2.0])
y = tf.Variable(1.0)
with tf.GradientTape(persistent=True) as g2:
    with tf.GradientTape() as g1:
        f = tf.reduce_sum(3.0 * x)
    d = g1.gradient(f, x)
h = g2.gradient(d, x)
k = g2.gradient(d, y)
",
    )
    .await;
    assert_eq!(body["values"]["h"], Value::Null);
    // d is a derivative by x, not by y: y is simply not connected
    assert_eq!(
        cell_notes(&body),
        vec![
            n("x", "constant_gradient", "", 8),
            n("y", "not_connected", "", 9)
        ]
    );
}

#[tokio::test]
async fn each_non_finite_origin_and_the_backward_pass_get_a_note_in_a_cell() {
    let body = run_cell(
        "import tensorflow as tf
b = tf.math.log(tf.constant([0.0, 1.0]))
c = tf.constant([0.0]) / tf.constant([0.0])
x = tf.Variable([4.0, 0.0])
with tf.GradientTape() as g:
    p = tf.where(x > 0, tf.math.log(x), tf.zeros_like(x))
    L = tf.reduce_sum(p)
dx = g.gradient(L, x)
",
    )
    .await;
    assert_eq!(body["values"]["dx"]["value"], json!([0.25, "NaN"]));
    assert_eq!(
        cell_notes(&body),
        vec![
            n("", "non_finite", "b", 2),
            n("", "non_finite", "c", 3),
            n("", "non_finite", "p", 6),
            n("", "non_finite", "p", 8)
        ]
    );
    // an unnamed op is named by what the cell computed from it
    assert!(
        detail(&body, 2).starts_with("the log in computing p"),
        "{body}"
    );
    assert!(
        detail(&body, 3).starts_with("the gradient of the log"),
        "{body}"
    );
}

#[tokio::test]
async fn a_nan_in_a_loop_gives_one_note_for_its_line() {
    let body = run_cell(
        "import tensorflow as tf
for i in range(40):
    b = tf.math.log(tf.constant([0.0, 1.0]))
",
    )
    .await;
    assert_eq!(cell_notes(&body), vec![n("", "non_finite", "b", 3)]);
}

#[test]
fn a_nan_from_an_input_is_a_note_naming_the_input() {
    let (st, v) = evaluate(json!({
        "variables": [{"name": "x", "value": ["NaN", 1.0]}],
        "graph": [{"name": "sq", "op": "square", "inputs": ["x"]},
                  {"name": "L", "op": "reduce_sum", "inputs": ["sq"]}],
        "outputs": ["L"],
        "requests": [{"gradient": {"target": "L", "sources": "x"}}]
    }));
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["results"][0]["gradient"]["value"], json!(["NaN", 2.0]));
    assert_eq!(v["notes"][0]["node"], "x", "{v}");
    assert_eq!(v["notes"][0]["index"], json!([0]), "{v}");
    assert_eq!(v["results"][0]["notes"][0]["node"], "x", "{v}");
}

#[test]
fn a_batch_jacobian_of_an_unconnected_source_is_zeros_with_a_note() {
    let (st, v) = evaluate(json!({
        "variables": [{"name": "x", "value": [[1.0, 2.0], [3.0, 4.0]]},
                      {"name": "u", "value": [[1.0, 2.0], [3.0, 4.0]]}],
        "tape": {"persistent": true},
        "graph": [{"name": "y", "op": "square", "inputs": ["x"]}],
        "requests": [{"batch_jacobian": {"target": "y", "source": "u"}},
                     {"batch_jacobian": {"target": "y", "source": "x"}}]
    }));
    assert_eq!(st, 200, "{v}");
    let zeros = json!([[[0.0, 0.0], [0.0, 0.0]], [[0.0, 0.0], [0.0, 0.0]]]);
    assert_eq!(v["results"][0]["batch_jacobian"]["value"], zeros);
    assert_eq!(
        v["results"][0]["notes"][0]["reason"], "not_connected",
        "{v}"
    );
    assert!(v["results"][1].get("notes").is_none(), "{v}");
}

#[tokio::test]
async fn a_cells_batch_jacobian_of_an_unconnected_source_is_zeros_with_a_note() {
    let body = run_cell(
        "import tensorflow as tf
x = tf.Variable([[1.0, 2.0]])
u = tf.Variable([[1.0, 2.0]])
with tf.GradientTape() as g:
    y = x * x
j = g.batch_jacobian(y, u)
",
    )
    .await;
    assert_eq!(
        body["values"]["j"]["value"],
        json!([[[0.0, 0.0], [0.0, 0.0]]])
    );
    assert_eq!(cell_notes(&body), vec![n("u", "not_connected", "", 6)]);
}
