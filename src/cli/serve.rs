//! `gradtape serve`: the HTTP API on GRADTAPE_ADDR or `--addr`, until SIGINT or SIGTERM.

use std::process::ExitCode;

use gradtape::api::{self, AppState};
use gradtape::config::Config;

use super::log_format::PlainLines;
use super::log_writer::{batched_stdout, Flusher};

#[derive(clap::Args)]
pub struct Args {
    /// The address to listen on (overrides GRADTAPE_ADDR).
    #[arg(long, value_name = "HOST:PORT")]
    addr: Option<String>,
}

/// Stack for the runtime's and the server's own frames above a cell's (tokio's default is 2 MiB).
const SERVER_FRAMES: usize = 4 << 20;

pub fn run(args: Args) -> ExitCode {
    let mut config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("gradtape: {e}");
            return ExitCode::from(2);
        }
    };
    if let Some(addr) = args.addr {
        config.addr = addr;
    }
    let _flusher = init_logs();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        // a cell runs in place on a thread with its stack to spare (`cells::run`); the pages a
        // thread never touches cost no memory
        .thread_stack_size(gradtape::cells::STACK_BYTES + SERVER_FRAMES)
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("gradtape: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    rt.block_on(serve(config))
}

/// Logs go to stdout through the batched writer; the returned guard writes out what is left.
fn init_logs() -> Flusher {
    let filter =
        tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    let (writer, flusher) = batched_stdout();
    // GRADTAPE_LOG_FORMAT=json for log collectors; human-readable lines otherwise
    if std::env::var("GRADTAPE_LOG_FORMAT").is_ok_and(|f| f == "json") {
        tracing_subscriber::fmt()
            .json()
            .with_writer(writer)
            .with_env_filter(filter)
            .init();
    } else {
        let ansi = std::io::IsTerminal::is_terminal(&std::io::stdout());
        tracing_subscriber::fmt()
            .with_ansi(ansi)
            .with_writer(writer)
            .with_env_filter(filter)
            .event_format(PlainLines::default())
            .init();
    }
    flusher
}

async fn serve(config: Config) -> ExitCode {
    let listener = match tokio::net::TcpListener::bind(&config.addr).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("gradtape: cannot listen on {}: {e}", config.addr);
            return ExitCode::FAILURE;
        }
    };
    tracing::info!(addr = %listener.local_addr().map(|a| a.to_string()).unwrap_or_default(), "gradtape listening");
    let state = match AppState::try_new(config) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("gradtape: {e}");
            return ExitCode::from(2);
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
    api::serve(listener, state, shutdown).await;
    ExitCode::SUCCESS
}
