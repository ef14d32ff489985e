//! Which top-level statements of a notebook cell are skipped. A statement the cell subset
//! refuses (`import matplotlib.pyplot as plt`) is skipped, and so is every later statement
//! that uses a name only skipped code binds (`plt.plot(...)`, `fig, ax = plt.subplots()`, then
//! `ax.set_title(...)`): in Jupyter those lines draw, here they cannot, and the graded lines
//! around them still run. Skipped statements become `pass` padded with spaces, so every line
//! keeps its number for error messages.

use std::collections::{BTreeMap, HashSet};

use ruff_python_ast::visitor::{walk_expr, walk_stmt, Visitor};
use ruff_python_ast::{Comprehension, Expr, ExprContext, Parameters, Stmt};
use ruff_text_size::Ranged;

use crate::cells::source::{parse, LineIndex};
use crate::cells::Refusal;

/// Where a skipped name would have been bound: the cell (1-based, counting code cells) and line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Origin {
    pub cell: usize,
    pub line: usize,
}

/// Names that only skipped code binds, with where.
pub type SkippedNames = BTreeMap<String, Origin>;

/// A cell with its skipped statements blanked.
#[derive(Clone, Debug, PartialEq)]
pub struct Filtered {
    /// The text to run (None when nothing in it is left to run).
    pub text: Option<String>,
    pub skipped: Vec<Skipped>,
}

/// One skipped statement: its line, its first line of code, and why.
#[derive(Clone, Debug, PartialEq)]
pub struct Skipped {
    pub line: usize,
    pub code: String,
    pub why: String,
}

impl Skipped {
    /// "line 3 (`plt.plot(x)`): it uses `plt`, ...".
    pub fn describe(&self) -> String {
        format!("line {} (`{}`): {}", self.line, self.code, self.why)
    }
}

/// Blanks the statements of `cell` (the `n`th code cell, magics already blanked) that the
/// subset refuses or that use a name in `names`; updates `names` with what skipped statements
/// would bind and takes out what the statements that run bind. `Err` is a syntax error: then
/// nothing in the cell can run.
pub fn filter(
    cell: &str,
    n: usize,
    names: &mut SkippedNames,
    max_bytes: usize,
) -> Result<Filtered, Refusal> {
    let module = match ruff_python_parser::parse_module(cell) {
        // a cell CPython refuses as a whole (`break` outside a loop) runs no statement of it
        Ok(_) if parse(cell, max_bytes).is_err_and(|r| r.code == "syntax_error") => {
            return Err(parse(cell, max_bytes).err().unwrap_or_else(syntax_error))
        }
        Ok(p) => p.into_syntax(),
        // the subset's own parse words the syntax error as a cell's refusal would
        Err(_) => return Err(parse(cell, max_bytes).err().unwrap_or_else(syntax_error)),
    };
    let lines = LineIndex::new(cell);
    let mut text = cell.to_string();
    let mut skipped = Vec::new();
    let mut kept = 0;
    for stmt in &module.body {
        let range = stmt.range().to_std_range();
        let (line, _) = lines.at(stmt.start());
        let why = match parse(&cell[range.clone()], max_bytes) {
            Err(r) => Some(refusal_reason(&r, line)),
            Ok(_) => uses_skipped(stmt, names),
        };
        match why {
            Some(why) => {
                for b in bound(stmt) {
                    names.insert(b, Origin { cell: n, line });
                }
                skipped.push(Skipped {
                    line,
                    code: super::cells::first_line(&cell[range.clone()]).to_string(),
                    why,
                });
                text.replace_range(range.clone(), &as_pass(&cell[range]));
            }
            None => {
                for b in bound(stmt) {
                    names.remove(&b);
                }
                kept += 1;
            }
        }
    }
    Ok(Filtered {
        text: (kept > 0).then_some(text),
        skipped,
    })
}

fn syntax_error() -> Refusal {
    Refusal {
        code: "syntax_error",
        detail: "invalid syntax".into(),
        line: 1,
        column: 1,
    }
}

/// Why the subset refuses a statement that starts at `line`.
fn refusal_reason(r: &Refusal, line: usize) -> String {
    let at = line + r.line.saturating_sub(1);
    if at == line {
        r.detail.clone()
    } else {
        format!("{} (line {at})", r.detail)
    }
}

/// `pass` in place of a statement, with its other characters blanked and its line breaks
/// kept, so what follows on the same line (`; x = 1`) and below stays where it was.
fn as_pass(stmt: &str) -> String {
    let mut out = String::with_capacity(stmt.len());
    out.push_str("pass");
    let mut width = 4;
    for c in stmt.chars() {
        if c == '\n' || c == '\r' {
            out.push(c);
            width = 0;
        } else if width > 0 {
            // the first four characters are `pass`'s
            width -= c.len_utf8().min(width);
        } else {
            out.push(' ');
        }
    }
    out
}

/// Why a statement the subset accepts is skipped: it reads a name only skipped code binds.
fn uses_skipped(stmt: &Stmt, names: &SkippedNames) -> Option<String> {
    if names.is_empty() {
        return None;
    }
    let mut reads = Reads::default();
    reads.visit_stmt(stmt);
    let (name, o) = reads.names.iter().find_map(|r| Some((r, names.get(r)?)))?;
    Some(format!(
        "it uses `{name}`, which only skipped code binds (cell {}, line {})",
        o.cell, o.line
    ))
}

