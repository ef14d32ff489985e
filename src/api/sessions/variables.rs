//! Session, variable, graph and tensor routes: `tf.Variable`, `assign*`, running nodes.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde_json::{json, Map};

use super::super::decode;
use super::super::error::{ApiCode, AppError};
use super::super::json::Obj;
use super::super::AppState;
use super::extract::{
    opt_string, source, AuthedSession, ClientAddr, FromObject, Object, TensorName, VariableName,
};
use super::view::{merge, ok, session_json, variable_json, Answer};
use super::{with_session, Access};
use crate::engine::dtype::DType;
use crate::engine::lit::unknown_dtype;
use crate::engine::workspace::NodeSpec;
use crate::sessions::{AssignKind, Source};

/// The body of `POST /v1/sessions`: none, or `{}` (it takes no members; anything else is
/// refused as every route's body is).
pub struct NoMembers;

impl FromObject for NoMembers {
    const MEMBERS: &'static [&'static str] = &[];
    fn from_object(_: &Obj, _: &AppState) -> Result<Self, AppError> {
        Ok(NoMembers)
    }
}

pub async fn create(
    State(st): State<AppState>,
    ClientAddr(client): ClientAddr,
    _: Object<NoMembers>,
) -> Answer {
    let created = st.sessions.create(&client).await.map_err(|e| {
        let mut e = AppError::from(e);
        if e.code == ApiCode::Engine(crate::engine::Code::LimitExceeded) {
            e.status = StatusCode::TOO_MANY_REQUESTS;
        }
        e
    })?;
    let ttl = st.sessions.bounds().ttl.as_secs();
    ok(
        StatusCode::CREATED,
        json!({"id": created.id, "token": created.token, "expires_in_seconds": ttl, "ttl_seconds": ttl}),
    )
}

pub async fn show(State(st): State<AppState>, s: AuthedSession) -> Answer {
    let mut v = with_session(&st, &s, Access::Read, |state| session_json(state)).await?;
    merge(
        &mut v,
        // reading the session refreshed its idle expiry to the whole TTL
        json!({"id": s.id, "max_memory_bytes": st.sessions.bounds().max_session_bytes,
               "expires_in_seconds": st.sessions.bounds().ttl.as_secs()}),
    );
    ok(StatusCode::OK, v)
}

pub async fn drop_session(State(st): State<AppState>, s: AuthedSession) -> Answer {
    st.sessions.delete(&s.id, s.token.as_deref()).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `tf.Variable(value, dtype=..., trainable=..., name=...)`, bound to `bind`.
pub struct NewVariable {
    src: Source,
    dtype: Option<DType>,
    trainable: bool,
    name: Option<String>,
    bind: Option<String>,
}

impl FromObject for NewVariable {
    const MEMBERS: &'static [&'static str] =
        &["value", "from", "dtype", "trainable", "name", "bind"];
    fn from_object(m: &Obj, st: &AppState) -> Result<Self, AppError> {
        let src = source(m, st.config.limits.max_tensor_elements)?;
        let dtype = match opt_string(m, "dtype")? {
            Some(d) => Some(DType::parse(&d).ok_or_else(|| AppError::from(unknown_dtype(&d)))?),
            None => None,
        };
        Ok(NewVariable {
            src,
            dtype,
            trainable: decode::boolean(m, "trainable", true, "the body")?,
            name: opt_string(m, "name")?,
            bind: opt_string(m, "bind")?,
        })
    }
}

pub async fn create_variable(
    State(st): State<AppState>,
    s: AuthedSession,
    Object(b): Object<NewVariable>,
) -> Answer {
    let v = with_session(&st, &s, Access::Compute, |state| {
        let vid = state.create_variable(
            &b.src,
            b.dtype,
            b.trainable,
            b.name.as_deref(),
            b.bind.as_deref(),
        )?;
        variable_json(state, &vid)
    })
    .await?;
    ok(StatusCode::CREATED, v)
}

