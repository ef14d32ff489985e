//! The Redis session store (`GRADTAPE_SESSION_STORE=redis://...`): sessions shared by every
//! replica and kept across their restarts. Works with Valkey too.
//!
//! Keys, under a prefix P (default `gradtape`):
//! - `P:{id}`: a hash of the session's token digest (`tok`, SHA-1 of the token, so a dump of
//!   the store holds no usable token), its state (`st`, `codec`'s bytes), its tensor bytes, its
//!   client address and its fencing counter; the key's TTL is the session's idle expiry.
//! - `P:{id}:lease`: the fencing number of the call holding the session; its TTL (the lease) is
//!   how long a replica that dies holding it blocks the session.
//! - `P:{id}:reply:KEY`: the first answer to a call sent with `Idempotency-Key: KEY`.
//! - `P:{fleet}:live`, `:bytes`, `:owner`, `:total`: the fleet's registry of live sessions
//!   (expiry, bytes, client) behind the fleet-wide bounds.
//!
//! The `{...}` hash tags keep one session's keys in one cluster slot and the registry in another;
//! every script touches one slot only.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{FromRedisValue, ScriptInvocation, Value};

use super::store::{
    unknown_session, Backend, Bounds, Claim, Fut, Lease, NewSession, Reply, Result, Snapshot,
    StoreError,
};
use super::{codec, Session};

mod scripts;

use crate::engine::error::limit_err;
use scripts::Scripts;

pub struct RedisBackend {
    conn: ConnectionManager,
    prefix: String,
    bounds: Bounds,
    scripts: Scripts,
    /// Live sessions fleet-wide as the registry last answered (for metrics).
    live: AtomicUsize,
}

fn down(e: impl std::fmt::Display) -> StoreError {
    StoreError::Down {
        store: "redis",
        detail: e.to_string(),
    }
}

fn ms(d: Duration) -> u64 {
    d.as_millis().max(1) as u64
}

fn text(v: &Value) -> Option<&[u8]> {
    match v {
        Value::BulkString(b) => Some(b),
        Value::SimpleString(s) => Some(s.as_bytes()),
        _ => None,
    }
}

fn int(v: &Value) -> Option<i64> {
    match v {
        Value::Int(i) => Some(*i),
        other => std::str::from_utf8(text(other)?).ok()?.parse().ok(),
    }
}

fn unexpected(what: &str, v: &Value) -> StoreError {
    down(format!("unexpected answer to {what}: {v:?}"))
}

