//! The checks CPython 3.11 makes after parsing and before running anything: its symbol table's
//! (duplicate parameters, `nonlocal` at module level) and then its compiler's (`break`,
//! `continue`, `return`, `yield` and `await` out of place, a repeated keyword argument, a `*`
//! target or expression where none may be, `__debug__` assigned). A cell failing one is a SyntaxError as a whole, with
//! CPython's message at CPython's place, and nothing of it runs.

use std::collections::HashSet;

use ruff_python_ast::visitor::{walk_expr, walk_stmt, Visitor};
use ruff_python_ast::{Expr, ExprContext, Parameters, Stmt};
use ruff_text_size::{Ranged, TextSize};

/// The first error of the module, as (CPython's message, where it points).
pub fn check(body: &[Stmt]) -> Option<(String, TextSize)> {
    // symtable.c runs over the whole module before compile.c starts
    let mut symbols = Symbols::default();
    symbols.visit_body(body);
    if symbols.error.is_some() {
        return symbols.error;
    }
    let mut compile = Compile::default();
    compile.visit_body(body);
    compile.error
}

#[derive(Default)]
struct Symbols {
    /// Inside a `def`, a `lambda` or a `class` (not the module's own scope).
    nested: bool,
    depth: Depth,
    error: Option<(String, TextSize)>,
}

impl Symbols {
    fn fail(&mut self, message: String, at: TextSize) {
        self.error.get_or_insert((message, at));
    }

    /// symtable.c adds parameters in this order and fails on the second of a name.
    fn parameters(&mut self, p: &Parameters) {
        let mut seen = HashSet::new();
        let named = p.posonlyargs.iter().chain(&p.args).chain(&p.kwonlyargs);
        let all = named
            .map(|a| &a.parameter)
            .chain(p.vararg.as_deref())
            .chain(p.kwarg.as_deref());
        for a in all {
            if !seen.insert(a.name.as_str()) {
                let message = format!(
                    "duplicate argument '{}' in function definition",
                    a.name.as_str()
                );
                self.fail(message, a.start());
            }
        }
    }

    fn nested(&mut self, walk: impl FnOnce(&mut Self)) {
        let outer = std::mem::replace(&mut self.nested, true);
        walk(self);
        self.nested = outer;
    }
}

impl<'a> Visitor<'a> for Symbols {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        if self.depth.enter() {
            self.stmt(stmt);
        }
        self.depth.leave();
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        if self.depth.enter() {
            self.expr(expr);
        }
        self.depth.leave();
    }
}

impl Symbols {
    fn stmt(&mut self, stmt: &Stmt) {
        match stmt {
            Stmt::FunctionDef(f) => {
                // decorators and defaults belong to the enclosing scope
                for d in &f.decorator_list {
                    self.visit_expr(&d.expression);
                }
                let defaults = f.parameters.iter_non_variadic_params();
                for d in defaults.filter_map(|p| p.default.as_deref()) {
                    self.visit_expr(d);
                }
                self.nested(|s| {
                    s.parameters(&f.parameters);
                    s.visit_body(&f.body);
                });
            }
            Stmt::ClassDef(c) => self.nested(|s| s.visit_body(&c.body)),
            Stmt::Nonlocal(n) if !self.nested => self.fail(
                "nonlocal declaration not allowed at module level".into(),
                n.start(),
            ),
            _ => walk_stmt(self, stmt),
        }
    }

    fn expr(&mut self, expr: &Expr) {
        if let Expr::Lambda(l) = expr {
            if let Some(p) = &l.parameters {
                for d in p
                    .iter_non_variadic_params()
                    .filter_map(|p| p.default.as_deref())
                {
                    self.visit_expr(d);
                }
                self.nested(|s| s.parameters(p));
            }
            self.nested(|s| s.visit_expr(&l.body));
            return;
        }
        walk_expr(self, expr);
    }
}

/// Where compile.c is: in a function (async or not), and in how many loops of it.
#[derive(Clone, Copy, Default)]
struct Place {
    function: bool,
    is_async: bool,
    loops: usize,
}

#[derive(Default)]
struct Compile {
    place: Place,
    depth: Depth,
    /// Starred expressions whose place takes them: a display's items and a call's arguments.
    star_allowed: HashSet<TextSize>,
    error: Option<(String, TextSize)>,
}

impl Compile {
    fn fail(&mut self, message: impl Into<String>, at: TextSize) {
        self.error.get_or_insert((message.into(), at));
    }

