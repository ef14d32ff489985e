//! Service configuration: command-line flags over environment variables over defaults.

use std::time::Duration;

use crate::engine::Limits;

#[derive(Clone, Debug)]
pub struct Config {
    pub addr: String,
    /// Largest request body accepted, in bytes (413 above).
    pub max_body_bytes: usize,
    /// How long a connection waits on its client: for a request's head, an idle kept-alive
    /// connection's wait included (closed after one to two of these), and for each next piece
    /// of a body (408 past it).
    pub read_timeout: Duration,
    /// Once a body has waited `read_timeout`, the bytes a second it must have averaged since
    /// its first wait (408 below it; 0 turns the check off): a client that trickles a byte
    /// just within every read timeout still gives its connection back.
    pub min_body_rate: u64,
    /// The CPU whose TensorFlow 2.15 the engine answers as (the last bits of float32 products
    /// and softmaxes): `avx512`, the reference machine, or `avx2` (`engine::cpu`).
    pub tf_cpu: crate::engine::cpu::Isa,
    /// `GRADTAPE_TF_ONEDNN`: whether TensorFlow's oneDNN kernels are the ones answered as.
    pub tf_onednn: bool,
    /// Evaluations computing at once; more wait up to `queue_wait`, then get 503.
    pub max_concurrent_evaluations: usize,
    pub queue_wait: Duration,
    pub limits: Limits,
    pub session_ttl: Duration,
    pub max_sessions: usize,
    /// Bytes of tensors one session may hold (variables, named tensors, tapes).
    pub max_session_bytes: usize,
    /// Statements, loop turns and calls one notebook cell may take.
    pub max_cell_steps: u64,
    /// Bytes of one notebook cell's text.
    pub max_cell_bytes: usize,
    /// Bytes of Python strings, lists and tuples one notebook cell may make, all told.
    pub max_cell_python_bytes: usize,
    /// Bytes of tensors all sessions together may hold (fleet-wide with a shared store).
    pub max_total_session_bytes: usize,
    /// Sessions one client address may hold at once.
    pub max_sessions_per_client: usize,
    /// Where sessions live: `None` in this process's memory, or a `redis://` URL.
    pub session_store: Option<String>,
    /// Prefix of every key in a shared store (several deployments can share one Redis).
    pub session_key_prefix: String,
    /// How long a call that finds its session busy waits before answering 503.
    pub session_wait: Duration,
    /// How long a replica that dies mid-call blocks its session (the lease, renewed while the
    /// call runs).
    pub session_lease: Duration,
    /// How long one store round trip may take before the store counts as down.
    pub store_timeout: Duration,
    /// Take the client address for the per-client bound from `X-Forwarded-For`'s last entry
    /// (set behind a proxy that writes it, as docker/compose.replicas.yaml's nginx does).
    pub trust_forwarded_for: bool,
}

