//! The JSON a session route answers with: variables, tapes, tensors and results.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::super::encode::tensor_value;
use super::super::error::AppError;
use crate::engine::workspace::Binding;
use crate::engine::{Result, Shaped, Val};
use crate::sessions::Session;

pub type Answer = std::result::Result<Response, AppError>;

pub fn ok(status: StatusCode, v: Value) -> Answer {
    Ok((status, Json(v)).into_response())
}

fn maybe_json(v: &Option<Val>) -> Value {
    v.as_ref()
        .map(|v| tensor_value(&v.tensor))
        .unwrap_or(Value::Null)
}

/// A result laid out as its sources were asked: a value (or null), or a list of them.
pub fn shaped_json(s: &Shaped<Option<Val>>) -> Value {
    match s {
        Shaped::One(v) => maybe_json(v),
        Shaped::Many(vs) => Value::Array(vs.iter().map(maybe_json).collect()),
    }
}

/// `into` with `from`'s members added (both objects).
pub fn merge(into: &mut Value, from: Value) {
    if let (Value::Object(a), Value::Object(b)) = (into, from) {
        a.extend(b);
    }
}

/// A variable by id or bound name: its id, name, the names bound to it, trainable, value.
pub fn variable_json(s: &Session, key: &str) -> Result<Value> {
    let (id, v) = s.variable(key)?;
    Ok(variable_body(s, &id, v))
}

/// A variable by its id (which a name bound to something else may hide from `variable_json`).
fn variable_body(s: &Session, id: &str, v: &crate::engine::workspace::Variable) -> Value {
    let names: Vec<&str> =
        s.ws.names()
            .filter(|(_, b)| matches!(b, Binding::Variable(i) if *i == id))
            .map(|(n, _)| n.as_str())
            .collect();
    let mut out =
        json!({"id": id, "name": v.given_name(), "bound_to": names, "trainable": v.trainable});
    merge(&mut out, tensor_value(&v.val.tensor));
    out
}

pub fn tape_json(s: &Session, id: &str) -> Result<Value> {
    let t =
        s.ws.ctx
            .tape(s.tape_index(id)?)
            .expect("indexed tapes exist");
    Ok(
        json!({"id": id, "persistent": t.persistent, "watch_accessed_variables": t.watch_accessed_variables,
              "recording": t.recording, "exhausted": t.exhausted, "entries": t.entries()}),
    )
}

/// What the session holds (its id and expiry are the caller's to add).
pub fn session_json(s: &Session) -> Result<Value> {
    let variables: Vec<Value> =
        s.ws.variables()
            .map(|(vid, v)| variable_body(s, vid, v))
            .collect();
    let mut tensors: Vec<Value> =
        s.ws.names()
            .filter_map(|(n, b)| match b {
                Binding::Tensor(v) => Some(
                    json!({"name": n, "dtype": v.tensor.dtype().name(), "shape": v.tensor.shape()}),
                ),
                _ => None,
            })
            .collect();
    tensors.sort_by(|a, b| a["name"].as_str().cmp(&b["name"].as_str()));
    let mut none: Vec<&str> =
        s.ws.names()
            .filter(|(_, b)| matches!(b, Binding::None))
            .map(|(n, _)| n.as_str())
            .collect();
    none.sort();
    let tapes = s
        .tapes()
        .map(|(tid, _)| tape_json(s, tid))
        .collect::<Result<Vec<_>>>()?;
    Ok(
        json!({"variables": variables, "tensors": tensors, "bound_to_none": none, "tapes": tapes,
              "memory_bytes": s.memory_bytes()}),
    )
}
