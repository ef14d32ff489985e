//! The session stores below HTTP, each test run on both (memory, and Redis where a
//! `redis-server` binary exists): leases serialize replicas, idempotent replies, the fleet-wide
//! bounds, expiry, and what a dead replica or a restarted Redis leaves behind.

use std::time::{Duration, Instant};

use gradtape::config::Config;
use gradtape::engine::{Lit, Tensor};
use gradtape::sessions::store::{Backend, Claim, Mutated, SessionStore, StoreError};
use gradtape::sessions::{AssignKind, Reply, Session, Source};

use crate::redis_server::RedisServer;

/// The stores one test runs on: replicas share the memory store's one instance, or each
/// connect to the same Redis under the test's own key prefix.
pub struct Fleet {
    pub server: Option<RedisServer>,
    pub config: Config,
    memory: Option<SessionStore>,
}

impl Fleet {
    pub fn memory(config: Config) -> Fleet {
        let store = SessionStore::from_config(&config).expect("a memory store");
        Fleet {
            server: None,
            config,
            memory: Some(store),
        }
    }

    pub fn redis(test: &str, mut config: Config) -> Option<Fleet> {
        let server = RedisServer::start(test)?;
        config.session_store = Some(server.url());
        config.session_key_prefix = format!("t{}", server.port);
        Some(Fleet {
            server: Some(server),
            config,
            memory: None,
        })
    }

    /// Both fleets for `test` (Redis only where a server can start).
    pub fn both(test: &str, config: Config) -> Vec<Fleet> {
        let mut out = vec![Fleet::memory(config.clone())];
        out.extend(Fleet::redis(test, config));
        out
    }

    pub fn replica(&self) -> SessionStore {
        match &self.memory {
            Some(s) => s.clone(),
            None => SessionStore::from_config(&self.config).expect("a redis store"),
        }
    }
}

fn quick() -> Config {
    Config {
        session_wait: Duration::from_secs(5),
        session_lease: Duration::from_secs(1),
        ..Config::default()
    }
}

/// `v = tf.Variable(0.0)` in a new session; its id and token.
async fn session_with_v(store: &SessionStore, client: &str) -> (String, String) {
    let c = store
        .create(client)
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    store
        .mutate(&c.id, Some(&c.token), None, |mut s: Session| async move {
            s.create_variable(
                &Source::Literal(Lit::Float(0.0)),
                None,
                true,
                Some("v"),
                None,
            )?;
            Ok::<_, StoreError>((s, (), None))
        })
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    (c.id, c.token)
}

fn value(s: &Session) -> f64 {
    match &*s.variable("v").expect("v exists").1.val.tensor {
        Tensor::F32(a) => a.iter().next().copied().unwrap_or(f32::NAN) as f64,
        other => panic!("v is {other:?}"),
    }
}

/// `v.assign_add(1.0)`; the reply body is v's new value.
async fn add_one(
    store: &SessionStore,
    id: &str,
    token: &str,
    key: Option<&str>,
) -> Result<Reply, StoreError> {
    store
        .mutate(id, Some(token), key, |mut s: Session| async move {
            s.assign("v", AssignKind::Add, &Source::Literal(Lit::Float(1.0)))?;
            let body = value(&s).to_string().into_bytes();
            let reply = Reply { status: 200, body };
            Ok((s, reply.clone(), Some(reply)))
        })
        .await
        .map(|m| match m {
            Mutated::Fresh(r) | Mutated::Replay(r) => r,
        })
}

