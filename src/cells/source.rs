//! A cell's text to a checked AST: size bounds, the parse (a SyntaxError as CPython raises it,
//! `syntax`), nesting depth, and the subset (a construct outside it is refused before anything
//! runs, naming it with line and column).

use ruff_python_ast::visitor::{walk_expr, walk_stmt, Visitor};
use ruff_python_ast::{Expr, ExprContext, ModModule, Stmt};
use ruff_text_size::{Ranged, TextSize};

use super::raise::Refusal;

/// Nesting of expressions and blocks a cell may have: Python's own parser stops near 200, and a
/// bound here keeps the evaluator's recursion (one Rust frame per level) small.
pub const MAX_DEPTH: usize = 100;

/// Byte offsets of line starts, to report 1-based lines and columns, and the text itself, to
/// quote an expression in a note.
#[derive(Debug)]
pub struct LineIndex {
    starts: Vec<usize>,
    text: String,
    /// The names the cell imports in its module scope, found when an error's place needs them.
    imports: std::sync::OnceLock<Vec<String>>,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex {
            starts,
            text: text.to_string(),
            imports: Default::default(),
        }
    }

    /// The text of a node, as the cell wrote it.
    pub fn text_of(&self, node: &impl Ranged) -> &str {
        self.text.get(node.range().to_std_range()).unwrap_or("")
    }

    /// (line, column), both 1-based, of a byte offset; the column counts characters, as
    /// Python reports it.
    pub fn at(&self, offset: TextSize) -> (usize, usize) {
        let o = offset.to_usize();
        let line = self.starts.partition_point(|&s| s <= o).max(1);
        let start = self.starts[line - 1];
        let column = self
            .text
            .get(start..o)
            .map_or(o - start, |s| s.chars().count());
        (line, column + 1)
    }

    /// Whether `name` is imported in the cell's module scope (`import tensorflow as tf`):
    /// CPython 3.11 compiles a method call on such a name as a plain call (compile.c
    /// `is_import_originated`), which changes where the call's error is placed. The cell is
    /// parsed again for it only when an error's place depends on it.
    pub fn imports(&self, name: &str) -> bool {
        self.imports
            .get_or_init(|| {
                let mut found = Imports(Vec::new());
                if let Ok(m) = ruff_python_parser::parse_module(&self.text) {
                    found.visit_body(&m.syntax().body);
                }
                found.0
            })
            .iter()
            .any(|n| n == name)
    }
}

/// The names bound by `import` statements in a module's own scope (not inside a `def`).
struct Imports(Vec<String>);

impl<'a> Visitor<'a> for Imports {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::Import(i) => self.0.extend(i.names.iter().map(|a| match &a.asname {
                Some(n) => n.to_string(),
                None => a.name.split('.').next().unwrap_or_default().to_string(),
            })),
            Stmt::FunctionDef(_) | Stmt::ClassDef(_) => {}
            _ => walk_stmt(self, stmt),
        }
    }

    fn visit_expr(&mut self, _: &'a Expr) {}
}

/// Parses and checks a cell: the module, or why it cannot run.
pub fn parse(text: &str, max_bytes: usize) -> Result<ModModule, Refusal> {
    if text.len() > max_bytes {
        return Err(Refusal {
            code: "limit_exceeded",
            detail: format!(
                "the cell is {} bytes; cells are at most {max_bytes} bytes (GRADTAPE_MAX_CELL_BYTES)",
                text.len()
            ),
            line: 1,
            column: 1,
        });
    }
    let lines = LineIndex::new(text);
    let module = super::syntax::parse(text, &lines)?;
    let mut check = Check {
        lines: &lines,
        depth: 0,
        refusal: None,
        consumed: Default::default(),
        spread: Default::default(),
        math_names: Default::default(),
    };
    check.visit_body(&module.body);
    match check.refusal {
        Some(r) => Err(r),
        None => Ok(module),
    }
}

struct Check<'l> {
    lines: &'l LineIndex,
    depth: usize,
    refusal: Option<Refusal>,
    /// Where the generator expressions a builtin consumes whole start (see [`consumed`]).
    consumed: std::collections::HashSet<ruff_text_size::TextSize>,
    /// Where the `*x` items of list and tuple displays and of calls' arguments start: the
    /// places a cell spreads an iterable (a `*` target is checked by the compiler's rules).
    spread: std::collections::HashSet<ruff_text_size::TextSize>,
    /// The names the cell's `import math` statements bind.
    math_names: std::collections::HashSet<String>,
}

/// The builtins (and `str.join`) that read a generator's items all at once, where a cell
/// takes `all(x > 0 for x in xs)`: its items computed up front give Python's answer.
const CONSUMERS: &[&str] = &[
    "all", "any", "sum", "min", "max", "sorted", "list", "tuple", "join",
];

