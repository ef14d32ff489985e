//! Python's scoping rule for a `def`: a name the body binds anywhere (an assignment, `+=`, a
//! `for` or `with` target, a nested `def`, `del`) is local to the whole call, so reading it
//! before it is bound is `UnboundLocalError`, never the global of that name.

use std::collections::HashSet;

use ruff_python_ast::visitor::{walk_expr, walk_stmt, Visitor};
use ruff_python_ast::{Expr, ExprContext, Stmt};

/// The names a function body binds (comprehensions and nested bodies have scopes of their own).
pub fn local_names(body: &[Stmt]) -> HashSet<String> {
    let mut v = Bound::default();
    for s in body {
        v.visit_stmt(s);
    }
    v.names
}

#[derive(Default)]
struct Bound {
    names: HashSet<String>,
}

impl<'a> Visitor<'a> for Bound {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::FunctionDef(f) => {
                self.names.insert(f.name.to_string());
            }
            Stmt::Import(i) => {
                for a in &i.names {
                    let bound = a.asname.as_ref().unwrap_or(&a.name);
                    self.names.insert(bound.to_string());
                }
            }
            _ => walk_stmt(self, stmt),
        }
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        match expr {
            Expr::Name(n) if matches!(n.ctx, ExprContext::Store | ExprContext::Del) => {
                self.names.insert(n.id.to_string());
            }
            Expr::ListComp(_)
            | Expr::SetComp(_)
            | Expr::DictComp(_)
            | Expr::Generator(_)
            | Expr::Lambda(_) => {}
            _ => walk_expr(self, expr),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_binding_form_makes_a_local() {
        let m = ruff_python_parser::parse_module(
            "n += 1\na, (b, c) = 1, (2, 3)\nfor i in r:\n    pass\nwith t as g:\n    pass\ndef h():\n    q = 1\ndel z\ny = [k for k in r]\nprint(w)\n",
        )
        .unwrap()
        .into_syntax();
        let mut got: Vec<String> = local_names(&m.body).into_iter().collect();
        got.sort();
        assert_eq!(got, ["a", "b", "c", "g", "h", "i", "n", "y", "z"]);
    }
}
