//! Operators: Python's arithmetic on Python numbers, TensorFlow's overloads on tensors and
//! variables (the other operand converted to the tensor's dtype, never promoted), and NumPy's
//! on arrays (its promotion: float64 by default, float32 with float64 gives float64).

use ruff_python_ast::Operator;

use crate::engine::dtype::DType;
use crate::engine::tensor::Tensor;

mod bitwise;
mod compare;
mod dimension;
mod python;
mod tensor;

pub use bitwise::{binary as bitwise_binary, is_bitwise};
pub use compare::{compare, contains, is};
pub use python::overflow;
pub use python::py_arith;
use python::repeat;
pub use tensor::broadcast_vals;
use tensor::tf_binary;

use super::interp::Interp;
use super::raise::{Raise, RaiseKind};
use super::value::{lock, Value};

fn op_symbol(op: Operator) -> &'static str {
    op.as_str()
}

fn is_py_num(v: &Value) -> bool {
    matches!(v, Value::Int(_) | Value::Float(_) | Value::Bool(_))
}

fn is_np(v: &Value) -> bool {
    matches!(v, Value::Array(_) | Value::NpScalar(_))
}

fn unsupported(op: &str, l: &Value, r: &Value) -> Raise {
    Raise::type_error(format!(
        "unsupported operand type(s) for {op}: '{}' and '{}'",
        l.type_name(),
        r.type_name()
    ))
}

/// CPython's `str`, `list` and `tuple` concatenation refusing a right operand that no
/// `__radd__` takes: its own message, not the generic `unsupported operand` one (a tensor's or
/// array's `__radd__` answers first; a NumPy scalar's declines a string).
fn concat_refusal(op: Operator, l: &Value, r: &Value) -> Option<Raise> {
    let kind = match l {
        Value::Str(_) => "str",
        Value::List(_) => "list",
        Value::Tuple(_) => "tuple",
        _ => return None,
    };
    let takes_radd = Value::is_tf(r)
        || matches!(r, Value::Array(_) | Value::Shape(_))
        || (kind != "str" && matches!(r, Value::NpScalar(_)));
    if op != Operator::Add || takes_radd {
        return None;
    }
    let other = match r {
        Value::NpScalar(_) => format!("numpy.{}", r.type_name()),
        _ => r.type_name(),
    };
    Some(Raise::type_error(format!(
        "can only concatenate {kind} (not \"{other}\") to {kind}"
    )))
}

