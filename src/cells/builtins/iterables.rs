//! `all`, `any`, `map` and `reversed` over an iterable, and `pow` and `divmod`, as Python
//! 3.11 runs them. `map` and `reversed` answer one-pass iterators (`cells::iterator`).

use ruff_python_ast::Operator;

use super::*;
use crate::cells::iterator::{self, IterKind, IterState, PyIter, Walk};

/// `all(iterable)` and `any(iterable)`: each item's truth, stopping at the first that decides.
pub fn all_any(
    it: &mut Interp,
    name: &str,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let mut items = Walk::of(it, &one(name, args, kwargs)?)?;
    let want = name == "any";
    while let Some(x) = items.next(it)? {
        it.step()?;
        if it.truth(&x)? == want {
            return Ok(Value::Bool(want));
        }
    }
    Ok(Value::Bool(!want))
}

/// `map(function, iterable, ...)`: a map object, calling the function on each row of the
/// iterables, zipped, as it is walked.
pub fn map(
    it: &mut Interp,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    if !kwargs.is_empty() {
        return Err(Raise::type_error("map() takes no keyword arguments"));
    }
    let mut args = args.into_iter();
    let (Some(f), Some(first)) = (args.next(), args.next()) else {
        return Err(Raise::type_error("map() must have at least two arguments."));
    };
    let mut sources = vec![iterator::source(it, &first)?];
    for a in args {
        sources.push(iterator::source(it, &a)?);
    }
    Ok(PyIter::value(
        IterKind::Map,
        "map",
        IterState {
            sources,
            count: 0,
            func: Some(f),
        },
    ))
}

/// `reversed(seq)`: an iterator over the items of a sequence, last first.
pub fn reversed(
    it: &mut Interp,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let v = one("reversed", args, kwargs)?;
    iterator::reversed(it, &v)
}

/// `pow(base, exp)` is `base ** exp`; `pow(base, exp, mod)` is modular, on integers.
pub fn pow(
    it: &mut Interp,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let mut s = bind_args("pow", &["base", "exp", "mod"], args, kwargs)?.into_iter();
    let (Some(base), Some(exp)) = (s.next().flatten(), s.next().flatten()) else {
        return Err(Raise::type_error(
            "pow() missing required argument 'base' (pos 1) or 'exp' (pos 2)",
        ));
    };
    match s.next().flatten().filter(|m| !matches!(m, Value::None)) {
        None => arith::binary(it, Operator::Pow, base, exp),
        Some(m) => modular_pow(&base, &exp, &m),
    }
}

fn int_of(v: &Value) -> Option<i64> {
    match v {
        Value::Int(i) => Some(*i),
        Value::Bool(b) => Some(i64::from(*b)),
        _ => None,
    }
}

/// `pow(b, e, m)` for non-negative `e`: `b**e % m` with Python's sign of the modulus.
fn modular_pow(base: &Value, exp: &Value, m: &Value) -> Result<Value, Raise> {
    let (Some(b), Some(e), Some(m)) = (int_of(base), int_of(exp), int_of(m)) else {
        return Err(Raise::type_error(
            "pow() 3rd argument not allowed unless all arguments are integers",
        ));
    };
    if m == 0 {
        return Err(Raise::value_error("pow() 3rd argument cannot be 0"));
    }
    if e < 0 {
        return Err(Raise::new(
            RaiseKind::NotImplementedError,
            "pow() with a negative exponent and a modulus (a modular inverse) is outside the cell subset",
        ));
    }
    let m = i128::from(m);
    let (mut acc, mut b, mut e) = (1i128.rem_euclid(m), i128::from(b).rem_euclid(m), e);
    while e > 0 {
        if e & 1 == 1 {
            acc = (acc * b).rem_euclid(m);
        }
        b = (b * b).rem_euclid(m);
        e >>= 1;
    }
    // Python's result takes the modulus's sign
    if m < 0 && acc > 0 {
        acc += m;
    }
    Ok(Value::Int(acc as i64))
}

/// `divmod(a, b)`: `(a // b, a % b)`.
pub fn divmod(
    it: &mut Interp,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    if !kwargs.is_empty() || args.len() != 2 {
        return Err(Raise::type_error(format!(
            "divmod expected 2 arguments, got {}",
            args.len() + kwargs.len()
        )));
    }
    let (a, b) = (args[0].clone(), args[1].clone());
    // Python numbers and NumPy define `__divmod__`; a tensor, a variable, an IndexedSlices
    // and the sequences do not, so Python finds neither `a.__divmod__` nor `b.__rdivmod__`
    let has_divmod = |v: &Value| {
        matches!(
            v,
            Value::Int(_) | Value::Bool(_) | Value::Float(_) | Value::Dimension(_)
        )
    };
    let np = |v: &Value| matches!(v, Value::Array(_) | Value::NpScalar(_));
    let ok = (has_divmod(&a) && has_divmod(&b)) || ((np(&a) || np(&b)) && !a.is_tf() && !b.is_tf());
    if !ok || matches!(a, Value::IndexedSlices(_)) || matches!(b, Value::IndexedSlices(_)) {
        let name = |v: &Value| match v {
            Value::Tensor(_) => "tensorflow.python.framework.ops.EagerTensor".to_string(),
            other => other.type_name(),
        };
        return Err(Raise::type_error(format!(
            "unsupported operand type(s) for divmod(): '{}' and '{}'",
            name(&a),
            name(&b)
        )));
    }
    let zero =
        matches!(b, Value::Int(0) | Value::Bool(false)) || matches!(b, Value::Float(f) if f == 0.0);
    if zero && matches!(a, Value::Int(_) | Value::Bool(_) | Value::Float(_)) {
        let detail = if matches!(a, Value::Float(_)) || matches!(b, Value::Float(_)) {
            "float divmod()"
        } else {
            "integer division or modulo by zero"
        };
        return Err(Raise::new(RaiseKind::ZeroDivisionError, detail));
    }
    let q = arith::binary(it, Operator::FloorDiv, a.clone(), b.clone())?;
    let r = arith::binary(it, Operator::Mod, a, b)?;
    Ok(Value::tuple(vec![q, r]))
}
