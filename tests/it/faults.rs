//! Fault tests over real processes: gradtape replicas (this build's binary) sharing one private
//! `redis-server`, reached over HTTP on loopback, killed with SIGKILL as a crash would.

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::redis_server::{free_port, RedisServer};

/// One gradtape process on its own port.
struct Replica {
    child: Child,
    port: u16,
}

impl Replica {
    async fn start(redis: &RedisServer, prefix: &str) -> Replica {
        let port = free_port();
        let child = Command::new(env!("CARGO_BIN_EXE_gradtape"))
            .env("GRADTAPE_ADDR", format!("127.0.0.1:{port}"))
            .env("GRADTAPE_SESSION_STORE", redis.url())
            .env("GRADTAPE_SESSION_KEY_PREFIX", prefix)
            // a crashed replica blocks its session for at most this long
            .env("GRADTAPE_SESSION_LEASE_MS", "1000")
            .env("RUST_LOG", "error")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the gradtape binary starts");
        let r = Replica { child, port };
        let deadline = Instant::now() + Duration::from_secs(20);
        while http(r.port, "GET", "/healthz", &[], None).await.is_err() {
            assert!(
                Instant::now() < deadline,
                "a replica did not answer /healthz in 20 s"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        r
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        self.kill();
    }
}

struct Answer {
    status: u16,
    headers: HashMap<String, String>,
    body: Value,
}

/// One HTTP/1.1 call on a fresh connection (`Connection: close`, so the body ends the stream).
async fn http(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<Value>,
) -> std::io::Result<Answer> {
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port)).await?;
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(&body);
    s.write_all(req.as_bytes()).await?;
    let mut out = Vec::new();
    tokio::time::timeout(Duration::from_secs(15), s.read_to_end(&mut out))
        .await
        .map_err(|_| std::io::Error::other("no answer in 15 s"))??;
    let text = String::from_utf8_lossy(&out);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| std::io::Error::other(format!("not an HTTP answer: {text}")))?;
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("no status line: {head}")))?;
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let body = serde_json::from_str(body).unwrap_or(Value::String(body.to_string()));
    Ok(Answer {
        status,
        headers,
        body,
    })
}

/// A session made through `port`: (path prefix, Authorization header value).
async fn new_session(port: u16) -> (String, String) {
    let a = http(port, "POST", "/v1/sessions", &[], None).await.unwrap();
    assert_eq!(a.status, 201, "{}", a.body);
    (
        format!("/v1/sessions/{}", a.body["id"].as_str().unwrap()),
        format!("Bearer {}", a.body["token"].as_str().unwrap()),
    )
}

