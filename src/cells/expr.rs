//! Expressions: literals, names, operators, calls, attributes, subscripts, f-strings and list
//! comprehensions. A raise is attributed to the innermost expression it comes out of.

use ruff_python_ast::{
    BoolOp, CmpOp, Expr, ExprAttribute, ExprCall, InterpolatedStringElement,
    InterpolatedStringElements, Number, UnaryOp,
};

use ruff_text_size::{Ranged, TextRange, TextSize};

use super::interp::Interp;
use super::raise::{Raise, RaiseKind};
use super::value::Value;

/// Items a list comprehension may produce (its loops count steps too).
const MAX_COMPREHENSION: usize = 1 << 20;

impl Interp<'_> {
    pub fn eval(&mut self, e: &Expr) -> Result<Value, Raise> {
        self.eval_inner(e).map_err(|r| self.locate(r, e))
    }

    fn eval_inner(&mut self, e: &Expr) -> Result<Value, Raise> {
        Ok(match e {
            Expr::NumberLiteral(n) => number_literal(&n.value)?,
            Expr::StringLiteral(s) => Value::str(s.value.to_str()),
            Expr::BooleanLiteral(b) => Value::Bool(b.value),
            Expr::NoneLiteral(_) => Value::None,
            Expr::EllipsisLiteral(_) => Value::Ellipsis,
            Expr::Name(n) => self
                .lookup(n.id.as_str())
                .ok_or_else(|| self.name_error(n.id.as_str()))?,
            Expr::List(l) => {
                let items = self.eval_items(&l.elts, |t| {
                    format!("Value after * must be an iterable, not {t}")
                })?;
                self.new_list(items)?
            }
            Expr::Tuple(t) => {
                let items = self.eval_items(&t.elts, |t| {
                    format!("Value after * must be an iterable, not {t}")
                })?;
                self.new_tuple(items)?
            }
            Expr::BinOp(b) => {
                let l = self.eval(&b.left)?;
                let r = self.eval(&b.right)?;
                super::arith::binary(self, b.op, l, r)?
            }
            Expr::UnaryOp(u) => self.unary_op(u)?,
            Expr::BoolOp(b) => self.bool_op(b)?,
            Expr::Compare(c) => self.compare_chain(c)?,
            Expr::If(i) => {
                if self.condition(&i.test, i)? {
                    self.eval(&i.body)?
                } else {
                    self.eval(&i.orelse)?
                }
            }
            Expr::Call(c) => self.call_expr(c)?,
            Expr::Attribute(a) => {
                let v = self.eval(&a.value)?;
                super::attrs::get(self, v, a.attr.as_str())
                    .map_err(|r| self.locate(r, &self.attr_place(a.start(), a)))?
            }
            Expr::Subscript(s) => {
                let v = self.eval(&s.value)?;
                super::index::get_item(self, &v, &s.slice)?
            }
            Expr::FString(f) => {
                let mut out = String::new();
                for part in f.value.iter() {
                    match part {
                        ruff_python_ast::FStringPart::Literal(l) => out.push_str(&l.value),
                        ruff_python_ast::FStringPart::FString(fs) => {
                            self.fstring(&fs.elements, &mut out, f)?
                        }
                    }
                }
                self.new_str(out)?
            }
            Expr::ListComp(lc) => self.list_comp(&lc.generators, &lc.elt, lc.range())?,
            Expr::Dict(d) => self.dict_display(d)?,
            Expr::DictComp(dc) => self.dict_comp(dc)?,
            // the checker lets a generator through only as what a builtin consumes whole
            // (`all(x > 0 for x in xs)`), where its items all at once give the same answer
            Expr::Generator(g) => self.list_comp(&g.generators, &g.elt, g.range())?,
            Expr::Lambda(l) => self.lambda(l)?,
            Expr::Slice(_) => {
                return Err(Raise::type_error("a slice `a:b` only goes inside `[...]`"))
            }
            other => {
                return Err(Raise::type_error(
                    format!("this expression is not available in a cell: {other:?}")
                        .chars()
                        .take(120)
                        .collect::<String>(),
                ))
            }
        })
    }

    fn unary_op(&mut self, u: &ruff_python_ast::ExprUnaryOp) -> Result<Value, Raise> {
        let v = self.eval(&u.operand)?;
        match u.op {
            UnaryOp::Not => Ok(Value::Bool(!self.truth(&v)?)),
            UnaryOp::USub => super::arith::negate(self, v),
            UnaryOp::UAdd => super::arith::positive(self, v),
            UnaryOp::Invert => super::arith::invert(self, v),
        }
    }

    /// `a and b or c`: the value that decided, evaluating no further than Python does.
    fn bool_op(&mut self, b: &ruff_python_ast::ExprBoolOp) -> Result<Value, Raise> {
        let mut last = Value::None;
        for (k, x) in b.values.iter().enumerate() {
            last = self.eval(x)?;
            if k + 1 == b.values.len() {
                break;
            }
            // a failing truth test is placed where the whole `a and b` starts (`eval` does)
            let t = self.truth(&last)?;
            if (b.op == BoolOp::And && !t) || (b.op == BoolOp::Or && t) {
                break;
            }
        }
        Ok(last)
    }

    /// `a < b <= c`: each link in turn, stopping at the first false one.
    fn compare_chain(&mut self, c: &ruff_python_ast::ExprCompare) -> Result<Value, Raise> {
        let mut left = self.eval(&c.left)?;
        let mut result = Value::Bool(true);
        for (k, (op, right)) in c.ops.iter().zip(c.comparators.iter()).enumerate() {
            let r = self.eval(right)?;
            result = match op {
                CmpOp::Is => Value::Bool(super::arith::is(&left, &r)),
                CmpOp::IsNot => Value::Bool(!super::arith::is(&left, &r)),
                CmpOp::In => Value::Bool(super::arith::contains(self, &r, &left)?),
                CmpOp::NotIn => Value::Bool(!super::arith::contains(self, &r, &left)?),
                op => super::arith::compare(self, *op, left, r.clone())?,
            };
            if k + 1 < c.ops.len() && !result.truthy()? {
                return Ok(result);
            }
            left = r;
        }
        Ok(result)
    }

    /// `f(a, k=v)`: the callee, then the arguments left to right; a tape method's call site is
    /// kept for the notes.
    fn call_expr(&mut self, c: &ExprCall) -> Result<Value, Raise> {
        let f = self.eval(&c.func)?;
        let args = match &c.arguments.args[..] {
            // a generator that is the only argument (`all(x > 0 for x in xs)`) starts at the
            // call's `(` in Python's positions
            [Expr::Generator(g)] if !g.parenthesized => {
                let at = c.arguments.range();
                vec![self
                    .list_comp(&g.generators, &g.elt, at)
                    .map_err(|r| self.locate(r, &at))?]
            }
            args if args.iter().any(Expr::is_starred_expr) => {
                let callee = star_callee(&f);
                self.eval_items(args, |t| {
                    format!("{callee}() argument after * must be an iterable, not {t}")
                })?
            }
            args => self.eval_all(args)?,
        };
        let mut kwargs = Vec::with_capacity(c.arguments.keywords.len());
        for k in c.arguments.keywords.iter() {
            match &k.arg {
                Some(name) => kwargs.push((name.as_str().to_string(), self.eval(&k.value)?)),
                None => {
                    let m = self.eval(&k.value)?;
                    self.double_star(&f, &m, &mut kwargs)
                        .map_err(|r| self.locate(r, c))?;
                }
            }
        }
        self.call_site = match (&f, &*c.func) {
            (Value::Method(m), Expr::Attribute(a)) if matches!(m.0, Value::Tape(_)) => {
                Some(super::notes::CallSite::of(self, c, a.attr.as_str()))
            }
            _ => None,
        };
        let result = self.call(f, args, kwargs);
        // a plain call's error is where the call starts (`eval` places it there)
        match &*c.func {
            Expr::Attribute(a) if self.is_method_call(c, a) => {
                result.map_err(|r| self.locate(r, &self.attr_place(c.start(), a)))
            }
            _ => result,
        }
    }

    /// `f(**m)`: a dict's entries as keyword arguments, with CPython's errors for what is no
    /// mapping, a key that is no string and a keyword given twice.
    fn double_star(
        &mut self,
        f: &Value,
        m: &Value,
        kwargs: &mut Vec<(String, Value)>,
    ) -> Result<(), Raise> {
        let Value::Dict(d) = m else {
            return Err(Raise::type_error(format!(
                "{}() argument after ** must be a mapping, not {}",
                star_callee(f),
                m.type_name()
            )));
        };
        for (k, v) in d.snapshot() {
            let Value::Str(name) = k else {
                return Err(Raise::type_error("keywords must be strings"));
            };
            if kwargs.iter().any(|(n, _)| n.as_str() == &*name) {
                return Err(Raise::type_error(format!(
                    "{}() got multiple values for keyword argument '{name}'",
                    star_callee(f)
                )));
            }
            kwargs.push((name.to_string(), v));
        }
        Ok(())
    }

    /// Where Python 3.11 places an error of the attribute `a`, or of a method call on it, the
    /// expression starting at `start`: there, unless the attribute's name ends on a later line
    /// (`(x\n  .numpyy())`), then at the name (compile.c `update_start_location_to_match_attr`).
    fn attr_place(&self, start: TextSize, a: &ExprAttribute) -> TextRange {
        let lines = self.current_lines();
        match lines.at(start).0 == lines.at(a.attr.end()).0 {
            true => TextRange::empty(start),
            false => a.attr.range(),
        }
    }

    /// Whether CPython 3.11 compiles `c` as a method call (LOAD_METHOD, compile.c
    /// `maybe_optimize_method_call`), whose error takes the attribute's place: not on a name
    /// the cell imports (`tf.reshape(...)` is a plain call), nor with `*args` or `**kwargs`,
    /// nor with 30 or more arguments.
    fn is_method_call(&self, c: &ExprCall, a: &ExprAttribute) -> bool {
        let imported = match &*a.value {
            Expr::Name(n) => self.current_lines().imports(n.id.as_str()),
            _ => false,
        };
        let (args, kw) = (&c.arguments.args, &c.arguments.keywords);
        !imported
            && !args.iter().any(Expr::is_starred_expr)
            && kw.iter().all(|k| k.arg.is_some())
            && args.len() + kw.len() + usize::from(!kw.is_empty()) < 30
    }

    /// `[elt for ...]`, the comprehension spanning `at`.
    fn list_comp(
        &mut self,
        generators: &[ruff_python_ast::Comprehension],
        elt: &Expr,
        at: TextRange,
    ) -> Result<Value, Raise> {
        let mut out = Vec::new();
        // the first iterable is evaluated where the comprehension stands, the rest in its scope
        let Some(first) = generators.first() else {
            return Ok(Value::list(out));
        };
        let first = self.eval(&first.iter)?;
        let locals = generators
            .iter()
            .flat_map(|g| target_names(&g.target))
            .collect();
        self.in_comprehension(locals, |it| {
            it.comprehend(generators, Elt::One(elt), at, Some(first), &mut out)
        })?;
        self.new_list(out)
    }

    /// `{k: v for ...}`: the pairs made as a list comprehension's items are, then the dict.
    fn dict_comp(&mut self, dc: &ruff_python_ast::ExprDictComp) -> Result<Value, Raise> {
        let mut out = Vec::new();
        let at = dc.range();
        let Some(key) = dc.key.as_deref() else {
            return Err(Raise::type_error(
                "a dict comprehension makes a key and a value",
            ));
        };
        if let Some(first) = dc.generators.first() {
            let first = self.eval(&first.iter)?;
            let locals = dc
                .generators
                .iter()
                .flat_map(|g| target_names(&g.target))
                .collect();
            let elt = Elt::Pair(key, &dc.value);
            self.in_comprehension(locals, |it| {
                it.comprehend(&dc.generators, elt, at, Some(first), &mut out)
            })?;
        }
        let mut pairs = Vec::with_capacity(out.len() / 2);
        let mut items = out.into_iter();
        while let (Some(k), Some(v)) = (items.next(), items.next()) {
            pairs.push((k, v));
        }
        self.new_dict(pairs).map_err(|r| self.locate(r, &at))
    }

    /// `{k: v, **other}`: each key and then its value, left to right; a later key replaces
    /// an equal earlier one.
    fn dict_display(&mut self, d: &ruff_python_ast::ExprDict) -> Result<Value, Raise> {
        let made = super::dict::PyDict::new();
        for item in &d.items {
            match &item.key {
                Some(k) => {
                    let k = self.eval(k)?;
                    let v = self.eval(&item.value)?;
                    self.dict_set(&made, k, v)?;
                }
                None => {
                    let other = self.eval(&item.value)?;
                    let Value::Dict(other) = other else {
                        return Err(Raise::type_error(format!(
                            "'{}' object is not a mapping",
                            other.type_name()
                        )));
                    };
                    for (k, v) in other.snapshot() {
                        self.dict_set(&made, k, v)?;
                    }
                }
            }
        }
        Ok(Value::Dict(made))
    }

    /// `lambda a, b: body` as the function `def <lambda>(a, b): return body`.
    fn lambda(&mut self, l: &ruff_python_ast::ExprLambda) -> Result<Value, Raise> {
        let def = lambda_def(l);
        let mut defaults = Vec::new();
        for p in &def.parameters.args {
            defaults.push(match &p.default {
                Some(d) => Some(self.eval(d)?),
                None => None,
            });
        }
        Ok(Value::Function(std::sync::Arc::new(
            super::value::Function::new(
                "<lambda>".to_string(),
                def,
                self.current_lines(),
                defaults,
                self.closure(),
            ),
        )))
    }

    pub fn eval_all(&mut self, es: &[Expr]) -> Result<Vec<Value>, Raise> {
        es.iter().map(|e| self.eval(e)).collect()
    }

    /// The items of a display or a call's positional arguments, each `*x` spread into the
    /// items of `x`; a `*` on what cannot be iterated is a TypeError worded by `not_iterable`.
    fn eval_items(
        &mut self,
        es: &[Expr],
        not_iterable: impl Fn(&str) -> String,
    ) -> Result<Vec<Value>, Raise> {
        let mut items = Vec::with_capacity(es.len());
        for e in es {
            let Expr::Starred(s) = e else {
                items.push(self.eval(e)?);
                continue;
            };
            let v = self.eval(&s.value)?;
            let more = super::builtins::iterate_or(self, &v, &not_iterable)?;
            // each spread is bounded by a list's limit before the next one grows the items
            self.room_to_grow(items.len(), more.len())?;
            items.extend(more);
        }
        Ok(items)
    }

    /// The items of a comprehension spanning `at`: a failing iteration or condition is placed
    /// where the comprehension starts, as Python 3.11 places it.
    fn comprehend(
        &mut self,
        gens: &[ruff_python_ast::Comprehension],
        elt: Elt,
        at: TextRange,
        iter: Option<Value>,
        out: &mut Vec<Value>,
    ) -> Result<(), Raise> {
        let Some((g, rest)) = gens.split_first() else {
            match elt {
                Elt::One(e) => {
                    if out.len() >= MAX_COMPREHENSION {
                        return Err(Raise::new(
                            RaiseKind::LimitExceeded,
                            "a list comprehension in a cell makes at most 1048576 items",
                        ));
                    }
                    let v = self.eval(e)?;
                    out.push(v);
                }
                // a key, then its value (Python 3.8's order), each pair in `out` in turn
                Elt::Pair(k, v) => {
                    if out.len() >= 2 * MAX_COMPREHENSION {
                        return Err(Raise::new(
                            RaiseKind::LimitExceeded,
                            "a dict comprehension in a cell makes at most 1048576 items",
                        ));
                    }
                    let k = self.eval(k)?;
                    let v = self.eval(v)?;
                    out.push(k);
                    out.push(v);
                }
            }
            return Ok(());
        };
        let iter = match iter {
            Some(v) => v,
            None => self.eval(&g.iter)?,
        };
        let mut items = super::iterator::Walk::of(self, &iter).map_err(|r| self.locate(r, &at))?;
        'items: while let Some(item) = items.next(self).map_err(|r| self.locate(r, &at))? {
            self.step()?;
            self.assign(&g.target, item)?;
            for cond in &g.ifs {
                if !self.condition(cond, at)? {
                    continue 'items;
                }
            }
            self.comprehend(rest, elt, at, None, out)?;
        }
        Ok(())
    }

    /// The text of an f-string's elements; a value that will not format is located at the whole
    /// f-string (`whole`, every implicitly joined part), where Python 3.11 places it.
    fn fstring(
        &mut self,
        elements: &InterpolatedStringElements,
        out: &mut String,
        whole: &impl Ranged,
    ) -> Result<(), Raise> {
        for el in elements.iter() {
            match el {
                InterpolatedStringElement::Literal(l) => out.push_str(&l.value),
                InterpolatedStringElement::Interpolation(i) => {
                    let v = self.eval(&i.expression)?;
                    let mut spec = String::new();
                    if let Some(fs) = &i.format_spec {
                        self.fstring(&fs.elements, &mut spec, whole)?;
                    }
                    let conversion = match i.conversion {
                        ruff_python_ast::ConversionFlag::Str => Some('s'),
                        ruff_python_ast::ConversionFlag::Repr => Some('r'),
                        ruff_python_ast::ConversionFlag::Ascii => Some('a'),
                        ruff_python_ast::ConversionFlag::None => None,
                    };
                    if let Some(debug) = &i.debug_text {
                        out.push_str(debug.as_str());
                    }
                    let conversion =
                        conversion.or(i.debug_text.as_ref().and(spec.is_empty().then_some('r')));
                    let text = super::print::format_value(self, &v, conversion, &spec)
                        .map_err(|r| self.locate(r, whole))?;
                    out.push_str(&text);
                    // each field is bounded, their number only by the cell's text
                    super::budget::str_fits(out.len()).map_err(|r| self.locate(r, whole))?;
                }
            }
        }
        Ok(())
    }

    /// Calls any callable value.
    pub fn call(
        &mut self,
        f: Value,
        args: Vec<Value>,
        kwargs: Vec<(String, Value)>,
    ) -> Result<Value, Raise> {
        match f {
            Value::Function(func) => self.call_function(&func, args, kwargs),
            Value::Builtin(path) => {
                self.step()?;
                if let Some(c) = super::exceptions::class_at(&path) {
                    return super::exceptions::construct(self, c, args, kwargs);
                }
                if path.starts_with("tf.") || path.starts_with("np.") {
                    let given = args.iter().chain(kwargs.iter().map(|(_, v)| v));
                    super::convertible(given, path.starts_with("np."))?;
                }
                if path.starts_with("tf.") {
                    super::tf::call(self, &path, args, kwargs)
                } else if let Some(name) = path.strip_prefix("math.") {
                    super::builtins::pymath::call(self, name, args, kwargs)
                } else if let Some(name) = path.strip_prefix("np.") {
                    match super::numpy::call(self, name, args, kwargs)? {
                        Some(v) => Ok(v),
                        None => Err(Raise::attr_error(super::tf::missing_detail(&path))),
                    }
                } else {
                    super::builtins::call(self, &path, args, kwargs)
                }
            }
            Value::Type(n) if super::exceptions::class_named(&n).is_some() => {
                self.step()?;
                let c = super::exceptions::class_named(&n).expect("checked");
                super::exceptions::construct(self, c, args, kwargs)
            }
            Value::Keras(k) => {
                self.step()?;
                super::tf::call_keras_object(self, &k, args, kwargs)
            }
            Value::Method(m) => {
                self.step()?;
                let (recv, name) = (&m.0, m.1.as_str());
                if Value::is_tf(recv) || matches!(recv, Value::Array(_) | Value::NpScalar(_)) {
                    let given = args.iter().chain(kwargs.iter().map(|(_, v)| v));
                    super::convertible(given, !Value::is_tf(recv))?;
                }
                super::attrs::call_method(self, recv, name, args, kwargs)
            }
            other => Err(Raise::type_error(format!(
                "'{}' object is not callable",
                other.type_name()
            ))),
        }
    }
}