/// The names a statement reads from the module, in order (nested bodies included: a function
/// that draws is skipped with its drawing); a function's parameters and locals, a lambda's
/// parameters and a comprehension's targets are not the module's names.
#[derive(Default)]
struct Reads {
    names: Vec<String>,
}

impl Reads {
    /// Reads what `visit` visits, except `local` names.
    fn nested(&mut self, local: &HashSet<String>, visit: impl FnOnce(&mut Reads)) {
        let mut inner = Reads::default();
        visit(&mut inner);
        self.names
            .extend(inner.names.into_iter().filter(|n| !local.contains(n)));
    }
}

fn parameter_names(p: &Parameters) -> HashSet<String> {
    p.iter_non_variadic_params()
        .map(|p| p.name().to_string())
        .collect()
}

fn comprehension_targets(generators: &[Comprehension]) -> HashSet<String> {
    generators
        .iter()
        .flat_map(|g| crate::cells::interp::scope::target_names(&g.target))
        .collect()
}

impl<'a> Visitor<'a> for Reads {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        let Stmt::FunctionDef(f) = stmt else {
            return walk_stmt(self, stmt);
        };
        // decorators and defaults are read where the `def` runs, the body where it is called
        for d in &f.decorator_list {
            self.visit_expr(&d.expression);
        }
        for p in f.parameters.iter_non_variadic_params() {
            if let Some(d) = p.default() {
                self.visit_expr(d);
            }
        }
        let mut local = parameter_names(&f.parameters);
        local.extend(f.body.iter().flat_map(bound));
        self.nested(&local, |r| {
            for s in &f.body {
                r.visit_stmt(s);
            }
        });
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        match expr {
            Expr::Name(n) if matches!(n.ctx, ExprContext::Load) => {
                self.names.push(n.id.to_string())
            }
            Expr::Lambda(l) => {
                let local = l
                    .parameters
                    .as_deref()
                    .map(parameter_names)
                    .unwrap_or_default();
                self.nested(&local, |r| r.visit_expr(&l.body));
            }
            Expr::ListComp(c) => self.nested(&comprehension_targets(&c.generators), |r| {
                walk_expr(r, expr)
            }),
            Expr::SetComp(c) => self.nested(&comprehension_targets(&c.generators), |r| {
                walk_expr(r, expr)
            }),
            Expr::Generator(c) => self.nested(&comprehension_targets(&c.generators), |r| {
                walk_expr(r, expr)
            }),
            Expr::DictComp(c) => self.nested(&comprehension_targets(&c.generators), |r| {
                walk_expr(r, expr)
            }),
            _ => walk_expr(self, expr),
        }
    }
}

/// The module-level names a statement binds (a `def`'s or a class's body binds its own).
fn bound(stmt: &Stmt) -> HashSet<String> {
    crate::cells::interp::scope::local_names(std::slice::from_ref(stmt))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(cells: &[&str]) -> (Vec<Filtered>, SkippedNames) {
        let mut names = SkippedNames::new();
        let out = cells
            .iter()
            .enumerate()
            .map(|(i, c)| filter(c, i + 1, &mut names, 100_000).unwrap())
            .collect();
        (out, names)
    }

    #[test]
    fn a_plot_and_what_only_it_binds_are_skipped() {
        let (out, names) = run(&[
            "import tensorflow as tf\nimport matplotlib.pyplot as plt; x = tf.constant(1.0)\n",
            "fig, ax = plt.subplots()\nax.plot([1])\ny = x * 2\n",
            "fig = None\nprint(fig)\n",
        ]);
        assert_eq!(
            out[0].text.as_deref(),
            Some(
                "import tensorflow as tf\npass                           ; x = tf.constant(1.0)\n"
            )
        );
        assert_eq!(
            out[1].text.as_deref(),
            Some("pass                    \npass        \ny = x * 2\n")
        );
        assert!(
            out[1].skipped[1].why.contains("`ax`"),
            "{:?}",
            out[1].skipped
        );
        assert!(out[2].skipped.is_empty(), "fig is bound again");
        assert_eq!(names.keys().collect::<Vec<_>>(), ["ax", "plt"]);
    }

    #[test]
    fn a_parameter_or_a_comprehension_target_is_not_the_skipped_name() {
        let (out, _) = run(&[
            "import matplotlib.pyplot as plt\nfig, ax = plt.subplots()\n",
            "def scaled(ax, k=2):\n    return ax * k\nys = [ax + 1 for ax in [1, 2]]\nf = lambda ax: ax\n",
            "def show(v):\n    ax.plot(v)\n",
        ]);
        assert!(out[1].skipped.is_empty(), "{:?}", out[1].skipped);
        assert!(
            out[2].skipped[0].why.contains("`ax`"),
            "{:?}",
            out[2].skipped
        );
    }

    #[test]
    fn a_cell_with_nothing_left_has_no_text() {
        let (out, _) = run(&["import os\n", "print(os.getcwd())\n"]);
        assert_eq!(out[1].text, None);
        let why = &out[1].skipped[0].why;
        assert!(
            why.contains("`os`") && why.contains("cell 1, line 1"),
            "{why}"
        );
    }
}
