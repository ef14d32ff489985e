//! `GET /metrics` in Prometheus text format: requests by route and status, evaluation time,
//! sessions alive, and errors by code (limit_exceeded counts the requests a limit rejected).
//!
//! Counters sit behind one std `Mutex` held for a map update, never across an `.await`.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Duration;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::{route, AppState, Route};

/// Upper bounds of the evaluation-time histogram, in seconds.
const BUCKETS: [f64; 12] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 0.5, 2.5, 10.0,
];

#[derive(Default)]
struct Counts {
    requests: BTreeMap<(String, String, u16), u64>,
    errors: BTreeMap<&'static str, u64>,
    eval_buckets: [u64; BUCKETS.len()],
    eval_count: u64,
    eval_sum: f64,
}

#[derive(Default)]
pub struct Metrics {
    counts: Mutex<Counts>,
}

/// The error code of a problem response, left by `AppError` for this middleware to count.
#[derive(Clone, Copy)]
pub struct ErrorCode(pub &'static str);

impl Metrics {
    fn counts(&self) -> std::sync::MutexGuard<'_, Counts> {
        self.counts.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Records the compute time of one evaluation (program, session call or curve).
    pub fn observe_evaluation(&self, took: Duration) {
        let s = took.as_secs_f64();
        let mut c = self.counts();
        c.eval_count += 1;
        c.eval_sum += s;
        if let Some(i) = BUCKETS.iter().position(|b| s <= *b) {
            c.eval_buckets[i] += 1;
        }
    }

    fn render(&self, sessions: usize) -> String {
        let c = self.counts();
        let mut out = String::new();
        out.push_str(
            "# HELP gradtape_http_requests_total HTTP requests answered, by route and status.\n",
        );
        out.push_str("# TYPE gradtape_http_requests_total counter\n");
        for ((method, path, status), n) in &c.requests {
            let _ = writeln!(out, "gradtape_http_requests_total{{method=\"{method}\",route=\"{path}\",status=\"{status}\"}} {n}");
        }
        out.push_str("# HELP gradtape_errors_total Problem responses by error code (limit_exceeded: rejected by a limit).\n");
        out.push_str("# TYPE gradtape_errors_total counter\n");
        for (code, n) in &c.errors {
            let _ = writeln!(out, "gradtape_errors_total{{code=\"{code}\"}} {n}");
        }
        out.push_str("# HELP gradtape_evaluation_seconds Time spent computing one evaluation.\n");
        out.push_str("# TYPE gradtape_evaluation_seconds histogram\n");
        let mut cumulative = 0;
        for (b, n) in BUCKETS.iter().zip(c.eval_buckets) {
            cumulative += n;
            let _ = writeln!(
                out,
                "gradtape_evaluation_seconds_bucket{{le=\"{b}\"}} {cumulative}"
            );
        }
        let _ = writeln!(
            out,
            "gradtape_evaluation_seconds_bucket{{le=\"+Inf\"}} {}",
            c.eval_count
        );
        let _ = writeln!(out, "gradtape_evaluation_seconds_sum {}", c.eval_sum);
        let _ = writeln!(out, "gradtape_evaluation_seconds_count {}", c.eval_count);
        out.push_str("# HELP gradtape_sessions_alive Sessions held (expired ones are dropped within 15 s).\n");
        out.push_str("# TYPE gradtape_sessions_alive gauge\n");
        let _ = writeln!(out, "gradtape_sessions_alive {sessions}");
        out
    }
}

pub fn routes() -> Vec<Route> {
    vec![route(Method::GET, "/metrics", metrics)]
}

async fn metrics(State(st): State<AppState>) -> Response {
    let body = st.metrics.render(st.sessions.count());
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}

/// Counts every response by its route template (not the raw path: ids would explode the labels).
pub async fn track(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let method = req.method().to_string();
    let path = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    let resp = next.run(req).await;
    let mut c = st.metrics.counts();
    *c.requests
        .entry((method, path, resp.status().as_u16()))
        .or_insert(0) += 1;
    if let Some(ErrorCode(code)) = resp.extensions().get::<ErrorCode>() {
        *c.errors.entry(code).or_insert(0) += 1;
    }
    resp
}
