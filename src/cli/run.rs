//! `gradtape run FILE.py`: one notebook cell run offline, as `python FILE.py` would run it. What
//! the cell prints goes to standard output; an exception it raises goes to standard error as a
//! traceback naming the line, and the exit status is 1, as Python's is.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use gradtape::cells::{self, CellError, CellNote, Kernel, Refusal};
use gradtape::config::Config;

#[derive(clap::Args)]
pub struct Args {
    /// The cell: Python text in the cell subset (`-` reads standard input).
    #[arg(value_name = "FILE.py")]
    file: PathBuf,
}

pub fn run(args: Args) -> ExitCode {
    let limits = match Config::from_env() {
        Ok(c) => c.cell_limits(),
        Err(e) => {
            eprintln!("gradtape: {e}");
            return ExitCode::from(2);
        }
    };
    let name = args.file.display().to_string();
    let source = match read_source(&args.file) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("gradtape: cannot read {name}: {e}");
            return ExitCode::from(2);
        }
    };
    let mut kernel = Kernel::new(limits.engine.clone());
    match cells::run(&source, &limits, &mut kernel, Some(&[])) {
        Ok(outcome) => {
            let mut out = std::io::stdout().lock();
            // a closed pipe (`gradtape run cell.py | head`) is not the cell's failure
            let _ = out.write_all(outcome.stdout.as_bytes());
            let _ = out.flush();
            // tf.print writes to standard error, as TensorFlow's does
            eprint!("{}", outcome.stderr);
            // notes are gradtape's, not the cell's output: standard error, after the output
            eprint!("{}", notes(&outcome.notes));
            match outcome.error {
                None => ExitCode::SUCCESS,
                Some(e) => {
                    eprint!("{}", traceback(&name, &source, &e));
                    ExitCode::from(1)
                }
            }
        }
        Err(r) => {
            eprint!("{}", refusal(&name, &source, &r));
            ExitCode::from(1)
        }
    }
}

/// The cell's notes, one a line: `note: line 7: dW is None: ...`.
pub fn notes(notes: &[CellNote]) -> String {
    notes
        .iter()
        .map(|n| {
            let what = match (&n.note.source, n.zeros) {
                (Some(_), false) if n.name.is_some() => {
                    format!("{} is None", n.name.as_deref().unwrap_or_default())
                }
                (Some(s), false) => format!("the gradient for {s} is None"),
                (Some(s), true) => format!(
                    "the gradient for {s} is zeros only because of unconnected_gradients=ZERO"
                ),
                (None, _) => "a value went non-finite".to_string(),
            };
            format!(
                "note: line {}: {what} ({}): {}\n",
                n.line,
                n.note.reason.as_str(),
                n.note.detail
            )
        })
        .collect()
}

fn read_source(file: &PathBuf) -> std::io::Result<String> {
    if file.as_os_str() == "-" {
        std::io::read_to_string(std::io::stdin())
    } else {
        std::fs::read_to_string(file)
    }
}

/// The source line `line` (1-based), trimmed as Python's traceback shows it.
fn source_line(source: &str, line: usize) -> Option<&str> {
    source
        .lines()
        .nth(line.checked_sub(1)?)
        .map(str::trim)
        .filter(|l| !l.is_empty())
}

/// The exception as Python prints an uncaught one.
pub fn traceback(name: &str, source: &str, e: &CellError) -> String {
    let mut s = format!(
        "Traceback (most recent call last):\n  File \"{name}\", line {}, in <module>\n",
        e.line
    );
    if let Some(l) = source_line(source, e.line) {
        s.push_str(&format!("    {l}\n"));
    }
    s.push_str(&format!("{}: {}\n", e.kind, e.detail));
    s
}

/// A cell that cannot run at all, as Python reports a SyntaxError (with a caret under the column),
/// or as gradtape refuses a construct outside the subset.
pub fn refusal(name: &str, source: &str, r: &Refusal) -> String {
    let mut s = format!("  File \"{name}\", line {}\n", r.line);
    if let Some(raw) = source.lines().nth(r.line.saturating_sub(1)) {
        let indent = raw.len() - raw.trim_start().len();
        let caret = r.column.saturating_sub(1).saturating_sub(indent);
        s.push_str(&format!("    {}\n    {}^\n", raw.trim(), " ".repeat(caret)));
    }
    let kind = match r.code {
        "syntax_error" => "SyntaxError",
        "unsupported" => "UnsupportedError (outside gradtape's cell subset)",
        _ => "LimitExceeded",
    };
    s.push_str(&format!("{kind}: {}\n", r.detail));
    s
}
