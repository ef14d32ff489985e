//! Cells and notebooks for grading: a cell runs in a fresh kernel; an `.ipynb`'s code cells
//! run in order in one kernel, with IPython magics and shell escapes blanked, and a cell the
//! cell subset cannot run (`import matplotlib`) skipped with a line saying so.

use serde_json::Value as Json;

use super::{Array, Kind, NullCause, Outcome, Raised, Value};
use std::collections::HashMap;

use super::skipping::{self, SkippedNames};
use crate::cells::{self, CellLimits, CellNote, CellOutcome, CellValue, Kernel, Refusal};
use crate::engine::Limits;

/// A notebook's code cells, each as one text (`source` is a string or a list of lines).
pub fn code_cells(nb: &Json) -> Result<Vec<String>, String> {
    let cells = nb
        .get("cells")
        .and_then(Json::as_array)
        .ok_or("the notebook has no \"cells\" list (is it an .ipynb file?)")?;
    let mut out = Vec::new();
    for c in cells {
        if c.get("cell_type").and_then(Json::as_str) != Some("code") {
            continue;
        }
        let text = match c.get("source") {
            Some(Json::String(s)) => s.clone(),
            Some(Json::Array(lines)) => lines.iter().filter_map(Json::as_str).collect(),
            _ => String::new(),
        };
        out.push(text);
    }
    Ok(out)
}

/// Whether a line is an IPython magic (`%matplotlib inline`, `%%time`) or a shell escape
/// (`!pip install ...`), which no Python runs.
pub fn is_magic(line: &str) -> bool {
    let t = line.trim_start();
    t.starts_with('%') || t.starts_with('!')
}

