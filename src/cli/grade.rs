//! `gradtape grade`: one submission graded offline against an assignment file, or in
//! Gradescope's or PrairieLearn's directory layout. Exit 0 whatever the student scored; a
//! broken assignment (the instructor's to fix) exits 1 with the reason.

use std::path::PathBuf;
use std::process::ExitCode;

use gradtape::config::Config;
use gradtape::grade::layout::{self, Job};
use gradtape::grade::Format;

#[derive(clap::Args)]
pub struct Args {
    /// The assignment JSON: reference, checks, format.
    #[arg(long, value_name = "A.json", required_unless_present_any = ["gradescope", "prairielearn"])]
    assignment: Option<PathBuf>,
    /// A .py cell, an .ipynb notebook or a .json of values (or a directory holding one).
    #[arg(long, value_name = "FILE", required_unless_present_any = ["gradescope", "prairielearn"])]
    submission: Option<PathBuf>,
    /// gradtape, gradescope or prairielearn (default: the assignment's).
    #[arg(long, value_parser = ["gradtape", "gradescope", "prairielearn"])]
    format: Option<String>,
    /// Where to write the result (default: standard output).
    #[arg(long, value_name = "results.json")]
    out: Option<PathBuf>,
    /// Gradescope's layout: DIR/source/assignment.json, DIR/submission/, DIR/results/results.json.
    #[arg(long, value_name = "DIR", num_args = 0..=1, default_missing_value = "/autograder",
          conflicts_with_all = ["assignment", "submission", "out", "prairielearn"])]
    gradescope: Option<PathBuf>,
    /// PrairieLearn's layout: DIR/tests/assignment.json, DIR/student/, DIR/results/results.json.
    #[arg(long, value_name = "DIR", num_args = 0..=1, default_missing_value = "/grade",
          conflicts_with_all = ["assignment", "submission", "out"])]
    prairielearn: Option<PathBuf>,
}

pub fn run(args: Args) -> ExitCode {
    let limits = match Config::from_env() {
        Ok(c) => c.limits,
        Err(e) => {
            eprintln!("gradtape: {e}");
            return ExitCode::from(2);
        }
    };
    let mut job = match (&args.gradescope, &args.prairielearn) {
        (Some(dir), _) => Job::gradescope(dir),
        (_, Some(dir)) => Job::prairielearn(dir),
        _ => Job {
            // clap requires both when neither layout is given
            assignment: args.assignment.clone().unwrap_or_default(),
            submission: args.submission.clone().unwrap_or_default(),
            out: args.out.clone(),
            format: None,
        },
    };
    if let Some(f) = args.format.as_deref().and_then(Format::parse) {
        job.format = Some(f);
    }
    match layout::run(&job, &limits) {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gradtape grade: the assignment cannot be graded against: {e}");
            ExitCode::FAILURE
        }
    }
}
