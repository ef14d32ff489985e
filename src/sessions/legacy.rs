//! The in-process store the API uses until it moves onto `store::SessionStore`.
//!
//! The map sits behind a std `Mutex` held only for lookups (never across an `.await`, never
//! during compute); each session has its own `Mutex`, held for the whole of one call, so
//! concurrent calls on one session are serialized and no assign is lost.

use std::collections::HashMap;
use std::io::Read;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

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

/// 32 bytes from the OS generator, hex-encoded.
fn random_hex(n: usize) -> String {
    let mut buf = vec![0u8; n];
    let filled = std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut buf));
    if filled.is_err() {
        // No /dev/urandom: fall back to hashing time and addresses (never expected on Linux).
        let seed = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        for (i, b) in buf.iter_mut().enumerate() {
            *b = ((seed >> ((i % 16) * 8)) as u8) ^ (i as u8).wrapping_mul(151);
        }
    }
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

/// Compares tokens in time independent of where they differ.
fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

pub fn legacy_unknown_session() -> Error {
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
        let id = random_hex(12);
        let token = random_hex(32);
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
            return Err(legacy_unknown_session());
        };
        if !token.is_some_and(|t| same_token(t, &slot.token)) {
            return Err(legacy_unknown_session());
        }
        if slot.handle.expired(self.ttl) {
            slots.remove(id);
            return Err(legacy_unknown_session());
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
