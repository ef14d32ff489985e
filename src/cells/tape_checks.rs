//! What `GradientTape`'s methods check before they differentiate, in TensorFlow 2.15's words
//! (eager/backprop.py). `gradient` takes tensors and variables only: a NumPy value or Python
//! number among its targets or sources (a loss computed with NumPy inside the tape) is
//! TensorFlow's error, not a constant. `jacobian` and `batch_jacobian`'s callers keep TensorFlow's
//! order: a used-up tape, the target (and batch_jacobian's ranks and batch sizes), then a
//! non-persistent tape asked with `experimental_use_pfor=False`, which TensorFlow refuses rather
//! than use it up row by row.

use crate::engine::autodiff::{TapeId, Val};
use crate::engine::Code;

use super::interp::Interp;
use super::print::tuple_text;
use super::raise::{Raise, RaiseKind};
use super::value::Value;

fn used_up(it: &Interp, tape: TapeId) -> bool {
    it.ws.ctx.tape(tape).is_some_and(|t| t.exhausted)
}

fn non_persistent(it: &Interp, tape: TapeId) -> bool {
    it.ws.ctx.tape(tape).is_some_and(|t| !t.persistent)
}

fn needs_persistent(call: &str, sep: &str) -> Raise {
    Raise::new(
        RaiseKind::RuntimeError,
        format!(
            "GradientTape must be created with persistent=True to compute the {call} with eager \
             execution enabled and{sep}experimental_use_pfor set to False."
        ),
    )
}

/// A used-up tape is TensorFlow's first check; batch_jacobian's message lacks a space
/// ("used tocompute").
pub fn not_used_up(it: &Interp, tape: TapeId, batch: bool) -> Result<(), Raise> {
    if !used_up(it, tape) {
        return Ok(());
    }
    let to = if batch { "tocompute" } else { "to compute" };
    let msg = format!(
        "A non-persistent GradientTape can only be used {to} one set of gradients (or jacobians)"
    );
    Err(Raise::new(RaiseKind::RuntimeError, msg).with_code(Code::TapeExhausted))
}

/// `experimental_use_pfor=False` on a non-persistent tape, checked once the shapes are.
pub fn pfor_off(it: &Interp, tape: TapeId, pfor: bool, batch: bool) -> Result<(), Raise> {
    if pfor || !non_persistent(it, tape) {
        return Ok(());
    }
    Err(if batch {
        needs_persistent("batch_jacobian", "  with ")
    } else {
        needs_persistent("jacobian", " with  ")
    })
}

/// How a Jacobian's loop runs: under pfor or not, and the `parallel_iterations` given.
pub struct Loop {
    pub pfor: bool,
    pub parallel: Option<f64>,
}

/// pfor's checks of `parallel_iterations`, made once the loop body (one gradient) has run:
/// under 1, or 1, is pfor's ValueError; fewer than the loop's `n` iterations tiles the loop
/// and runs the body again, which a non-persistent tape cannot (jacobian's second gradient
/// is None, which pfor refuses; batch_jacobian's body raises itself). pfor's ValueErrors
/// reach the caller wrapped.
pub fn parallel_iterations(
    it: &Interp,
    tape: TapeId,
    how: &Loop,
    n: usize,
    batch: bool,
) -> Result<(), Raise> {
    let Some(p) = how.parallel.filter(|_| how.pfor) else {
        return Ok(());
    };
    let call = if batch { "batch_jacobian" } else { "jacobian" };
    let vectorizing = || {
        Raise::value_error(format!(
            "Encountered an exception while vectorizing the {call} computation. \
             Vectorization can be disabled by setting experimental_use_pfor to False."
        ))
    };
    if p <= 1.0 {
        return Err(vectorizing());
    }
    if (n as f64) < p || !non_persistent(it, tape) {
        return Ok(());
    }
    Err(if batch {
        Raise::new(
            RaiseKind::RuntimeError,
            "in user code:\n\n\n    RuntimeError: GradientTape must be created with \
             persistent=True to compute the batch_jacobian with parallel_iterations.\n",
        )
    } else {
        vectorizing()
    })
}

