//! `tf.GradientTape`'s methods over the engine's tapes: watch, gradient (with
//! `output_gradients` and `unconnected_gradients`), jacobian, batch_jacobian,
//! watched_variables, reset, stop_recording.

use std::sync::Arc;

use crate::engine::autodiff::{fill_unconnected, unconnected_jacobian, TapeId, Val};
use crate::engine::tensor::Tensor;

use super::convert::tf_word;
use super::interp::Interp;
use super::raise::{Raise, RaiseKind};
use super::tape_checks as checks;
use super::value::Value;

/// Arguments bound by name: positional ones fill `names` in order, then keywords.
pub fn bind_args(
    what: &str,
    names: &[&str],
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Vec<Option<Value>>, Raise> {
    if args.len() > names.len() {
        return Err(Raise::type_error(format!(
            "{what}() takes at most {} positional arguments but {} were given",
            names.len(),
            args.len()
        )));
    }
    let mut slots: Vec<Option<Value>> = args.into_iter().map(Some).collect();
    slots.resize(names.len(), None);
    for (k, v) in kwargs {
        let i = names.iter().position(|n| *n == k).ok_or_else(|| {
            Raise::type_error(format!("{what}() got an unexpected keyword argument '{k}'"))
        })?;
        if slots[i].is_some() {
            return Err(Raise::type_error(format!(
                "{what}() got multiple values for argument '{k}'"
            )));
        }
        slots[i] = Some(v);
    }
    Ok(slots)
}

fn required(v: Option<Value>, what: &str, name: &str) -> Result<Value, Raise> {
    v.ok_or_else(|| {
        Raise::type_error(format!(
            "GradientTape.{what}() missing 1 required positional argument: '{name}'"
        ))
    })
}

/// `unconnected_gradients=`: NONE (the default) or ZERO.
fn zero_flag(it: &mut Interp, v: Option<Value>) -> Result<bool, Raise> {
    match v {
        None | Some(Value::Unconnected(false)) => Ok(false),
        Some(Value::Unconnected(true)) => Ok(true),
        Some(Value::Str(s)) if &*s == "zero" => Ok(true),
        Some(Value::Str(s)) if &*s == "none" => Ok(false),
        // TensorFlow formats the value with %r
        Some(other) => Err(Raise::value_error(format!(
            "Unknown value for unconnected_gradients: {}",
            super::print::repr(it, &other)
        ))),
    }
}

/// How deep the structures a tape's methods take may nest (Python's recursion limit stops
/// TensorFlow's `nest` near 1000).
const MAX_NEST: usize = 900;

/// The tensors of a (possibly nested) structure of sources or targets, and a function that
/// puts results back in that structure.
enum Shape {
    One,
    List(Vec<Shape>, bool),
    /// A dict: its keys in its own order, and each value's shape in the order `nest` flattens
    /// them (by sorted key), with the place of that entry in the dict.
    Dict(Vec<Value>, Vec<(usize, Shape)>),
}

/// The order `tf.nest` flattens a dict's entries in: by sorted key where the keys sort (all
/// strings, or all numbers), else as the dict holds them.
pub(super) fn nest_order(entries: &[(Value, Value)]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..entries.len()).collect();
    let strs: Option<Vec<&str>> = entries
        .iter()
        .map(|(k, _)| match k {
            Value::Str(s) => Some(&**s),
            _ => None,
        })
        .collect();
    let nums: Option<Vec<f64>> = entries
        .iter()
        .map(|(k, _)| match k {
            Value::Int(i) => Some(*i as f64),
            Value::Float(f) => Some(*f),
            Value::Bool(b) => Some(f64::from(u8::from(*b))),
            _ => None,
        })
        .collect();
    if let Some(s) = strs {
        order.sort_by(|&a, &b| s[a].cmp(s[b]));
    } else if let Some(n) = nums {
        order.sort_by(|&a, &b| n[a].total_cmp(&n[b]));
    }
    order
}

