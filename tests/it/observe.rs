//! What an operator sees: one access-log line per request (a client error with its code and
//! node, latency as a number, health probes kept out of the info level), request ids in problem
//! bodies, and the per-route latency and per-request error metrics.

use std::cell::RefCell;
use std::sync::{Arc, Mutex, Once};

use serde_json::json;

use crate::support::{call, test_app};

/// Log lines captured from the tracing subscriber as JSON objects.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn lines(&self) -> Vec<serde_json::Value> {
        let text = String::from_utf8(self.0.lock().unwrap().clone()).unwrap();
        text.lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }
}

thread_local! {
    static CAPTURE: RefCell<Option<Captured>> = const { RefCell::new(None) };
}

thread_local! {
    /// A client's socket whose received bytes each log line of this thread looks for.
    static PEER: RefCell<Option<std::net::TcpStream>> = const { RefCell::new(None) };
    /// For each line written while `PEER` is set: whether the answer had reached it.
    static ANSWER_ARRIVED: RefCell<Vec<bool>> = const { RefCell::new(Vec::new()) };
}

/// Writes a log line to the capture of the thread that logged it, if its test set one.
struct ThreadCapture;

impl std::io::Write for ThreadCapture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        CAPTURE.with(|c| {
            if let Some(out) = &*c.borrow() {
                out.0.lock().unwrap().extend_from_slice(buf);
            }
        });
        PEER.with(|p| {
            if let Some(peer) = &*p.borrow() {
                let arrived = matches!(peer.peek(&mut [0u8; 1]), Ok(n) if n > 0);
                ANSWER_ARRIVED.with(|a| a.borrow_mut().push(arrived));
            }
        });
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Captures the JSON log lines this thread writes from now on. The subscriber is the global
/// default, installed once: a scoped one races with tests on other threads that meet the
/// access log's callsite first and cache "never" for it, and then this test sees no line.
fn capture_this_thread() -> Captured {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let subscriber = tracing_subscriber::fmt()
            .json()
            .with_max_level(tracing::Level::INFO)
            .with_writer(|| ThreadCapture)
            .finish();
        tracing::subscriber::set_global_default(subscriber)
            .expect("no other test installs a global subscriber");
    });
    let out = Captured::default();
    CAPTURE.with(|c| *c.borrow_mut() = Some(out.clone()));
    out
}

#[tokio::test]
async fn access_lines_carry_code_node_and_a_numeric_latency() {
    let out = capture_this_thread();
    let app = test_app();
    let bad = json!({"graph": [{"name": "y", "op": "square", "inputs": ["nope"]}]});
    let (status, body) = call(&app, "POST", "/v1/evaluate", Some(bad), &[]).await;
    assert_eq!(status, 422);
    call(&app, "GET", "/healthz", None, &[]).await;
    let lines = out.lines();
    let access: Vec<&serde_json::Value> = lines
        .iter()
        .filter(|l| l["fields"]["latency_us"].is_u64())
        .collect();
    assert_eq!(
        access.len(),
        1,
        "one info line, none for /healthz: {lines:?}"
    );
    let f = &access[0]["fields"];
    assert_eq!(f["status"], 422);
    assert_eq!(f["code"], body["code"]);
    assert_eq!(f["node"], "y");
    assert_eq!(f["message"], "client error");
}

#[tokio::test]
async fn problem_bodies_name_a_random_request_id() {
    let app = test_app();
    let mut ids = Vec::new();
    for _ in 0..3 {
        let (status, body) = call(&app, "GET", "/v1/sessions/nope", None, &[]).await;
        assert!(status.is_client_error());
        let id = body["request_id"]
            .as_str()
            .expect("a request id")
            .to_string();
        assert_eq!(id.len(), 16);
        ids.push(id);
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 3, "distinct ids");
    // not a counter from zero
    assert!(
        ids.iter().all(|i| i.trim_start_matches('0').len() > 4),
        "{ids:?}"
    );
}

#[tokio::test]
async fn metrics_have_latency_by_route_and_result_errors_by_code() {
    let app = test_app();
    // a non-persistent tape answers once: the second gradient is a per-request error
    let prog = json!({
        "variables": [{"name": "x", "value": {"value": [1.0, 2.0], "dtype": "float32"}}],
        "graph": [{"name": "y", "op": "square", "inputs": ["x"]}],
        "requests": [{"gradient": {"target": "y", "sources": "x"}},
                     {"gradient": {"target": "y", "sources": "x"}}]
    });
    let (status, body) = call(&app, "POST", "/v1/evaluate", Some(prog), &[]).await;
    assert_eq!(status, 200);
    assert_eq!(body["results"][1]["error"]["code"], "tape_exhausted");
    assert!(body["results"][1]["error"]["detail"].is_string());
    let text = metrics_text(&app).await;
    assert!(
        text.contains("gradtape_result_errors_total{code=\"tape_exhausted\"} 1"),
        "{text}"
    );
    assert!(text.contains(
        "gradtape_http_request_duration_seconds_count{method=\"POST\",route=\"/v1/evaluate\"} 1"
    ));
}

async fn metrics_text(app: &axum::Router) -> String {
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let req = axum::http::Request::builder()
        .uri("/metrics")
        .body(axum::body::Body::empty())
        .unwrap();
    let resp = app.clone().oneshot(req).await.unwrap();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    String::from_utf8(bytes.to_vec()).unwrap()
}

/// Through the accept loop `gradtape serve` runs, a request's access line is written once its
/// answer has reached the client's socket (`api::later`), so the client waits for none of it.
/// The runtime has one thread: the server logs on the test's thread, into its capture.
#[tokio::test]
async fn the_access_line_is_written_once_the_answer_has_reached_the_client() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let out = capture_this_thread();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(gradtape::api::serve(
        listener,
        gradtape::api::AppState::new(gradtape::config::Config::default()),
        async {
            let _ = stopped.await;
        },
    ));
    let mut client = tokio::net::TcpStream::connect(addr).await.unwrap();
    let watched = client.into_std().unwrap();
    PEER.with(|p| *p.borrow_mut() = Some(watched.try_clone().unwrap()));
    client = tokio::net::TcpStream::from_std(watched).unwrap();
    let body = json!({"setup": [{"name": "x", "op": "constant", "value": 2.0}], "outputs": ["x"]})
        .to_string();
    let request = format!(
        "POST /v1/evaluate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    client.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    client.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
    PEER.with(|p| *p.borrow_mut() = None);
    let _ = stop.send(());
    server.await.unwrap();
    let answered: Vec<_> = out
        .lines()
        .into_iter()
        .filter(|l| l["fields"]["message"] == "answered")
        .collect();
    assert_eq!(answered.len(), 1, "one access line: {answered:?}");
    assert_eq!(
        ANSWER_ARRIVED.with(|a| a.borrow().clone()),
        [true],
        "the line was written before the answer reached the client"
    );
}