/// batch_jacobian's shapes: TensorFlow reads the target's first dimension before its rank (a
/// scalar target is an IndexError), then wants both of rank 2 or more with one batch size.
pub fn batch_shapes(target: &Val, source: &Val) -> Result<(), Raise> {
    let (t, s) = (target.tensor.shape(), source.tensor.shape());
    if t.is_empty() {
        return Err(Raise::index_error("list index out of range"));
    }
    for sh in [t, s] {
        if sh.len() < 2 {
            let msg = format!("Shape {} must have rank at least 2", tuple_text(sh));
            return Err(Raise::value_error(msg).with_code(Code::ShapeMismatch));
        }
    }
    if t[0] != s[0] {
        let msg = format!(
            "Need first dimension of target shape ({}) and source shape ({}) to match.",
            tuple_text(t),
            tuple_text(s)
        );
        return Err(Raise::value_error(msg).with_code(Code::ShapeMismatch));
    }
    Ok(())
}

/// The leaves of a nested list or tuple of targets or sources.
fn leaves(v: &Value, out: &mut Vec<Value>) {
    if let Value::Dict(d) = v {
        let entries = d.snapshot();
        for i in super::tape::nest_order(&entries) {
            leaves(&entries[i].1, out);
        }
        return;
    }
    match v.items() {
        Some(items) if matches!(v, Value::List(_) | Value::Tuple(_)) => {
            items.iter().for_each(|x| leaves(x, out))
        }
        _ => out.push(v.clone()),
    }
}

/// DataType numbers whose dtype TensorFlow differentiates (floats, complex, resource, variant,
/// and their `_ref` forms), and every number `tf.as_dtype` knows.
const TRAINABLE: [i64; 16] = [
    1, 2, 8, 14, 18, 19, 20, 21, 101, 102, 108, 114, 118, 119, 120, 121,
];
fn is_datatype(k: i64) -> bool {
    (1..=25).contains(&k) || k == 29 || k == 30 || (101..=125).contains(&k) || k == 129 || k == 130
}

/// The dtype names `tf.as_dtype` knows (each also with `_ref`), those TensorFlow
/// differentiates first.
const TRAINABLE_NAMES: [&str; 11] = [
    "bfloat16",
    "complex128",
    "complex64",
    "double",
    "float",
    "float16",
    "float32",
    "float64",
    "half",
    "resource",
    "variant",
];
const OTHER_NAMES: [&str; 19] = [
    "bool",
    "float8_e4m3fn",
    "float8_e5m2",
    "int16",
    "int32",
    "int4",
    "int64",
    "int8",
    "qint16",
    "qint32",
    "qint8",
    "quint16",
    "quint8",
    "string",
    "uint16",
    "uint32",
    "uint4",
    "uint64",
    "uint8",
];

/// `backprop_util.IsTrainable(x)` of a leaf that is not a tensor: TensorFlow reads a Python
/// number, a string or a `tf.DType` as a dtype (`as_dtype(1.0)` is float32, as 1.0 == DT_FLOAT;
/// `as_dtype("float32")` too), refuses what names none (`g.gradient("y", x)`, the target's name
/// quoted), and logs a non-trainable one's `.dtype`, which none of these has.
fn as_dtype_check(it: &mut Interp, leaf: &Value) -> Result<(), Raise> {
    let number = |k: i64| {
        if TRAINABLE.contains(&k) {
            Some(true)
        } else {
            is_datatype(k).then_some(false)
        }
    };
    let trainable = match leaf {
        Value::Bool(b) => number(i64::from(*b)),
        Value::Int(i) => number(*i),
        Value::Float(f) if f.fract() == 0.0 && f.abs() < 1e9 => number(*f as i64),
        Value::Float(_) | Value::None => None,
        Value::Str(s) => {
            let name = s.strip_suffix("_ref").unwrap_or(s);
            if TRAINABLE_NAMES.contains(&name) {
                Some(true)
            } else {
                OTHER_NAMES.contains(&name).then_some(false)
            }
        }
        Value::DType(d) => Some(d.is_float()),
        _ => return Ok(()),
    };
    match trainable {
        Some(true) => Ok(()),
        Some(false) => Err(Raise::attr_error(format!(
            "'{}' object has no attribute 'dtype'",
            leaf.type_name()
        ))),
        None => Err(Raise::type_error(format!(
            "Cannot convert the argument `type_value`: {} to a TensorFlow DType.",
            super::print::repr(it, leaf)
        ))),
    }
}

