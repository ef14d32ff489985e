//! Sessions: a TensorFlow eager context kept on the server between calls.
//!
//! - `session`: the context itself (variables, named tensors, tapes) and what can be done to
//!   it, as plain serializable data over the engine's `Workspace`. No HTTP.
//! - `store`: sessions by id behind bearer tokens, idle expiry, and the count/memory bounds.

pub mod explain;
pub mod session;
pub mod store;

pub use session::{AssignKind, Session, Source};
pub use store::{SessionHandle, SessionStore};
