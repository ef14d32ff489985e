//! Sessions by id behind bearer tokens: one small async interface (`Backend`) with two
//! implementations, in memory (`memory`) and in Redis (`redis`), and the one place
//! (`SessionStore`) that applies what both share: ids and tokens, waiting for a busy session,
//! the per-session memory bound, replies kept for an `Idempotency-Key`, and a bounded wait on a
//! store that does not answer.
//!
//! A call that changes a session holds its lease: the memory store's per-session lock, or a
//! Redis key with a fencing number, so replicas serving one session apply its calls one at a
//! time and a write from a lease that was lost (a replica stalled past the lease) is refused.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use super::Session;
use crate::engine::error::{limit_err, Code, Error};
use crate::engine::Limits;

pub type Fut<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What can go wrong beyond the engine's own errors.
#[derive(Debug)]
pub enum StoreError {
    /// Not found, a bound exceeded: the request's to fix.
    Engine(Error),
    /// Another call held the session for the whole wait.
    Busy(Duration),
    /// The call ran longer than its lease and another call took the session: nothing written.
    LeaseLost,
    /// The store did not answer, or answered with an error (names the store).
    Down { store: &'static str, detail: String },
}

impl From<Error> for StoreError {
    fn from(e: Error) -> StoreError {
        StoreError::Engine(e)
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The bounds and timings every backend applies, fleet-wide where the backend is shared.
#[derive(Clone, Debug)]
pub struct Bounds {
    pub ttl: Duration,
    pub max_sessions: usize,
    pub max_sessions_per_client: usize,
    pub max_session_bytes: usize,
    pub max_total_bytes: usize,
    /// How long a lease lasts unless renewed: how long a replica that died holding a session
    /// blocks it.
    pub lease: Duration,
    /// How long a call waits for a busy session before answering 503.
    pub busy_wait: Duration,
    /// How long one store round trip may take before the store counts as down.
    pub store_timeout: Duration,
    pub limits: Limits,
}

/// The first answer to a call that carried an `Idempotency-Key`, replayed to a resend.
#[derive(Clone, Debug, PartialEq)]
pub struct Reply {
    pub status: u16,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(2 + self.body.len());
        out.extend_from_slice(&self.status.to_be_bytes());
        out.extend_from_slice(&self.body);
        out
    }

    pub fn from_bytes(b: &[u8]) -> Option<Reply> {
        let (s, body) = b.split_at_checked(2)?;
        Some(Reply {
            status: u16::from_be_bytes([s[0], s[1]]),
            body: body.to_vec(),
        })
    }
}

/// A session as last written, and how long until it expires if left idle.
pub struct Snapshot {
    pub session: Arc<Session>,
    pub expires_in: Duration,
}

/// The right to change one session until released, committed or expired.
pub struct Lease {
    pub id: String,
    pub session: Session,
    pub expires_in: Duration,
    /// Redis: the fencing number a commit must still hold (0: the memory store's lock).
    pub fence: u64,
    /// Tensor bytes the session held when leased (the fleet bound counts growth).
    pub bytes_before: usize,
    /// Memory: the session's lock, held for as long as the lease.
    pub local: Option<tokio::sync::OwnedMutexGuard<()>>,
}

pub enum Claim {
    Leased(Box<Lease>),
    /// The call with this `Idempotency-Key` already ran: its answer.
    Replay(Reply),
}

pub struct NewSession<'a> {
    pub id: &'a str,
    pub token: &'a str,
    pub client: &'a str,
    pub session: &'a Session,
}

/// What a session store does. Every method answers within `Bounds::store_timeout` or fails
/// with `StoreError::Down` (`SessionStore` enforces it).
pub trait Backend: Send + Sync + 'static {
    /// The store's name in errors and `/readyz` ("memory", "redis").
    fn name(&self) -> &'static str;
    /// Admits a new session within the count, per-client and total-bytes bounds.
    fn create<'a>(&'a self, new: NewSession<'a>) -> Fut<'a, Result<()>>;
    /// The session as last committed; refreshes its idle expiry.
    fn read<'a>(&'a self, id: &'a str, token: &'a str) -> Fut<'a, Result<Snapshot>>;
    /// Leases the session, waiting up to `wait` while another call holds it; with a reply
    /// key already answered, that answer instead.
    fn lease<'a>(
        &'a self,
        id: &'a str,
        token: &'a str,
        reply_key: Option<&'a str>,
        wait: Duration,
    ) -> Fut<'a, Result<Claim>>;
    /// Keeps a lease alive during a long call (a no-op where leases cannot be lost).
    fn renew<'a>(&'a self, id: &'a str, fence: u64) -> Fut<'a, Result<()>>;
    /// Writes the session and the reply (if any) and ends the lease, unless the lease was lost.
    fn commit<'a>(
        &'a self,
        lease: Lease,
        session: Session,
        bytes: usize,
        reply: Option<(&'a str, &'a Reply)>,
    ) -> Fut<'a, Result<()>>;
    /// Ends the lease without writing.
    fn release(&self, lease: Lease) -> Fut<'_, ()>;
    fn delete<'a>(&'a self, id: &'a str, token: &'a str) -> Fut<'a, Result<()>>;
    /// Whether the store answers (for `/readyz`).
    fn ping(&self) -> Fut<'_, Result<()>>;
    /// Drops the bookkeeping of expired sessions; returns how many.
    fn sweep(&self) -> Fut<'_, Result<usize>>;
    /// Sessions alive as last seen (for metrics; no round trip).
    fn count(&self) -> usize;
}

