//! Why a gradient is null: each reason of openapi/README.md's "Notes beside a gradient"
//! built as a program (or a session, where only a session can build it) and its note checked,
//! with TensorFlow's answer unchanged.

use serde_json::{json, Value};

use crate::support::evaluate;

/// The notes of the first result, by source.
fn notes_of(result: &Value) -> Vec<(String, String, Option<String>)> {
    result["notes"]
        .as_array()
        .unwrap_or(&Vec::new())
        .iter()
        .map(|n| {
            assert!(n["detail"].as_str().is_some_and(|d| d.len() > 20), "{n}");
            (
                n["source"].as_str().unwrap_or("").to_string(),
                n["reason"].as_str().unwrap().to_string(),
                n["node"].as_str().map(str::to_string),
            )
        })
        .collect()
}

fn run(body: Value) -> Value {
    let (st, v) = evaluate(body);
    assert_eq!(st, 200, "{v}");
    v
}

#[test]
fn mixed_sources_each_get_their_own_reason() {
    // y = sum(w * c) + sum(cast(k)): dy/dw = c = [3, 4]; c is an unwatched constant and k an
    // integer variable, both None in TensorFlow
    let v = run(json!({
        "variables": [{"name": "w", "value": [1.0, 2.0]},
                      {"name": "k", "value": [1, 2], "dtype": "int32"}],
        "setup": [{"name": "c", "op": "constant", "value": [3.0, 4.0]}],
        "graph": [{"name": "h", "op": "multiply", "inputs": ["w", "c"]},
                  {"name": "kf", "op": "cast", "inputs": ["k"], "dtype": "float32"},
                  {"name": "s", "op": "add", "inputs": ["h", "kf"]},
                  {"name": "y", "op": "reduce_sum", "inputs": ["s"]}],
        "requests": [{"gradient": {"target": "y", "sources": ["w", "c", "k"]}}]
    }));
    let g = &v["results"][0]["gradient"];
    assert_eq!(g[0]["value"], json!([3.0, 4.0]));
    assert!(g[1].is_null() && g[2].is_null(), "{g}");
    assert_eq!(
        notes_of(&v["results"][0]),
        vec![
            ("c".into(), "not_watched".into(), Some("c".into())),
            ("k".into(), "integer_source".into(), None)
        ]
    );
    assert!(v.get("notes").is_none(), "every value is finite: {v}");
}

/// The reason (and node) of the single note on `gradient(target=y, sources=src)`.
#[track_caller]
fn reason(
    variables: Value,
    setup: Value,
    tape: Value,
    graph: Value,
    src: &str,
) -> (String, Option<String>) {
    let v = run(
        json!({"variables": variables, "setup": setup, "tape": tape, "graph": graph,
                       "requests": [{"gradient": {"target": "y", "sources": src}}]}),
    );
    let r = &v["results"][0];
    assert!(r["gradient"].is_null(), "{r}");
    let notes = notes_of(r);
    assert_eq!(notes.len(), 1, "{r}");
    (notes[0].1.clone(), notes[0].2.clone())
}

#[test]
fn each_reason_a_program_can_build() {
    let w = json!([{"name": "w", "value": 2.0}]);
    let double = json!([{"name": "y", "op": "multiply", "inputs": ["w", 2.0]}]);
    assert_eq!(
        reason(
            json!([{"name": "w", "value": 2.0, "trainable": false}]),
            json!([]),
            json!({}),
            double.clone(),
            "w"
        ),
        ("not_trainable".into(), None)
    );
    assert_eq!(
        reason(
            w.clone(),
            json!([]),
            json!({"watch_accessed_variables": false}),
            double.clone(),
            "w"
        ),
        ("watch_accessed_variables_off".into(), None)
    );
    // h = 2w is computed in setup, before the tape opens
    assert_eq!(
        reason(
            w.clone(),
            json!([{"name": "h", "op": "multiply", "inputs": ["w", 2.0]}]),
            json!({}),
            json!([{"name": "y", "op": "add", "inputs": ["h", 1.0]}]),
            "w"
        ),
        ("recorded_before_tape".into(), Some("h".into()))
    );
    assert_eq!(
        reason(
            w.clone(),
            json!([]),
            json!({}),
            json!([{"name": "r", "op": "round", "inputs": ["w"]},
                      {"name": "y", "op": "multiply", "inputs": ["r", 2.0]}]),
            "w"
        ),
        ("not_differentiable".into(), Some("r".into()))
    );
    // a cast to an integer and back: the cast's output cannot carry a gradient
    assert_eq!(
        reason(
            w.clone(),
            json!([]),
            json!({}),
            json!([{"name": "i", "op": "cast", "inputs": ["w"], "dtype": "int32"},
                      {"name": "y", "op": "cast", "inputs": ["i"], "dtype": "float32"}]),
            "w"
        ),
        ("not_differentiable".into(), Some("i".into()))
    );
    assert_eq!(
        reason(
            json!([{"name": "w", "value": 2.0}, {"name": "u", "value": 1.0}]),
            json!([]),
            json!({}),
            double.clone(),
            "u"
        ),
        ("not_connected".into(), None)
    );
    // an unwatched constant that does reach y: not_watched comes before not_connected
    assert_eq!(
        reason(
            w.clone(),
            json!([{"name": "c", "op": "constant", "value": 3.0}]),
            json!({}),
            json!([{"name": "y", "op": "multiply", "inputs": ["w", "c"]}]),
            "c"
        ),
        ("not_watched".into(), Some("c".into()))
    );
    // precedence: an untrainable variable read before the tape opened is not_trainable first
    assert_eq!(
        reason(
            json!([{"name": "w", "value": 2.0, "trainable": false}]),
            json!([{"name": "h", "op": "multiply", "inputs": ["w", 2.0]}]),
            json!({}),
            json!([{"name": "y", "op": "add", "inputs": ["h", 1.0]}]),
            "w"
        ),
        ("not_trainable".into(), None)
    );
}

