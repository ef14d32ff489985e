//! The session routes (spec/sessions.md): a TensorFlow eager context kept between calls.
//!
//! A route is its extractors (`AuthedSession` for the id and bearer token, a path name, an
//! `Object<T>` body decoded and allow-listed), one `with_session` call, and its JSON answer.
//! `with_session` is the only place a session's state is fetched and written back.

mod extract;
mod tapes;
mod variables;
mod view;

use axum::http::Method;

use super::error::AppError;
use super::evaluate::compute;
use super::{route, AppState, Route};
use crate::sessions::Session;

pub use extract::AuthedSession;

/// The route table; a new session route is one line here and a handler in its file.
pub fn routes() -> Vec<Route> {
    vec![
        route(Method::POST, "/v1/sessions", variables::create),
        route(Method::GET, "/v1/sessions/{session}", variables::show),
        route(
            Method::DELETE,
            "/v1/sessions/{session}",
            variables::drop_session,
        ),
        route(
            Method::POST,
            "/v1/sessions/{session}/variables",
            variables::create_variable,
        ),
        route(
            Method::GET,
            "/v1/sessions/{session}/variables/{variable}",
            variables::show_variable,
        ),
        route(
            Method::POST,
            "/v1/sessions/{session}/variables/{variable}/assign",
            variables::assign,
        ),
        route(
            Method::POST,
            "/v1/sessions/{session}/graph",
            variables::graph,
        ),
        route(
            Method::GET,
            "/v1/sessions/{session}/tensors/{name}",
            variables::show_tensor,
        ),
        route(
            Method::POST,
            "/v1/sessions/{session}/tapes",
            tapes::open_tape,
        ),
        route(
            Method::DELETE,
            "/v1/sessions/{session}/tapes/{tape}",
            tapes::delete_tape,
        ),
        route(
            Method::POST,
            "/v1/sessions/{session}/tapes/{tape}/watch",
            tapes::watch,
        ),
        route(
            Method::POST,
            "/v1/sessions/{session}/tapes/{tape}/stop",
            tapes::stop,
        ),
        route(
            Method::POST,
            "/v1/sessions/{session}/tapes/{tape}/gradient",
            tapes::gradient,
        ),
        route(
            Method::POST,
            "/v1/sessions/{session}/tapes/{tape}/jacobian",
            tapes::jacobian,
        ),
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
/// state is fetched, locked and written back.
pub async fn with_session<T>(
    st: &AppState,
    s: &AuthedSession,
    access: Access,
    f: impl FnOnce(&mut Session) -> crate::engine::Result<T>,
) -> Result<T, AppError> {
    let max = st.sessions.max_bytes();
    match access {
        Access::Read => Ok(s.handle.read(|state| f(&mut state.clone()))?),
        Access::Write => Ok(s.handle.mutate(max, f)?),
        Access::Compute => compute(st, || Ok(s.handle.mutate(max, f)?)).await,
    }
}
