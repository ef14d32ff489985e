//! The session routes (spec/sessions.md): a TensorFlow eager context kept between calls.
//! Handlers extract, call `sessions::Session`, and map to JSON; every call but create needs
//! `Authorization: Bearer <token>`.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};

// Bodies as read (`super::json`); `axum::Json` is the answer side.
use super::json::{Json as BodyJson, Obj};

use super::decode;
use super::encode::tensor_value;
use super::error::AppError;
use super::evaluate::compute;
use super::{route, AppState, Route};
use crate::engine::dtype::DType;
use crate::engine::{Names, Shaped, Tensor, Val};
use crate::sessions::{AssignKind, Session, SessionHandle, Source};

pub fn routes() -> Vec<Route> {
    vec![
        route(Method::POST, "/v1/sessions", create),
        route(Method::GET, "/v1/sessions/{session}", show),
        route(Method::DELETE, "/v1/sessions/{session}", drop_session),
        route(
            Method::POST,
            "/v1/sessions/{session}/variables",
            create_variable,
        ),
        route(
            Method::GET,
            "/v1/sessions/{session}/variables/{variable}",
            show_variable,
        ),
        route(
            Method::POST,
            "/v1/sessions/{session}/variables/{variable}/assign",
            assign,
        ),
        route(Method::POST, "/v1/sessions/{session}/tapes", open_tape),
        route(
            Method::DELETE,
            "/v1/sessions/{session}/tapes/{tape}",
            delete_tape,
        ),
        route(
            Method::POST,
            "/v1/sessions/{session}/tapes/{tape}/watch",
            watch,
        ),
        route(
            Method::POST,
            "/v1/sessions/{session}/tapes/{tape}/stop",
            stop,
        ),
        route(
            Method::POST,
            "/v1/sessions/{session}/tapes/{tape}/gradient",
            gradient,
        ),
        route(
            Method::POST,
            "/v1/sessions/{session}/tapes/{tape}/jacobian",
            jacobian,
        ),
        route(Method::POST, "/v1/sessions/{session}/graph", graph),
        route(
            Method::GET,
            "/v1/sessions/{session}/tensors/{name}",
            show_tensor,
        ),
    ]
}

type Answer = Result<Response, AppError>;

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

fn session(st: &AppState, id: &str, headers: &HeaderMap) -> Result<Arc<SessionHandle>, AppError> {
    Ok(st.sessions.get(id, bearer(headers))?)
}

fn tensor_json(t: &Tensor) -> Value {
    tensor_value(t)
}

fn maybe_json(v: &Option<Val>) -> Value {
    v.as_ref().map(|v| tensor_json(&v.t)).unwrap_or(Value::Null)
}

fn shaped_json(s: &Shaped<Option<Val>>) -> Value {
    match s {
        Shaped::One(v) => maybe_json(v),
        Shaped::Many(vs) => Value::Array(vs.iter().map(maybe_json).collect()),
    }
}

fn variable_json(s: &Session, key: &str) -> Result<Value, AppError> {
    let (id, v) = s.variable(key)?;
    let names: Vec<&String> = s
        .ws
        .names()
        .filter(|(_, b)| matches!(b, crate::engine::workspace::Binding::Variable(i) if *i == id))
        .map(|(n, _)| n)
        .collect();
    let mut out = json!({"id": id, "name": v.name, "bound_to": names, "trainable": v.trainable});
    merge(&mut out, tensor_json(&v.val.t));
    Ok(out)
}

fn tape_json(s: &Session, id: &str) -> Result<Value, AppError> {
    let t =
        s.ws.ctx
            .tape(s.tape_index(id)?)
            .expect("indexed tapes exist");
    Ok(
        json!({"id": id, "persistent": t.persistent, "watch_accessed_variables": t.watch_accessed_variables,
              "recording": t.recording, "exhausted": t.exhausted, "entries": t.entries()}),
    )
}

fn merge(into: &mut Value, from: Value) {
    if let (Value::Object(a), Value::Object(b)) = (into, from) {
        a.extend(b);
    }
}

fn ok(status: StatusCode, v: Value) -> Answer {
    Ok((status, Json(v)).into_response())
}