/// `n` bytes from the operating system's generator, hex-encoded. A failure is an error: a
/// guessable token would hand one student's session to another.
pub fn random_hex(n: usize) -> Result<String, Error> {
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
pub fn same_token(a: &str, b: &str) -> bool {
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

/// What `mutate` answers: the call's own result, or the reply kept from its first run.
pub enum Mutated<T> {
    Fresh(T),
    Replay(Reply),
}

pub struct Created {
    pub id: String,
    pub token: String,
}

#[derive(Clone)]
pub struct SessionStore {
    backend: Arc<dyn Backend>,
    bounds: Arc<Bounds>,
}

impl Bounds {
    pub fn from_config(c: &crate::config::Config) -> Bounds {
        Bounds {
            ttl: c.session_ttl,
            max_sessions: c.max_sessions,
            max_sessions_per_client: c.max_sessions_per_client,
            max_session_bytes: c.max_session_bytes,
            max_total_bytes: c.max_total_session_bytes,
            lease: c.session_lease,
            busy_wait: c.session_wait,
            store_timeout: c.store_timeout,
            limits: c.limits.clone(),
        }
    }
}

impl SessionStore {
    /// The store `c.session_store` names: memory when unset, else a `redis://` (or
    /// `rediss://`, `valkey://`) URL, connected lazily.
    pub fn from_config(c: &crate::config::Config) -> std::result::Result<SessionStore, String> {
        let bounds = Bounds::from_config(c);
        let backend: Arc<dyn Backend> = match c.session_store.as_deref() {
            None => Arc::new(super::memory::MemoryBackend::new(bounds.clone())),
            Some(url) if url.starts_with("redis") || url.starts_with("valkey") => Arc::new(
                super::redis::RedisBackend::connect(url, &c.session_key_prefix, bounds.clone())?,
            ),
            Some(other) => {
                return Err(format!(
                    "GRADTAPE_SESSION_STORE={other}: give memory or a redis://host:port URL"
                ))
            }
        };
        Ok(SessionStore::new(backend, bounds))
    }

    pub fn new(backend: Arc<dyn Backend>, bounds: Bounds) -> SessionStore {
        SessionStore {
            backend,
            bounds: Arc::new(bounds),
        }
    }

    pub fn bounds(&self) -> &Bounds {
        &self.bounds
    }

    pub fn name(&self) -> &'static str {
        self.backend.name()
    }

    pub fn count(&self) -> usize {
        self.backend.count()
    }

    /// One store round trip, failing as `Down` when it takes longer than the bound allows.
    async fn timed<T>(&self, extra: Duration, f: Fut<'_, Result<T>>) -> Result<T> {
        let limit = self.bounds.store_timeout + extra;
        tokio::time::timeout(limit, f).await.unwrap_or_else(|_| {
            Err(StoreError::Down {
                store: self.backend.name(),
                detail: format!("it did not answer within {} ms", limit.as_millis()),
            })
        })
    }

    pub async fn create(&self, client: &str) -> Result<Created> {
        let (id, token) = (random_hex(12)?, random_hex(32)?);
        let session = Session::new(self.bounds.limits.clone());
        let new = NewSession {
            id: &id,
            token: &token,
            client,
            session: &session,
        };
        self.timed(Duration::ZERO, self.backend.create(new)).await?;
        Ok(Created { id, token })
    }

    pub async fn read(&self, id: &str, token: Option<&str>) -> Result<Snapshot> {
        let token = token.ok_or_else(unknown_session)?;
        self.timed(Duration::ZERO, self.backend.read(id, token))
            .await
    }

    pub async fn delete(&self, id: &str, token: Option<&str>) -> Result<()> {
        let token = token.ok_or_else(unknown_session)?;
        self.timed(Duration::ZERO, self.backend.delete(id, token))
            .await
    }

    pub async fn ping(&self) -> Result<()> {
        self.timed(Duration::ZERO, self.backend.ping()).await
    }

    pub async fn sweep(&self) -> Result<usize> {
        self.timed(Duration::ZERO, self.backend.sweep()).await
    }

    /// Runs `f` on the session under its lease and writes back the session it returns, with
    /// its reply (if any) kept for `reply_key`. A failed `f` (or one that would pass the memory
    /// bound) writes nothing. A resend of an answered `reply_key` gets the first reply back.
    pub async fn mutate<T, F, Fu, E>(
        &self,
        id: &str,
        token: Option<&str>,
        reply_key: Option<&str>,
        f: F,
    ) -> Result<Mutated<T>, E>
    where
        F: FnOnce(Session) -> Fu,
        Fu: Future<Output = Result<(Session, T, Option<Reply>), E>>,
        E: From<StoreError>,
    {
        let token = token
            .ok_or_else(unknown_session)
            .map_err(StoreError::from)?;
        let wait = self.bounds.busy_wait;
        let claim = self
            .timed(wait, self.backend.lease(id, token, reply_key, wait))
            .await?;
        let mut lease = match claim {
            Claim::Replay(r) => return Ok(Mutated::Replay(r)),
            Claim::Leased(l) => *l,
        };
        let mut draft = std::mem::replace(&mut lease.session, Session::new(Limits::default()));
        draft.ws.ctx.start_request();
        let renewal = self.keep_alive(id, lease.fence);
        let outcome = f(draft).await;
        if let Some(r) = renewal {
            r.abort();
        }
        let (draft, out, reply) = match outcome {
            Ok(done) => done,
            Err(e) => {
                self.release(lease).await;
                return Err(e);
            }
        };
        let bytes = draft.memory_bytes();
        let max = self.bounds.max_session_bytes;
        if bytes > max {
            self.release(lease).await;
            return Err(StoreError::from(limit_err(format!(
                "this call would make the session hold {bytes} bytes of tensors; the limit max_session_bytes is {max} (delete tapes or tensors you no longer need)"
            ))).into());
        }
        let keep = reply_key.zip(reply.as_ref());
        self.timed(
            Duration::ZERO,
            self.backend.commit(lease, draft, bytes, keep),
        )
        .await?;
        Ok(Mutated::Fresh(out))
    }

    async fn release(&self, lease: Lease) {
        // A release that fails leaves the lease to expire on its own.
        let _ = tokio::time::timeout(self.bounds.store_timeout, self.backend.release(lease)).await;
    }

    /// Renews a Redis lease every third of its life while a call computes, so a long call
    /// keeps it and a dead replica's lease still lapses.
    fn keep_alive(&self, id: &str, fence: u64) -> Option<tokio::task::JoinHandle<()>> {
        if fence == 0 {
            return None;
        }
        let (backend, id) = (self.backend.clone(), id.to_string());
        let every = self.bounds.lease / 3;
        Some(tokio::spawn(async move {
            loop {
                tokio::time::sleep(every).await;
                if backend.renew(&id, fence).await.is_err() {
                    return;
                }
            }
        }))
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

    #[test]
    fn a_reply_reads_back_from_its_bytes() {
        let r = Reply {
            status: 201,
            body: b"{\"id\": \"t1\"}".to_vec(),
        };
        assert_eq!(Reply::from_bytes(&r.to_bytes()), Some(r));
        assert_eq!(Reply::from_bytes(&[1]), None);
    }
}
