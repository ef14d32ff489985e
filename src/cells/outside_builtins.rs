//! Python builtins outside the subset (`filter`, `next`, ...) are refused before a
//! cell runs, with a 422 `unsupported` naming the builtin, rather than met halfway through as
//! a NameError. A name the cell binds itself (or an earlier cell of the session bound) is the
//! cell's own and is not refused.

use std::collections::HashSet;

use ruff_python_ast::visitor::{walk_expr, walk_stmt, Visitor};
use ruff_python_ast::{self as ast, Expr, ExprContext, ModModule, Stmt};
use ruff_text_size::Ranged;

use super::raise::Refusal;
use super::source::LineIndex;

/// Python 3.11's builtin functions and classes a cell has no version of.
const OUTSIDE: &[&str] = &[
    "aiter",
    "anext",
    "ascii",
    "bin",
    "breakpoint",
    "bytearray",
    "bytes",
    "callable",
    "chr",
    "classmethod",
    "compile",
    "complex",
    "copyright",
    "credits",
    "delattr",
    "dir",
    "eval",
    "exec",
    "exit",
    "filter",
    "frozenset",
    "getattr",
    "globals",
    "hasattr",
    "hash",
    "help",
    "hex",
    "id",
    "input",
    "issubclass",
    "iter",
    "license",
    "locals",
    "memoryview",
    "next",
    "object",
    "oct",
    "open",
    "ord",
    "property",
    "quit",
    "set",
    "setattr",
    "slice",
    "staticmethod",
    "super",
    "vars",
];

/// The refusal of the first builtin outside the subset the cell reads without binding it
/// itself; `bound` says whether an earlier cell bound a name.
pub fn refusal(
    module: &ModModule,
    lines: &LineIndex,
    bound: impl Fn(&str) -> bool,
) -> Option<Refusal> {
    let mut names = Names::default();
    names.visit_body(&module.body);
    let (name, at) = names
        .read
        .into_iter()
        .find(|(n, _)| !names.bound.contains(n.as_str()) && !bound(n))?;
    Some(Refusal::unsupported(
        format!("the builtin `{name}` is not available in a cell (a cell's builtins are print, len, range, float, int, bool, str, repr, abs, round, min, max, sum, sorted, list, tuple, zip, enumerate, isinstance, type, format, all, any, map, reversed, pow and divmod)"),
        lines.at(at),
    ))
}

/// The names a cell binds anywhere (assignments, loops, `def`s and their parameters,
/// lambdas, comprehensions, imports), and the outside builtins it reads, in order.
#[derive(Default)]
struct Names {
    bound: HashSet<String>,
    read: Vec<(String, ruff_text_size::TextSize)>,
}

impl Names {
    fn bind_parameters(&mut self, p: &ast::Parameters) {
        for a in p.iter() {
            self.bound.insert(a.name().as_str().to_string());
        }
    }
}

impl<'a> Visitor<'a> for Names {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::FunctionDef(f) => {
                self.bound.insert(f.name.as_str().to_string());
                self.bind_parameters(&f.parameters);
            }
            Stmt::Import(i) => {
                for a in &i.names {
                    let n = a.asname.as_ref().unwrap_or(&a.name);
                    self.bound.insert(n.as_str().to_string());
                }
            }
            _ => {}
        }
        walk_stmt(self, stmt);
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        match expr {
            Expr::Name(n) if n.ctx == ExprContext::Load && OUTSIDE.contains(&n.id.as_str()) => {
                self.read.push((n.id.as_str().to_string(), n.start()));
            }
            Expr::Name(n) if n.ctx == ExprContext::Load => {}
            Expr::Name(n) => {
                self.bound.insert(n.id.as_str().to_string());
            }
            Expr::Lambda(l) => {
                if let Some(p) = &l.parameters {
                    self.bind_parameters(p);
                }
            }
            _ => {}
        }
        walk_expr(self, expr);
    }
}