async fn ok(port: u16, method: &str, path: &str, auth: &str, body: Option<Value>) -> Value {
    let a = http(port, method, path, &[("Authorization", auth)], body)
        .await
        .unwrap();
    assert!(
        (200..300).contains(&a.status),
        "{method} {path}: {} {}",
        a.status,
        a.body
    );
    a.body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_continues_through_every_replica_and_outlives_them() {
    let Some(redis) = RedisServer::start("continues_across_replicas") else {
        return;
    };
    let mut replicas = vec![];
    for _ in 0..3 {
        replicas.push(Replica::start(&redis, "faults1").await);
    }
    let p: Vec<u16> = replicas.iter().map(|r| r.port).collect();
    let (base, auth) = new_session(p[0]).await;
    ok(
        p[1],
        "POST",
        &format!("{base}/variables"),
        &auth,
        Some(json!({"name": "w", "value": [1.0, 2.0]})),
    )
    .await;
    let tape = ok(p[2], "POST", &format!("{base}/tapes"), &auth, None).await;
    let t = tape["id"].as_str().unwrap().to_string();
    let graph = json!({"nodes": [
        {"name": "y", "op": "multiply", "inputs": ["w", "w"]},
        {"name": "L", "op": "reduce_sum", "inputs": ["y"]}]});
    ok(p[0], "POST", &format!("{base}/graph"), &auth, Some(graph)).await;
    // L = sum(w^2), so dL/dw = 2w = [2, 4]
    let g = ok(
        p[1],
        "POST",
        &format!("{base}/tapes/{t}/gradient"),
        &auth,
        Some(json!({"target": "L", "sources": "w"})),
    )
    .await;
    assert_eq!(g["gradient"]["value"], json!([2.0, 4.0]));
    // every replica restarts (a deploy): the session, its tape and its bindings are still there
    drop(replicas);
    let fresh = Replica::start(&redis, "faults1").await;
    let w = ok(
        fresh.port,
        "GET",
        &format!("{base}/variables/w"),
        &auth,
        None,
    )
    .await;
    assert_eq!(w["value"], json!([1.0, 2.0]));
    // the tape was not persistent and already answered: TensorFlow's tape_exhausted, as before
    let again = http(
        fresh.port,
        "POST",
        &format!("{base}/tapes/{t}/gradient"),
        &[("Authorization", &auth)],
        Some(json!({"target": "L", "sources": "w"})),
    )
    .await
    .unwrap();
    assert_eq!(
        (again.status, again.body["code"].clone()),
        (409, json!("tape_exhausted"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_killed_under_load_loses_no_acknowledged_write() {
    let Some(redis) = RedisServer::start("replica_killed") else {
        return;
    };
    let mut replicas = vec![];
    for _ in 0..3 {
        replicas.push(Replica::start(&redis, "faults2").await);
    }
    let ports: Vec<u16> = replicas.iter().map(|r| r.port).collect();
    let (base, auth) = new_session(ports[0]).await;
    ok(
        ports[0],
        "POST",
        &format!("{base}/variables"),
        &auth,
        Some(json!({"name": "v", "value": 0.0})),
    )
    .await;
    let assign = format!("{base}/variables/v/assign");
    let mut clients = vec![];
    for c in 0..20usize {
        let (ports, assign, auth) = (ports.clone(), assign.clone(), auth.clone());
        clients.push(tokio::spawn(async move {
            for n in 0..10usize {
                // one key per logical call; every resend (to the next replica) carries it
                let key = format!("client{c}-call{n}");
                let mut attempt = c + n;
                loop {
                    let port = ports[attempt % ports.len()];
                    let headers = [
                        ("Authorization", auth.as_str()),
                        ("Idempotency-Key", key.as_str()),
                    ];
                    let body = json!({"op": "assign_add", "value": 1.0});
                    match http(port, "POST", &assign, &headers, Some(body)).await {
                        Ok(a) if a.status == 200 => break,
                        Ok(a) if a.status == 503 => assert!(a.headers.contains_key("retry-after")),
                        Ok(a) => panic!("{} {}", a.status, a.body),
                        Err(_) => {} // the replica died: the next one
                    }
                    attempt += 1;
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }
        }));
    }
    // kill replica 1 once the load is well under way, not before it starts or after it ends
    let var = format!("{base}/variables/v");
    let at_kill = loop {
        let v = ok(ports[0], "GET", &var, &auth, None).await["value"]
            .as_f64()
            .unwrap();
        if v >= 40.0 {
            break v;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    replicas[1].kill();
    assert!(at_kill < 200.0, "the load ended before the kill: {at_kill}");
    for c in clients {
        c.await.unwrap();
    }
    // 20 clients x 10 acknowledged assign_add(1.0), each applied exactly once
    let v = ok(ports[0], "GET", &format!("{base}/variables/v"), &auth, None).await;
    assert_eq!(v["value"], json!(200.0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_redis_down_sessions_answer_503_fast_and_evaluate_keeps_answering() {
    let Some(mut redis) = RedisServer::start("redis_down") else {
        return;
    };
    let r = Replica::start(&redis, "faults3").await;
    let (base, auth) = new_session(r.port).await;
    ok(
        r.port,
        "POST",
        &format!("{base}/variables"),
        &auth,
        Some(json!({"name": "v", "value": 3.0})),
    )
    .await;
    let ready = http(r.port, "GET", "/readyz", &[], None).await.unwrap();
    assert_eq!(
        (ready.status, ready.body["session_store"].clone()),
        (200, json!("redis"))
    );
    redis.kill();
    let t0 = Instant::now();
    let down = http(
        r.port,
        "GET",
        &format!("{base}/variables/v"),
        &[("Authorization", &auth)],
        None,
    )
    .await
    .unwrap();
    assert!(
        t0.elapsed() < Duration::from_secs(2),
        "answered after {:?}",
        t0.elapsed()
    );
    assert_eq!(down.status, 503, "{}", down.body);
    assert_eq!(
        down.headers.get("retry-after").map(String::as_str),
        Some("1")
    );
    assert_eq!(down.body["code"], "unavailable");
    let t0 = Instant::now();
    let ready = http(r.port, "GET", "/readyz", &[], None).await.unwrap();
    assert!(t0.elapsed() < Duration::from_secs(2));
    assert_eq!(ready.status, 503);
    assert!(
        ready.body["detail"].as_str().unwrap().contains("redis"),
        "{}",
        ready.body
    );
    assert_eq!(
        http(r.port, "GET", "/healthz", &[], None)
            .await
            .unwrap()
            .status,
        200
    );
    let program =
        json!({"setup": [{"name": "x", "op": "constant", "value": [1.0, 2.0]}], "outputs": ["x"]});
    assert_eq!(
        http(r.port, "POST", "/v1/evaluate", &[], Some(program))
            .await
            .unwrap()
            .status,
        200
    );
    // Redis back from its append-only file: the session is there, and the replica reconnects
    redis.restart();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let a = http(
            r.port,
            "GET",
            &format!("{base}/variables/v"),
            &[("Authorization", &auth)],
            None,
        )
        .await
        .unwrap();
        if a.status == 200 {
            assert_eq!(a.body["value"], json!(3.0));
            break;
        }
        assert!(Instant::now() < deadline, "{} {}", a.status, a.body);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
