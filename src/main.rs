//! The `gradtape` binary: `gradtape [serve] [--addr HOST:PORT]`, `--help`, `--version`; each
//! subcommand lives in `cli/`.

use std::process::ExitCode;

use clap::Parser;

mod cli;

// Requests allocate many small tensors and JSON nodes; mimalloc's per-thread free lists cost
// less per allocation than glibc malloc here (malloc and free were ~15% of a W1 profile).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    cli::Cli::parse().run()
}
