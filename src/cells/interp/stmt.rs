//! Statements: each kind run on the interpreter's state, a block's flow (break, continue,
//! return), assignment and unpacking into names, items and attributes.

use std::sync::Arc;

use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::Ranged;

use super::{Flow, Interp, Switch};
use crate::cells::raise::{Raise, RaiseKind};
use crate::cells::value::Value;
use crate::engine::Workspace;

impl Interp<'_> {
    /// Places a non-finite value the engine saw during `s` at `s` (the innermost statement
    /// that ran while it appeared).
    fn mark_non_finite(&mut self, s: &Stmt) {
        if self.ws.ctx.numerics.is_some() {
            let at = self.current_lines().at(s.start());
            self.place_non_finite(at);
        }
    }

    pub fn exec_block(&mut self, body: &[Stmt]) -> Result<Flow, Raise> {
        for s in body {
            let done = self.exec(s);
            self.mark_non_finite(s);
            match done {
                Ok(Flow::Normal) => {}
                Ok(flow) => return Ok(flow),
                Err(r) => return Err(self.locate(r, s)),
            }
        }
        Ok(Flow::Normal)
    }

    fn exec(&mut self, stmt: &Stmt) -> Result<Flow, Raise> {
        self.step()?;
        match stmt {
            Stmt::Expr(e) => {
                self.eval(&e.value)?;
            }
            Stmt::Assign(a) => self.exec_assign(a)?,
            Stmt::AugAssign(a) => self.exec_aug_assign(a).map_err(|r| self.locate(r, stmt))?,
            Stmt::If(i) => return self.exec_if(i),
            Stmt::For(f) => return self.exec_for(f),
            Stmt::While(w) => return self.exec_while(w),
            Stmt::Break(_) => return Ok(Flow::Break),
            Stmt::Continue(_) => return Ok(Flow::Continue),
            Stmt::Pass(_) => {}
            Stmt::Return(r) => return self.exec_return(r),
            Stmt::Delete(d) => self.exec_delete(d)?,
            Stmt::Import(i) => self.exec_import(i),
            Stmt::FunctionDef(f) => self.exec_def(f)?,
            Stmt::With(w) => return self.exec_with(&w.items, &w.body),
            Stmt::Assert(a) => self.exec_assert(a)?,
            Stmt::Try(t) => return self.exec_try(t),
            Stmt::Raise(r) => return Err(self.exec_raise(r)),
            other => {
                return Err(Raise::type_error(format!(
                    "this statement is not available in a cell: {:?}",
                    std::mem::discriminant(other)
                )))
            }
        }
        Ok(Flow::Normal)
    }

    /// `a = b = value`: the names a gradient call leaves None are remembered for the notes.
    fn exec_assign(&mut self, a: &ast::StmtAssign) -> Result<(), Raise> {
        self.last_gradient = None;
        let v = self.eval(&a.value)?;
        for t in &a.targets {
            self.assign(t, v.clone())?;
        }
        let direct = crate::cells::notes::is_gradient_call(&a.value);
        let per_source = self.last_gradient.take().filter(|_| direct);
        self.remember_nones(&a.targets, &v, per_source.as_deref());
        Ok(())
    }

    fn exec_aug_assign(&mut self, a: &ast::StmtAugAssign) -> Result<(), Raise> {
        let cur = self.eval(&a.target)?;
        let rhs = self.eval(&a.value)?;
        if let (Value::Array(arr), false) = (&cur, rhs.is_tf()) {
            // NumPy's `a += b` writes into `a` itself; `lst[i] += b` is Python's
            // `item = lst[i]; item = item.__iadd__(b); lst[i] = item`, so the array in the list
            // (or a row view of another array) changes too. A tensor or variable on the right
            // has the higher `__array_priority__`: NumPy defers, and the tensor's reflected
            // operator below rebinds the name to a tensor
            crate::cells::numpy::arith::in_place(self, a.op, arr, &rhs)?;
            if !matches!(&*a.target, Expr::Subscript(_)) {
                return Ok(());
            }
            return self.assign(&a.target, cur);
        }
        if let (Value::Dict(d), ast::Operator::BitOr) = (&cur, a.op) {
            // `d |= other` updates the dict itself (any mapping or pairs), as `update` does
            crate::cells::builtins::dict_methods::call(self, d, "update", vec![rhs], vec![])?;
            return self.assign(&a.target, cur);
        }
        if let (Value::List(list), ast::Operator::Add | ast::Operator::Mult) = (&cur, a.op) {
            // a list's `+=` and `*=` change the list itself, so its aliases see the change
            self.list_in_place(a.op, list, &rhs)?;
            return self.assign(&a.target, cur);
        }
        if let Value::Variable(_) | Value::UnreadVariable(_) = cur {
            if let Some(why) = variable_in_place(a.op) {
                return Err(Raise::new(RaiseKind::RuntimeError, why));
            }
        }
        let v = crate::cells::arith::binary(self, a.op, cur, rhs)?;
        self.assign(&a.target, v)
    }

    /// `list += rhs` (any iterable extends it, in place: a loop of `+=` costs what its
    /// appends do) or `list *= n`.
    fn list_in_place(
        &mut self,
        op: ast::Operator,
        list: &crate::cells::value::PyList,
        rhs: &Value,
    ) -> Result<(), Raise> {
        use crate::cells::value::lock;
        if op == ast::Operator::Add {
            // the items are taken before the list is locked: `xs += xs` reads the list itself
            let more = crate::cells::builtins::iterate(self, rhs)?;
            let len = lock(list).len();
            self.room_to_grow(len, more.len())?;
            lock(list).extend(more);
            return Ok(());
        }
        // `*` gives the same items, and the same errors, as `*=`
        let cur = Value::List(list.clone());
        let product = crate::cells::arith::binary(self, op, cur, rhs.clone())?;
        let items = product.items().unwrap_or_default();
        *lock(list) = items;
        Ok(())
    }

    /// `assert test, msg`: AssertionError with `str(msg)` (empty without one) where `test` starts.
    fn exec_assert(&mut self, a: &ast::StmtAssert) -> Result<(), Raise> {
        let test = &*a.test;
        if self.condition(test, a)? {
            return Ok(());
        }
        let detail = match &a.msg {
            Some(m) => {
                let v = self.eval(m)?;
                // Python keeps the message object; a value too deep to print stays elided
                crate::cells::print::str(self, &v)
            }
            None => String::new(),
        };
        Err(self.locate(Raise::new(RaiseKind::AssertionError, detail), test))
    }

    fn exec_if(&mut self, i: &ast::StmtIf) -> Result<Flow, Raise> {
        if self.condition(&i.test, i)? {
            return self.exec_block(&i.body);
        }
        for clause in &i.elif_else_clauses {
            let take = match &clause.test {
                Some(t) => self.condition(t, clause)?,
                None => true,
            };
            if take {
                return self.exec_block(&clause.body);
            }
        }
        Ok(Flow::Normal)
    }

    fn exec_while(&mut self, w: &ast::StmtWhile) -> Result<Flow, Raise> {
        loop {
            self.step()?;
            if !self.condition(&w.test, w)? {
                break;
            }
            match self.exec_block(&w.body)? {
                Flow::Break => break,
                Flow::Return(v) => return Ok(Flow::Return(v)),
                _ => {}
            }
        }
        Ok(Flow::Normal)
    }

    fn exec_return(&mut self, r: &ast::StmtReturn) -> Result<Flow, Raise> {
        if self.frames.is_empty() {
            return Err(Raise::new(
                RaiseKind::TypeError,
                "'return' outside function",
            ));
        }
        let v = match &r.value {
            Some(e) => self.eval(e)?,
            None => Value::None,
        };
        Ok(Flow::Return(v))
    }

    /// `del name` and `del lst[i]` (a list's item or slice).
    fn exec_delete(&mut self, d: &ast::StmtDelete) -> Result<(), Raise> {
        for t in &d.targets {
            if let Expr::Subscript(sub) = t {
                let container = self.eval(&sub.value)?;
                crate::cells::index::del_item(self, &container, &sub.slice)
                    .map_err(|r| self.locate(r, t))?;
                continue;
            }
            let Expr::Name(n) = t else {
                return Err(self.locate(
                    Raise::type_error("a cell deletes names and list items (`del g`, `del xs[0]`)"),
                    t,
                ));
            };
            if !self.unbind(n.id.as_str()) {
                return Err(self.locate(self.name_error(n.id.as_str()), t));
            }
        }
        Ok(())
    }

    /// `import tensorflow as tf`, `import numpy as np`, `import math` (the checker allows no
    /// other module).
    fn exec_import(&mut self, i: &ast::StmtImport) {
        for a in &i.names {
            let module = match a.name.as_str() {
                "tensorflow" => "tf",
                "math" => "math",
                _ => "np",
            };
            let bind = a.asname.as_ref().map_or(module, |n| n.as_str());
            self.bind(bind, Value::Module(module.into()));
        }
    }

    /// `def f(...)`: its defaults evaluated now, as Python does.
    fn exec_def(&mut self, f: &ast::StmtFunctionDef) -> Result<(), Raise> {
        let mut defaults = Vec::new();
        for p in &f.parameters.args {
            defaults.push(match &p.default {
                Some(d) => Some(self.eval(d)?),
                None => None,
            });
        }
        let func = crate::cells::value::Function::new(
            f.name.as_str().to_string(),
            f.clone(),
            self.current_lines(),
            defaults,
            self.closure(),
        );
        self.bind(f.name.as_str(), Value::Function(Arc::new(func)));
        Ok(())
    }

    fn exec_for(&mut self, f: &ruff_python_ast::StmtFor) -> Result<Flow, Raise> {
        let iter = self.eval(&f.iter)?;
        // a range is walked lazily: `for i in range(10**9)` stops at the step limit, not in memory
        if let Value::Range(a, b, s) = iter {
            let mut i = a;
            while (s > 0 && i < b) || (s < 0 && i > b) {
                if let Some(flow) = self.loop_turn(f, Value::Int(i))? {
                    return Ok(flow);
                }
                i += s;
            }
            return Ok(Flow::Normal);
        }
        if let Value::List(list) = &iter {
            // Python walks a list by index, so items appended in the loop are visited too
            let mut k = 0;
            loop {
                let Some(item) = crate::cells::value::lock(list).get(k).cloned() else {
                    break;
                };
                k += 1;
                if let Some(flow) = self.loop_turn(f, item)? {
                    return Ok(flow);
                }
            }
            return Ok(Flow::Normal);
        }
        // a value that cannot be iterated fails where the `for` starts, as Python places it
        let mut items =
            crate::cells::iterator::Walk::of(self, &iter).map_err(|r| self.locate(r, f))?;
        while let Some(item) = items.next(self).map_err(|r| self.locate(r, f))? {
            if let Some(flow) = self.loop_turn(f, item)? {
                return Ok(flow);
            }
        }
        Ok(Flow::Normal)
    }

    /// One turn of a `for` loop with `item`; the flow that ends the loop, if it ends.
    fn loop_turn(&mut self, f: &ast::StmtFor, item: Value) -> Result<Option<Flow>, Raise> {
        self.step()?;
        self.assign(&f.target, item)?;
        Ok(match self.exec_block(&f.body)? {
            Flow::Break => Some(Flow::Normal),
            Flow::Return(v) => Some(Flow::Return(v)),
            _ => None,
        })
    }

    fn exec_with(
        &mut self,
        items: &[ruff_python_ast::WithItem],
        body: &[Stmt],
    ) -> Result<Flow, Raise> {
        let Some((first, rest)) = items.split_first() else {
            return self.exec_block(body);
        };
        let ctx = self.eval(&first.context_expr)?;
        // entering fails where the `with` starts, as Python places it (`exec_block` does)
        if let Value::StopRecording(id) = &ctx {
            crate::cells::tape_checks::can_stop_recording(self, *id)?;
        }
        let (enter, exit): (Switch, Switch) = match &ctx {
            Value::Tape(id) => {
                let id = *id;
                (
                    Box::new(move |ws: &mut Workspace| ws.ctx.resume_tape(id)),
                    Box::new(move |ws: &mut Workspace| ws.ctx.stop_tape(id)),
                )
            }
            Value::StopRecording(id) => {
                let id = *id;
                (
                    Box::new(move |ws: &mut Workspace| ws.ctx.stop_tape(id)),
                    Box::new(move |ws: &mut Workspace| ws.ctx.resume_tape(id)),
                )
            }
            other => {
                // a class given without its call (`with tf.GradientTape as tape:`) is a type
                let kind = match crate::cells::builtins::types::class_path(other) {
                    Some(c) if c.ends_with(".Variable") => "VariableMetaclass".into(),
                    Some(_) => "type".into(),
                    None => other.type_name(),
                };
                return Err(Raise::type_error(format!(
                    "'{kind}' object does not support the context manager protocol"
                )));
            }
        };
        enter(self.ws).map_err(Raise::from)?;
        if let Some(target) = &first.optional_vars {
            if let Err(r) = self.assign(target, ctx.clone()) {
                let _ = exit(self.ws);
                return Err(r);
            }
        }
        let result = self.exec_with(rest, body);
        // the tape stops at the end of the block whether or not the block raised
        let _ = exit(self.ws);
        result
    }

    /// Binds an assignment target: a name, a tuple or list to unpack, or an item of an array
    /// or list.
    pub fn assign(&mut self, target: &Expr, v: Value) -> Result<(), Raise> {
        match target {
            Expr::Name(n) => {
                self.bind(n.id.as_str(), v);
                Ok(())
            }
            Expr::Tuple(t) => self.unpack(&t.elts, v, target),
            Expr::List(t) => self.unpack(&t.elts, v, target),
            Expr::Subscript(s) => {
                let container = self.eval(&s.value)?;
                let updated = crate::cells::index::set_item(self, &container, &s.slice, v)
                    .map_err(|r| self.locate(r, target))?;
                // a NumPy array is a value here: the name is rebound to the updated array
                if let (Some(new), Expr::Name(n)) = (updated, &*s.value) {
                    self.bind(n.id.as_str(), new);
                }
                Ok(())
            }
            Expr::Attribute(a) => {
                let obj = self.eval(&a.value)?;
                let name = a.attr.as_str();
                if let Some(key) = crate::cells::attrs::instance_key(&obj) {
                    if !PROPERTIES.contains(&name) {
                        self.instance_attrs.insert((key, name.to_string()), v);
                        return Ok(());
                    }
                }
                // an optimizer's learning rate is settable: Keras assigns its variable
                if let Value::Keras(k) = &obj {
                    if let Some(done) = crate::cells::tf::keras_set_attr(self, k, name, v) {
                        return done.map_err(|r| self.locate(r, target));
                    }
                }
                Err(self.locate(attribute_assignment(&obj, name), target))
            }
            _ => Err(self.locate(
                Raise::type_error(
                    "a cell can assign to names, tuples of names and items (`a[i] = ...`)",
                ),
                target,
            )),
        }
    }

    fn unpack(&mut self, targets: &[Expr], v: Value, at: &Expr) -> Result<(), Raise> {
        if let Some(star) = targets.iter().position(Expr::is_starred_expr) {
            return self.unpack_starred(targets, star, v, at);
        }
        // a list or tuple of the wrong length is told so without copying it
        let items = match v.seq_len() {
            Some(n) if n != targets.len() => Vec::new(),
            _ => unpacked_items(self, &v).map_err(|r| self.locate(r, at))?,
        };
        let items_len = v.seq_len().unwrap_or(items.len());
        if items_len != targets.len() {
            let detail = if items_len > targets.len() {
                format!("too many values to unpack (expected {})", targets.len())
            } else {
                format!(
                    "not enough values to unpack (expected {}, got {})",
                    targets.len(),
                    items_len
                )
            };
            return Err(self.locate(Raise::value_error(detail), at));
        }
        for (t, item) in targets.iter().zip(items) {
            self.assign(t, item)?;
        }
        Ok(())
    }
}

