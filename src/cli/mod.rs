//! The binary's command line (clap): one `Command` variant per subcommand, each with its
//! arguments and its `run` in its own file. `gradtape` alone, or with only serve's flags, serves.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod grade;
mod log_format;
mod log_writer;
mod run;
mod serve;

#[derive(Parser)]
#[command(
    name = "gradtape",
    version,
    about = "TensorFlow 2.15's tf.Variable and tf.GradientTape over HTTP",
    args_conflicts_with_subcommands = true,
    after_help = "Environment: GRADTAPE_ADDR (default 127.0.0.1:8080), RUST_LOG, GRADTAPE_LOG_FORMAT=json, \
                  and the GRADTAPE_* limits in docker/README.md."
)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// `gradtape --addr HOST:PORT` with no subcommand serves, as `gradtape serve` does.
    #[command(flatten)]
    serve: serve::Args,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the HTTP API (the default).
    Serve(serve::Args),
    /// Grade a submission against an assignment (offline; Gradescope and PrairieLearn layouts).
    Grade(grade::Args),
    /// Run a notebook cell (a .py file in the cell subset) and print what Python would print.
    Run(run::Args),
}

impl Cli {
    pub fn run(self) -> ExitCode {
        match self.command {
            None => serve::run(self.serve),
            Some(Command::Serve(args)) => serve::run(args),
            Some(Command::Grade(args)) => grade::run(args),
            Some(Command::Run(args)) => run::run(args),
        }
    }
}
