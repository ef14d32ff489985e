//! The in-memory session store: the default, embedded in one process.
//!
//! The map sits behind a std `Mutex` held only for lookups and swaps (never across an
//! `.await`, never during compute). Each session has its own async lock, held by a lease for
//! the whole of one call, so concurrent calls on one session are applied one at a time and a
//! waiting call wakes as soon as the lock is free.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::store::{
    same_token, unknown_session, Backend, Bounds, Claim, Fut, Lease, NewSession, Reply, Result,
    Snapshot, StoreError,
};
use super::Session;
use crate::engine::error::limit_err;

struct Slot {
    token: String,
    client: String,
    lock: Arc<tokio::sync::Mutex<()>>,
    state: Arc<Session>,
    bytes: usize,
    last_access: Instant,
    replies: HashMap<String, (Instant, Reply)>,
}

pub struct MemoryBackend {
    slots: Mutex<HashMap<String, Slot>>,
    bounds: Bounds,
}

impl MemoryBackend {
    pub fn new(bounds: Bounds) -> MemoryBackend {
        MemoryBackend {
            slots: Mutex::new(HashMap::new()),
            bounds,
        }
    }

    fn slots(&self) -> MutexGuard<'_, HashMap<String, Slot>> {
        self.slots.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The live slot for `id` and `token`; an expired one is dropped on the way.
    fn slot<'m>(
        &self,
        slots: &'m mut HashMap<String, Slot>,
        id: &str,
        token: &str,
    ) -> Result<&'m mut Slot> {
        let live = match slots.get(id) {
            None => return Err(unknown_session().into()),
            Some(s) => s.last_access.elapsed() <= self.bounds.ttl,
        };
        if !live {
            slots.remove(id);
            return Err(unknown_session().into());
        }
        let slot = slots.get_mut(id).expect("checked above");
        if !same_token(token, &slot.token) {
            return Err(unknown_session().into());
        }
        slot.last_access = Instant::now();
        Ok(slot)
    }

    fn sweep_now(&self) -> usize {
        let mut slots = self.slots();
        let before = slots.len();
        slots.retain(|_, s| s.last_access.elapsed() <= self.bounds.ttl);
        before - slots.len()
    }
}

impl Backend for MemoryBackend {
    fn name(&self) -> &'static str {
        "memory"
    }

    fn create<'a>(&'a self, new: NewSession<'a>) -> Fut<'a, Result<()>> {
        Box::pin(async move {
            self.sweep_now();
            let b = &self.bounds;
            let mut slots = self.slots();
            if slots.len() >= b.max_sessions {
                return Err(limit_err(format!(
                    "the server holds its maximum of {} sessions; delete one you no longer need or retry later",
                    b.max_sessions
                ))
                .into());
            }
            let mine = slots.values().filter(|s| s.client == new.client).count();
            if mine >= b.max_sessions_per_client {
                return Err(limit_err(format!(
                    "this client address already holds {mine} sessions, the limit max_sessions_per_client; delete one you no longer need (DELETE /v1/sessions/{{id}})"
                ))
                .into());
            }
            let total: usize = slots.values().map(|s| s.bytes).sum();
            if total >= b.max_total_bytes {
                return Err(limit_err(format!(
                    "sessions hold {total} bytes in all, the limit max_total_session_bytes; retry once idle sessions expire"
                ))
                .into());
            }
            slots.insert(
                new.id.to_string(),
                Slot {
                    token: new.token.to_string(),
                    client: new.client.to_string(),
                    lock: Arc::new(tokio::sync::Mutex::new(())),
                    state: Arc::new(new.session.clone()),
                    bytes: 0,
                    last_access: Instant::now(),
                    replies: HashMap::new(),
                },
            );
            Ok(())
        })
    }

    fn read<'a>(&'a self, id: &'a str, token: &'a str) -> Fut<'a, Result<Snapshot>> {
        Box::pin(async move {
            let mut slots = self.slots();
            let slot = self.slot(&mut slots, id, token)?;
            Ok(Snapshot {
                session: slot.state.clone(),
                expires_in: self.bounds.ttl,
            })
        })
    }

    fn lease<'a>(
        &'a self,
        id: &'a str,
        token: &'a str,
        reply_key: Option<&'a str>,
        wait: Duration,
    ) -> Fut<'a, Result<Claim>> {
        Box::pin(async move {
            let lock = {
                let mut slots = self.slots();
                self.slot(&mut slots, id, token)?.lock.clone()
            };
            let guard = tokio::time::timeout(wait, lock.lock_owned())
                .await
                .map_err(|_| StoreError::Busy(wait))?;
            // Read under the lock: the state and replies are those of the last call to finish.
            let mut slots = self.slots();
            let slot = self.slot(&mut slots, id, token)?;
            if let Some((_, r)) = reply_key.and_then(|k| slot.replies.get(k)) {
                return Ok(Claim::Replay(r.clone()));
            }
            Ok(Claim::Leased(Box::new(Lease {
                id: id.to_string(),
                session: (*slot.state).clone(),
                expires_in: self.bounds.ttl,
                fence: 0,
                bytes_before: slot.bytes,
                local: Some(guard),
            })))
        })
    }

    fn renew<'a>(&'a self, _id: &'a str, _fence: u64) -> Fut<'a, Result<()>> {
        Box::pin(async { Ok(()) })
    }

    fn commit<'a>(
        &'a self,
        lease: Lease,
        session: Session,
        bytes: usize,
        reply: Option<(&'a str, &'a Reply)>,
    ) -> Fut<'a, Result<()>> {
        Box::pin(async move {
            let ttl = self.bounds.ttl;
            let mut slots = self.slots();
            let others: usize = slots
                .iter()
                .filter(|(k, _)| **k != lease.id)
                .map(|(_, s)| s.bytes)
                .sum();
            let Some(slot) = slots.get_mut(&lease.id) else {
                // deleted while this call ran
                return Err(unknown_session().into());
            };
            if bytes > slot.bytes && others + bytes > self.bounds.max_total_bytes {
                return Err(limit_err(format!(
                    "this call would make all sessions together hold {} bytes; the limit max_total_session_bytes is {} (delete tapes or tensors you no longer need)",
                    others + bytes,
                    self.bounds.max_total_bytes
                ))
                .into());
            }
            slot.state = Arc::new(session);
            slot.bytes = bytes;
            slot.last_access = Instant::now();
            if let Some((k, r)) = reply {
                slot.replies.retain(|_, (at, _)| at.elapsed() <= ttl);
                slot.replies
                    .insert(k.to_string(), (Instant::now(), r.clone()));
            }
            drop(slots);
            drop(lease.local);
            Ok(())
        })
    }

    fn release(&self, lease: Lease) -> Fut<'_, ()> {
        Box::pin(async move { drop(lease) })
    }

    fn delete<'a>(&'a self, id: &'a str, token: &'a str) -> Fut<'a, Result<()>> {
        Box::pin(async move {
            let mut slots = self.slots();
            self.slot(&mut slots, id, token)?;
            slots.remove(id);
            Ok(())
        })
    }

    fn ping(&self) -> Fut<'_, Result<()>> {
        Box::pin(async { Ok(()) })
    }

    fn sweep(&self) -> Fut<'_, Result<usize>> {
        Box::pin(async move { Ok(self.sweep_now()) })
    }

    fn count(&self) -> usize {
        self.slots().len()
    }
}