/// The generator a call consumes whole: its only argument.
fn consumed(c: &ruff_python_ast::ExprCall) -> Option<&Expr> {
    let name = match &*c.func {
        Expr::Name(n) => n.id.as_str(),
        Expr::Attribute(a) => a.attr.as_str(),
        _ => return None,
    };
    match &c.arguments.args[..] {
        [g @ Expr::Generator(_)] if CONSUMERS.contains(&name) => Some(g),
        _ => None,
    }
}

impl Check<'_> {
    fn refuse(&mut self, what: String, node: &impl Ranged) {
        if self.refusal.is_none() {
            self.refusal = Some(Refusal::unsupported(what, self.lines.at(node.start())));
        }
    }

    /// Enters one level; false (and a refusal) past MAX_DEPTH, so the walk itself stays shallow.
    fn enter(&mut self, node: &impl Ranged) -> bool {
        self.depth += 1;
        if self.depth > MAX_DEPTH && self.refusal.is_none() {
            let at = self.lines.at(node.start());
            self.refusal = Some(Refusal {
                code: "limit_exceeded",
                detail: format!("the cell nests expressions and blocks more than {MAX_DEPTH} levels deep; split it into simpler statements"),
                line: at.0,
                column: at.1,
            });
        }
        self.refusal.is_none()
    }
}

/// Python attributes a cell may read beyond plain names (dunders are not in the subset).
const DUNDERS: &[&str] = &["__name__", "__version__"];

/// `tf.linalg.inv` or `np.unique` as a dotted path, for an attribute chain that starts at the
/// name `tf` or `np`.
fn api_path(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Name(n) if matches!(n.id.as_str(), "tf" | "np") => Some(n.id.to_string()),
        Expr::Attribute(a) => Some(format!("{}.{}", api_path(&a.value)?, a.attr.as_str())),
        _ => None,
    }
}

/// `"{0.shape}".format(x)`: a literal template whose field reads an attribute.
fn format_attribute_field(c: &ruff_python_ast::ExprCall) -> Option<String> {
    let Expr::Attribute(a) = &*c.func else {
        return None;
    };
    let Expr::StringLiteral(s) = &*a.value else {
        return None;
    };
    if a.attr.as_str() != "format" {
        return None;
    }
    super::format::py::attribute_field(s.value.to_str())
}

fn stmt_name(s: &Stmt) -> Option<&'static str> {
    Some(match s {
        Stmt::ClassDef(_) => "`class`",
        Stmt::TypeAlias(_) => "`type` aliases",
        Stmt::AnnAssign(_) => "annotated assignment",
        Stmt::Match(_) => "`match`",
        Stmt::Try(t) if t.is_star => "`except*`",
        Stmt::ImportFrom(_) => "`from ... import`",
        Stmt::Global(_) => "`global`",
        Stmt::Nonlocal(_) => "`nonlocal`",
        Stmt::IpyEscapeCommand(_) => "IPython magics",
        Stmt::FunctionDef(f) if f.is_async => "`async def`",
        Stmt::For(f) if f.is_async => "`async for`",
        Stmt::With(w) if w.is_async => "`async with`",
        _ => return None,
    })
}

fn expr_name(e: &Expr) -> Option<&'static str> {
    Some(match e {
        Expr::Named(_) => "the walrus operator `:=`",
        Expr::Set(_) => "set literals",
        Expr::SetComp(_) => "set comprehensions",
        Expr::Generator(_) => "generator expressions",
        Expr::Await(_) => "`await`",
        Expr::Yield(_) | Expr::YieldFrom(_) => "`yield`",
        Expr::TString(_) => "template strings",
        Expr::BytesLiteral(_) => "bytes literals",
        Expr::IpyEscapeCommand(_) => "IPython magics",
        Expr::NumberLiteral(n) if matches!(n.value, ruff_python_ast::Number::Complex { .. }) => {
            "complex numbers"
        }
        _ => return None,
    })
}

