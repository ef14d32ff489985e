//! Either side of an assignment — numbers, a `/v1/evaluate` program, a cell or a notebook —
//! run to the named values, output and exception that grading compares.

use std::collections::BTreeMap;

use serde_json::{Map, Value as Json};

use super::{Array, Outcome, Raised, Value, Written};
use crate::engine::{Answer, Code, Limits, Shaped, Tensor};

#[derive(Clone, Debug, PartialEq)]
pub enum Source {
    /// A notebook cell's text (the cell subset).
    Cell(String),
    /// An `.ipynb` document: its code cells run in order in one context.
    Notebook(Json),
    /// A `/v1/evaluate` program; a request may carry `"name"` (a list for a list of sources)
    /// to bind its result to names a check can use.
    Program(Json),
    /// Numbers computed elsewhere: names to tensor literals (or `null`).
    Values(Map<String, Json>),
}

impl Source {
    /// `{"cell": ...}`, `{"notebook": ...}`, `{"program": ...}` or `{"values": ...}`. An error
    /// is a predicate that follows the side's name ("the submission is of an unknown kind").
    pub fn from_json(v: &Json) -> Result<Source, String> {
        let m = v.as_object().filter(|m| m.len() == 1).ok_or_else(|| {
            "must be one of {\"cell\": \"...\"}, {\"notebook\": {...}}, {\"program\": {...}}, {\"values\": {...}}".to_string()
        })?;
        let (k, x) = m.iter().next().ok_or("is empty")?;
        match (k.as_str(), x) {
            ("cell", Json::String(s)) => Ok(Source::Cell(s.clone())),
            ("cell", _) => Err("needs \"cell\" to be the cell's text, a string".into()),
            ("notebook", Json::Object(_)) => Ok(Source::Notebook(x.clone())),
            ("notebook", Json::String(s)) => serde_json::from_str(s)
                .map(Source::Notebook)
                .map_err(|e| format!("has a notebook that is not JSON (.ipynb): {e}")),
            ("notebook", _) => Err("needs \"notebook\" to be the .ipynb JSON".into()),
            ("program", Json::Object(_)) => Ok(Source::Program(x.clone())),
            ("program", _) => Err("needs \"program\" to be a /v1/evaluate program object".into()),
            ("values", Json::Object(vals)) => Ok(Source::Values(vals.clone())),
            ("values", _) => {
                Err("needs \"values\" to be an object of names to tensor literals".into())
            }
            (other, _) => Err(format!(
                "is of an unknown kind, \"{other}\"; use cell, notebook, program or values"
            )),
        }
    }

    /// Runs this side. `Err` is why it cannot be run at all (not JSON of the right shape, a
    /// cell that does not parse); an exception while running is `Outcome::error`. `wanted` are
    /// the names the checks compare (a program returns those it defines).
    pub fn run(&self, limits: &Limits, wanted: &[&str]) -> Result<Outcome, String> {
        match self {
            Source::Values(m) => values(m, limits),
            Source::Program(p) => program(p, limits, wanted),
            Source::Cell(text) => super::cells::cell(text, limits, wanted),
            Source::Notebook(nb) => super::cells::notebook(nb, limits, wanted),
        }
    }
}

