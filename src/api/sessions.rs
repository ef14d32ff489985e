//! The session routes (walked through in openapi/README.md): a TensorFlow eager context
//! kept between calls.
//!
//! A route is its extractors (`AuthedSession` for the id and bearer token, a path name, an
//! `Object<T>` body decoded and allow-listed), one `with_session` call, and its JSON answer.
//! `with_session` is the only place a session's state is fetched and written back.

mod cells;
mod extract;
mod tapes;
mod variables;
mod view;

use axum::http::Method;

use super::error::AppError;
use super::evaluate::compute;
use super::{route, AppState, Route};
use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::sessions::store::Mutated;
use crate::sessions::{Reply, Session};

pub use extract::AuthedSession;

/// The route table; a new session route is one line here and a handler in its file.
#[rustfmt::skip]
pub fn routes() -> Vec<Route> {
    use Method as M;
    vec![
        route(M::POST,   "/v1/sessions",                                          variables::create),
        route(M::GET,    "/v1/sessions/{session}",                                variables::show),
        route(M::DELETE, "/v1/sessions/{session}",                                variables::drop_session),
        route(M::POST,   "/v1/sessions/{session}/variables",                      variables::create_variable),
        route(M::GET,    "/v1/sessions/{session}/variables/{variable}",           variables::show_variable),
        route(M::POST,   "/v1/sessions/{session}/variables/{variable}/assign",    variables::assign),
        route(M::POST,   "/v1/sessions/{session}/graph",                          variables::graph),
        route(M::POST,   "/v1/sessions/{session}/cells",                          cells::run_cell),
        route(M::GET,    "/v1/sessions/{session}/tensors/{name}",                 variables::show_tensor),
        route(M::POST,   "/v1/sessions/{session}/tapes",                          tapes::open_tape),
        route(M::DELETE, "/v1/sessions/{session}/tapes/{tape}",                   tapes::delete_tape),
        route(M::POST,   "/v1/sessions/{session}/tapes/{tape}/watch",             tapes::watch),
        route(M::POST,   "/v1/sessions/{session}/tapes/{tape}/stop",              tapes::stop),
        route(M::POST,   "/v1/sessions/{session}/tapes/{tape}/stop_recording",    tapes::pause),
        route(M::POST,   "/v1/sessions/{session}/tapes/{tape}/resume",            tapes::resume),
        route(M::POST,   "/v1/sessions/{session}/tapes/{tape}/reset",             tapes::reset),
        route(M::POST,   "/v1/sessions/{session}/tapes/{tape}/batch_jacobian",    tapes::batch_jacobian),
        route(M::POST,   "/v1/sessions/{session}/tapes/{tape}/gradient",          tapes::gradient),
        route(M::POST,   "/v1/sessions/{session}/tapes/{tape}/jacobian",          tapes::jacobian),
    ]
}

/// What a call does to the session, which decides how it is fetched and kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Looks only: `f` runs on a snapshot and nothing is written back.
    Read,
    /// Changes the session with light work (tape bookkeeping) on the async worker.
    Write,
    /// Changes the session with engine work, run under the compute bound (`evaluate::compute`).
    Compute,
}

/// Runs `f` against the session and, for `Write` and `Compute`, keeps its changes only if `f`
/// succeeds and the session stays within its memory bound. This is the one place a session's
/// state is fetched, leased and written back (`SessionStore`, in memory or Redis): calls on one
/// session apply one at a time across every replica, and a call resent with its
/// `Idempotency-Key` gets its first answer back instead of running again.
pub async fn with_session<T>(
    st: &AppState,
    s: &AuthedSession,
    access: Access,
    f: impl FnOnce(&mut Session) -> crate::engine::Result<T>,
) -> Result<T, AppError>
where
    T: Serialize + DeserializeOwned,
{
    let token = s.token.as_deref();
    if access == Access::Read {
        let snap = st.sessions.read(&s.id, token).await?;
        let mut state = Arc::unwrap_or_clone(snap.session);
        return Ok(f(&mut state).map_err(|e| state.explain_none(e))?);
    }
    let key = s.idempotency_key.as_deref();
    let done = st
        .sessions
        .mutate(&s.id, token, key, |mut state| async move {
            let run = || {
                let out = f(&mut state).map_err(|e| state.explain_none(e))?;
                // The answer is kept (as JSON) only for a call that may be resent.
                let reply = match key {
                    Some(_) => Some(Reply {
                        status: 200,
                        body: serde_json::to_vec(&out)
                            .map_err(|e| AppError::bad_json(e.to_string()))?,
                    }),
                    None => None,
                };
                Ok((out, reply))
            };
            let (out, reply) = match access {
                Access::Compute => compute(st, run).await?,
                _ => run()?,
            };
            Ok::<_, AppError>((state, out, reply))
        })
        .await?;
    match done {
        Mutated::Fresh(out) => Ok(out),
        Mutated::Replay(r) => serde_json::from_slice(&r.body).map_err(|e| {
            AppError::from(crate::engine::Error::new(
                crate::engine::Code::Internal,
                format!("the kept answer to this Idempotency-Key does not read back: {e}"),
            ))
        }),
    }
}
