//! Sessions: a TensorFlow eager context kept on the server between calls.
//!
//! - `session`: the context itself (variables, named tensors, tapes) and what can be done to
//!   it, as plain serializable data over the engine's `Workspace`. No HTTP.
//! - `kernel`: the session as a notebook kernel (`POST /v1/sessions/{id}/cells`); `kept`: the
//!   values it keeps between cells, shared objects once (`kernel_v3`: as format 3 kept them).
//! - `none_why`: why a name is bound to None, said where the name is used.
//! - `codec`: a session's whole state as versioned bytes (for a shared store).
//! - `store`: the one interface every store implements, and `SessionStore`, which applies
//!   tokens, leases, idempotent replies and the bounds over it.
//! - `memory`, `redis`: the two stores (one process; or every replica, across restarts).

pub mod codec;
pub mod explain;
pub mod kept;
pub mod kernel;
mod kernel_v3;
pub mod memory;
pub mod none_why;
pub mod redis;
pub mod session;
pub mod store;

pub use session::{AssignKind, Session, Source};
pub use store::{Backend, Bounds, Reply, SessionStore, Snapshot, StoreError};
