//! Sessions by id behind bearer tokens, with idle expiry and count/memory bounds.
//!
//! The map sits behind a std `Mutex` held only for lookups (never across an `.await`, never
//! during compute); each session has its own `Mutex`, held for the whole of one call, so
//! concurrent calls on one session are serialized and no assign is lost.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::Session;
use crate::engine::error::{limit_err, Code, Error, Result};
use crate::engine::Limits;

pub struct SessionHandle {
    pub id: String,
    state: Mutex<Session>,
    last_access: Mutex<Instant>,
}

struct Slot {
    token: String,
    handle: Arc<SessionHandle>,
}

pub struct SessionStore {
    slots: Mutex<HashMap<String, Slot>>,
    ttl: Duration,
    max_sessions: usize,
    max_bytes: usize,
    limits: Limits,
}

/// `n` bytes from the operating system's generator, hex-encoded. A failure is an error: a
/// guessable token would hand one student's session to another.
fn random_hex(n: usize) -> Result<String> {
    let mut buf = vec![0u8; n];
    getrandom::fill(&mut buf).map_err(|e| {
        Error::new(
            Code::Internal,
            format!("the operating system's random generator failed ({e}); no session was made"),
        )
    })?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

/// Compares tokens in time independent of where they differ.
fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

pub fn unknown_session() -> Error {
    Error::new(
        Code::NotFound,
        "no such session for this token (it may have expired); create one with POST /v1/sessions and send Authorization: Bearer <token>",
    )
}

impl SessionHandle {
    /// Runs `f` on a copy of the session and keeps the copy only if `f` succeeds and the
    /// session stays within its memory bound: a failed call changes nothing.
    pub fn mutate<T>(
        &self,
        max_bytes: usize,
        f: impl FnOnce(&mut Session) -> Result<T>,
    ) -> Result<T> {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let mut draft = state.clone();
        draft.ws.ctx.start_request();
        let out = f(&mut draft)?;
        let bytes = draft.memory_bytes();
        if bytes > max_bytes {
            return Err(limit_err(format!(
                "this call would make the session hold {bytes} bytes of tensors; the limit max_session_bytes is {max_bytes} (delete tapes or tensors you no longer need)"
            )));
        }
        *state = draft;
        Ok(out)
    }

    pub fn read<T>(&self, f: impl FnOnce(&Session) -> T) -> T {
        let state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        f(&state)
    }

    fn expired(&self, ttl: Duration) -> bool {
        self.last_access
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .elapsed()
            > ttl
    }

    /// Seconds until this session expires if left idle.
    pub fn expires_in(&self, ttl: Duration) -> u64 {
        ttl.saturating_sub(
            self.last_access
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .elapsed(),
        )
        .as_secs()
    }
}

impl SessionStore {
    pub fn new(
        ttl: Duration,
        max_sessions: usize,
        max_bytes: usize,
        limits: Limits,
    ) -> SessionStore {
        SessionStore {
            slots: Mutex::new(HashMap::new()),
            ttl,
            max_sessions,
            max_bytes,
            limits,
        }
    }

    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    pub fn max_bytes(&self) -> usize {
        self.max_bytes
    }

    fn slots(&self) -> std::sync::MutexGuard<'_, HashMap<String, Slot>> {
        self.slots.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A new session: (id, token). Refused with `limit_exceeded` when the store is full.
    pub fn create(&self) -> Result<(Arc<SessionHandle>, String)> {
        self.sweep();
        let mut slots = self.slots();
        if slots.len() >= self.max_sessions {
            return Err(limit_err(format!(
                "the server holds its maximum of {} sessions; delete one you no longer need or retry later",
                self.max_sessions
            )));
        }
        let id = random_hex(12)?;
        let token = random_hex(32)?;
        let handle = Arc::new(SessionHandle {
            id: id.clone(),
            state: Mutex::new(Session::new(self.limits.clone())),
            last_access: Mutex::new(Instant::now()),
        });
        slots.insert(
            id,
            Slot {
                token: token.clone(),
                handle: handle.clone(),
            },
        );
        Ok((handle, token))
    }

    /// The session for `id` if `token` is its token and it has not expired. A wrong token and an
    /// unknown id give the same error, so ids cannot be probed.
    pub fn get(&self, id: &str, token: Option<&str>) -> Result<Arc<SessionHandle>> {
        let mut slots = self.slots();
        let Some(slot) = slots.get(id) else {
            return Err(unknown_session());
        };
        if !token.is_some_and(|t| same_token(t, &slot.token)) {
            return Err(unknown_session());
        }
        if slot.handle.expired(self.ttl) {
            slots.remove(id);
            return Err(unknown_session());
        }
        *slot
            .handle
            .last_access
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = Instant::now();
        Ok(slot.handle.clone())
    }

    pub fn delete(&self, id: &str, token: Option<&str>) -> Result<()> {
        self.get(id, token)?;
        self.slots().remove(id);
        Ok(())
    }

    /// Drops expired sessions (called on create and by a periodic task).
    pub fn sweep(&self) -> usize {
        let mut slots = self.slots();
        let before = slots.len();
        slots.retain(|_, s| !s.handle.expired(self.ttl));
        before - slots.len()
    }

    pub fn len(&self) -> usize {
        self.slots().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_hex_of_the_asked_length() {
        let (a, b) = (random_hex(32).unwrap(), random_hex(32).unwrap());
        assert_eq!(a.len(), 64);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
        // two 256-bit draws collide with probability 2^-256
        assert_ne!(a, b);
        assert!(same_token(&a, &a.clone()) && !same_token(&a, &b));
    }
}