impl Interp<'_> {
    fn flatten(&mut self, v: &Value, out: &mut Vec<Val>, what: &str) -> Result<Shape, Raise> {
        match v {
            Value::List(_) | Value::Tuple(_) => {
                let items = v.items().unwrap_or_default();
                let mut shapes = Vec::new();
                for i in &items {
                    shapes.push(self.flatten(i, out, what)?);
                }
                Ok(Shape::List(shapes, matches!(v, Value::Tuple(_))))
            }
            Value::Dict(d) => {
                let entries = d.snapshot();
                let mut shapes = Vec::with_capacity(entries.len());
                for i in nest_order(&entries) {
                    shapes.push((i, self.flatten(&entries[i].1, out, what)?));
                }
                Ok(Shape::Dict(
                    entries.into_iter().map(|(k, _)| k).collect(),
                    shapes,
                ))
            }
            Value::Tensor(x) => {
                out.push(x.clone());
                Ok(Shape::One)
            }
            Value::Variable(id) | Value::UnreadVariable(id) => {
                let val = self
                    .ws
                    .variable(id)
                    .map(|var| var.val.clone())
                    .ok_or_else(|| Raise::value_error("the variable no longer exists"))?;
                out.push(val);
                Ok(Shape::One)
            }
            Value::IndexedSlices(s) => {
                out.push(s.dense.clone());
                Ok(Shape::One)
            }
            // TensorFlow's own errors for a None (a gradient that came out None, say)
            Value::None if what == "watch" => Err(Raise::value_error(
                "Passed in object None of type 'NoneType', not tf.Tensor or tf.Variable or ExtensionType.",
            )),
            Value::None => Err(Raise::type_error(
                "Cannot convert the argument `type_value`: None to a TensorFlow DType.",
            )),
            other => {
                let x = self.to_val(other, None)?;
                out.push(x);
                Ok(Shape::One)
            }
        }
    }
}

fn rebuild(shape: &Shape, results: &mut std::vec::IntoIter<Value>) -> Value {
    match shape {
        Shape::Dict(keys, shapes) => {
            let mut vals = vec![Value::None; keys.len()];
            for (i, s) in shapes {
                vals[*i] = rebuild(s, results);
            }
            let d = super::dict::PyDict::new();
            for (k, v) in keys.iter().zip(vals) {
                if let Ok(hashed) = super::dict::hash_key(k) {
                    d.lock().insert(hashed, k.clone(), v);
                }
            }
            Value::Dict(d)
        }
        Shape::One => results.next().unwrap_or(Value::None),
        Shape::List(items, tuple) => {
            let vals: Vec<Value> = items.iter().map(|s| rebuild(s, results)).collect();
            if *tuple {
                Value::tuple(vals)
            } else {
                Value::list(vals)
            }
        }
    }
}

/// A Jacobian's error: under pfor (`experimental_use_pfor=True`, the default) TensorFlow
/// traces the gradient in a function, so a gradient it lacks surfaces as a StagingError.
fn jacobian_error(pfor: bool) -> impl Fn(crate::engine::Error) -> Raise {
    move |e| {
        let r = exhausted(e);
        if pfor && r.kind == RaiseKind::LookupError {
            let detail = format!("in user code:\n\n\n    LookupError: {}\n", r.detail);
            Raise::new(RaiseKind::StagingError, detail).with_code(r.code)
        } else {
            r
        }
    }
}

/// TensorFlow makes a tape's recorder when its `with` block is entered; `gradient`,
/// `jacobian` and `batch_jacobian` of a tape never entered find none and say, as for a used-up
/// tape, that it can compute one set of gradients.
fn never_entered(it: &Interp, tape: TapeId) -> Result<(), Raise> {
    if it.ws.ctx.tape(tape).is_some_and(|t| t.awaiting_with) {
        return Err(Raise::new(
            RaiseKind::RuntimeError,
            "A non-persistent GradientTape can only be used to compute one set of gradients (or jacobians)",
        )
        .with_code(crate::engine::Code::TapeExhausted));
    }
    Ok(())
}

