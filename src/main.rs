//! The `gradtape` binary: `gradtape [serve] [--addr ADDR]`.

use gradtape::api::{app, AppState};

// Requests allocate many small tensors and JSON nodes; mimalloc's per-thread free lists cost
// less per allocation than glibc malloc here (malloc and free were ~15% of a W1 profile).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use gradtape::config::Config;

const USAGE: &str = "usage: gradtape [serve] [--addr HOST:PORT]\n\nEnvironment: GRADTAPE_ADDR (default 127.0.0.1:8080), RUST_LOG, and the GRADTAPE_* limits in the README.";

fn main() {
    let mut config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("gradtape: {e}");
            std::process::exit(2);
        }
    };
    let mut args = std::env::args().skip(1).peekable();
    if args.peek().map(String::as_str) == Some("serve") {
        args.next();
    }
    while let Some(a) = args.next() {
        match a.as_str() {
            "--addr" => match args.next() {
                Some(v) => config.addr = v,
                None => {
                    eprintln!("gradtape: --addr needs a value\n{USAGE}");
                    std::process::exit(2);
                }
            },
            "-h" | "--help" => {
                println!("{USAGE}");
                return;
            }
            other => {
                eprintln!("gradtape: unknown argument {other}\n{USAGE}");
                std::process::exit(2);
            }
        }
    }
    let filter =
        tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    // GRADTAPE_LOG_FORMAT=json for log collectors; human-readable lines otherwise
    if std::env::var("GRADTAPE_LOG_FORMAT").is_ok_and(|f| f == "json") {
        tracing_subscriber::fmt()
            .json()
            .with_env_filter(filter)
            .init();
    } else {
        let ansi = std::io::IsTerminal::is_terminal(&std::io::stdout());
        tracing_subscriber::fmt()
            .with_ansi(ansi)
            .with_env_filter(filter)
            .init();
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    rt.block_on(serve(config));
}

async fn serve(config: Config) {
    let listener = match tokio::net::TcpListener::bind(&config.addr).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("gradtape: cannot listen on {}: {e}", config.addr);
            std::process::exit(1);
        }
    };
    tracing::info!(addr = %listener.local_addr().map(|a| a.to_string()).unwrap_or_default(), "gradtape listening");
    let state = match AppState::try_new(config) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("gradtape: {e}");
            std::process::exit(2);
        }
    };
    tracing::info!(session_store = state.sessions.name(), "sessions stored");
    // Idle sessions are also dropped on access; this frees the memory of ones never touched again.
    let store = state.sessions.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(15));
        loop {
            tick.tick().await;
            match store.sweep().await {
                Ok(0) => {}
                Ok(dropped) => tracing::info!(dropped, "expired idle sessions"),
                Err(e) => tracing::warn!(error = ?e, "session sweep failed"),
            }
        }
    });
    let app = app(state);
    let shutdown = async {
        let ctrl_c = tokio::signal::ctrl_c();
        #[cfg(unix)]
        {
            let mut term =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                    .expect("SIGTERM handler");
            tokio::select! { _ = ctrl_c => {}, _ = term.recv() => {} }
        }
        #[cfg(not(unix))]
        let _ = ctrl_c.await;
        tracing::info!("shutting down: finishing in-flight requests");
    };
    // the peer address is what the per-client session bound counts
    let app = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
    if let Err(e) = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
    {
        eprintln!("gradtape: server error: {e}");
        std::process::exit(1);
    }
}
