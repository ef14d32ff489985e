//! The `gradtape` binary: `gradtape [serve] [--addr HOST:PORT]`, `--help`, `--version`; each
//! subcommand lives in `cli/`.

use std::process::ExitCode;

use clap::Parser;

mod cli;

// Requests allocate many small tensors and JSON nodes; mimalloc's per-thread free lists cost
// less per allocation than glibc malloc here (malloc and free were ~15% of a W1 profile), and
// `gradtape::alloc` asks it for plain blocks where the `mimalloc` crate asks for aligned ones.
#[global_allocator]
static GLOBAL: gradtape::alloc::Mimalloc = gradtape::alloc::Mimalloc;

fn main() -> ExitCode {
    cli::Cli::parse().run()
}