impl Interp<'_> {
    /// `a, *rest, z = v`: the targets around the starred one take one item each, in order, and
    /// the starred one a new list of what is left (the compiler allows one `*` per target list).
    fn unpack_starred(
        &mut self,
        targets: &[Expr],
        star: usize,
        v: Value,
        at: &Expr,
    ) -> Result<(), Raise> {
        let mut items = unpacked_items(self, &v).map_err(|r| self.locate(r, at))?;
        let needed = targets.len() - 1;
        if items.len() < needed {
            let detail = format!(
                "not enough values to unpack (expected at least {needed}, got {})",
                items.len()
            );
            return Err(self.locate(Raise::value_error(detail), at));
        }
        let after = targets.len() - star - 1;
        let tail = items.split_off(items.len() - after);
        let middle = items.split_off(star);
        for (t, item) in targets[..star].iter().zip(items) {
            self.assign(t, item)?;
        }
        let Expr::Starred(starred) = &targets[star] else {
            unreachable!("found as starred")
        };
        let rest = self.new_list(middle).map_err(|r| self.locate(r, at))?;
        self.assign(&starred.value, rest)?;
        for (t, item) in targets[star + 1..].iter().zip(tail) {
            self.assign(t, item)?;
        }
        Ok(())
    }
}

/// The items a target list unpacks, with Python's words for a value that has none.
fn unpacked_items(it: &mut Interp, v: &Value) -> Result<Vec<Value>, Raise> {
    crate::cells::builtins::iterate_or(it, v, |t| format!("cannot unpack non-iterable {t} object"))
}