    fn within(&mut self, place: Place, walk: impl FnOnce(&mut Self)) {
        let outer = std::mem::replace(&mut self.place, place);
        walk(self);
        self.place = outer;
    }

    /// An assignment target: a bare `*a` is never one, and a tuple or list takes one `*` at most.
    fn target(&mut self, target: &Expr) {
        match target {
            Expr::Starred(s) => self.fail(
                "starred assignment target must be in a list or tuple",
                s.start(),
            ),
            Expr::Tuple(_) | Expr::List(_) => {
                let items = match target {
                    Expr::Tuple(t) => &t.elts,
                    Expr::List(l) => &l.elts,
                    _ => unreachable!(),
                };
                if items.iter().filter(|e| e.is_starred_expr()).count() > 1 {
                    self.fail("multiple starred expressions in assignment", target.start());
                }
                for e in items {
                    match e {
                        Expr::Starred(s) => self.star_allowed_target(&s.value),
                        _ => self.target(e),
                    }
                }
            }
            _ => {}
        }
    }

    fn star_allowed_target(&mut self, inner: &Expr) {
        if matches!(inner, Expr::Tuple(_) | Expr::List(_)) {
            self.target(inner);
        }
    }
}

impl<'a> Visitor<'a> for Compile {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        if self.depth.enter() {
            self.stmt(stmt);
        }
        self.depth.leave();
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        if self.depth.enter() {
            self.expr(expr);
        }
        self.depth.leave();
    }

    fn visit_comprehension(&mut self, c: &'a ruff_python_ast::Comprehension) {
        self.target(&c.target);
        ruff_python_ast::visitor::walk_comprehension(self, c);
    }
}

impl Compile {
    fn stmt(&mut self, stmt: &Stmt) {
        let place = self.place;
        match stmt {
            Stmt::Break(b) if place.loops == 0 => self.fail("'break' outside loop", b.start()),
            Stmt::Continue(c) if place.loops == 0 => {
                self.fail("'continue' not properly in loop", c.start())
            }
            Stmt::Return(r) if !place.function => self.fail("'return' outside function", r.start()),
            Stmt::Try(t) => {
                // compile.c refuses a bare `except:` before another handler, placed at it
                let (last, others) = t.handlers.split_last().unzip();
                let bare = others.unwrap_or_default().iter().find(|h| {
                    let ruff_python_ast::ExceptHandler::ExceptHandler(h) = h;
                    h.type_.is_none()
                });
                if let (Some(h), Some(_)) = (bare, last) {
                    self.fail("default 'except:' must be last", h.start());
                }
                walk_stmt(self, stmt);
            }
            Stmt::FunctionDef(f) => {
                for d in &f.decorator_list {
                    self.visit_expr(&d.expression);
                }
                let defaults = f.parameters.iter_non_variadic_params();
                for d in defaults.filter_map(|p| p.default.as_deref()) {
                    self.visit_expr(d);
                }
                if debug_parameter(&f.parameters) {
                    self.fail("cannot assign to __debug__", f.start());
                }
                let inner = Place {
                    function: true,
                    is_async: f.is_async,
                    loops: 0,
                };
                self.within(inner, |c| c.visit_body(&f.body));
            }
            Stmt::ClassDef(c) => {
                for d in &c.decorator_list {
                    self.visit_expr(&d.expression);
                }
                if let Some(a) = &c.arguments {
                    self.visit_arguments(a);
                }
                self.within(Place::default(), |s| s.visit_body(&c.body));
            }
            Stmt::For(f) => {
                self.visit_expr(&f.iter);
                self.target(&f.target);
                self.visit_expr(&f.target);
                let inner = Place {
                    loops: place.loops + 1,
                    ..place
                };
                self.within(inner, |c| c.visit_body(&f.body));
                self.visit_body(&f.orelse);
            }
            Stmt::While(w) => {
                self.visit_expr(&w.test);
                let inner = Place {
                    loops: place.loops + 1,
                    ..place
                };
                self.within(inner, |c| c.visit_body(&w.body));
                self.visit_body(&w.orelse);
            }
            Stmt::Assign(a) => {
                // compile.c evaluates the value, then stores into each target in turn
                self.visit_expr(&a.value);
                for t in &a.targets {
                    self.target(t);
                    self.visit_expr(t);
                }
            }
            _ => walk_stmt(self, stmt),
        }
    }