impl RedisBackend {
    /// Connects lazily: the server starts (and `/readyz` says why it is not ready) while Redis
    /// is still down.
    pub fn connect(url: &str, prefix: &str, bounds: Bounds) -> std::result::Result<Self, String> {
        let client = redis::Client::open(url).map_err(|e| format!("{url}: {e}"))?;
        let cfg = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(bounds.store_timeout))
            .set_response_timeout(Some(bounds.store_timeout))
            .set_number_of_retries(2)
            .set_min_delay(Duration::from_millis(20))
            .set_max_delay(Duration::from_millis(200));
        let conn = ConnectionManager::new_lazy_with_config(client, cfg)
            .map_err(|e| format!("{url}: {e}"))?;
        Ok(RedisBackend {
            conn,
            prefix: prefix.to_string(),
            bounds,
            scripts: Scripts::new(),
            live: AtomicUsize::new(0),
        })
    }

    /// Runs a script whose second run changes nothing the first did not (a read, a lease
    /// attempt, a fenced renewal or release, a registry touch, grow or forget), once more when
    /// the connection it found had dropped: the manager reconnects on that failure, so the first
    /// call after Redis comes back is answered instead of failing on the dead connection.
    async fn run_idempotent<T: FromRedisValue>(&self, inv: &ScriptInvocation<'_>) -> Result<T> {
        match inv.invoke_async(&mut self.conn.clone()).await {
            Err(e) if e.is_connection_dropped() => {
                inv.invoke_async(&mut self.conn.clone()).await.map_err(down)
            }
            other => other.map_err(down),
        }
    }

    /// Runs a script that must not run twice (a create, a commit, a delete).
    async fn run_once<T: FromRedisValue>(&self, inv: &ScriptInvocation<'_>) -> Result<T> {
        inv.invoke_async(&mut self.conn.clone()).await.map_err(down)
    }

    fn key(&self, id: &str) -> String {
        format!("{}:{{{id}}}", self.prefix)
    }

    fn lease_key(&self, id: &str) -> String {
        format!("{}:{{{id}}}:lease", self.prefix)
    }

    fn reply_key(&self, id: &str, key: &str) -> String {
        format!("{}:{{{id}}}:reply:{key}", self.prefix)
    }

    /// Runs one registry operation (`REGISTRY`'s `op` with `args` after its `ARGV[3]`): the
    /// status (`ok`, or the bound that refused) and its number.
    async fn registry(&self, op: &str, id: &str, args: &[String]) -> Result<(String, u64)> {
        let f = format!("{}:{{fleet}}", self.prefix);
        let mut inv = self.scripts.registry.prepare_invoke();
        for k in ["live", "bytes", "owner", "total"] {
            inv.key(format!("{f}:{k}"));
        }
        inv.arg(op).arg(id).arg(ms(self.bounds.ttl));
        for a in args {
            inv.arg(a);
        }
        let v: Value = self.run_idempotent(&inv).await?;
        let Value::Array(parts) = &v else {
            return Err(unexpected("the registry", &v));
        };
        let (Some(status), Some(n), Some(live)) = (
            parts.first().and_then(text),
            parts.get(1).and_then(int),
            parts.get(2).and_then(int),
        ) else {
            return Err(unexpected("the registry", &v));
        };
        self.live.store(live.max(0) as usize, Ordering::Relaxed);
        Ok((
            String::from_utf8_lossy(status).into_owned(),
            n.max(0) as u64,
        ))
    }

    async fn create_session(&self, new: NewSession<'_>) -> Result<()> {
        let b = &self.bounds;
        let args = [
            new.client.to_string(),
            b.max_sessions.to_string(),
            b.max_sessions_per_client.to_string(),
            b.max_total_bytes.to_string(),
        ];
        let (status, n) = self.registry("admit", new.id, &args).await?;
        let refusal = match status.as_str() {
            "ok" => None,
            "sessions" => Some(format!(
                "the fleet holds its maximum of {} sessions; delete one you no longer need or retry later",
                b.max_sessions
            )),
            "client" => Some(format!(
                "this client address already holds {n} sessions, the limit max_sessions_per_client; delete one you no longer need (DELETE /v1/sessions/{{id}})"
            )),
            _ => Some(format!(
                "sessions hold {n} bytes in all, the limit max_total_session_bytes; retry once idle sessions expire"
            )),
        };
        if let Some(r) = refusal {
            return Err(limit_err(r).into());
        }
        let _: Value = self
            .run_idempotent(
                self.scripts
                    .create
                    .key(self.key(new.id))
                    .arg(new.token)
                    .arg(codec::encode(new.session))
                    .arg(new.client)
                    .arg(ms(b.ttl)),
            )
            .await?;
        Ok(())
    }

    fn decode(&self, bytes: &[u8]) -> Result<Session> {
        Ok(codec::decode(bytes, &self.bounds.limits)?)
    }

    /// One attempt at the lease: `None` while another call holds it.
    async fn try_lease(&self, id: &str, token: &str, reply: Option<&str>) -> Result<Option<Claim>> {
        let v: Value = self
            .run_idempotent(
                self.scripts
                    .lease
                    .key(self.key(id))
                    .key(self.lease_key(id))
                    .key(self.reply_key(id, reply.unwrap_or("")))
                    .arg(token)
                    .arg(ms(self.bounds.ttl))
                    .arg(ms(self.bounds.lease))
                    .arg(if reply.is_some() { "1" } else { "0" }),
            )
            .await?;
        let Value::Array(parts) = &v else {
            return Err(unexpected("a lease", &v));
        };
        match parts.first().and_then(text) {
            Some(b"gone") => Err(unknown_session().into()),
            Some(b"busy") => Ok(None),
            Some(b"reply") => {
                let r = parts.get(1).and_then(text).and_then(Reply::from_bytes);
                Ok(Some(Claim::Replay(
                    r.ok_or_else(|| unexpected("a reply", &v))?,
                )))
            }
            Some(b"leased") => {
                let (Some(st), Some(fence), Some(bytes)) = (
                    parts.get(1).and_then(text),
                    parts.get(2).and_then(int),
                    parts.get(3).and_then(int),
                ) else {
                    return Err(unexpected("a lease", &v));
                };
                let lease = Lease {
                    id: id.to_string(),
                    session: self.decode(st)?,
                    expires_in: self.bounds.ttl,
                    fence: fence.max(1) as u64,
                    bytes_before: bytes.max(0) as usize,
                    local: None,
                };
                Ok(Some(Claim::Leased(Box::new(lease))))
            }
            _ => Err(unexpected("a lease", &v)),
        }
    }

    async fn end_lease(&self, id: &str, fence: u64) -> Result<()> {
        let _: Value = self
            .run_idempotent(self.scripts.release.key(self.lease_key(id)).arg(fence))
            .await?;
        Ok(())
    }
}

