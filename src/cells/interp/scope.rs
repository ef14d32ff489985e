//! Python's binding rule: the names a block binds anywhere in it (an assignment, `+=`, a `for`
//! or `with` target, a `def` or `class`, an import, an `except ... as` name, `del`). In a `def`
//! they are local to the whole call, so reading one before it is bound is `UnboundLocalError`,
//! never the global of that name; the grader reads the same rule for a notebook's top-level
//! statements.

use std::collections::HashSet;

use ruff_python_ast::visitor::{walk_expr, walk_stmt, Visitor};
use ruff_python_ast::{Expr, ExprContext, Stmt};

/// The names `body` binds in its own scope (comprehensions, lambdas and nested bodies have
/// scopes of their own).
pub fn local_names(body: &[Stmt]) -> HashSet<String> {
    let mut v = Bound::default();
    for s in body {
        v.visit_stmt(s);
    }
    v.names
}

/// The names an assignment target binds (`i`, `(a, b)`, a comprehension's `for` target).
pub fn target_names(target: &Expr) -> HashSet<String> {
    let mut v = Bound::default();
    v.visit_expr(target);
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
            Stmt::ClassDef(c) => {
                self.names.insert(c.name.to_string());
            }
            // `import matplotlib.pyplot` binds `matplotlib`
            Stmt::Import(i) => self.names.extend(i.names.iter().map(|a| match &a.asname {
                Some(n) => n.to_string(),
                None => a.name.split('.').next().unwrap_or_default().to_string(),
            })),
            Stmt::ImportFrom(i) => self.names.extend(
                i.names
                    .iter()
                    .map(|a| a.asname.as_ref().unwrap_or(&a.name).to_string())
                    .filter(|n| n != "*"),
            ),
            _ => walk_stmt(self, stmt),
        }
    }

    fn visit_except_handler(&mut self, h: &'a ruff_python_ast::ExceptHandler) {
        let ruff_python_ast::ExceptHandler::ExceptHandler(e) = h;
        if let Some(n) = &e.name {
            self.names.insert(n.to_string());
        }
        ruff_python_ast::visitor::walk_except_handler(self, h);
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