pub async fn show_variable(
    State(st): State<AppState>,
    s: AuthedSession,
    VariableName(var): VariableName,
) -> Answer {
    let v = with_session(&st, &s, Access::Read, |state| variable_json(state, &var)).await?;
    ok(StatusCode::OK, v)
}

/// `assign`, `assign_add` or `assign_sub` of a literal or a session tensor.
pub struct Assign {
    kind: AssignKind,
    src: Source,
}

impl FromObject for Assign {
    const MEMBERS: &'static [&'static str] = &["value", "from", "op"];
    fn from_object(m: &Obj, st: &AppState) -> Result<Self, AppError> {
        let kind = match opt_string(m, "op")?.as_deref() {
            None | Some("assign") => AssignKind::Assign,
            Some("assign_add") => AssignKind::Add,
            Some("assign_sub") => AssignKind::Sub,
            Some(other) => {
                return Err(AppError::bad_json(format!(
                    "\"op\" is \"{other}\"; use assign, assign_add or assign_sub"
                )))
            }
        };
        let src = source(m, st.config.limits.max_tensor_elements)?;
        Ok(Assign { kind, src })
    }
}

pub async fn assign(
    State(st): State<AppState>,
    s: AuthedSession,
    VariableName(var): VariableName,
    Object(b): Object<Assign>,
) -> Answer {
    let v = with_session(&st, &s, Access::Compute, |state| {
        state.assign(&var, b.kind, &b.src)?;
        variable_json(state, &var)
    })
    .await?;
    ok(StatusCode::OK, v)
}

/// Nodes to run, and which bound names to answer with (default: all those bound).
pub struct Graph {
    nodes: Vec<NodeSpec>,
    outputs: Option<Vec<String>>,
}

impl FromObject for Graph {
    const MEMBERS: &'static [&'static str] = &["nodes", "outputs"];
    fn from_object(m: &Obj, st: &AppState) -> Result<Self, AppError> {
        let nodes = decode::nodes(
            m.get("nodes"),
            "nodes",
            st.config.limits.max_tensor_elements,
        )?;
        let outputs = m
            .get("outputs")
            .map(|o| decode::name_list(Some(o), "outputs"))
            .transpose()?;
        Ok(Graph { nodes, outputs })
    }
}

pub async fn graph(
    State(st): State<AppState>,
    s: AuthedSession,
    Object(b): Object<Graph>,
) -> Answer {
    let out = with_session(&st, &s, Access::Compute, |state| {
        let (bound, notes) = crate::sessions::explain::run_graph(state, &b.nodes)?;
        let show = b.outputs.unwrap_or_else(|| bound.clone());
        let mut values = Map::new();
        for n in &show {
            let v = state.ws.value(n).map_err(|e| e.at(Some(n)))?;
            values.insert(n.clone(), super::super::encode::tensor_value(&v.tensor));
        }
        let mut out = json!({"bound": bound, "outputs": values});
        super::super::notes::attach(&mut out, &notes);
        Ok(out)
    })
    .await?;
    ok(StatusCode::OK, out)
}

pub async fn show_tensor(
    State(st): State<AppState>,
    s: AuthedSession,
    TensorName(name): TensorName,
) -> Answer {
    let t = with_session(&st, &s, Access::Read, |state| {
        // an unknown name is not found here, as an unknown variable or tape is
        let v = state.ws.value(&name).map_err(|e| match e.code {
            crate::engine::Code::UnknownTensor => crate::engine::Error::new(
                crate::engine::Code::NotFound,
                format!("this session has no tensor or variable \"{name}\"; GET /v1/sessions/{{session}} lists what it holds"),
            ),
            _ => e,
        })?;
        Ok(v.tensor.clone())
    })
    .await?;
    let mut out = json!({"name": name});
    merge(&mut out, super::super::encode::tensor_value(&t));
    ok(StatusCode::OK, out)
}