fn exhausted(e: crate::engine::Error) -> Raise {
    if e.code == crate::engine::Code::TapeExhausted {
        Raise::new(
            RaiseKind::RuntimeError,
            "A non-persistent GradientTape can only be used to compute one set of gradients (or jacobians)",
        )
        .with_code(e.code)
    } else {
        Raise::from_engine(e)
    }
}

pub fn method(
    it: &mut Interp,
    tape: TapeId,
    name: &str,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    // TensorFlow's nest walks recurse: a structure holding itself, or nested past Python's
    // recursion limit, is its RecursionError, met here before any walk of ours recurses
    for v in args.iter().chain(kwargs.iter().map(|(_, v)| v)) {
        if super::containers::nesting_within(v, MAX_NEST).is_err() {
            return Err(Raise::new(
                RaiseKind::RecursionError,
                "maximum recursion depth exceeded in flatten",
            ));
        }
    }
    match name {
        "watch" => watch(it, tape, args, kwargs),
        "gradient" => {
            never_entered(it, tape)?;
            gradient(it, tape, args, kwargs)
        }
        "jacobian" => {
            never_entered(it, tape)?;
            jacobian(it, tape, args, kwargs)
        }
        "batch_jacobian" => {
            never_entered(it, tape)?;
            batch_jacobian(it, tape, args, kwargs)
        }
        "watched_variables" => {
            // in the order the variables were made, as TensorFlow's tape keeps them by id
            let mut ids: Vec<_> = it
                .ws
                .variables()
                .filter(|(_, v)| it.ws.ctx.watches(tape, v.val.id))
                .map(|(id, v)| (v.val.id, Arc::<str>::from(id.as_str())))
                .collect();
            ids.sort_by_key(|(made, _)| *made);
            let listed =
                ids.into_iter()
                    .map(|(val, id)| match it.ws.ctx.watches_as_unread(tape, val) {
                        true => Value::UnreadVariable(id),
                        false => Value::Variable(id),
                    });
            Ok(Value::tuple(listed.collect()))
        }
        "reset" => {
            // TensorFlow pops the tape before it starts it afresh: outside `with` there is none
            if !it.ws.ctx.tape(tape).is_some_and(|t| t.recording) {
                return Err(Raise::value_error("Tape is not recording."));
            }
            it.ws.ctx.reset_tape(tape)?;
            Ok(Value::None)
        }
        // a context manager: the tape's state is checked where `with` enters it
        "stop_recording" => Ok(Value::StopRecording(tape)),
        _ => Err(Raise::attr_error(format!(
            "'GradientTape' object has no attribute '{name}'"
        ))),
    }
}

/// `tape.watch(tensor)`: every tensor of a (nested) structure.
fn watch(
    it: &mut Interp,
    tape: TapeId,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let [x] = <[Option<Value>; 1]>::try_from(bind_args("watch", &["tensor"], args, kwargs)?)
        .expect("one slot");
    let x = required(x, "watch", "tensor")?;
    checks::watch_needs_recorder(it, tape, &x)?;
    checks::watch_leaves(it, &x)?;
    // TensorFlow's TFE_Py_TapeWatch does nothing while no tape records (between `with`
    // blocks, or under stop_recording): a later block of this tape does not see the watch
    if it.ws.ctx.recording_tapes().is_empty() {
        return Ok(Value::None);
    }
    let mut vals = Vec::new();
    it.flatten(&x, &mut vals, "watch")?;
    let unread = unread_values(it, &x);
    for v in vals {
        // a variable's handle, of a trainable dtype whatever the variable holds
        match it.ws.is_variable_value(&v) {
            true if unread.contains(&v.id) => it.ws.ctx.watch_unread_variable(tape, &v)?,
            true => it.ws.ctx.watch_variable(tape, &v)?,
            false => it.ws.ctx.watch(tape, &v)?,
        }
    }
    Ok(Value::None)
}