pub fn binary(it: &mut Interp, op: Operator, l: Value, r: Value) -> Result<Value, Raise> {
    if let (Value::Str(s), Operator::Mod) = (&l, op) {
        let text = super::print::percent(it, s, &r)?;
        return it.new_str(text);
    }
    let (l, r) = densify_slices_beside_tensor(op, l, r)?;
    // a list beside a tensor or array becomes one: its nesting is checked before it is walked
    let tf_side = Value::is_tf(&l) || Value::is_tf(&r);
    if tf_side || is_np(&l) || is_np(&r) {
        crate::cells::convertible([&l, &r], !tf_side)?;
    }
    if let Some(out) = dimension::binary(it, op, &l, &r) {
        return out;
    }
    if is_py_num(&l) && is_py_num(&r) {
        return py_arith(op, &l, &r);
    }
    match (&l, &r, op) {
        // Python 3.9's merge: a new dict, the right's values winning
        (Value::Dict(a), Value::Dict(b), Operator::BitOr) => {
            let mut entries = a.snapshot();
            entries.extend(b.snapshot());
            return it.new_dict(entries);
        }
        (Value::Str(a), Value::Str(b), Operator::Add) => {
            it.room_for_str(a.len() + b.len())?;
            return Ok(Value::str(format!("{a}{b}")));
        }
        (Value::List(a), Value::List(b), Operator::Add) => {
            // room is made before anything is copied, and `b` is read before `a` is locked
            // (`a + a` locks the one list once at a time)
            // (one lock at a time: each guard ends with its statement)
            let n = lock(a).len();
            let m = lock(b).len();
            it.room_for_items("list", n + m)?;
            let right = lock(b).clone();
            let mut v = lock(a).clone();
            v.extend(right);
            return Ok(Value::list(v));
        }
        // TensorShape's `+` is concatenate, either side (`x.shape + [4]`, `[4] + x.shape`)
        (Value::Shape(a), _, Operator::Add) => {
            let mut dims = a.clone();
            dims.extend(super::attrs::shape_dims(it, &r)?);
            return Ok(Value::Shape(dims));
        }
        (Value::List(_) | Value::Tuple(_), Value::Shape(b), Operator::Add) => {
            let mut dims = super::attrs::shape_dims(it, &l)?;
            dims.extend(b.iter().copied());
            return Ok(Value::Shape(dims));
        }
        (Value::Tuple(a), Value::Tuple(b), Operator::Add) => {
            it.room_for_items("tuple", a.len() + b.len())?;
            return Ok(Value::tuple(a.iter().chain(b.iter()).cloned().collect()));
        }
        (Value::List(_) | Value::Tuple(_) | Value::Str(_), Value::Int(n), Operator::Mult)
        | (Value::Int(n), Value::List(_) | Value::Tuple(_) | Value::Str(_), Operator::Mult) => {
            let seq = if matches!(l, Value::Int(_)) { &r } else { &l };
            return repeat(it, seq, *n);
        }
        (Value::List(_) | Value::Tuple(_) | Value::Str(_), Value::Bool(b), Operator::Mult)
        | (Value::Bool(b), Value::List(_) | Value::Tuple(_) | Value::Str(_), Operator::Mult) => {
            let seq = if matches!(l, Value::Bool(_)) { &r } else { &l };
            return repeat(it, seq, i64::from(*b));
        }
        (
            Value::List(_) | Value::Tuple(_) | Value::Str(_),
            other @ (Value::Float(_)
            | Value::None
            | Value::List(_)
            | Value::Tuple(_)
            | Value::Str(_)),
            Operator::Mult,
        )
        | (
            other @ (Value::Float(_) | Value::None),
            Value::List(_) | Value::Tuple(_) | Value::Str(_),
            Operator::Mult,
        ) => {
            return Err(Raise::type_error(format!(
                "can't multiply sequence by non-int of type '{}'",
                other.type_name()
            )));
        }
        _ => {}
    }
    if let Some(raised) = concat_refusal(op, &l, &r) {
        return Err(raised);
    }
    if Value::is_tf(&l) || Value::is_tf(&r) {
        return match tf_binary(it, op, &l, &r) {
            Err(e) if op == Operator::Mult && Value::is_tf(&l) => sequence_rmul(it, &l, &r, e),
            out => out,
        };
    }
    if is_np(&l) || is_np(&r) {
        return super::numpy::arith::binary(it, op, &l, &r);
    }
    Err(unsupported(op_symbol(op), &l, &r))
}

pub use super::numpy::arith::np_wrap;

/// `t * seq` where TensorFlow cannot convert the list, tuple or string to `t`'s dtype: its
/// operator, on that TypeError or ValueError, hands over to `seq.__rmul__(t)`, which repeats
/// `seq` by the tensor's `__index__` (`tf.constant(2) * [x, 0.5]` is `[x, 0.5, x, 0.5]`). A
/// tensor with no `__index__` raises the conversion's error, but a 0-d float one the
/// AttributeError that `__index__` raises; `seq * t` never gets here, as the tensor's own
/// `__rmul__` answers first.
fn sequence_rmul(it: &mut Interp, t: &Value, seq: &Value, e: Raise) -> Result<Value, Raise> {
    use super::raise::RaiseKind;
    let handed_over = matches!(seq, Value::List(_) | Value::Tuple(_) | Value::Str(_))
        && matches!(e.kind, RaiseKind::TypeError | RaiseKind::ValueError);
    if !handed_over {
        return Err(e);
    }
    // a variable's operator reads it first: the tensor's `__index__` is asked
    let read = Value::Tensor(it.as_val(t)?.expect("a tensor or variable"));
    match super::index::operator_index(&read) {
        Ok(Some(n)) => repeat(it, seq, n),
        Err(r) if r.kind == RaiseKind::AttributeError => Err(r),
        _ => Err(e),
    }
}