/// `tape.gradient`'s targets and sources before it differentiates: each leaf's dtype, targets
/// then sources, then each leaf's tensor id, which only tensors and variables have.
pub fn gradient_leaves(it: &mut Interp, target: &Value, sources: &Value) -> Result<(), Raise> {
    let mut all = Vec::new();
    leaves(target, &mut all);
    leaves(sources, &mut all);
    for leaf in &all {
        as_dtype_check(it, leaf)?;
    }
    for leaf in &all {
        let name = match leaf {
            Value::Array(_) => "numpy.ndarray".to_string(),
            Value::NpScalar(t) => format!("numpy.{}", super::value::np_scalar_name(t.dtype())),
            // a gradient through tf.gather (a gradient of a gradient, say) is a composite
            // of tensors, without an id of its own
            Value::Bool(_)
            | Value::Int(_)
            | Value::Float(_)
            | Value::Str(_)
            | Value::DType(_)
            | Value::IndexedSlices(_) => leaf.type_name(),
            _ => continue,
        };
        return Err(Raise::attr_error(format!(
            "'{name}' object has no attribute '_id'"
        )));
    }
    Ok(())
}

/// `tape.watch(x)` takes tensors and variables only; a NumPy array or a number is refused.
pub fn watch_leaves(it: &mut Interp, x: &Value) -> Result<(), Raise> {
    let mut all = Vec::new();
    leaves(x, &mut all);
    for leaf in &all {
        if matches!(
            leaf,
            Value::Tensor(_)
                | Value::Variable(_)
                | Value::UnreadVariable(_)
                | Value::IndexedSlices(_)
        ) {
            continue;
        }
        return Err(Raise::value_error(format!(
            "Passed in object {} of type '{}', not tf.Tensor or tf.Variable or ExtensionType.",
            super::print::str(it, leaf),
            leaf.type_name()
        )));
    }
    Ok(())
}

/// Whether the tape has no recorder, as TensorFlow's `_tape` is None: it was never entered
/// with `with`, or it is a non-persistent tape that already answered.
pub fn without_recorder(it: &Interp, tape: TapeId) -> bool {
    it.ws
        .ctx
        .tape(tape)
        .is_some_and(|t| t.exhausted || t.awaiting_with)
}

/// `tape.watch(x)` on a tape without a recorder: TensorFlow hands its first tensor to
/// `tape._tape`, which is None (a non-tensor first leaf is `watch_leaves`' ValueError).
pub fn watch_needs_recorder(it: &Interp, tape: TapeId, x: &Value) -> Result<(), Raise> {
    if !without_recorder(it, tape) {
        return Ok(());
    }
    let mut all = Vec::new();
    leaves(x, &mut all);
    match all.first() {
        Some(
            Value::Tensor(_)
            | Value::Variable(_)
            | Value::UnreadVariable(_)
            | Value::IndexedSlices(_),
        ) => Err(Raise::attr_error(
            "'NoneType' object has no attribute '_tape': the tape has no recorder to watch with; \
             a tape records only inside `with tf.GradientTape() as tape:` (and a non-persistent \
             one only until its gradient), so call tape.watch(x) inside that block",
        )),
        _ => Ok(()),
    }
}

/// `tape.stop_recording()` pauses a tape that records now. TensorFlow checks as the block is
/// entered, and a cell's `with tape.stop_recording():` enters as it calls: a tape without a
/// recorder is a RuntimeError, one between its `with` blocks (or paused already, by an
/// enclosing `stop_recording`) the ValueError of `_pop_tape`.
pub fn can_stop_recording(it: &Interp, tape: TapeId) -> Result<(), Raise> {
    if without_recorder(it, tape) {
        return Err(Raise::new(
            RaiseKind::RuntimeError,
            "Trying to stop recording a tape which is not recording.",
        ));
    }
    if !it.ws.ctx.tape(tape).is_some_and(|t| t.recording) {
        return Err(Raise::value_error("Tape is not recording."));
    }
    Ok(())
}