/// The values of the variables that `x` (or a list or tuple in it) names through what an
/// update returned.
fn unread_values(it: &Interp, x: &Value) -> Vec<crate::engine::autodiff::ValId> {
    match x {
        Value::UnreadVariable(id) => it.ws.variable(id).map(|v| v.val.id).into_iter().collect(),
        Value::List(_) | Value::Tuple(_) => x
            .items()
            .unwrap_or_default()
            .iter()
            .flat_map(|y| unread_values(it, y))
            .collect(),
        _ => Vec::new(),
    }
}

/// `tape.gradient(target, sources, output_gradients=None, unconnected_gradients=NONE)`:
/// the gradients in the structure of `sources`, with notes on the null ones.
fn gradient(
    it: &mut Interp,
    tape: TapeId,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let names = [
        "target",
        "sources",
        "output_gradients",
        "unconnected_gradients",
    ];
    let mut s = bind_args("gradient", &names, args, kwargs)?.into_iter();
    let (target, sources, og, unc) = (
        s.next().flatten(),
        s.next().flatten(),
        s.next().flatten(),
        s.next().flatten(),
    );
    let target = required(target, "gradient", "target")?;
    let sources = required(sources, "gradient", "sources")?;
    let zero = zero_flag(it, unc)?;
    checks::not_used_up(it, tape, false)?;
    if matches!(target, Value::None) {
        return Err(Raise::type_error(
            "Argument `target` should be a list or nested structure of Tensors, Variables or CompositeTensors to be differentiated, but received None.",
        ));
    }
    checks::gradient_leaves(it, &target, &sources)?;
    let mut ts = Vec::new();
    it.flatten(&target, &mut ts, "gradient target")?;
    let mut ss = Vec::new();
    let shape = it.flatten(&sources, &mut ss, "gradient sources")?;
    let ogs = output_gradients(it, og, &ts)?;
    let readers = super::slices::Readers::find(&it.ws.ctx, tape, &ts, &ss);
    let n_sources = ss.len();
    ss.extend(readers.outputs());
    let grads = it
        .ws
        .ctx
        .gradient_as_tensorflow(tape, &ts, &ss, ogs, false)
        .map_err(exhausted)?;
    let null: Vec<bool> = grads[..n_sources].iter().map(Option::is_none).collect();
    explain(it, tape, (&ts, &ss[..n_sources]), &null, zero);
    // only the sources take zeros: a reader with no gradient is a use that does not reach
    let mut grads = grads;
    let of_readers = grads.split_off(n_sources);
    let mut grads = fill_unconnected(&mut it.ws.ctx, grads, &ss[..n_sources], zero);
    grads.extend(of_readers);
    let vals = readers.answer(grads, n_sources)?;
    Ok(rebuild(&shape, &mut vals.into_iter()))
}