impl Check<'_> {
    /// Why `math.gamma` is refused: CPython's `math` has it, the subset's does not. A name is
    /// the module where the cell imports it (`import math`, `import math as m`).
    fn math_outside_subset(&self, a: &ruff_python_ast::ExprAttribute) -> Option<String> {
        let Expr::Name(n) = &*a.value else {
            return None;
        };
        let detail = super::builtins::pymath::outside_subset(a.attr.as_str())?;
        self.math_names.contains(n.id.as_str()).then_some(detail)
    }

    /// `*x` spreads an iterable in a list or tuple display and in a call's positional
    /// arguments, and gathers the rest in an assignment or `for` target; elsewhere (a
    /// subscript's `a[*idx]`) the subset lacks it.
    fn starred(&mut self, expr: &Expr) {
        let items = match expr {
            Expr::List(l) if l.ctx == ExprContext::Load => &l.elts[..],
            Expr::Tuple(t) if t.ctx == ExprContext::Load => &t.elts[..],
            Expr::Call(c) => &c.arguments.args[..],
            Expr::Subscript(s) => {
                if let Expr::Tuple(t) = &*s.slice {
                    if let Some(star) = t.elts.iter().find(|e| e.is_starred_expr()) {
                        self.refuse("`*` unpacking in a subscript (`a[*idx]`) is not available in a cell: index with a tuple (`a[tuple(idx)]`)".into(), star);
                    }
                }
                return;
            }
            Expr::Starred(s) if s.ctx == ExprContext::Load && !self.spread.contains(&s.start()) => {
                self.refuse("`*` unpacking is not available here in a cell: a cell spreads `*x` in a list or tuple display (`[*a, *b]`), a call's arguments (`f(*args)`) and an assignment or `for` target (`first, *rest = xs`)".into(), expr);
                return;
            }
            _ => return,
        };
        let starts = items.iter().filter(|e| e.is_starred_expr());
        self.spread.extend(starts.map(Ranged::start));
    }
}

impl<'a> Visitor<'a> for Check<'_> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        if !self.enter(stmt) {
            return;
        }
        if let Some(what) = stmt_name(stmt) {
            self.refuse(format!("{what} is not available in a cell"), stmt);
        }
        match stmt {
            Stmt::Import(i) => {
                for a in &i.names {
                    if a.name.as_str() == "math" {
                        let bound = a.asname.as_ref().map_or("math", |n| n.as_str());
                        self.math_names.insert(bound.to_string());
                    }
                    let ok = matches!(
                        (a.name.as_str(), a.asname.as_ref().map(|n| n.as_str())),
                        ("tensorflow", Some("tf")) | ("numpy", Some("np")) | ("math", _)
                    );
                    if !ok {
                        self.refuse(
                            format!("`import {}` is not available in a cell: only `import tensorflow as tf`, `import numpy as np` and `import math`", a.name.as_str()),
                            a,
                        );
                    }
                }
            }
            Stmt::FunctionDef(f) => {
                let p = &f.parameters;
                if !f.decorator_list.is_empty() {
                    self.refuse("decorators are not available in a cell".into(), f);
                }
                if p.vararg.is_some()
                    || p.kwarg.is_some()
                    || !p.kwonlyargs.is_empty()
                    || !p.posonlyargs.is_empty()
                {
                    self.refuse("`*args`, `**kwargs` and keyword-only parameters are not available in a cell: give plain parameters with defaults".into(), f);
                }
            }
            Stmt::For(f) if !f.orelse.is_empty() => {
                self.refuse("`for ... else` is not available in a cell".into(), f)
            }
            Stmt::While(w) if !w.orelse.is_empty() => {
                self.refuse("`while ... else` is not available in a cell".into(), w)
            }
            _ => {}
        }
        walk_stmt(self, stmt);
        self.depth -= 1;
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        if !self.enter(expr) {
            return;
        }
        if let Expr::Call(c) = expr {
            if let Some(g) = consumed(c) {
                self.consumed.insert(g.start());
            }
        }
        let consumed = matches!(expr, Expr::Generator(_)) && self.consumed.contains(&expr.start());
        if let Some(what) = expr_name(expr).filter(|_| !consumed) {
            // the names are plural nouns ("dict literals") or one construct ("`await`")
            let verb = if what.ends_with('s') { "are" } else { "is" };
            self.refuse(format!("{what} {verb} not available in a cell"), expr);
        }
        self.starred(expr);
        if let Expr::Attribute(a) = expr {
            let name = a.attr.as_str();
            if let Some(detail) = self.math_outside_subset(a) {
                self.refuse(detail, expr);
            }
            if name.starts_with("__") && !DUNDERS.contains(&name) {
                self.refuse(
                    format!("the attribute `{name}` is not available in a cell"),
                    expr,
                );
            }
            match api_path(expr) {
                Some(path) if super::missing::known(&path) && !super::tf::subset_has(&path) => {
                    let detail = super::missing::outside_subset(&path);
                    self.refuse(detail, expr);
                }
                None if super::numpy::methods::array_only_outside_subset(name) => {
                    let detail = super::missing::outside_subset(&format!("np.ndarray.{name}"));
                    self.refuse(detail, expr);
                }
                _ => {}
            }
        }
        if let Expr::Call(c) = expr {
            if let Some(field) = format_attribute_field(c) {
                self.refuse(
                    format!("attribute access in a `str.format` field (`{{{field}}}`) is not available in a cell: use an f-string (`f\"{{x.shape}}\"`) or pass the attribute (`\"{{}}\".format(x.shape)`)"),
                    expr,
                );
            }
        }
        walk_expr(self, expr);
        self.depth -= 1;
    }
}
