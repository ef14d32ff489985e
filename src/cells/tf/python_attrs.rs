//! The attributes TensorFlow's Python hands straight to an op, read as the eager wrappers read
//! them (the fast path's `float()`, then `_execute.make_float` / `make_bool` in
//! `tensorflow/python/eager/execute.py`): a float takes a Python or NumPy number or a NumPy
//! array of one element, a bool only Python's `True` or `False`, and neither takes a tensor,
//! whatever its value; `None` leaves the op's default. Which attributes these are is the
//! registry's `Param::python_only` (and `tf.cumsum`'s exclusive and reverse, composed here).
//! A bool TensorFlow's Python reads itself (`keepdims`, gelu's `approximate`) is the value's
//! truth instead.

use crate::engine::ops::registry::{AttrKind, Param, ParamKind, Support};

use super::super::interp::Interp;
use super::super::print;
use super::super::raise::Raise;
use super::super::value::Value;

/// `make_bool`: `isinstance(v, bool)`, so NumPy's `bool_`, `1` and a bool tensor are refused.
pub(super) fn make_bool(it: &mut Interp, name: &str, v: &Value) -> Result<bool, Raise> {
    match v {
        Value::Bool(b) => Ok(*b),
        other => Err(expected(it, "bool", name, other)),
    }
}

/// The float a float attribute becomes: `float(v)` for a Python number, a NumPy integer or
/// float, or a NumPy array of one element; a tensor, a NumPy `bool_`, a string or a list is
/// refused as `make_float` refuses it.
fn make_float(it: &mut Interp, name: &str, v: &Value) -> Result<f64, Raise> {
    match v {
        Value::Int(i) => Ok(*i as f64),
        Value::Float(f) => Ok(*f),
        Value::Bool(b) => Ok(f64::from(u8::from(*b))),
        Value::NpScalar(t) if t.dtype().is_float() || t.dtype().is_int() => Ok(t.to_f64_vec()[0]),
        Value::Array(a) => match a.get().to_f64_vec()[..] {
            [f] => Ok(f),
            _ => Err(Raise::value_error(
                "can only convert an array of size 1 to a Python scalar",
            )),
        },
        other => Err(expected(it, "float", name, other)),
    }
}

fn expected(it: &mut Interp, kind: &str, name: &str, v: &Value) -> Raise {
    Raise::type_error(format!(
        "Expected {kind} for argument '{name}' not {}.",
        print::repr(it, v)
    ))
}

/// A registry op's attributes as given, checked and read before anything else looks at them.
pub(super) fn read(
    it: &mut Interp,
    op: &str,
    bound: &mut [(&'static Param, Option<Value>)],
) -> Result<(), Raise> {
    for (p, v) in bound.iter_mut() {
        let Some(given) = v.as_ref().filter(|v| !matches!(v, Value::None)) else {
            continue;
        };
        let ParamKind::Attr(kind) = p.kind else {
            continue;
        };
        *v = Some(match (kind, p.python_only) {
            (AttrKind::Bool, true) => Value::Bool(make_bool(it, p.name, given)?),
            (AttrKind::Float, true) => Value::Float(make_float(it, p.name, given)?),
            // a list attribute (squeeze's axis): NumPy's `isscalar` values become a list of
            // one, anything else must be a Python list or tuple by then
            (AttrKind::Axis, true) if given.is_tf() || matches!(given, Value::Array(_)) => {
                return Err(Raise::type_error(format!(
                    "Expected list for '{}' argument to '{op}' Op, not {}.",
                    p.name,
                    print::repr(it, given)
                )));
            }
            (AttrKind::Bool, false) if p.support == Support::Full => Value::Bool(given.truthy()?),
            _ => continue,
        });
    }
    Ok(())
}