impl Backend for RedisBackend {
    fn name(&self) -> &'static str {
        "redis"
    }

    fn create<'a>(&'a self, new: NewSession<'a>) -> Fut<'a, Result<()>> {
        Box::pin(self.create_session(new))
    }

    fn read<'a>(&'a self, id: &'a str, token: &'a str) -> Fut<'a, Result<Snapshot>> {
        Box::pin(async move {
            let v: Value = self
                .run_idempotent(
                    self.scripts
                        .read
                        .key(self.key(id))
                        .arg(token)
                        .arg(ms(self.bounds.ttl)),
                )
                .await?;
            let Some(st) = text(&v) else {
                return Err(unknown_session().into());
            };
            let session = self.decode(st)?;
            self.registry("touch", id, &[]).await?;
            Ok(Snapshot {
                session: std::sync::Arc::new(session),
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
            let deadline = Instant::now() + wait;
            let mut pause = Duration::from_millis(1);
            loop {
                if let Some(claim) = self.try_lease(id, token, reply_key).await? {
                    return Ok(claim);
                }
                let now = Instant::now();
                if now >= deadline {
                    return Err(StoreError::Busy(wait));
                }
                // Polling backs off to 25 ms: a short call frees the session in about a millisecond.
                tokio::time::sleep(pause.min(deadline - now)).await;
                pause = (pause * 2).min(Duration::from_millis(25));
            }
        })
    }

    fn renew<'a>(&'a self, id: &'a str, fence: u64) -> Fut<'a, Result<()>> {
        Box::pin(async move {
            let kept: i64 = self
                .run_idempotent(
                    self.scripts
                        .renew
                        .key(self.lease_key(id))
                        .arg(fence)
                        .arg(ms(self.bounds.lease)),
                )
                .await?;
            if kept == 1 {
                Ok(())
            } else {
                Err(StoreError::LeaseLost)
            }
        })
    }

    fn commit<'a>(
        &'a self,
        lease: Lease,
        session: Session,
        bytes: usize,
        reply: Option<(&'a str, &'a Reply)>,
    ) -> Fut<'a, Result<()>> {
        Box::pin(async move {
            let b = &self.bounds;
            let grow = [bytes.to_string(), b.max_total_bytes.to_string()];
            // Growth is admitted by the registry first, so the fleet bound holds; shrinking
            // is recorded after the write.
            if bytes > lease.bytes_before {
                let (status, total) = self.registry("grow", &lease.id, &grow).await?;
                if status != "ok" {
                    let _ = self.end_lease(&lease.id, lease.fence).await;
                    return Err(limit_err(format!(
                        "this call would make all sessions together hold {total} bytes; the limit max_total_session_bytes is {} (delete tapes or tensors you no longer need)",
                        b.max_total_bytes
                    ))
                    .into());
                }
            }
            let state = codec::encode(&session);
            let (reply_key, reply_bytes) = match reply {
                Some((k, r)) => (Some(k), r.to_bytes()),
                None => (None, Vec::new()),
            };
            let done: i64 = self
                .run_once(
                    self.scripts
                        .commit
                        .key(self.key(&lease.id))
                        .key(self.lease_key(&lease.id))
                        .key(self.reply_key(&lease.id, reply_key.unwrap_or("")))
                        .arg(lease.fence)
                        .arg(state)
                        .arg(bytes)
                        .arg(ms(b.ttl))
                        .arg(if reply_key.is_some() { "1" } else { "0" })
                        .arg(reply_bytes),
                )
                .await?;
            match done {
                1 => {}
                -1 => return Err(unknown_session().into()),
                _ => return Err(StoreError::LeaseLost),
            }
            if bytes <= lease.bytes_before {
                self.registry("grow", &lease.id, &grow).await?;
            }
            Ok(())
        })
    }

    fn release(&self, lease: Lease) -> Fut<'_, ()> {
        Box::pin(async move {
            let _ = self.end_lease(&lease.id, lease.fence).await;
        })
    }

    fn delete<'a>(&'a self, id: &'a str, token: &'a str) -> Fut<'a, Result<()>> {
        Box::pin(async move {
            let gone: i64 = self
                .run_once(
                    self.scripts
                        .delete
                        .key(self.key(id))
                        .key(self.lease_key(id))
                        .arg(token),
                )
                .await?;
            if gone != 1 {
                return Err(unknown_session().into());
            }
            self.registry("forget", id, &[]).await?;
            Ok(())
        })
    }

    fn ping(&self) -> Fut<'_, Result<()>> {
        Box::pin(async move {
            let pong: String = redis::cmd("PING")
                .query_async(&mut self.conn.clone())
                .await
                .map_err(down)?;
            if pong == "PONG" {
                Ok(())
            } else {
                Err(down(format!("PING answered {pong}")))
            }
        })
    }

    fn sweep(&self) -> Fut<'_, Result<usize>> {
        Box::pin(async move {
            // the registry prunes before every operation; a touch of no session just prunes
            let (_, dropped) = self.registry("touch", "", &[]).await?;
            Ok(dropped as usize)
        })
    }

    fn count(&self) -> usize {
        self.live.load(Ordering::Relaxed)
    }
}
