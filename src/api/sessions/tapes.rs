//! Tape routes: `tf.GradientTape` opened, watched, stopped, deleted, and its gradients and
//! Jacobians.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde_json::json;

use super::super::decode;
use super::super::error::AppError;
use super::super::json::{Json as BodyJson, Obj};
use super::super::notes::attach;
use super::super::AppState;
use super::extract::{names_field, opt_string, AuthedSession, Bind, FromObject, Object, TapeName};
use super::view::{merge, ok, shaped_json, tape_json, Answer};
use super::{with_session, Access};
use crate::engine::{Lit, Names};

/// `with tf.GradientTape(persistent=..., watch_accessed_variables=...) as g:`, `name` being `g`.
pub struct NewTape {
    persistent: bool,
    watch_accessed_variables: bool,
    name: Option<String>,
}

impl FromObject for NewTape {
    const MEMBERS: &'static [&'static str] = &["persistent", "watch_accessed_variables", "name"];
    fn from_object(m: &Obj, _: &AppState) -> Result<Self, AppError> {
        Ok(NewTape {
            name: opt_string(m, "name")?,
            persistent: decode::boolean(m, "persistent", false, "the body")?,
            watch_accessed_variables: decode::boolean(
                m,
                "watch_accessed_variables",
                true,
                "the body",
            )?,
        })
    }
}

pub async fn open_tape(
    State(st): State<AppState>,
    s: AuthedSession,
    Object(b): Object<NewTape>,
) -> Answer {
    let v = with_session(&st, &s, Access::Write, |state| {
        let t = state.open_tape(b.persistent, b.watch_accessed_variables, b.name.as_deref())?;
        tape_json(state, &t)
    })
    .await?;
    ok(StatusCode::CREATED, v)
}

pub async fn delete_tape(
    State(st): State<AppState>,
    s: AuthedSession,
    TapeName(tape): TapeName,
) -> Answer {
    with_session(&st, &s, Access::Write, |state| state.delete_tape(&tape)).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// The names to `g.watch`: `names` (a list) or `name`.
pub struct Watch(Vec<String>);

impl FromObject for Watch {
    const MEMBERS: &'static [&'static str] = &["names", "name"];
    fn from_object(m: &Obj, _: &AppState) -> Result<Self, AppError> {
        match (m.get("names"), m.get("name")) {
            (Some(_), None) => Ok(Watch(
                names_field(m, "names")?
                    .list()
                    .into_iter()
                    .map(String::from)
                    .collect(),
            )),
            (None, Some(n)) => Ok(Watch(vec![decode::string(n, "name")?])),
            _ => Err(AppError::bad_json("give \"names\" (a list) or \"name\"")),
        }
    }
}

pub async fn watch(
    State(st): State<AppState>,
    s: AuthedSession,
    TapeName(tape): TapeName,
    Object(Watch(names)): Object<Watch>,
) -> Answer {
    let v = with_session(&st, &s, Access::Write, |state| {
        state.watch(&tape, &names)?;
        tape_json(state, &tape)
    })
    .await?;
    ok(StatusCode::OK, v)
}

/// A change to one tape's recording: `stop`, `stop_recording`, `resume` or `reset`.
async fn tape_change(
    st: AppState,
    s: AuthedSession,
    tape: String,
    change: fn(&mut crate::sessions::Session, &str) -> crate::engine::Result<()>,
) -> Answer {
    let v = with_session(&st, &s, Access::Write, |state| {
        change(state, &tape)?;
        tape_json(state, &tape)
    })
    .await?;
    ok(StatusCode::OK, v)
}

/// Leaving the tape's `with` block: it stops recording and keeps what it has.
pub async fn stop(State(st): State<AppState>, s: AuthedSession, TapeName(t): TapeName) -> Answer {
    tape_change(st, s, t, |state, t| state.stop(t)).await
}

/// Entering `with g.stop_recording():`.
pub async fn pause(State(st): State<AppState>, s: AuthedSession, TapeName(t): TapeName) -> Answer {
    tape_change(st, s, t, |state, t| state.pause(t)).await
}

/// Leaving `with g.stop_recording():`, or entering `with g:` again.
pub async fn resume(State(st): State<AppState>, s: AuthedSession, TapeName(t): TapeName) -> Answer {
    tape_change(st, s, t, |state, t| state.resume(t)).await
}

/// `g.reset()`.
pub async fn reset(State(st): State<AppState>, s: AuthedSession, TapeName(t): TapeName) -> Answer {
    tape_change(st, s, t, |state, t| state.reset(t)).await
}

/// `g.gradient(target, sources, output_gradients, unconnected_gradients)`, results bound to `bind`.
pub struct Gradient {
    target: Names,
    sources: Names,
    output_gradients: Option<Lit>,
    zero: bool,
    bind: Bind,
    /// `"check"`: the step of a numerical check of the answer, if one was asked.
    check: Option<f64>,
}