/// A JSON object body (an empty body reads as `{}`), holding only the members `allowed`.
async fn object_body(
    st: &AppState,
    body: Body,
    allowed: &[&str],
) -> Result<Obj<'static>, AppError> {
    let bytes = super::body::read(body, st.config.max_body_bytes).await?;
    let m = if bytes.iter().all(u8::is_ascii_whitespace) {
        Obj::default()
    } else {
        match super::body::parse(&bytes)? {
            BodyJson::Obj(m) => m.into_owned(),
            _ => return Err(AppError::bad_json("the body must be a JSON object")),
        }
    };
    decode::only(&m, allowed, "the body")?;
    Ok(m)
}

/// `value` (a literal) or `from` (a session tensor's name).
fn source(m: &Obj, max: usize) -> Result<Source, AppError> {
    match (m.get("value"), m.get("from")) {
        (Some(v), None) => Ok(Source::Literal(decode::lit(v, max)?)),
        (None, Some(f)) => Ok(Source::Tensor(decode::string(f, "from")?)),
        _ => Err(AppError::bad_json("give exactly one of \"value\" (a tensor literal) or \"from\" (the name of a session tensor)")),
    }
}

fn opt_string(m: &Obj, key: &str) -> Result<Option<String>, AppError> {
    m.get(key)
        .filter(|v| !v.is_null())
        .map(|v| decode::string(v, key))
        .transpose()
}

fn names_field(m: &Obj, key: &str) -> Result<Names, AppError> {
    match m.get(key) {
        Some(BodyJson::Str(s)) => Ok(Names::One(s.to_string())),
        Some(BodyJson::List(a)) => Ok(Names::Many(
            a.iter()
                .map(|x| decode::string(x, key))
                .collect::<Result<_, _>>()?,
        )),
        _ => Err(AppError::bad_json(format!(
            "\"{key}\" must be a name or a list of names"
        ))),
    }
}

/// Binds non-null results to the names in `bind` (a name, or a list mirroring the sources).
fn bind(s: &mut Session, m: &Obj, result: &Shaped<Option<Val>>) -> Result<Vec<String>, AppError> {
    let Some(b) = m.get("bind").filter(|v| !v.is_null()) else {
        return Ok(vec![]);
    };
    let pairs: Vec<(String, &Option<Val>)> = match (b, result) {
        (BodyJson::Str(n), Shaped::One(v)) => vec![(n.to_string(), v)],
        (BodyJson::List(ns), Shaped::Many(vs)) if ns.len() == vs.len() => ns
            .iter()
            .map(|n| decode::string(n, "bind"))
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .zip(vs)
            .collect(),
        _ => return Err(AppError::bad_json(
            "\"bind\" must mirror \"sources\": a name for one source, a list of names for a list",
        )),
    };
    let mut bound = vec![];
    for (n, v) in pairs {
        if let Some(v) = v {
            s.bind(&n, v.clone());
            bound.push(n);
        }
    }
    Ok(bound)
}

async fn create(State(st): State<AppState>) -> Answer {
    let (handle, token) = st.sessions.create().map_err(|e| {
        let mut e = AppError::from(e);
        e.status = StatusCode::TOO_MANY_REQUESTS;
        e
    })?;
    let ttl = st.sessions.ttl().as_secs();
    ok(
        StatusCode::CREATED,
        json!({"id": handle.id, "token": token, "expires_in_seconds": ttl, "ttl_seconds": ttl}),
    )
}

async fn show(State(st): State<AppState>, Path(id): Path<String>, headers: HeaderMap) -> Answer {
    let h = session(&st, &id, &headers)?;
    let ttl = st.sessions.ttl();
    let v = h.read(|s| -> Result<Value, AppError> {
        let variables =
            s.ws.variables()
                .map(|(vid, _)| variable_json(s, vid))
                .collect::<Result<Vec<_>, _>>()?;
        let mut tensors: Vec<Value> =
            s.ws.names()
                .filter_map(|(n, b)| match b {
                    crate::engine::workspace::Binding::Tensor(v) => {
                        Some(json!({"name": n, "dtype": v.t.dtype().name(), "shape": v.t.shape()}))
                    }
                    _ => None,
                })
                .collect();
        tensors.sort_by(|a, b| a["name"].as_str().cmp(&b["name"].as_str()));
        let tapes = s
            .tapes()
            .map(|(tid, _)| tape_json(s, tid))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(
            json!({"id": h.id, "variables": variables, "tensors": tensors, "tapes": tapes,
                  "memory_bytes": s.memory_bytes(), "max_memory_bytes": st.sessions.max_bytes(),
                  "expires_in_seconds": h.expires_in(ttl)}),
        )
    })?;
    ok(StatusCode::OK, v)
}