/// A variable's and a tensor's properties: they have no setter, and any other name a cell sets
/// goes in the object's `__dict__`.
const PROPERTIES: &[&str] = &[
    "trainable",
    "name",
    "shape",
    "dtype",
    "device",
    "graph",
    "op",
    "handle",
    "initial_value",
    "constraint",
    "synchronization",
    "aggregation",
    "ndim",
];

/// Why `obj.name = value` fails: a variable's and a tensor's properties have no setter (an
/// eager tensor's `device` is a C attribute), and Python's and NumPy's objects take no new
/// attributes, as TensorFlow and Python word it.
fn attribute_assignment(obj: &Value, name: &str) -> Raise {
    let class = match obj {
        Value::Variable(_) => Some("ResourceVariable"),
        Value::UnreadVariable(_) => Some("_UnreadVariable"),
        Value::Tensor(_) => Some("EagerTensor"),
        _ => None,
    };
    match class {
        Some("EagerTensor") if name == "device" => Raise::attr_error(
            "attribute 'device' of 'tensorflow.python.framework.ops.EagerTensor' objects is not writable",
        ),
        Some(c) if PROPERTIES.contains(&name) => {
            Raise::attr_error(format!("property '{name}' of '{c}' object has no setter"))
        }
        Some(_) => Raise::type_error(format!(
            "a cell does not give a tensor or variable new attributes (`.{name} = ...`)"
        )),
        None => {
            let t = match obj {
                Value::Array(_) => "numpy.ndarray".to_string(),
                other => other.type_name(),
            };
            Raise::attr_error(format!("'{t}' object has no attribute '{name}'"))
        }
    }
}