#[test]
fn a_zero_only_because_unconnected_is_zero_gets_a_note_too() {
    let v = run(json!({
        "variables": [{"name": "w", "value": [1.0, 2.0]}, {"name": "u", "value": [5.0]}],
        "graph": [{"name": "y", "op": "reduce_sum", "inputs": ["w"]}],
        "requests": [{"gradient": {"target": "y", "sources": ["w", "u"], "unconnected_gradients": "zero"}},
                     {"jacobian": {"target": "y", "sources": "u"}}]
    }));
    assert_eq!(v["results"][0]["gradient"][1]["value"], json!([0.0]));
    assert_eq!(
        notes_of(&v["results"][0]),
        vec![("u".into(), "not_connected".into(), None)]
    );
    // the tape is not persistent: the Jacobian is an error, with no notes
    assert_eq!(v["results"][1]["error"]["code"], "tape_exhausted");
    assert!(v["results"][1].get("notes").is_none());
}

#[test]
fn a_hessian_of_a_linear_target_is_constant_gradient() {
    // y = sum(3w) + sum(w^2) on a second source: d/dw = 3 does not depend on w (None in
    // TensorFlow); d²/dv² = 2 I
    let v = run(json!({
        "variables": [{"name": "w", "value": [1.0, 2.0]}, {"name": "v", "value": [1.0]}],
        "graph": [{"name": "a", "op": "multiply", "inputs": ["w", 3.0]},
                  {"name": "b", "op": "square", "inputs": ["v"]},
                  {"name": "sa", "op": "reduce_sum", "inputs": ["a"]},
                  {"name": "sb", "op": "reduce_sum", "inputs": ["b"]},
                  {"name": "y", "op": "add", "inputs": ["sa", "sb"]}],
        "requests": [{"hessian": {"target": "y", "sources": ["w", "v"]}},
                     {"jacobian": {"target": "a", "sources": "w"}}]
    }));
    let h = &v["results"][0]["hessian"];
    assert!(h[0].is_null(), "{h}");
    assert_eq!(h[1]["value"], json!([[2.0]]));
    assert_eq!(
        notes_of(&v["results"][0]),
        vec![("w".into(), "constant_gradient".into(), None)]
    );
    // a connected Jacobian has no notes
    assert!(v["results"][1].get("notes").is_none());
}

#[test]
fn the_documented_examples_are_what_the_server_answers() {
    let doc: Value = serde_norway::from_str(include_str!("../../openapi/openapi.yaml")).unwrap();
    let post = &doc["paths"]["/v1/evaluate"]["post"];
    for name in ["why_null", "log_softmax_underflow"] {
        let body =
            post["requestBody"]["content"]["application/json"]["examples"][name]["value"].clone();
        let answer =
            &post["responses"]["200"]["content"]["application/json"]["examples"][name]["value"];
        assert_eq!(&run(body), answer, "{name}");
    }
}

#[test]
fn stop_gradient_on_a_variable_names_the_node() {
    let w = json!([{"name": "w", "value": 2.0}]);
    assert_eq!(
        reason(
            w,
            json!([]),
            json!({}),
            json!([{"name": "s", "op": "stop_gradient", "inputs": ["w"]},
                      {"name": "y", "op": "multiply", "inputs": ["s", 2.0]}]),
            "w"
        ),
        ("stop_gradient".into(), Some("s".into()))
    );
}

#[test]
fn a_break_on_one_of_two_paths_does_not_claim_every_path() {
    // y = round(x) + stop_gradient(x): both paths break, at different nodes, so neither note
    // may say that every path passes through its node; stop_gradient comes first in precedence
    let v = run(json!({
        "variables": [{"name": "x", "value": [0.4, 1.6]}],
        "graph": [{"name": "r", "op": "round", "inputs": ["x"]},
                  {"name": "sg", "op": "stop_gradient", "inputs": ["x"]},
                  {"name": "y", "op": "add", "inputs": ["r", "sg"]}],
        "requests": [{"gradient": {"target": "y", "sources": ["x"]}}]
    }));
    let r = &v["results"][0];
    assert!(r["gradient"][0].is_null(), "{r}");
    let note = &r["notes"][0];
    assert_eq!(note["reason"], "stop_gradient", "{r}");
    let detail = note["detail"].as_str().unwrap();
    assert!(
        detail.starts_with("one path (the others break elsewhere)"),
        "{detail}"
    );

    // y = round(x) * 2: round is on every path
    let v = run(json!({
        "variables": [{"name": "x", "value": [0.4, 1.6]}],
        "graph": [{"name": "r", "op": "round", "inputs": ["x"]},
                  {"name": "y", "op": "multiply", "inputs": ["r", "r"]}],
        "requests": [{"gradient": {"target": "y", "sources": ["x"]}}]
    }));
    let note = &v["results"][0]["notes"][0];
    assert_eq!(note["reason"], "not_differentiable", "{v}");
    assert!(
        note["detail"].as_str().unwrap().starts_with("every path"),
        "{note}"
    );
}