async fn read_v(store: &SessionStore, id: &str, token: &str) -> f64 {
    value(
        &store
            .read(id, Some(token))
            .await
            .unwrap_or_else(|e| panic!("{e:?}"))
            .session,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_clients_over_three_replicas_end_exactly_at_the_sum() {
    for fleet in Fleet::both("twenty_clients", quick()) {
        let replicas: Vec<SessionStore> = (0..3).map(|_| fleet.replica()).collect();
        let (id, token) = session_with_v(&replicas[0], "c").await;
        let mut clients = vec![];
        for c in 0..20 {
            let (store, id, token) = (replicas[c % 3].clone(), id.clone(), token.clone());
            clients.push(tokio::spawn(async move {
                for _ in 0..10 {
                    add_one(&store, &id, &token, None)
                        .await
                        .unwrap_or_else(|e| panic!("{e:?}"));
                }
            }));
        }
        for c in clients {
            c.await.unwrap();
        }
        // 20 clients x 10 calls x 1.0
        assert_eq!(
            read_v(&replicas[2], &id, &token).await,
            200.0,
            "{}",
            replicas[0].name()
        );
    }
}

#[tokio::test]
async fn a_resent_call_gets_its_first_answer_and_is_applied_once() {
    for fleet in Fleet::both("idempotency", quick()) {
        let (a, b) = (fleet.replica(), fleet.replica());
        let (id, token) = session_with_v(&a, "c").await;
        let first = add_one(&a, &id, &token, Some("k1")).await.unwrap();
        // the resend lands on another replica: the first answer, v still 1
        let again = add_one(&b, &id, &token, Some("k1")).await.unwrap();
        assert_eq!(first, again);
        assert_eq!(first.body, b"1");
        assert_eq!(read_v(&b, &id, &token).await, 1.0);
        let other = add_one(&b, &id, &token, Some("k2")).await.unwrap();
        assert_eq!(other.body, b"2");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_busy_session_waits_then_answers_busy() {
    let config = Config {
        session_wait: Duration::from_millis(300),
        ..quick()
    };
    for fleet in Fleet::both("busy", config) {
        let (a, b) = (fleet.replica(), fleet.replica());
        let (id, token) = session_with_v(&a, "c").await;
        let (id2, token2) = (id.clone(), token.clone());
        let slow = tokio::spawn(async move {
            a.mutate(&id2, Some(&token2), None, |s: Session| async move {
                tokio::time::sleep(Duration::from_millis(900)).await;
                Ok::<_, StoreError>((s, (), None))
            })
            .await
        });
        tokio::time::sleep(Duration::from_millis(100)).await;
        let t0 = Instant::now();
        let busy = add_one(&b, &id, &token, None).await;
        assert!(matches!(busy, Err(StoreError::Busy(_))), "{busy:?}");
        assert!(
            t0.elapsed() >= Duration::from_millis(290),
            "{:?}",
            t0.elapsed()
        );
        slow.await.unwrap().unwrap();
        assert_eq!(add_one(&b, &id, &token, None).await.unwrap().body, b"1");
    }
}

#[tokio::test]
async fn a_replica_dying_with_the_lease_blocks_the_session_for_at_most_the_lease() {
    let Some(fleet) = Fleet::redis("dead_lease", quick()) else {
        return;
    };
    let store = fleet.replica();
    let (id, token) = session_with_v(&store, "c").await;
    let b = gradtape::sessions::store::Bounds::from_config(&fleet.config);
    let url = fleet.config.session_store.clone().unwrap();
    let dying =
        gradtape::sessions::redis::RedisBackend::connect(&url, &fleet.config.session_key_prefix, b)
            .unwrap();
    let Claim::Leased(lease) = dying
        .lease(&id, &token, None, Duration::from_secs(1))
        .await
        .unwrap()
    else {
        panic!("a fresh session is not busy");
    };
    let t0 = Instant::now();
    // the holder never commits nor releases (it died); the lease is 1 s
    assert_eq!(add_one(&store, &id, &token, None).await.unwrap().body, b"1");
    // The call succeeding at all shows the lease expired within the 5 s wait; the bound only
    // tells a lease expiry (1 s) from waiting out most of the wait, with room for a loaded CI
    // machine running every test at once.
    let waited = t0.elapsed();
    assert!(waited < Duration::from_secs(4), "blocked {waited:?}");
    // A write from the dead holder's lease is refused (fencing): v stays 1.
    let mut stale = lease.session.clone();
    stale
        .assign("v", AssignKind::Add, &Source::Literal(Lit::Float(100.0)))
        .unwrap();
    let late = dying.commit(*lease, stale, 0, None).await;
    assert!(matches!(late, Err(StoreError::LeaseLost)), "{late:?}");
    assert_eq!(read_v(&store, &id, &token).await, 1.0);
}

#[tokio::test]
async fn bounds_hold_across_replicas() {
    let config = Config {
        max_sessions_per_client: 2,
        max_total_session_bytes: 1000,
        ..quick()
    };
    for fleet in Fleet::both("bounds", config) {
        let (a, b) = (fleet.replica(), fleet.replica());
        a.create("10.0.0.1").await.unwrap();
        b.create("10.0.0.1").await.unwrap();
        let third = a.create("10.0.0.1").await;
        let Err(StoreError::Engine(e)) = third else {
            panic!("a third session for one client: {:?}", third.err());
        };
        assert!(e.detail.contains("max_sessions_per_client"), "{}", e.detail);
        // 100 float32 = 400 bytes in one session, then 200 float32 = 800 more would pass 1000
        let mut sizes = vec![];
        for (store, n) in [(&a, 100usize), (&b, 200)] {
            let c = store.create("10.0.0.2").await.unwrap();
            let r = store
                .mutate(&c.id, Some(&c.token), None, |mut s: Session| async move {
                    let lit = Lit::List(vec![Lit::Float(0.5); n]);
                    s.create_variable(&Source::Literal(lit), None, true, None, None)?;
                    Ok::<_, StoreError>((s, (), None))
                })
                .await;
            sizes.push(r.map(|_| n).map_err(|e| format!("{e:?}")));
        }
        assert_eq!(sizes[0], Ok(100), "{}", a.name());
        let refused = sizes[1].clone().unwrap_err();
        assert!(refused.contains("max_total_session_bytes"), "{refused}");
    }
}

#[tokio::test]
async fn an_idle_session_expires_in_the_store() {
    let config = Config {
        session_ttl: Duration::from_millis(600),
        ..quick()
    };
    for fleet in Fleet::both("expiry", config) {
        let s = fleet.replica();
        let (id, token) = session_with_v(&s, "c").await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        // use refreshes the expiry
        assert_eq!(read_v(&s, &id, &token).await, 0.0);
        tokio::time::sleep(Duration::from_millis(400)).await;
        assert_eq!(read_v(&s, &id, &token).await, 0.0);
        tokio::time::sleep(Duration::from_millis(800)).await;
        let gone = s.read(&id, Some(&token)).await;
        assert!(
            matches!(gone, Err(StoreError::Engine(ref e)) if e.code == gradtape::engine::Code::NotFound)
        );
        // and a wrong token is the same 404 as an unknown id
        let (id, _) = session_with_v(&s, "c").await;
        let wrong = s.read(&id, Some("not-the-token")).await;
        assert!(
            matches!(wrong, Err(StoreError::Engine(ref e)) if e.code == gradtape::engine::Code::NotFound)
        );
    }
}

#[tokio::test]
async fn sessions_survive_a_redis_crash_and_a_down_redis_fails_fast() {
    let Some(mut fleet) = Fleet::redis("redis_restart", quick()) else {
        return;
    };
    let s = fleet.replica();
    let (id, token) = session_with_v(&s, "c").await;
    add_one(&s, &id, &token, None).await.unwrap();
    let server = fleet.server.as_mut().unwrap();
    server.kill();
    let t0 = Instant::now();
    let down = add_one(&s, &id, &token, None).await;
    assert!(
        matches!(down, Err(StoreError::Down { store: "redis", .. })),
        "{down:?}"
    );
    assert!(t0.elapsed() < Duration::from_secs(2), "{:?}", t0.elapsed());
    assert!(s.ping().await.is_err());
    server.restart();
    // appendfsync always: the acknowledged assign_add is in the append-only file
    let deadline = Instant::now() + Duration::from_secs(5);
    let v = loop {
        match s.read(&id, Some(&token)).await {
            Ok(snap) => break value(&snap.session),
            Err(e) => assert!(Instant::now() < deadline, "{e:?}"),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(v, 1.0);
    // a replica started afterwards (a restarted gradtape) sees it too
    let fresh = SessionStore::from_config(&fleet.config).unwrap();
    assert_eq!(add_one(&fresh, &id, &token, None).await.unwrap().body, b"2");
}

#[tokio::test]
async fn a_replica_idle_while_redis_restarted_answers_its_first_calls() {
    let Some(mut fleet) = Fleet::redis("redis_idle_restart", quick()) else {
        return;
    };
    let s = fleet.replica();
    let (id, token) = session_with_v(&s, "c").await;
    add_one(&s, &id, &token, None).await.unwrap();
    // nothing calls this replica while Redis restarts: its connection dies unnoticed
    fleet.server.as_mut().unwrap().restart();
    let snap = s.read(&id, Some(&token)).await;
    assert_eq!(
        value(&snap.expect("the first read after a restart").session),
        1.0
    );
    fleet.server.as_mut().unwrap().restart();
    let after = add_one(&s, &id, &token, None).await;
    assert_eq!(after.expect("the first update after a restart").body, b"2");
    fleet.server.as_mut().unwrap().restart();
    let (other, _) = session_with_v(&s, "d").await;
    assert_ne!(other, id, "the first session made after a restart");
}