async fn drop_session(
    State(st): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Answer {
    st.sessions.delete(&id, bearer(&headers))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn create_variable(
    State(st): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Answer {
    let h = session(&st, &id, &headers)?;
    let m = object_body(
        &st,
        body,
        &["value", "from", "dtype", "trainable", "name", "bind"],
    )
    .await?;
    let src = source(&m, st.config.limits.max_tensor_elements)?;
    let dtype = match opt_string(&m, "dtype")? {
        Some(d) => Some(
            DType::parse(&d)
                .ok_or_else(|| AppError::from(crate::engine::lit::unknown_dtype(&d)))?,
        ),
        None => None,
    };
    let trainable = decode::boolean(&m, "trainable", true, "the body")?;
    let (name, bind) = (opt_string(&m, "name")?, opt_string(&m, "bind")?);
    let max = st.sessions.max_bytes();
    let v = compute(&st, move || {
        h.mutate(max, |s| {
            let vid =
                s.create_variable(&src, dtype, trainable, name.as_deref(), bind.as_deref())?;
            Ok(variable_json(s, &vid))
        })?
    })
    .await?;
    ok(StatusCode::CREATED, v)
}

async fn show_variable(
    State(st): State<AppState>,
    Path((id, var)): Path<(String, String)>,
    headers: HeaderMap,
) -> Answer {
    let h = session(&st, &id, &headers)?;
    ok(StatusCode::OK, h.read(|s| variable_json(s, &var))?)
}

async fn assign(
    State(st): State<AppState>,
    Path((id, var)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Answer {
    let h = session(&st, &id, &headers)?;
    let m = object_body(&st, body, &["value", "from", "op"]).await?;
    let kind = match opt_string(&m, "op")?.as_deref() {
        None | Some("assign") => AssignKind::Assign,
        Some("assign_add") => AssignKind::Add,
        Some("assign_sub") => AssignKind::Sub,
        Some(other) => {
            return Err(AppError::bad_json(format!(
                "\"op\" is \"{other}\"; use assign, assign_add or assign_sub"
            )))
        }
    };
    let src = source(&m, st.config.limits.max_tensor_elements)?;
    let max = st.sessions.max_bytes();
    let v = compute(&st, move || {
        h.mutate(max, |s| {
            s.assign(&var, kind, &src)?;
            Ok(variable_json(s, &var))
        })?
    })
    .await?;
    ok(StatusCode::OK, v)
}

async fn open_tape(
    State(st): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Answer {
    let h = session(&st, &id, &headers)?;
    let m = object_body(&st, body, &["persistent", "watch_accessed_variables"]).await?;
    let persistent = decode::boolean(&m, "persistent", false, "the body")?;
    let wav = decode::boolean(&m, "watch_accessed_variables", true, "the body")?;
    let v = h.mutate(st.sessions.max_bytes(), |s| {
        let t = s.open_tape(persistent, wav);
        Ok(tape_json(s, &t))
    })??;
    ok(StatusCode::CREATED, v)
}

async fn watch(
    State(st): State<AppState>,
    Path((id, tape)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Answer {
    let h = session(&st, &id, &headers)?;
    let m = object_body(&st, body, &["names", "name"]).await?;
    let names = match (m.get("names"), m.get("name")) {
        (Some(_), None) => names_field(&m, "names")?
            .list()
            .into_iter()
            .map(String::from)
            .collect::<Vec<_>>(),
        (None, Some(n)) => vec![decode::string(n, "name")?],
        _ => return Err(AppError::bad_json("give \"names\" (a list) or \"name\"")),
    };
    let v = h.mutate(st.sessions.max_bytes(), |s| {
        s.watch(&tape, &names)?;
        Ok(tape_json(s, &tape))
    })??;
    ok(StatusCode::OK, v)
}

async fn stop(
    State(st): State<AppState>,
    Path((id, tape)): Path<(String, String)>,
    headers: HeaderMap,
) -> Answer {
    let h = session(&st, &id, &headers)?;
    let v = h.mutate(st.sessions.max_bytes(), |s| {
        s.stop(&tape)?;
        Ok(tape_json(s, &tape))
    })??;
    ok(StatusCode::OK, v)
}

async fn delete_tape(
    State(st): State<AppState>,
    Path((id, tape)): Path<(String, String)>,
    headers: HeaderMap,
) -> Answer {
    let h = session(&st, &id, &headers)?;
    h.mutate(usize::MAX, |s| s.delete_tape(&tape))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn graph(
    State(st): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Answer {
    let h = session(&st, &id, &headers)?;
    let m = object_body(&st, body, &["nodes", "outputs"]).await?;
    let nodes = decode::nodes(
        m.get("nodes"),
        "nodes",
        st.config.limits.max_tensor_elements,
    )?;
    let outputs = m
        .get("outputs")
        .map(|o| decode::name_list(Some(o), "outputs"))
        .transpose()?;
    let max = st.sessions.max_bytes();
    let out = compute(&st, move || {
        Ok(h.mutate(max, |s| {
            let (bound, notes) = crate::sessions::explain::run_graph(s, &nodes)?;
            let show = outputs.unwrap_or_else(|| bound.clone());
            let mut values = Map::new();
            for n in &show {
                values.insert(
                    n.clone(),
                    tensor_json(&s.ws.value(n).map_err(|e| e.at(Some(n)))?.t),
                );
            }
            let mut out = json!({"bound": bound, "outputs": values});
            if !notes.is_empty() {
                out["notes"] = super::notes::notes(&notes);
            }
            Ok(out)
        })?)
    })
    .await?;
    ok(StatusCode::OK, out)
}

async fn show_tensor(
    State(st): State<AppState>,
    Path((id, name)): Path<(String, String)>,
    headers: HeaderMap,
) -> Answer {
    let h = session(&st, &id, &headers)?;
    let v = h.read(|s| s.ws.value(&name).map(|v| v.t.clone()))?;
    let mut out = json!({"name": name});
    merge(&mut out, tensor_json(&v));
    ok(StatusCode::OK, out)
}

async fn gradient(
    State(st): State<AppState>,
    Path((id, tape)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Answer {
    let h = session(&st, &id, &headers)?;
    let m = object_body(
        &st,
        body,
        &[
            "target",
            "sources",
            "output_gradients",
            "unconnected_gradients",
            "bind",
        ],
    )
    .await?;
    let (target, sources) = (names_field(&m, "target")?, names_field(&m, "sources")?);
    let og = m
        .get("output_gradients")
        .filter(|o| !o.is_null())
        .map(|o| decode::lit(o, st.config.limits.max_tensor_elements))
        .transpose()?;
    let zero = decode::unconnected(&m, "the body")?;
    let max = st.sessions.max_bytes();
    let out = compute(&st, move || {
        Ok(h.mutate(max, |s| {
            let (g, notes) =
                crate::sessions::explain::gradient(s, &tape, &target, &sources, &og, zero)?;
            let bound = bind(s, &m, &g).map_err(|e| e.error)?;
            let mut out = json!({"gradient": shaped_json(&g), "bound": bound});
            if !notes.is_empty() {
                out["notes"] = super::notes::notes(&notes);
            }
            Ok(out)
        })?)
    })
    .await?;
    ok(StatusCode::OK, out)
}

async fn jacobian(
    State(st): State<AppState>,
    Path((id, tape)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Answer {
    let h = session(&st, &id, &headers)?;
    let m = object_body(
        &st,
        body,
        &[
            "target",
            "sources",
            "source",
            "unconnected_gradients",
            "batch",
            "bind",
        ],
    )
    .await?;
    let target = decode::string(m.get("target").unwrap_or(&BodyJson::Null), "target")?;
    let batch = decode::boolean(&m, "batch", false, "the body")?;
    let sources = names_field(
        &m,
        if m.contains_key("source") {
            "source"
        } else {
            "sources"
        },
    )?;
    let zero = decode::unconnected(&m, "the body")?;
    let max = st.sessions.max_bytes();
    let key = if batch { "batch_jacobian" } else { "jacobian" };
    let out = compute(&st, move || {
        Ok(h.mutate(max, |s| {
            let (j, notes) = if batch {
                (s.jacobian(&tape, &target, &sources, zero, batch)?, Vec::new())
            } else {
                crate::sessions::explain::jacobian(s, &tape, &target, &sources, zero)?
            };
            let bound = bind(s, &m, &j).map_err(|e| e.error)?;
            let mut out = json!({key: shaped_json(&j), "bound": bound});
            if !notes.is_empty() {
                out["notes"] = super::notes::notes(&notes);
            }
            Ok(out)
        })?)
    })
    .await?;
    ok(StatusCode::OK, out)
}
