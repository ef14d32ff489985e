//! Service configuration: command-line flags over environment variables over defaults.

use std::time::Duration;

use crate::engine::Limits;

#[derive(Clone, Debug)]
pub struct Config {
    pub addr: String,
    /// Largest request body accepted, in bytes (413 above).
    pub max_body_bytes: usize,
    /// Evaluations computing at once; more wait up to `queue_wait`, then get 503.
    pub max_concurrent_evaluations: usize,
    pub queue_wait: Duration,
    pub limits: Limits,
    pub session_ttl: Duration,
    pub max_sessions: usize,
    /// Bytes of tensors one session may hold (variables, named tensors, tapes).
    pub max_session_bytes: usize,
}

impl Default for Config {
    fn default() -> Config {
        let cores = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2);
        Config {
            addr: "127.0.0.1:8080".into(),
            max_body_bytes: 32 << 20,
            max_concurrent_evaluations: cores,
            queue_wait: Duration::from_secs(5),
            limits: Limits::default(),
            session_ttl: Duration::from_secs(30 * 60),
            max_sessions: 1000,
            max_session_bytes: 64 << 20,
        }
    }
}

fn env<T: std::str::FromStr>(key: &str) -> Result<Option<T>, String> {
    match std::env::var(key) {
        Ok(v) => v
            .parse()
            .map(Some)
            .map_err(|_| format!("{key}={v} is not a valid value")),
        Err(_) => Ok(None),
    }
}

impl Config {
    /// Reads `GRADTAPE_*` variables; see the README's configuration table.
    pub fn from_env() -> Result<Config, String> {
        let mut c = Config::default();
        if let Some(v) = env("GRADTAPE_ADDR")? {
            c.addr = v;
        }
        if let Some(v) = env("GRADTAPE_MAX_BODY_BYTES")? {
            c.max_body_bytes = v;
        }
        if let Some(v) = env("GRADTAPE_MAX_CONCURRENT_EVALUATIONS")? {
            c.max_concurrent_evaluations = v;
        }
        if let Some(v) = env::<u64>("GRADTAPE_QUEUE_WAIT_MS")? {
            c.queue_wait = Duration::from_millis(v);
        }
        if let Some(v) = env("GRADTAPE_MAX_TENSOR_ELEMENTS")? {
            c.limits.max_tensor_elements = v;
        }
        if let Some(v) = env("GRADTAPE_MAX_JACOBIAN_ELEMENTS")? {
            c.limits.max_jacobian_elements = v;
        }
        if let Some(v) = env("GRADTAPE_MAX_NODES")? {
            c.limits.max_nodes = v;
        }
        if let Some(v) = env("GRADTAPE_MAX_REQUESTS")? {
            c.limits.max_requests = v;
        }
        if let Some(v) = env("GRADTAPE_MAX_REQUEST_ELEMENTS")? {
            c.limits.max_request_elements = v;
        }
        if let Some(v) = env("GRADTAPE_MAX_MATMUL_FLOPS")? {
            c.limits.max_matmul_flops = v;
        }
        if let Some(v) = env("GRADTAPE_MAX_COMPUTE_MS")? {
            c.limits.max_compute_ms = v;
        }
        if let Some(v) = env("GRADTAPE_MAX_CHECK_PASSES")? {
            c.limits.max_check_passes = v;
        }
        if let Some(v) = env::<u64>("GRADTAPE_SESSION_TTL_SECS")? {
            c.session_ttl = Duration::from_secs(v);
        }
        if let Some(v) = env("GRADTAPE_MAX_SESSIONS")? {
            c.max_sessions = v;
        }
        if let Some(v) = env("GRADTAPE_MAX_SESSION_BYTES")? {
            c.max_session_bytes = v;
        }
        if c.max_concurrent_evaluations == 0 {
            return Err("GRADTAPE_MAX_CONCURRENT_EVALUATIONS must be at least 1".into());
        }
        Ok(c)
    }
}