/// `variable op= value`: TensorFlow's variables refuse `+=`, `-=`, `*=`, `/=` and `**=` with a
/// RuntimeError naming the method that updates them (the variable stays as it was); `//=`,
/// `%=` and `@=` have no such method and rebind the name to the result, a tensor.
fn variable_in_place(op: ast::Operator) -> Option<&'static str> {
    Some(match op {
        ast::Operator::Add => "`variable += value` with `tf.Variable`s is not supported. Use `variable.assign_add(value)` to modify the variable, or `out = variable + value` if you need to get a new output Tensor.",
        // TensorFlow's own text says `*` here
        ast::Operator::Sub => "`variable -= value` with `tf.Variable`s is not supported. Use `variable.assign_sub(value)` to modify the variable, or `out = variable * value` if you need to get a new output Tensor.",
        ast::Operator::Mult => "`var *= value` with `tf.Variable`s is not supported. Use `var.assign(var * value)` to modify the variable, or `out = var * value` if you need to get a new output Tensor.",
        ast::Operator::Div => "`var /= value` with `tf.Variable`s is not supported. Use `var.assign(var / value)` to modify the variable, or `out = var / value` if you need to get a new output Tensor.",
        ast::Operator::Pow => "`var **= value` with `tf.Variable`s is not supported. Use `var.assign(var ** value)` to modify the variable, or `out = var ** value` if you need to get a new output Tensor.",
        _ => return None,
    })
}