impl Default for Config {
    fn default() -> Config {
        let cores = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2);
        Config {
            addr: "127.0.0.1:8080".into(),
            max_body_bytes: 32 << 20,
            // a wait for the next bytes, not for the whole body: a 32 MiB upload on a slow link
            // keeps sending well within it; only a client that stops sends nothing this long
            read_timeout: Duration::from_secs(30),
            // far below any real uplink (a 1 MiB body over a 1 Mbit/s link sends 128 KiB a
            // second), far above a trickle
            min_body_rate: 1024,
            tf_cpu: crate::engine::cpu::Isa::Avx512,
            tf_onednn: true,
            max_concurrent_evaluations: cores,
            queue_wait: Duration::from_secs(5),
            limits: Limits::default(),
            session_ttl: Duration::from_secs(30 * 60),
            max_sessions: 1000,
            max_session_bytes: 64 << 20,
            max_cell_steps: 1_000_000,
            max_cell_bytes: 100_000,
            max_cell_python_bytes: crate::cells::CellLimits::default().max_python_bytes,
            max_total_session_bytes: 4 << 30,
            max_sessions_per_client: 100,
            session_store: None,
            session_key_prefix: "gradtape".into(),
            session_wait: Duration::from_secs(5),
            session_lease: Duration::from_secs(5),
            store_timeout: Duration::from_millis(1500),
            trust_forwarded_for: false,
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

/// `*into = $key` when the variable is set.
fn set<T: std::str::FromStr>(into: &mut T, key: &str) -> Result<(), String> {
    if let Some(v) = env(key)? {
        *into = v;
    }
    Ok(())
}

/// `*into = unit($key)` when the variable is set (a count of milliseconds or seconds).
fn set_duration(into: &mut Duration, key: &str, unit: fn(u64) -> Duration) -> Result<(), String> {
    if let Some(v) = env(key)? {
        *into = unit(v);
    }
    Ok(())
}

impl Config {
    /// The bounds on one notebook cell: the op limits and the cell's own.
    pub fn cell_limits(&self) -> crate::cells::CellLimits {
        crate::cells::CellLimits {
            engine: self.limits.clone(),
            max_steps: self.max_cell_steps,
            max_source_bytes: self.max_cell_bytes,
            max_python_bytes: self.max_cell_python_bytes,
            ..Default::default()
        }
    }

    /// Reads `GRADTAPE_*` variables: the README's configuration table, docker/README.md's limits.
    /// `GRADTAPE_TF_CPU` and `GRADTAPE_TF_ONEDNN` also set the TensorFlow the engine answers as,
    /// for the whole process.
    pub fn from_env() -> Result<Config, String> {
        let mut c = Config::default();
        if let Ok(v) = std::env::var("GRADTAPE_TF_CPU") {
            c.tf_cpu = crate::engine::cpu::Isa::from_name(v.trim()).ok_or_else(|| {
                format!("GRADTAPE_TF_CPU={v:?}: expected avx512 (the reference machine, the default) or avx2")
            })?;
        }
        crate::engine::cpu::emulate(c.tf_cpu).map_err(|chosen| {
            format!(
                "GRADTAPE_TF_CPU: this process already answers as {}",
                chosen.name()
            )
        })?;
        if let Ok(v) = std::env::var("GRADTAPE_TF_ONEDNN") {
            c.tf_onednn = match v.trim() {
                "on" => true,
                "off" => false,
                _ => {
                    return Err(format!(
                        "GRADTAPE_TF_ONEDNN={v:?}: expected on (TensorFlow's oneDNN kernels, its default on the reference machine) or off (Eigen's, its default on CPUs without AVX-512)"
                    ))
                }
            };
        }
        crate::engine::cpu::turn_onednn(c.tf_onednn).map_err(|chosen| {
            format!(
                "GRADTAPE_TF_ONEDNN: this process already answers with oneDNN {}",
                if chosen { "on" } else { "off" }
            )
        })?;
        set(&mut c.addr, "GRADTAPE_ADDR")?;
        set(&mut c.max_body_bytes, "GRADTAPE_MAX_BODY_BYTES")?;
        set_duration(
            &mut c.read_timeout,
            "GRADTAPE_READ_TIMEOUT_SECS",
            Duration::from_secs,
        )?;
        set(&mut c.min_body_rate, "GRADTAPE_MIN_BODY_BYTES_PER_SEC")?;
        set(
            &mut c.max_concurrent_evaluations,
            "GRADTAPE_MAX_CONCURRENT_EVALUATIONS",
        )?;
        set_duration(
            &mut c.queue_wait,
            "GRADTAPE_QUEUE_WAIT_MS",
            Duration::from_millis,
        )?;
        set(
            &mut c.limits.max_tensor_elements,
            "GRADTAPE_MAX_TENSOR_ELEMENTS",
        )?;
        set(
            &mut c.limits.max_jacobian_elements,
            "GRADTAPE_MAX_JACOBIAN_ELEMENTS",
        )?;
        set(&mut c.limits.max_nodes, "GRADTAPE_MAX_NODES")?;
        set(&mut c.limits.max_requests, "GRADTAPE_MAX_REQUESTS")?;
        set(
            &mut c.limits.max_request_elements,
            "GRADTAPE_MAX_REQUEST_ELEMENTS",
        )?;
        set(&mut c.limits.max_matmul_flops, "GRADTAPE_MAX_MATMUL_FLOPS")?;
        set(&mut c.limits.max_compute_ms, "GRADTAPE_MAX_COMPUTE_MS")?;
        set(&mut c.limits.max_check_passes, "GRADTAPE_MAX_CHECK_PASSES")?;
        set_duration(
            &mut c.session_ttl,
            "GRADTAPE_SESSION_TTL_SECS",
            Duration::from_secs,
        )?;
        set(&mut c.max_sessions, "GRADTAPE_MAX_SESSIONS")?;
        set(&mut c.max_session_bytes, "GRADTAPE_MAX_SESSION_BYTES")?;
        set(&mut c.max_cell_steps, "GRADTAPE_MAX_CELL_STEPS")?;
        set(&mut c.max_cell_bytes, "GRADTAPE_MAX_CELL_BYTES")?;
        set(
            &mut c.max_cell_python_bytes,
            "GRADTAPE_MAX_CELL_PYTHON_BYTES",
        )?;
        set(
            &mut c.max_total_session_bytes,
            "GRADTAPE_MAX_TOTAL_SESSION_BYTES",
        )?;
        set(
            &mut c.max_sessions_per_client,
            "GRADTAPE_MAX_SESSIONS_PER_CLIENT",
        )?;
        set(&mut c.session_key_prefix, "GRADTAPE_SESSION_KEY_PREFIX")?;
        set_duration(
            &mut c.session_wait,
            "GRADTAPE_SESSION_WAIT_MS",
            Duration::from_millis,
        )?;
        set_duration(
            &mut c.session_lease,
            "GRADTAPE_SESSION_LEASE_MS",
            Duration::from_millis,
        )?;
        set_duration(
            &mut c.store_timeout,
            "GRADTAPE_STORE_TIMEOUT_MS",
            Duration::from_millis,
        )?;
        set(&mut c.trust_forwarded_for, "GRADTAPE_TRUST_FORWARDED_FOR")?;
        if let Some(v) = env::<String>("GRADTAPE_SESSION_STORE")? {
            c.session_store = Some(v).filter(|v| !v.is_empty() && v != "memory");
        }
        if c.session_lease > Duration::from_secs(10) || c.session_lease < Duration::from_millis(300)
        {
            return Err("GRADTAPE_SESSION_LEASE_MS must be between 300 and 10000: a replica that dies holding a session blocks it this long".into());
        }
        if c.read_timeout.is_zero() {
            return Err("GRADTAPE_READ_TIMEOUT_SECS must be at least 1: a connection gets this long to send each request's head and each piece of its body".into());
        }
        if c.max_concurrent_evaluations == 0 {
            return Err("GRADTAPE_MAX_CONCURRENT_EVALUATIONS must be at least 1".into());
        }
        Ok(c)
    }
}
