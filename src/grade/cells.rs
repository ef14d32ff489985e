//! Cells and notebooks for grading: a cell runs in a fresh kernel; an `.ipynb`'s code cells
//! run in order in one kernel, with IPython magics and shell escapes blanked, and a cell the
//! cell subset cannot run (`import matplotlib`) skipped with a line saying so.

use serde_json::Value as Json;

use super::{Array, Kind, Outcome, Raised, Value};
use std::collections::HashMap;

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

/// One cell in a fresh kernel; one the subset cannot run at all is ungradable.
pub fn cell(text: &str, limits: &Limits) -> Result<Outcome, String> {
    let mut kernel = Kernel::new(limits.clone());
    let o = cells::run(text, &cell_limits(limits), &mut kernel, None)
        .map_err(|r| format!("your cell cannot run: {}", refused(&r)))?;
    let mut out = Outcome::default();
    absorb(&mut out, o, None);
    Ok(out)
}

/// A notebook's code cells in order in one kernel, stopping at the first that raises (as
/// "Run all" does). A cell the subset cannot run is skipped, except for its
/// `import tensorflow as tf` / `import numpy as np` lines, which later cells rely on.
pub fn notebook(nb: &Json, limits: &Limits) -> Result<Outcome, String> {
    let texts = code_cells(nb)?;
    let cl = cell_limits(limits);
    let mut kernel = Kernel::new(limits.clone());
    let mut out = Outcome::default();
    for (i, text) in texts.iter().enumerate() {
        let n = i + 1;
        let (clean, magics) = without_magics(text);
        if magics > 0 {
            out.skipped_cells.push(format!(
                "cell {n}: {magics} IPython magic or shell line{} (`%...`, `!...`) skipped",
                if magics == 1 { "" } else { "s" }
            ));
        }
        match cells::run(&clean, &cl, &mut kernel, None) {
            Ok(o) => {
                let raised = o.error.is_some();
                absorb(&mut out, o, Some(n));
                if raised {
                    break;
                }
            }
            Err(r) => {
                out.skipped_cells.push(format!(
                    "cell {n} (`{}`) skipped: {}",
                    first_line(text),
                    refused(&r)
                ));
                let imports: String = clean
                    .lines()
                    .map(str::trim)
                    .filter(|l| *l == "import tensorflow as tf" || *l == "import numpy as np")
                    .map(|l| format!("{l}\n"))
                    .collect();
                if !imports.is_empty() {
                    if let Ok(o) = cells::run(&imports, &cl, &mut kernel, None) {
                        absorb(&mut out, o, Some(n));
                    }
                }
            }
        }
    }
    Ok(out)
}
