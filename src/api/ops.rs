//! `GET /v1/ops` and `GET /v1/ops/{op}`: the op reference, read from the engine's registry
//! (TensorFlow paths, tensor inputs in order, attributes with types and defaults, dtypes,
//! differentiability). The same table is in the OpenAPI document, checked by the tests.

use std::sync::OnceLock;

use axum::http::{header, Method};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use super::error::AppError;
use super::path::Segment;
use super::{route, Route};
use crate::engine::ops::registry::{self, OpDef, Param, ParamDefault, ParamKind, Support};

pub fn routes() -> Vec<Route> {
    vec![
        route(Method::GET, "/v1/ops", list),
        route(Method::GET, "/v1/ops/{op}", one),
    ]
}

async fn list() -> Response {
    static BODY: OnceLock<String> = OnceLock::new();
    let body = BODY.get_or_init(|| {
        let ops: Vec<Value> = registry::all().iter().map(describe).collect();
        json!({ "ops": ops }).to_string()
    });
    ([(header::CONTENT_TYPE, "application/json")], body.as_str()).into_response()
}

async fn one(Segment(op): Segment) -> Result<axum::Json<Value>, AppError> {
    match registry::lookup(&op) {
        Some(def) => Ok(axum::Json(describe(def))),
        None => Err(AppError::not_found(format!(
            "no op \"{op}\"; GET /v1/ops lists every op"
        ))),
    }
}

/// TensorFlow's default as JSON (`null` for Python's `None`).
fn default_json(d: ParamDefault) -> Value {
    match d {
        ParamDefault::Required | ParamDefault::None => Value::Null,
        ParamDefault::Bool(b) => json!(b),
        ParamDefault::Int(i) => json!(i),
        ParamDefault::Float(f) => json!(f),
        ParamDefault::DType(d) => json!(d.name()),
        ParamDefault::Str(s) => json!(s),
    }
}

/// TensorFlow's own signature under the op's first path.
pub fn signature(def: &OpDef) -> String {
    def.signature(def.paths.first().copied().unwrap_or(def.name))
}

fn support(p: &Param) -> &'static str {
    match p.support {
        Support::Full => "full",
        Support::DefaultOnly => "default_only",
        Support::Extension => "extension",
    }
}

pub fn describe(def: &OpDef) -> Value {
    let inputs: Vec<Value> = def
        .tensor_params()
        .map(|p| json!({"name": p.name, "list": p.kind == ParamKind::TensorList}))
        .collect();
    let attributes: Vec<Value> = def
        .params
        .iter()
        .filter_map(|p| match p.kind {
            ParamKind::Attr(kind) => Some(json!({
                "name": p.name,
                "type": kind.as_str(),
                "required": p.default == ParamDefault::Required,
                "default": default_json(p.default),
                "support": support(p),
            })),
            _ => None,
        })
        .collect();
    json!({
        "name": def.name,
        "family": def.family.as_str(),
        "summary": def.summary,
        "signature": signature(def),
        "paths": def.paths,
        "aliases": def.aliases,
        "inputs": inputs,
        "attributes": attributes,
        "takes_name": def.takes_name(),
        "dtypes": def.dtypes.iter().map(|d| d.name()).collect::<Vec<_>>(),
        "differentiable": def.differentiable,
    })
}

/// The op table in the OpenAPI document (`GET /v1/ops`' description), one row per op.
pub fn markdown_table() -> String {
    let mut out = String::from(
        "| op | \"inputs\", in order | TensorFlow signature | dtypes | gradient |\n|---|---|---|---|---|\n",
    );
    for def in registry::all() {
        let inputs: Vec<&str> = def.tensor_params().map(|p| p.name).collect();
        let dtypes: Vec<&str> = def.dtypes.iter().map(|d| d.name()).collect();
        out.push_str(&format!(
            "| `{}` | {} | `{}` | {} | {} |\n",
            def.name,
            inputs.join(", "),
            signature(def),
            dtypes.join(", "),
            if def.differentiable { "yes" } else { "no" }
        ));
    }
    out
}