/// `output_gradients=`: TensorFlow flattens the structure (`nest.flatten`) and pairs its leaves
/// with the flattened targets in order, so `[t]` is the one output gradient of a single target
/// and `[[2.0, 0.0]]` is two scalars; leaves past the last target are ignored. Each leaf is
/// converted as `tf.convert_to_tensor` converts it (a Python float is float32) and never cast:
/// of another dtype than its floating target, the first gradient function that mixes the two
/// (`Mul`, for `y = x * x`) raises.
fn output_gradients(
    it: &mut Interp,
    og: Option<Value>,
    ts: &[Val],
) -> Result<Option<Vec<Tensor>>, Raise> {
    let v = match og {
        None | Some(Value::None) => return Ok(None),
        Some(v) => v,
    };
    let mut leaves = Vec::new();
    flatten_leaves(v, &mut leaves);
    let mut out = Vec::new();
    for (x, t) in leaves.iter().zip(ts) {
        if matches!(x, Value::None) {
            return Err(Raise::value_error(
                "Attempt to convert a value (None) with an unsupported type (<class 'NoneType'>) to a Tensor.",
            ));
        }
        let og = it.to_val(x, None)?.into_tensor();
        let (want, got) = (t.tensor.dtype(), og.dtype());
        if want.is_float() && got != want {
            return Err(Raise::new(
                RaiseKind::InvalidArgumentError,
                format!(
                    "output_gradients[{k}] is a {g} tensor but its target is a {w} tensor: TensorFlow does not cast it, and the first gradient function that mixes the two raises (for y = x * x: cannot compute Mul as input #1(zero-based) was expected to be a {g} tensor but is a {w} tensor); give it the target's dtype, tf.cast(og, tf.{wn})",
                    k = out.len(),
                    g = tf_word(got),
                    w = tf_word(want),
                    wn = want.name()
                ),
            ));
        }
        out.push(og);
    }
    Ok(Some(out))
}

/// The leaves of nested lists and tuples, in order, as `nest.flatten` gives them.
fn flatten_leaves(v: Value, out: &mut Vec<Value>) {
    match v {
        Value::Dict(d) => {
            let entries = d.snapshot();
            for i in nest_order(&entries) {
                flatten_leaves(entries[i].1.clone(), out);
            }
        }
        Value::List(_) | Value::Tuple(_) => {
            for i in v.items().unwrap_or_default() {
                flatten_leaves(i, out);
            }
        }
        other => out.push(other),
    }
}