    fn expr(&mut self, expr: &Expr) {
        let place = self.place;
        match expr {
            Expr::Yield(_) | Expr::YieldFrom(_) if !place.function => {
                self.fail("'yield' outside function", expr.start())
            }
            Expr::Await(_) if !place.function => {
                self.fail("'await' outside function", expr.start())
            }
            Expr::Await(_) if !place.is_async => {
                self.fail("'await' outside async function", expr.start())
            }
            Expr::Starred(s)
                if s.ctx == ExprContext::Load && !self.star_allowed.contains(&s.start()) =>
            {
                self.fail("can't use starred expression here", s.start())
            }
            Expr::List(_) | Expr::Tuple(_) | Expr::Set(_) => {
                let items = match expr {
                    Expr::List(l) => &l.elts,
                    Expr::Tuple(t) => &t.elts,
                    Expr::Set(s) => &s.elts,
                    _ => unreachable!(),
                };
                self.star_allowed.extend(items.iter().map(Ranged::start));
            }
            Expr::Name(n) if n.id.as_str() == "__debug__" && n.ctx != ExprContext::Load => {
                let message = match n.ctx {
                    ExprContext::Del => "cannot delete __debug__",
                    _ => "cannot assign to __debug__",
                };
                self.fail(message, n.start());
            }
            Expr::Call(c) => {
                // compile.c: the callee first, then the keywords' names, then the arguments
                self.visit_expr(&c.func);
                let keywords = c.arguments.keywords.iter();
                if keywords
                    .filter_map(|k| k.arg.as_ref())
                    .any(|a| a.as_str() == "__debug__")
                {
                    self.fail("cannot assign to __debug__", c.start());
                }
                let mut seen = HashSet::new();
                for k in &c.arguments.keywords {
                    if let Some(name) = &k.arg {
                        if !seen.insert(name.as_str()) {
                            let message = format!("keyword argument repeated: {}", name.as_str());
                            self.fail(message, k.start());
                        }
                    }
                }
                let args = c.arguments.args.iter();
                self.star_allowed.extend(args.map(Ranged::start));
                self.visit_arguments(&c.arguments);
                return;
            }
            Expr::Lambda(l) => {
                if let Some(p) = &l.parameters {
                    for d in p
                        .iter_non_variadic_params()
                        .filter_map(|p| p.default.as_deref())
                    {
                        self.visit_expr(d);
                    }
                }
                let inner = Place {
                    function: true,
                    is_async: false,
                    loops: 0,
                };
                self.within(inner, |c| c.visit_expr(&l.body));
                return;
            }
            Expr::ListComp(_) | Expr::SetComp(_) | Expr::DictComp(_)
                if !place.is_async && has_await(expr) =>
            {
                self.fail(
                    "asynchronous comprehension outside of an asynchronous function",
                    expr.start(),
                )
            }
            _ => {}
        }
        walk_expr(self, expr);
    }
}

/// How deep a walk is: past the subset's nesting bound it stops descending (the subset's own
/// check then refuses the cell), so a deeply nested cell cannot overflow the stack here.
#[derive(Default)]
struct Depth(usize);

impl Depth {
    fn enter(&mut self) -> bool {
        self.0 += 1;
        self.0 <= crate::cells::source::MAX_DEPTH
    }

    fn leave(&mut self) {
        self.0 -= 1;
    }
}

/// Whether a parameter is named `__debug__`, which CPython refuses at the `def`.
fn debug_parameter(p: &Parameters) -> bool {
    let named = p.posonlyargs.iter().chain(&p.args).chain(&p.kwonlyargs);
    let mut all = named
        .map(|a| &a.parameter)
        .chain(p.vararg.as_deref())
        .chain(p.kwarg.as_deref());
    all.any(|a| a.name.as_str() == "__debug__")
}

/// Whether an `await` sits in the expression outside any `lambda` in it.
fn has_await(expr: &Expr) -> bool {
    struct Finder(bool, Depth);
    impl<'a> Visitor<'a> for Finder {
        fn visit_expr(&mut self, e: &'a Expr) {
            if self.1.enter() {
                match e {
                    Expr::Await(_) => self.0 = true,
                    Expr::Lambda(_) => {}
                    _ => walk_expr(self, e),
                }
            }
            self.1.leave();
        }
    }
    let mut f = Finder(false, Depth::default());
    walk_expr(&mut f, expr);
    f.0
}
