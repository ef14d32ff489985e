//! Gradients that explain themselves in cells: `POST /v1/cells` answers
//! `notes` beside TensorFlow's own stdout, `gradtape run` writes them to stderr, and grading
//! says why a checked name is None; `tf.test.compute_gradient` runs the cell's own function.

use std::process::Command;

use serde_json::{json, Value};

use crate::support::run_cell;

/// (source, reason, line, column) of each note.
fn summary(body: &Value) -> Vec<(String, String, u64, u64)> {
    body["notes"]
        .as_array()
        .unwrap_or(&Vec::new())
        .iter()
        .map(|n| {
            (
                n["source"].as_str().unwrap_or("").to_string(),
                n["reason"].as_str().unwrap().to_string(),
                n["line"].as_u64().unwrap(),
                n["column"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn note(source: &str, reason: &str, line: u64, column: u64) -> (String, String, u64, u64) {
    (source.into(), reason.into(), line, column)
}

const UNWATCHED: &str = "import tensorflow as tf
x = tf.constant(3.0)
with tf.GradientTape() as g:
    y = x * x
dy_dx = g.gradient(y, x)
print(dy_dx)
";

#[tokio::test]
async fn a_none_gradient_says_why_and_where_and_stdout_stays_tensorflows() {
    let body = run_cell(UNWATCHED).await;
    assert_eq!(body["stdout"], "None\n");
    assert_eq!(body["values"]["dy_dx"], Value::Null);
    assert_eq!(body["error"], Value::Null);
    assert_eq!(summary(&body), vec![note("x", "not_watched", 5, 9)]);
    let detail = body["notes"][0]["detail"].as_str().unwrap();
    assert!(detail.contains("tape.watch(x)"), "{detail}");
}

#[tokio::test]
async fn a_cell_whose_gradients_exist_has_no_notes() {
    let body = run_cell(
        "import tensorflow as tf\nw = tf.Variable(2.0)\nwith tf.GradientTape() as g:\n    y = w * w\nprint(g.gradient(y, w))\n",
    )
    .await;
    assert_eq!(body["stdout"], "tf.Tensor(4.0, shape=(), dtype=float32)\n");
    assert!(body.get("notes").is_none(), "{body}");
}

#[tokio::test]
async fn each_source_of_a_list_gets_its_own_note_with_the_cells_text() {
    let body = run_cell(
        "import tensorflow as tf
W = tf.Variable([1.0, 2.0])
b = tf.Variable(0.5)
n = tf.constant(4)
frozen = tf.Variable(3.0, trainable=False)
with tf.GradientTape(persistent=True) as g:
    y = tf.reduce_sum(W * 2.0) + tf.cast(n, tf.float32) + frozen
    s = tf.stop_gradient(W) * 3.0
dW, db, dn, dfrozen = g.gradient(y, [W, b, n, frozen])
ds = g.gradient(s, W)
z = g.gradient(y, [b], unconnected_gradients=tf.UnconnectedGradients.ZERO)
print(db, dn, z)
",
    )
    .await;
    assert_eq!(
        body["stdout"],
        "None None [<tf.Tensor: shape=(), dtype=float32, numpy=0.0>]\n"
    );
    assert_eq!(
        summary(&body),
        vec![
            note("b", "not_connected", 9, 23),
            note("n", "integer_source", 9, 23),
            note("frozen", "not_trainable", 9, 23),
            note("W", "stop_gradient", 10, 6),
            note("b", "not_connected", 11, 5),
        ]
    );
}

#[tokio::test]
async fn a_jacobian_that_is_none_is_explained() {
    let body = run_cell(
        "import tensorflow as tf
x = tf.constant([1.0, 2.0])
with tf.GradientTape() as g:
    y = x * x
j = g.jacobian(y, x)
",
    )
    .await;
    assert_eq!(body["values"]["j"], Value::Null);
    assert_eq!(summary(&body), vec![note("x", "not_watched", 5, 5)]);
}

#[tokio::test]
async fn where_a_value_first_went_non_finite_is_a_note_with_its_line() {
    let body = run_cell(
        "import tensorflow as tf
x = tf.constant([1.0, 0.0])
a = x * 2.0
b = tf.math.log(a)
c = b * 2.0
",
    )
    .await;
    let notes = body["notes"].as_array().unwrap();
    assert_eq!(notes.len(), 1, "{body}");
    assert_eq!(notes[0]["reason"], "non_finite");
    assert_eq!(notes[0]["node"], "b");
    assert_eq!(notes[0]["line"], 4);
    assert_eq!(notes[0]["index"], json!([1]));
}

#[tokio::test]
async fn the_documented_cell_example_is_what_the_server_answers() {
    let doc = crate::openapi::spec();
    let example = &doc["paths"]["/v1/cells"]["post"]["responses"]["200"]["content"]
        ["application/json"]["examples"]["unwatched"]["value"];
    assert_eq!(&run_cell(UNWATCHED).await, example);
}

#[test]
fn gradtape_run_writes_notes_to_stderr_only() {
    let dir = std::env::temp_dir().join(format!("gradtape-notes-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("cell.py");
    std::fs::write(&file, UNWATCHED).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_gradtape"))
        .arg("run")
        .arg(&file)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout, "None\n");
    assert!(
        stderr.starts_with("note: line 5: dy_dx is None (not_watched): x is a constant"),
        "{stderr}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn compute_gradient_runs_the_cells_function_and_its_exceptions_surface() {
    // y = 3 * x on two elements: both Jacobians are diag(3) (float32 differences of a linear
    // function are exact at delta 1/1024)
    let body = run_cell(
        "import tensorflow as tf
t, n = tf.test.compute_gradient(lambda x: 3.0 * x, [tf.constant([1.0, 2.0])])
jt = t[0]
jn = n[0]
",
    )
    .await;
    let diag = json!([[3.0, 0.0], [0.0, 3.0]]);
    assert_eq!(body["values"]["jt"]["value"], diag);
    assert_eq!(body["values"]["jn"]["value"], diag);
    assert_eq!(body["values"]["jt"]["dtype"], "float32");
    let body = run_cell(
        "import tensorflow as tf
def f(x):
    return x[5]
t, n = tf.test.compute_gradient(f, [tf.constant([1.0])])
",
    )
    .await;
    assert_eq!(body["error"]["line"], 3, "{body}");
}

#[tokio::test]
async fn a_source_rebound_to_what_assign_sub_returned_is_named_as_the_cause() {
    let body = run_cell(
        "import tensorflow as tf
w = tf.Variable([1.0, 2.0])
x = tf.constant([3.0, 4.0])
for i in range(2):
    with tf.GradientTape() as tape:
        L = tf.reduce_sum(w * x)
    g = tape.gradient(L, w)
    w = w.assign_sub(0.1 * g)
",
    )
    .await;
    assert_eq!(body["error"]["type"], "TypeError", "{body}");
    assert_eq!(summary(&body), vec![note("w", "not_connected", 7, 9)]);
    let detail = body["notes"][0]["detail"].as_str().unwrap();
    for part in [
        "w holds the value an assign returned",
        "_UnreadVariable",
        "call `w.assign_sub(...)` without `w =`",
        "tape.watch(w)",
    ] {
        assert!(detail.contains(part), "{part:?} missing from: {detail}");
    }
    // a source that is the variable itself keeps the general sentence
    let body = run_cell(
        "import tensorflow as tf
w = tf.Variable(1.0)
with tf.GradientTape() as tape:
    L = tf.constant(2.0) * 3.0
print(tape.gradient(L, w))
",
    )
    .await;
    let detail = body["notes"][0]["detail"].as_str().unwrap();
    assert!(detail.contains("L does not depend on w"), "{detail}");
}