/// A JSON value as an engine literal.
pub fn lit(v: &Json) -> crate::engine::Lit {
    use crate::engine::Lit;
    match v {
        Json::Null => Lit::Null,
        Json::Bool(b) => Lit::Bool(*b),
        Json::Number(n) => match n.as_i64() {
            Some(i) if !n.is_f64() => Lit::Int(i),
            _ => Lit::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Json::String(s) => Lit::Str(s.clone()),
        Json::Array(a) => Lit::List(a.iter().map(lit).collect()),
        Json::Object(m) => Lit::Map(m.iter().map(|(k, x)| (k.clone(), lit(x))).collect()),
    }
}

fn values(m: &Map<String, Json>, limits: &Limits) -> Result<Outcome, String> {
    let mut out = Outcome::default();
    for (name, v) in m {
        let value = if v.is_null() {
            Value::Null {
                why: None,
                cause: None,
            }
        } else {
            let t = crate::engine::lit::tensor_from_lit(&lit(v), None, limits.max_tensor_elements)
                .map_err(|e| format!("\"{name}\" is not a tensor literal: {}", e.detail))?;
            out.written.insert(name.clone(), written(v));
            Value::Array(Array::from_tensor(&t))
        };
        out.values.insert(name.clone(), value);
    }
    Ok(out)
}

/// How a values literal was written: `{"value": ..., "dtype": ...}` or plain nested lists.
fn written(v: &Json) -> Written {
    let dtype_given = v.get("dtype").is_some_and(|d| !d.is_null());
    let inner = v.get("value").or(v.get("data")).unwrap_or(v);
    let mut text = String::new();
    short(inner, &mut text, &mut 8);
    Written {
        text,
        first: first_number(inner),
        dtype_given,
    }
}

/// A literal as the student wrote it, cut after `budget` numbers: `[[1, 2, 3, ...], ...]`.
fn short(v: &Json, out: &mut String, budget: &mut usize) {
    match v {
        Json::Array(items) => {
            out.push('[');
            for (k, it) in items.iter().enumerate() {
                if k > 0 {
                    out.push_str(", ");
                }
                if *budget == 0 {
                    out.push_str("...");
                    break;
                }
                short(it, out, budget);
            }
            out.push(']');
        }
        _ => {
            *budget = budget.saturating_sub(1);
            out.push_str(&v.to_string());
        }
    }
}

fn first_number(v: &Json) -> Option<String> {
    match v {
        Json::Number(n) => Some(n.to_string()),
        Json::Array(items) => items.iter().find_map(first_number),
        _ => None,
    }
}

/// For each request, the names its result is bound to (if it names any).
type RequestNames = Vec<Option<Vec<String>>>;

/// The names each request binds, and the program without them (the evaluate decoder refuses
/// members it does not know).
fn split_names(p: &Json) -> Result<(Json, RequestNames), String> {
    let mut p = p.clone();
    let mut names = Vec::new();
    if let Some(Json::Array(reqs)) = p.get_mut("requests") {
        for (i, r) in reqs.iter_mut().enumerate() {
            let given = r.as_object_mut().and_then(|o| o.remove("name"));
            names.push(match given {
                None | Some(Json::Null) => None,
                Some(Json::String(s)) => Some(vec![s]),
                Some(Json::Array(a)) => Some(
                    a.iter()
                        .map(|x| x.as_str().map(str::to_string))
                        .collect::<Option<Vec<_>>>()
                        .ok_or(format!(
                            "requests[{i}].name must be a string or a list of strings"
                        ))?,
                ),
                Some(_) => {
                    return Err(format!(
                        "requests[{i}].name must be a string or a list of strings"
                    ))
                }
            });
        }
    }
    Ok((p, names))
}

/// Names the program defines (variables and nodes), so wanted names among them are returned.
fn defined(p: &Json) -> Vec<String> {
    let mut out = Vec::new();
    for part in ["variables", "setup", "graph"] {
        if let Some(Json::Array(items)) = p.get(part) {
            out.extend(
                items
                    .iter()
                    .filter_map(|n| n.get("name")?.as_str().map(str::to_string)),
            );
        }
    }
    out
}

fn program(p: &Json, limits: &Limits, wanted: &[&str]) -> Result<Outcome, String> {
    let (mut p, names) = split_names(p)?;
    let bound: Vec<&String> = names.iter().flatten().flatten().collect();
    let defs = defined(&p);
    if let Some(m) = p.as_object_mut() {
        let outputs = m.entry("outputs").or_insert_with(|| Json::Array(vec![]));
        if let Json::Array(list) = outputs {
            for w in wanted {
                let listed = list.iter().any(|o| o.as_str() == Some(w));
                if !listed && defs.iter().any(|d| d == w) && !bound.iter().any(|b| b == w) {
                    list.push(Json::String(w.to_string()));
                }
            }
        }
    }
    let text = p.to_string();
    let arena = crate::api::json::arena_for(text.as_bytes());
    let tree = crate::api::json::from_str(&text, &arena).map_err(|e| e.to_string())?;
    let (prog, _) =
        crate::api::decode::program(&tree, limits.max_tensor_elements).map_err(|e| e.detail)?;
    let mut out = Outcome::default();
    let ev = match prog.run(limits) {
        Ok(ev) => ev,
        // a program that names an op or a tensor that does not exist is not TensorFlow code
        // that raised: like a cell that does not parse, it cannot run at all
        Err(e) if cannot_run(e.code) => {
            let ops = if e.code == Code::UnknownOp {
                "; GET /v1/ops lists every op"
            } else {
                ""
            };
            return Err(format!("your program cannot run: {}{ops}", e.detail));
        }
        Err(e) => {
            out.error = Some(Raised {
                kind: e.code.as_str().to_string(),
                code: e.code.as_str().to_string(),
                cell: None,
                line: None,
                detail: e.detail,
            });
            return Ok(out);
        }
    };
    for (name, t) in &ev.outputs {
        out.values
            .insert(name.clone(), Value::Array(Array::from_tensor(t)));
    }
    for (answer, names) in ev.results.iter().zip(&names) {
        let Some(names) = names else { continue };
        let tensors: Vec<&Option<Tensor>> = match answer {
            Answer::Gradient(s) | Answer::Jacobian(s) | Answer::Hessian(s) => match s {
                Shaped::One(t) => vec![t],
                Shaped::Many(ts) => ts.iter().collect(),
            },
            Answer::BatchJacobian(t) => vec![t],
            Answer::Error(e) => {
                for n in names {
                    out.failed.insert(
                        n.clone(),
                        Raised {
                            kind: e.code.as_str().to_string(),
                            code: e.code.as_str().to_string(),
                            cell: None,
                            line: None,
                            detail: e.detail.clone(),
                        },
                    );
                }
                continue;
            }
        };
        for (n, t) in names.iter().zip(tensors) {
            let v = match t {
                Some(t) => Value::Array(Array::from_tensor(t)),
                None => Value::Null {
                    why: None,
                    cause: None,
                },
            };
            out.values.insert(n.clone(), v);
        }
    }
    Ok(out)
}

fn cannot_run(code: Code) -> bool {
    matches!(
        code,
        Code::UnknownOp | Code::UnknownTensor | Code::DuplicateName
    )
}

/// Names bound to values, sorted (for "similar names" hints).
pub fn names(values: &BTreeMap<String, Value>) -> impl Iterator<Item = &str> {
    values.keys().map(String::as_str)
}
