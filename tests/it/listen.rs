//! `gradtape::api::serve`, the accept loop `gradtape serve` runs, over real sockets: requests
//! with bodies on one kept-alive connection, the peer's address reaching the session bound, a
//! shutdown that finishes the request in flight before it returns, and the read timeout that
//! takes a connection back from a client that stops sending.

use std::time::{Duration, Instant};

use gradtape::api::{app, serve, AppState};
use gradtape::config::Config;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

use super::support::call;

fn post(path: &str, body: &str, last: bool) -> String {
    let close = if last { "Connection: close\r\n" } else { "" };
    format!(
        "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n{close}\r\n{body}",
        body.len()
    )
}

/// A server on a free port, stopped when the returned sender fires or is dropped.
async fn start(
    state: AppState,
) -> (
    std::net::SocketAddr,
    oneshot::Sender<()>,
    tokio::task::JoinHandle<()>,
) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(serve(listener, state, async {
        let _ = stopped.await;
    }));
    (addr, stop, server)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pipelined_requests_with_bodies_are_all_answered_in_order() {
    let (addr, _stop, _server) = start(AppState::new(Config::default())).await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let mut requests = String::new();
    for (i, v) in [1.5, 2.5, 3.5].iter().enumerate() {
        let body =
            json!({"setup": [{"name": "x", "op": "constant", "value": v}], "outputs": ["x"]});
        requests += &post("/v1/evaluate", &body.to_string(), i == 2);
    }
    stream.write_all(requests.as_bytes()).await.unwrap();
    let mut resp = String::new();
    stream.read_to_string(&mut resp).await.unwrap();
    assert_eq!(resp.matches("HTTP/1.1 200 OK").count(), 3, "{resp}");
    let values: Vec<usize> = ["1.5", "2.5", "3.5"]
        .iter()
        .map(|v| resp.find(&format!("\"value\":{v}")).expect(v))
        .collect();
    assert!(values.windows(2).all(|w| w[0] < w[1]), "{resp}");
}

#[tokio::test]
async fn the_connections_peer_is_the_client_a_session_bound_counts() {
    let config = Config {
        max_sessions_per_client: 1,
        ..Config::default()
    };
    let state = AppState::new(config);
    // without a socket the client is "local"; it takes that client's one session
    let (status, body) = call(&app(state.clone()), "POST", "/v1/sessions", None, &[]).await;
    assert_eq!(status, 201, "{body}");
    let (addr, _stop, _server) = start(state).await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(post("/v1/sessions", "", true).as_bytes())
        .await
        .unwrap();
    let mut resp = String::new();
    stream.read_to_string(&mut resp).await.unwrap();
    assert!(
        resp.starts_with("HTTP/1.1 201"),
        "127.0.0.1 has no session yet: {resp}"
    );
}