/// An IndexedSlices has no operators of its own: a tensor's or variable's operator converts
/// it to its dense tensor (`E - dE`, `dE + t`, as `Tensor.__sub__` and `__radd__` do), and
/// with anything else (a number, an array, another IndexedSlices) Python finds no operator.
fn densify_slices_beside_tensor(op: Operator, l: Value, r: Value) -> Result<(Value, Value), Raise> {
    let dense = |v: Value| match v {
        Value::IndexedSlices(s) => Value::Tensor(s.dense.clone()),
        other => other,
    };
    match (&l, &r) {
        (Value::IndexedSlices(_), other) | (other, Value::IndexedSlices(_))
            if Value::is_tf(other) =>
        {
            Ok((dense(l), dense(r)))
        }
        (Value::IndexedSlices(_), _) | (_, Value::IndexedSlices(_)) => {
            Err(unsupported(op_symbol(op), &l, &r))
        }
        _ => Ok((l, r)),
    }
}

pub fn negate(it: &mut Interp, v: Value) -> Result<Value, Raise> {
    match v {
        Value::Int(i) => Ok(Value::Int(i.checked_neg().ok_or_else(overflow)?)),
        Value::Bool(b) => Ok(Value::Int(-i64::from(b))),
        Value::Float(f) => Ok(Value::Float(-f)),
        Value::Tensor(_) | Value::Variable(_) | Value::UnreadVariable(_) => {
            let x = it.as_val(&v)?.expect("tensor");
            Ok(Value::Tensor(it.apply("negative", vec![], vec![x])?))
        }
        Value::Array(_) | Value::NpScalar(_) => {
            let t = super::numpy::math::unary("negative", &it.np_tensor(&v)?)?;
            Ok(np_wrap(t))
        }
        Value::IndexedSlices(s) => super::slices::negate(it, &s),
        other => Err(Raise::type_error(format!(
            "bad operand type for unary -: '{}'",
            other.type_name()
        ))),
    }
}

/// `+v`: Python numbers as Python gives them, NumPy's `np.positive` (a new array; no loop for
/// bool), and TypeError for tensors and variables, which define no `__pos__`.
pub fn positive(it: &mut Interp, v: Value) -> Result<Value, Raise> {
    match v {
        Value::Bool(b) => Ok(Value::Int(i64::from(b))),
        Value::Int(_) | Value::Float(_) => Ok(v),
        Value::Array(_) | Value::NpScalar(_) => {
            let t = it.np_tensor(&v)?;
            if t.dtype() == DType::Bool {
                return Err(Raise::new(
                    RaiseKind::UFuncTypeError,
                    "ufunc 'positive' did not contain a loop with signature matching types <class 'numpy.dtypes.BoolDType'> -> None",
                ));
            }
            Ok(np_wrap(t))
        }
        Value::Tensor(_) => Err(bad_positive("tensorflow.python.framework.ops.EagerTensor")),
        other => Err(bad_positive(&other.type_name())),
    }
}

fn bad_positive(type_name: &str) -> Raise {
    Raise::type_error(format!("bad operand type for unary +: '{type_name}'"))
}

pub fn invert(it: &mut Interp, v: Value) -> Result<Value, Raise> {
    match v {
        Value::Int(i) => Ok(Value::Int(!i)),
        Value::Bool(b) => Ok(Value::Int(!i64::from(b))),
        Value::Tensor(x) if x.tensor.dtype() == DType::Bool => {
            Ok(Value::Tensor(it.apply("logical_not", vec![], vec![x])?))
        }
        // a variable's `~` reads it, then inverts the tensor
        Value::Variable(_) | Value::UnreadVariable(_) => {
            let x = it.as_val(&v)?.expect("a variable");
            invert(it, Value::Tensor(x))
        }
        Value::Tensor(x) if x.tensor.dtype().is_int() => Ok(Value::Tensor(
            it.ws.ctx.constant(bitwise::invert(&x.tensor)?),
        )),
        Value::Array(_) | Value::NpScalar(_) => {
            let t = it.np_tensor(&v)?;
            if t.dtype() == DType::Bool {
                return Ok(np_wrap(it.compute("logical_not", vec![], &[&t])?));
            }
            if t.dtype().is_float() {
                return Err(Raise::type_error(
                    "ufunc 'invert' not supported for the input types, and the inputs could not be safely coerced to any supported types according to the casting rule ''safe''",
                ));
            }
            let flipped: Vec<f64> = t.to_f64_vec().iter().map(|x| -x - 1.0).collect();
            Ok(np_wrap(Tensor::from_f64s(t.shape(), &flipped, t.dtype())?))
        }
        other => Err(Raise::type_error(format!(
            "bad operand type for unary ~: '{}'",
            other.type_name()
        ))),
    }
}