impl FromObject for Gradient {
    const MEMBERS: &'static [&'static str] = &[
        "target",
        "sources",
        "output_gradients",
        "unconnected_gradients",
        "bind",
        "check",
    ];
    fn from_object(m: &Obj, st: &AppState) -> Result<Self, AppError> {
        let (target, sources) = (names_field(m, "target")?, names_field(m, "sources")?);
        let output_gradients = m
            .get("output_gradients")
            .filter(|o| !o.is_null())
            .map(|o| decode::lit(o, st.config.limits.max_tensor_elements))
            .transpose()?;
        let zero = decode::unconnected(m, "the body")?;
        let bind = Bind::decode(m, &sources)?;
        Ok(Gradient {
            target,
            sources,
            output_gradients,
            zero,
            bind,
            check: decode::check(m, "body")?,
        })
    }
}

pub async fn gradient(
    State(st): State<AppState>,
    s: AuthedSession,
    TapeName(tape): TapeName,
    Object(b): Object<Gradient>,
) -> Answer {
    let out = with_session(&st, &s, Access::Compute, |state| {
        let (g, notes, check) = crate::sessions::explain::gradient(
            state,
            &tape,
            &b.target,
            &b.sources,
            &b.output_gradients,
            b.zero,
            b.check,
        )?;
        let mut out = json!({"gradient": shaped_json(&g)});
        merge(&mut out, b.bind.apply(state, &b.sources, &g, &notes));
        attach(&mut out, &notes);
        if let Some(c) = &check {
            out["check"] = super::super::notes::check(c);
        }
        Ok(out)
    })
    .await?;
    ok(StatusCode::OK, out)
}

/// `g.jacobian(target, sources)`, or `g.batch_jacobian(target, source)` with `"batch": true`
/// (the older spelling of the `batch_jacobian` route).
pub struct Jacobian {
    target: String,
    sources: Names,
    zero: bool,
    batch: bool,
    bind: Bind,
    check: Option<f64>,
}

impl FromObject for Jacobian {
    const MEMBERS: &'static [&'static str] = &[
        "target",
        "sources",
        "source",
        "unconnected_gradients",
        "batch",
        "bind",
        "check",
    ];
    fn from_object(m: &Obj, _: &AppState) -> Result<Self, AppError> {
        let target = decode::string(m.get("target").unwrap_or(&BodyJson::Null), "target")?;
        let batch = decode::boolean(m, "batch", false, "the body")?;
        let key = if m.contains_key("source") {
            "source"
        } else {
            "sources"
        };
        let sources = names_field(m, key)?;
        let zero = decode::unconnected(m, "the body")?;
        let bind = Bind::decode(m, &sources)?;
        Ok(Jacobian {
            target,
            sources,
            zero,
            batch,
            bind,
            check: decode::check(m, "body")?,
        })
    }
}

/// `g.batch_jacobian(target, source)`: the body of `jacobian`, its one source given as
/// `"sources"` (as `jacobian` takes it) or `"source"` (TensorFlow's argument name).
pub struct BatchJacobian(Jacobian);

impl FromObject for BatchJacobian {
    const MEMBERS: &'static [&'static str] = &[
        "target",
        "sources",
        "source",
        "unconnected_gradients",
        "bind",
        "check",
    ];
    fn from_object(m: &Obj, st: &AppState) -> Result<Self, AppError> {
        let mut j = Jacobian::from_object(m, st)?;
        j.batch = true;
        Ok(BatchJacobian(j))
    }
}

pub async fn batch_jacobian(
    st: State<AppState>,
    s: AuthedSession,
    tape: TapeName,
    Object(BatchJacobian(b)): Object<BatchJacobian>,
) -> Answer {
    jacobian(st, s, tape, Object(b)).await
}

pub async fn jacobian(
    State(st): State<AppState>,
    s: AuthedSession,
    TapeName(tape): TapeName,
    Object(b): Object<Jacobian>,
) -> Answer {
    let key = if b.batch {
        "batch_jacobian"
    } else {
        "jacobian"
    };
    let out = with_session(&st, &s, Access::Compute, |state| {
        let (j, notes, check) = crate::sessions::explain::jacobian(
            state,
            &tape,
            &b.target,
            &b.sources,
            (b.zero, b.batch),
            b.check,
        )?;
        let mut out = json!({key: shaped_json(&j)});
        merge(&mut out, b.bind.apply(state, &b.sources, &j, &notes));
        attach(&mut out, &notes);
        if let Some(c) = &check {
            out["check"] = super::super::notes::check(c);
        }
        Ok(out)
    })
    .await?;
    ok(StatusCode::OK, out)
}