#[tokio::test]
async fn shutdown_finishes_the_request_in_flight_and_then_returns() {
    let (addr, stop, server) = start(AppState::new(Config::default())).await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let body = r#"{"setup":[{"name":"x","op":"constant","value":[1.0,2.0]}],"outputs":["x"]}"#;
    let request = post("/v1/evaluate", body, false);
    let (head, tail) = request.split_at(request.len() - 10);
    stream.write_all(head.as_bytes()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    stop.send(()).unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(!server.is_finished(), "a request was still being read");
    stream.write_all(tail.as_bytes()).await.unwrap();
    let mut resp = String::new();
    stream.read_to_string(&mut resp).await.unwrap();
    assert!(resp.starts_with("HTTP/1.1 200"), "{resp}");
    assert!(resp.contains("[1.0,2.0]"), "{resp}");
    tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("serve returns once its last connection has closed")
        .unwrap();
    assert!(
        TcpStream::connect(addr).await.is_err(),
        "the listener is closed"
    );
}

#[tokio::test]
async fn a_body_the_route_never_reads_does_not_close_the_connection() {
    let (addr, _stop, _server) = start(AppState::new(Config::default())).await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    // a tape's stop in no session is refused before its body matters; the body comes in a
    // packet of its own after the headers, as Python's http.client sends a small one
    let request = post("/v1/sessions/nope/tapes/t1/stop", "{}", false);
    let (head, body) = request.split_at(request.len() - 2);
    stream.write_all(head.as_bytes()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    stream.write_all(body.as_bytes()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    let next = "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    // a write to a connection the server closed still succeeds: the answers below tell
    stream.write_all(next.as_bytes()).await.unwrap();
    let mut resp = String::new();
    stream.read_to_string(&mut resp).await.unwrap();
    assert!(resp.starts_with("HTTP/1.1 404"), "{resp}");
    assert!(
        resp.contains("HTTP/1.1 200 OK") && resp.ends_with("ok"),
        "the request after it is answered on the same connection: {resp}"
    );
}

/// The read timeout of the tests below: short, and long enough that a pause well within it
/// stays within it on a loaded machine.
const READ_TIMEOUT: Duration = Duration::from_millis(1000);

/// A server whose connections wait `READ_TIMEOUT` on their clients.
async fn start_impatient() -> (std::net::SocketAddr, oneshot::Sender<()>) {
    let config = Config {
        read_timeout: READ_TIMEOUT,
        ..Config::default()
    };
    let (addr, stop, _server) = start(AppState::new(config)).await;
    (addr, stop)
}

/// One answer, read to the end of its body (by its Content-Length).
async fn one_answer(stream: &mut TcpStream) -> String {
    let mut resp = Vec::new();
    loop {
        let mut chunk = [0u8; 4096];
        let n = stream.read(&mut chunk).await.unwrap();
        assert!(
            n > 0,
            "the connection closed before the answer's end: {}",
            String::from_utf8_lossy(&resp)
        );
        resp.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&resp).into_owned();
        let Some((head, body)) = text.split_once("\r\n\r\n") else {
            continue;
        };
        let length = head
            .lines()
            .find_map(|l| {
                l.to_ascii_lowercase()
                    .strip_prefix("content-length: ")?
                    .parse()
                    .ok()
            })
            .expect("an answer with a Content-Length");
        if body.len() >= length {
            return text;
        }
    }
}

/// Everything the server sends until it closes the connection, and how long that took; panics
/// if the connection is still open after `READ_TIMEOUT` and five seconds more.
async fn until_closed(stream: &mut (impl AsyncReadExt + Unpin)) -> (String, Duration) {
    let started = Instant::now();
    let mut resp = Vec::new();
    tokio::time::timeout(
        READ_TIMEOUT + Duration::from_secs(5),
        stream.read_to_end(&mut resp),
    )
    .await
    .expect("the server closes a connection whose client stopped sending")
    .unwrap();
    (
        String::from_utf8_lossy(&resp).into_owned(),
        started.elapsed(),
    )
}

/// Sends `start`, then `byte` every quarter of the read timeout (never silent for a whole one),
/// until the server closes the connection: what it sent, and how long after `start` it closed.
async fn trickle_until_closed(
    stream: &mut TcpStream,
    start: &[u8],
    byte: &[u8],
) -> (String, Duration) {
    let (mut from_server, mut to_server) = stream.split();
    to_server.write_all(start).await.unwrap();
    let trickle = async {
        while to_server.write_all(byte).await.is_ok() {
            tokio::time::sleep(READ_TIMEOUT / 4).await;
        }
        std::future::pending::<()>().await
    };
    tokio::select! {
        closed = until_closed(&mut from_server) => closed,
        () = trickle => unreachable!("the trickle never ends by itself"),
    }
}

#[tokio::test]
async fn a_client_that_stops_in_the_middle_of_its_headers_is_closed_after_the_read_timeout() {
    let (addr, _stop) = start_impatient().await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(b"POST /v1/evaluate HTTP/1.1\r\nHost: x\r\nContent-")
        .await
        .unwrap();
    let (resp, waited) = until_closed(&mut stream).await;
    assert_eq!(resp, "", "a request without its head gets no answer");
    assert!(
        waited >= READ_TIMEOUT - Duration::from_millis(50),
        "closed after {waited:?}"
    );
}

#[tokio::test]
async fn a_client_trickling_its_headers_a_byte_at_a_time_is_closed_all_the_same() {
    let (addr, _stop) = start_impatient().await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let (resp, _) = trickle_until_closed(
        &mut stream,
        b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ",
        b"a",
    )
    .await;
    assert_eq!(resp, "", "a request without its head gets no answer");
}

#[tokio::test]
async fn a_body_that_stops_short_of_its_content_length_is_answered_408_and_closed() {
    let (addr, _stop) = start_impatient().await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let head = "POST /v1/evaluate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n";
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(br#"{"setup":["#).await.unwrap();
    let (resp, waited) = until_closed(&mut stream).await;
    assert!(resp.starts_with("HTTP/1.1 408"), "{resp}");
    assert!(resp.contains("connection: close"), "{resp}");
    assert!(
        resp.contains("application/problem+json") && resp.contains(r#""code":"limit_exceeded""#),
        "{resp}"
    );
    assert!(
        resp.contains("GRADTAPE_READ_TIMEOUT_SECS") && resp.contains("Content-Length"),
        "the detail says which setting and what to send: {resp}"
    );
    assert!(
        waited >= READ_TIMEOUT - Duration::from_millis(50),
        "answered after {waited:?}"
    );
}

#[tokio::test]
async fn a_body_trickled_within_every_read_timeout_but_below_the_minimum_rate_is_answered_408() {
    let config = Config {
        read_timeout: READ_TIMEOUT,
        min_body_rate: 100,
        ..Config::default()
    };
    let (addr, _stop, _server) = start(AppState::new(config)).await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let head = "POST /v1/evaluate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n";
    // ~4 bytes a second against the 100 asked for
    let (resp, waited) = trickle_until_closed(&mut stream, head.as_bytes(), b" ").await;
    assert!(resp.starts_with("HTTP/1.1 408"), "{resp}");
    assert!(
        resp.contains(r#""code":"limit_exceeded""#) && resp.contains("connection: close"),
        "{resp}"
    );
    assert!(
        resp.contains("came too slowly")
            && resp.contains("GRADTAPE_MIN_BODY_BYTES_PER_SEC")
            && resp.contains("must average at least 100 bytes a second"),
        "the detail says what was too slow and which setting: {resp}"
    );
    assert!(
        waited >= READ_TIMEOUT - Duration::from_millis(50),
        "a body has the read timeout's grace before the rate counts: answered after {waited:?}"
    );
}

#[tokio::test]
async fn a_kept_alive_client_pausing_within_the_read_timeout_keeps_its_connection_until_it_idles_past_it(
) {
    let (addr, _stop) = start_impatient().await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let body = r#"{"setup":[{"name":"x","op":"constant","value":2.5}],"outputs":["x"]}"#;
    let request = post("/v1/evaluate", body, false);
    let (head, tail) = request.split_at(request.len() - 10);
    let pause = READ_TIMEOUT * 2 / 5;
    // three requests, each sent in two parts with a pause before and inside its body: together
    // several read timeouts long, and each wait within one
    for _ in 0..3 {
        tokio::time::sleep(pause).await;
        stream.write_all(head.as_bytes()).await.unwrap();
        tokio::time::sleep(pause).await;
        stream.write_all(tail.as_bytes()).await.unwrap();
        let resp = one_answer(&mut stream).await;
        assert!(
            resp.starts_with("HTTP/1.1 200") && resp.contains("2.5"),
            "{resp}"
        );
    }
    let (resp, idled) = until_closed(&mut stream).await;
    assert_eq!(resp, "", "an idle connection closes without an answer");
    assert!(
        idled >= READ_TIMEOUT - Duration::from_millis(50),
        "closed after {idled:?}"
    );
}