/// How Python names a callee in `f(*5)`'s TypeError: a cell's function by its module
/// (`__cell__.f`), a builtin by its name, a method by its class.
fn star_callee(f: &Value) -> String {
    match f {
        Value::Function(func) => format!("__cell__.{}", func.name),
        Value::Builtin(path) => path.to_string(),
        Value::Method(m) => format!("{}.{}", m.0.type_name(), m.1),
        other => other.type_name(),
    }
}

/// What a comprehension makes of each round: an item, or a dict's key and value.
#[derive(Clone, Copy)]
enum Elt<'e> {
    One(&'e Expr),
    Pair(&'e Expr, &'e Expr),
}

/// The names an assignment target binds.
pub(crate) fn target_names(t: &Expr) -> Vec<String> {
    match t {
        Expr::Name(n) => vec![n.id.as_str().to_string()],
        Expr::Starred(s) => target_names(&s.value),
        Expr::Tuple(x) => x.elts.iter().flat_map(target_names).collect(),
        Expr::List(x) => x.elts.iter().flat_map(target_names).collect(),
        _ => Vec::new(),
    }
}

fn number_literal(n: &Number) -> Result<Value, Raise> {
    Ok(match n {
        Number::Int(i) => Value::Int(i.as_i64().ok_or_else(|| {
            Raise::new(
                RaiseKind::ValueError,
                "an integer literal in a cell fits in 64 bits",
            )
        })?),
        Number::Float(f) => Value::Float(*f),
        Number::Complex { .. } => {
            return Err(Raise::type_error(
                "complex numbers are not available in a cell",
            ))
        }
    })
}

/// `lambda a, b: body` as `def <lambda>(a, b): return body`, spanning the lambda (a session
/// finds a kept lambda again by where it starts).
pub fn lambda_def(l: &ruff_python_ast::ExprLambda) -> ruff_python_ast::StmtFunctionDef {
    let ret = ruff_python_ast::Stmt::Return(ruff_python_ast::StmtReturn {
        node_index: Default::default(),
        range: l.body.range(),
        value: Some(l.body.clone()),
    });
    ruff_python_ast::StmtFunctionDef {
        node_index: Default::default(),
        range: l.range,
        is_async: false,
        decorator_list: Default::default(),
        name: ruff_python_ast::Identifier::new("<lambda>", l.range),
        type_params: None,
        parameters: l.parameters.clone().unwrap_or_default(),
        returns: None,
        body: std::iter::once(ret).collect(),
    }
}
