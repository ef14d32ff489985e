//! `notes` and `check` on the wire: why a gradient is null, where a NaN began, and the
//! numerical check of a gradient.

use serde_json::{json, Value};

use crate::engine::explain::numcheck::Check;
use crate::engine::explain::Note;

fn number(v: f64) -> Value {
    match serde_json::Number::from_f64(v) {
        Some(n) => Value::Number(n),
        None if v.is_nan() => json!("NaN"),
        None if v > 0.0 => json!("Infinity"),
        None => json!("-Infinity"),
    }
}

pub fn note(n: &Note) -> Value {
    let mut o = serde_json::Map::new();
    if let Some(s) = &n.source {
        o.insert("source".into(), json!(s));
    }
    o.insert("reason".into(), json!(n.reason.as_str()));
    if let Some(node) = &n.node {
        o.insert("node".into(), json!(node));
    }
    o.insert("detail".into(), json!(n.detail));
    if let Some(i) = &n.index {
        o.insert("index".into(), json!(i));
    }
    if let Some(vs) = &n.values {
        let vs: Vec<Value> = vs.iter().map(|v| v.map_or(Value::Null, number)).collect();
        o.insert("values".into(), Value::Array(vs));
    }
    Value::Object(o)
}

pub fn notes(ns: &[Note]) -> Value {
    Value::Array(ns.iter().map(note).collect())
}

/// Adds `"notes"` to a JSON object answer when there are any.
pub fn attach(out: &mut Value, ns: &[Note]) {
    if !ns.is_empty() {
        out["notes"] = notes(ns);
    }
}

pub fn check(c: &Check) -> Value {
    let mut v = json!({
        "max_abs_error": number(c.max_abs_error),
        "max_rel_error": number(c.max_rel_error),
        "eps": c.eps,
        "passed": c.passed,
        "worst_index": c.worst_index,
    });
    if let Some(s) = &c.worst_source {
        v["worst_source"] = json!(s);
    }
    v
}