/// The parameters `jacobian` and `batch_jacobian` share, bound by TensorFlow's names: the
/// target, the sources (`second`: "sources" or "source"), `unconnected_gradients` as given,
/// `parallel_iterations`, and whether `experimental_use_pfor` is on (it decides the error an
/// op without a gradient raises).
fn jacobian_args(
    call: &str,
    second: &str,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<(Value, Value, Option<Value>, checks::Loop), Raise> {
    let names = [
        "target",
        second,
        "unconnected_gradients",
        "parallel_iterations",
        "experimental_use_pfor",
    ];
    let mut s = bind_args(call, &names, args, kwargs)?.into_iter();
    let (target, sources, unc) = (s.next().flatten(), s.next().flatten(), s.next().flatten());
    let parallel = match s.next().flatten() {
        Some(Value::Int(n)) => Some(n as f64),
        Some(Value::Float(f)) => Some(f),
        _ => None,
    };
    let pfor = s.next().flatten().map_or(Ok(true), |p| p.truthy())?;
    let target = required(target, call, "target")?;
    let how = checks::Loop { pfor, parallel };
    Ok((target, required(sources, call, second)?, unc, how))
}

/// `tape.jacobian(target, sources, unconnected_gradients=NONE, ...)`.
fn jacobian(
    it: &mut Interp,
    tape: TapeId,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let (target, sources, unc, how) = jacobian_args("jacobian", "sources", args, kwargs)?;
    let pfor = how.pfor;
    let zero = zero_flag(it, unc)?;
    checks::not_used_up(it, tape, false)?;
    read_target_recording(it, tape, &target)?;
    let t = single(it, &target)?;
    let mut ss = Vec::new();
    let shape = it.flatten(&sources, &mut ss, "jacobian sources")?;
    checks::pfor_off(it, tape, pfor, false)?;
    // through recorded ops: a tape still recording (an outer one, or this persistent one
    // inside its `with`) records the Jacobian, so its gradient of it is a second derivative
    let j = it
        .ws
        .ctx
        .jacobian_val(tape, &t, &ss, false)
        .map_err(jacobian_error(pfor))?;
    checks::parallel_iterations(it, tape, &how, t.tensor.len(), false)?;
    let null: Vec<bool> = j.iter().map(Option::is_none).collect();
    explain(it, tape, (std::slice::from_ref(&t), &ss), &null, zero);
    let vals: Vec<Value> = j
        .into_iter()
        .zip(&ss)
        .map(|(j, s)| {
            j.or_else(|| zero.then(|| it.ws.ctx.constant(unconnected_jacobian(&t, s))))
                .map_or(Value::None, Value::Tensor)
        })
        .collect();
    Ok(rebuild(&shape, &mut vals.into_iter()))
}

/// TensorFlow's `jacobian` and `batch_jacobian` reshape their target under
/// `_ensure_recording`, so a variable target is read while this tape records: the read
/// watches it (trainable, with watch_accessed_variables) as a read in the tape's block would,
/// and its Jacobian with respect to itself is the identity even if the block never read it.
fn read_target_recording(it: &mut Interp, tape: TapeId, target: &Value) -> Result<(), Raise> {
    let Value::Variable(id) = target else {
        return Ok(());
    };
    let Some(var) = it.ws.variable(id) else {
        return Ok(());
    };
    let auto = it
        .ws
        .ctx
        .tape(tape)
        .is_some_and(|t| t.watch_accessed_variables);
    if var.trainable && auto {
        let val = var.val.clone();
        it.ws.ctx.watch_variable(tape, &val)?;
    }
    Ok(())
}

/// `tape.batch_jacobian(target, source, unconnected_gradients=NONE, ...)`.
fn batch_jacobian(
    it: &mut Interp,
    tape: TapeId,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let (target, source, unc, how) = jacobian_args("batch_jacobian", "source", args, kwargs)?;
    let pfor = how.pfor;
    checks::not_used_up(it, tape, true)?;
    read_target_recording(it, tape, &target)?;
    let t = single(it, &target)?;
    let src = single(it, &source)?;
    checks::batch_shapes(&t, &src)?;
    checks::pfor_off(it, tape, pfor, true)?;
    let zero = zero_flag(it, unc)?;
    let (j, connected) = it
        .ws
        .ctx
        .batch_jacobian_connected(tape, &t, &src, zero)
        .map_err(jacobian_error(pfor))?;
    let row = t.tensor.len() / t.tensor.shape()[0].max(1);
    checks::parallel_iterations(it, tape, &how, row, true)?;
    // TensorFlow answers zeros for an unconnected source: the note says why
    explain(it, tape, (&[t], &[src]), &[!connected], true);
    Ok(Value::Tensor(j))
}

/// Notes why the flagged sources got no gradient from this call, for the answer and for the
/// assignment that binds the result.
fn explain(
    it: &mut Interp,
    tape: TapeId,
    (targets, sources): (&[Val], &[Val]),
    null: &[bool],
    zeros: bool,
) {
    let Some(site) = it.call_site.take() else {
        return;
    };
    let per_source = it.explain_nulls(&site, tape, targets, sources, null, zeros);
    it.last_gradient = Some(per_source);
}

/// The one tensor a Jacobian takes; TensorFlow reads its `.shape` first, so anything else
/// (None, a list, a Python number, a string) is an AttributeError.
fn single(it: &mut Interp, v: &Value) -> Result<Val, Raise> {
    if matches!(
        v,
        Value::None
            | Value::List(_)
            | Value::Tuple(_)
            | Value::Bool(_)
            | Value::Int(_)
            | Value::Float(_)
            | Value::Str(_)
            | Value::DType(_)
    ) {
        return Err(Raise::attr_error(format!(
            "'{}' object has no attribute 'shape'",
            v.type_name()
        )));
    }
    let mut out = Vec::new();
    it.flatten(v, &mut out, "jacobian")?;
    match (out.len(), v) {
        (
            1,
            Value::Tensor(_)
            | Value::Variable(_)
            | Value::UnreadVariable(_)
            | Value::IndexedSlices(_),
        ) => Ok(out.remove(0)),
        _ => Err(Raise::type_error("the target of a jacobian is one tensor")),
    }
}