/// A cell with its magic lines blanked (lines keep their numbers for error messages), and
/// how many there were.
pub fn without_magics(cell: &str) -> (String, usize) {
    let mut n = 0;
    let text = cell
        .lines()
        .map(|l| {
            if is_magic(l) {
                n += 1;
                ""
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    (text, n)
}

/// A cell's first non-blank line, to name it in feedback.
pub fn first_line(cell: &str) -> &str {
    cell.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("")
}

fn cell_limits(limits: &Limits) -> CellLimits {
    CellLimits {
        engine: limits.clone(),
        ..CellLimits::default()
    }
}

fn refused(r: &Refusal) -> String {
    let what = if r.code == "syntax_error" {
        "a syntax error"
    } else {
        r.code
    };
    format!("{what} at line {}: {}", r.line, r.detail)
}

/// Why a gradient is None, for feedback: where the call is, the reason and what to change.
fn why(n: &CellNote) -> String {
    let source = n.note.source.as_deref().unwrap_or("its source");
    format!(
        "the gradient call at line {} gives None for {source} ({}): {}",
        n.line,
        n.note.reason.as_str(),
        n.note.detail
    )
}

fn value(v: CellValue, why_none: Option<&CellNote>) -> Value {
    let scalar = |dtype: &str, kind, x| {
        Value::Array(Array {
            dtype: dtype.into(),
            kind,
            shape: vec![],
            data: vec![x],
            python: true,
        })
    };
    match v {
        CellValue::Tensor(t) => Value::Array(Array::from_tensor(&t)),
        CellValue::Int(i) => scalar("int", Kind::Int, i as f64),
        CellValue::Float(x) => scalar("float", Kind::Float, x),
        CellValue::Bool(b) => scalar("bool", Kind::Bool, f64::from(u8::from(b))),
        CellValue::Str(_) => Value::Other("str".into()),
        CellValue::None => Value::Null {
            why: why_none.map(why),
            cause: why_none.map(|n| NullCause {
                reason: n.note.reason,
                source: n.note.source.clone(),
                node: n.note.node.clone(),
            }),
        },
    }
}

/// Folds one cell's outcome into the run: its output, the names now bound, its exception.
fn absorb(out: &mut Outcome, o: CellOutcome, cell: Option<usize>) {
    out.stdout.push_str(&o.stdout);
    let why_none: HashMap<String, CellNote> = o.why_none.into_iter().collect();
    out.values = o
        .values
        .into_iter()
        .map(|(k, v)| {
            let v = value(v, why_none.get(&k));
            (k, v)
        })
        .collect();
    out.error = o.error.map(|e| Raised {
        kind: e.kind.to_string(),
        code: e.code.to_string(),
        cell,
        line: u32::try_from(e.line).ok(),
        detail: e.detail,
    });
}

/// Names in `wanted` bound to what grading does not compare (a list, a tape), by Python type
/// name: a check on `grads = g.gradient(L, [W, b])` is told it holds a list, not that the name
/// is undefined.
fn others(out: &mut Outcome, kernel: &Kernel, wanted: &[&str]) {
    for w in wanted {
        if out.values.contains_key(*w) {
            continue;
        }
        if let Some(v) = kernel.names.get(*w) {
            out.values
                .insert(w.to_string(), Value::Other(v.type_name()));
        }
    }
}

/// One cell in a fresh kernel; one the subset cannot run at all is ungradable. `wanted` are
/// the names the checks compare.
pub fn cell(text: &str, limits: &Limits, wanted: &[&str]) -> Result<Outcome, String> {
    let mut kernel = Kernel::new(limits.clone());
    let o = cells::run(text, &cell_limits(limits), &mut kernel, None)
        .map_err(|r| format!("your cell cannot run: {}", refused(&r)))?;
    let mut out = Outcome::default();
    absorb(&mut out, o, None);
    others(&mut out, &kernel, wanted);
    Ok(out)
}

/// A notebook's code cells in order in one kernel, stopping at the first that raises (as
/// "Run all" does). What the cell subset cannot run (`import matplotlib.pyplot as plt`) is
/// skipped statement by statement, and so is what uses only what was skipped (`plt.plot(x)`),
/// each with a line saying so: the graded statements around a plot still run.
pub fn notebook(nb: &Json, limits: &Limits, wanted: &[&str]) -> Result<Outcome, String> {
    let texts = code_cells(nb)?;
    let cl = cell_limits(limits);
    let mut kernel = Kernel::new(limits.clone());
    let mut out = Outcome::default();
    let mut skipped_names = SkippedNames::new();
    for (i, text) in texts.iter().enumerate() {
        let n = i + 1;
        let (clean, magics) = without_magics(text);
        if magics > 0 {
            out.skipped_cells.push(format!(
                "cell {n}: {magics} IPython magic or shell line{} (`%...`, `!...`) skipped",
                if magics == 1 { "" } else { "s" }
            ));
        }
        // a cell the subset runs whole, when nothing before it was skipped, runs as written
        let whole = if skipped_names.is_empty() {
            cells::run(&clean, &cl, &mut kernel, None).ok()
        } else {
            None
        };
        let o = whole.or_else(|| {
            let mut ctx = Notebook {
                kernel: &mut kernel,
                limits: &cl,
                skipped_names: &mut skipped_names,
                lines: &mut out.skipped_cells,
            };
            ctx.run_what_can_run(n, text, &clean)
        });
        if let Some(o) = o {
            let raised = o.error.is_some();
            absorb(&mut out, o, Some(n));
            if raised {
                break;
            }
        }
    }
    others(&mut out, &kernel, wanted);
    Ok(out)
}

/// A notebook's run so far, for a cell that is run statement by statement.
struct Notebook<'a> {
    kernel: &'a mut Kernel,
    limits: &'a CellLimits,
    skipped_names: &'a mut SkippedNames,
    /// The feedback lines about skipped cells.
    lines: &'a mut Vec<String>,
}

impl Notebook<'_> {
    /// Runs the `n`th cell without what cannot run; None when nothing of it ran.
    fn run_what_can_run(&mut self, n: usize, text: &str, clean: &str) -> Option<CellOutcome> {
        let refused_whole =
            |r: &Refusal| format!("cell {n} (`{}`) skipped: {}", first_line(text), refused(r));
        let f = match skipping::filter(clean, n, self.skipped_names, self.limits.max_source_bytes) {
            Ok(f) => f,
            Err(r) => {
                self.lines.push(refused_whole(&r));
                return None;
            }
        };
        if !f.skipped.is_empty() {
            self.lines.push(skipped_line(n, text, &f));
        }
        match cells::run(f.text.as_deref()?, self.limits, self.kernel, None) {
            Ok(o) => Some(o),
            Err(r) => {
                self.lines.push(refused_whole(&r));
                None
            }
        }
    }
}

/// The feedback line for a cell some or all of whose statements were skipped: a whole cell
/// by its first line and the first reason (the rest follow from it), part of one line by line.
fn skipped_line(n: usize, text: &str, f: &skipping::Filtered) -> String {
    match (&f.text, f.skipped.first()) {
        (None, Some(first)) => {
            format!("cell {n} (`{}`) skipped: {}", first_line(text), first.why)
        }
        _ => {
            let each: Vec<String> = f.skipped.iter().map(skipping::Skipped::describe).collect();
            format!("cell {n} partly skipped: {}", each.join("; "))
        }
    }
}
