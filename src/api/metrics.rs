//! `GET /metrics` in Prometheus text format: requests by route and status, HTTP latency by
//! route, evaluation time, sessions alive, problem responses by code (limit_exceeded counts the
//! requests a limit rejected) and per-request errors inside `results` by code.
//!
//! Counters sit behind one std `Mutex` held for a map update, never across an `.await`.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Duration;

use axum::extract::State;
use axum::http::{header, Method};
use axum::response::{IntoResponse, Response};

use super::{route, AppState, Route};

/// Upper bounds of the evaluation-time histogram, in seconds.
const BUCKETS: [f64; 12] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 0.5, 2.5, 10.0,
];

/// One histogram over `BUCKETS`.
#[derive(Default, Clone)]
struct Histogram {
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

impl Histogram {
    fn observe(&mut self, s: f64) {
        self.count += 1;
        self.sum += s;
        if let Some(i) = BUCKETS.iter().position(|b| s <= *b) {
            self.buckets[i] += 1;
        }
    }

    fn render(&self, out: &mut String, name: &str, labels: &str) {
        let sep = if labels.is_empty() { "" } else { "," };
        let mut cumulative = 0;
        for (b, n) in BUCKETS.iter().zip(self.buckets) {
            cumulative += n;
            let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"{b}\"}} {cumulative}");
        }
        let _ = writeln!(
            out,
            "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {}",
            self.count
        );
        let braces = |l: &str| {
            if l.is_empty() {
                String::new()
            } else {
                format!("{{{l}}}")
            }
        };
        let _ = writeln!(out, "{name}_sum{} {}", braces(labels), self.sum);
        let _ = writeln!(out, "{name}_count{} {}", braces(labels), self.count);
    }
}

/// One route's requests by status and its latency.
#[derive(Default)]
struct RouteCounts {
    statuses: BTreeMap<u16, u64>,
    latency: Histogram,
}

/// Routes as (method, path) in the order first seen: a request finds its counters by comparing
/// the method and the route's name (one of the router's own `'static` paths), with no string
/// hashing or tree walk, and counting one allocates nothing once its route has been seen. The
/// text sorts them by method, then path.
#[derive(Default)]
struct Counts {
    routes: Vec<(Method, &'static str, RouteCounts)>,
    errors: BTreeMap<&'static str, u64>,
    result_errors: BTreeMap<&'static str, u64>,
    evaluation: Histogram,
}

impl Counts {
    fn route(&mut self, method: &Method, route: &'static str) -> &mut RouteCounts {
        let at = match self
            .routes
            .iter()
            .position(|(m, r, _)| m == method && *r == route)
        {
            Some(at) => at,
            None => {
                let fresh = (method.clone(), route, RouteCounts::default());
                self.routes.push(fresh);
                self.routes.len() - 1
            }
        };
        &mut self.routes[at].2
    }

    /// (method, path, counts) in the order of method, then path.
    fn each_route(&self) -> impl Iterator<Item = (&str, &str, &RouteCounts)> {
        let mut all: Vec<_> = self
            .routes
            .iter()
            .map(|(m, p, r)| (m.as_str(), *p, r))
            .collect();
        all.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
        all.into_iter()
    }
}

#[derive(Default)]
pub struct Metrics {
    counts: Mutex<Counts>,
}

/// The error code and node of a problem response, left by `AppError` for the access
/// middleware to count and log.
#[derive(Clone)]
pub struct ErrorCode(pub &'static str, pub Option<String>);

impl Metrics {
    fn counts(&self) -> std::sync::MutexGuard<'_, Counts> {
        self.counts.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Records the compute time of one evaluation (program, session call or curve).
    pub fn observe_evaluation(&self, took: Duration) {
        self.counts().evaluation.observe(took.as_secs_f64());
    }

    /// Counts the per-request errors of one evaluation's `results` by code.
    pub fn count_result_errors(&self, results: &[crate::engine::Answer]) {
        let mut codes = results.iter().filter_map(|a| match a {
            crate::engine::Answer::Error(e) => Some(e.code.as_str()),
            _ => None,
        });
        let Some(first) = codes.next() else { return };
        let mut c = self.counts();
        for code in std::iter::once(first).chain(codes) {
            *c.result_errors.entry(code).or_insert(0) += 1;
        }
    }

    /// Counts one answered request, its latency and (for a problem response) its code.
    pub fn observe_request(
        &self,
        method: &Method,
        route: &'static str,
        status: u16,
        took: Duration,
        code: Option<&'static str>,
    ) {
        let mut c = self.counts();
        let r = c.route(method, route);
        *r.statuses.entry(status).or_insert(0) += 1;
        r.latency.observe(took.as_secs_f64());
        if let Some(code) = code {
            *c.errors.entry(code).or_insert(0) += 1;
        }
    }

    fn render(&self, sessions: usize) -> String {
        let c = self.counts();
        let mut out = String::new();
        out.push_str(
            "# HELP gradtape_http_requests_total HTTP requests answered, by route and status.\n",
        );
        out.push_str("# TYPE gradtape_http_requests_total counter\n");
        for (method, path, r) in c.each_route() {
            for (status, n) in &r.statuses {
                let _ = writeln!(out, "gradtape_http_requests_total{{method=\"{method}\",route=\"{path}\",status=\"{status}\"}} {n}");
            }
        }
        out.push_str("# HELP gradtape_errors_total Problem responses by error code (limit_exceeded: rejected by a limit).\n");
        out.push_str("# TYPE gradtape_errors_total counter\n");
        for (code, n) in &c.errors {
            let _ = writeln!(out, "gradtape_errors_total{{code=\"{code}\"}} {n}");
        }
        out.push_str("# HELP gradtape_result_errors_total Per-request errors inside /v1/evaluate results, by code.\n");
        out.push_str("# TYPE gradtape_result_errors_total counter\n");
        for (code, n) in &c.result_errors {
            let _ = writeln!(out, "gradtape_result_errors_total{{code=\"{code}\"}} {n}");
        }
        out.push_str("# HELP gradtape_http_request_duration_seconds Time from request to response, by route.\n");
        out.push_str("# TYPE gradtape_http_request_duration_seconds histogram\n");
        for (method, path, r) in c.each_route() {
            let labels = format!("method=\"{method}\",route=\"{path}\"");
            r.latency
                .render(&mut out, "gradtape_http_request_duration_seconds", &labels);
        }
        out.push_str("# HELP gradtape_evaluation_seconds Time spent computing one evaluation.\n");
        out.push_str("# TYPE gradtape_evaluation_seconds histogram\n");
        c.evaluation
            .render(&mut out, "gradtape_evaluation_seconds", "");
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
