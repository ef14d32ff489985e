//! `float`, `int`, `bool`, `abs`, `round` and `sum`, on Python numbers, tensors
//! and arrays.

use super::*;

/// `float()`.
pub fn float(
    it: &mut Interp,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let Some(v) = at_most_one("float", args, kwargs)? else {
        return Ok(Value::Float(0.0));
    };
    Ok(Value::Float(number(it, &v, "float")?.0))
}

/// `int()`, `int(x)` and `int(string, base)`.
pub fn int(
    it: &mut Interp,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let (v, base) = int_text::args(args, kwargs)?;
    let Some(v) = v else {
        if base.is_some() {
            return Err(Raise::type_error("int() missing string argument"));
        }
        return Ok(Value::Int(0));
    };
    if let Value::Str(s) = &v {
        let base = base.unwrap_or(Value::Int(10));
        return int_text::parse(it, &v, s, &base);
    }
    if base.is_some() {
        return Err(Raise::type_error(
            "int() can't convert non-string with explicit base",
        ));
    }
    if let Some(i) = exact_int(it, &v)? {
        return Ok(Value::Int(i));
    }
    let (x, _) = number(it, &v, "int")?;
    Ok(Value::Int(pymath::to_int(x.trunc())?))
}

/// `int(v)` of an int or of a one-element integer tensor, array or NumPy scalar, taken as it
/// is: through float64 the units past 2**53 would be lost.
fn exact_int(it: &mut Interp, v: &Value) -> Result<Option<i64>, Raise> {
    Ok(match v {
        Value::Int(i) | Value::Dimension(i) => Some(*i),
        Value::Tensor(_)
        | Value::Variable(_)
        | Value::UnreadVariable(_)
        | Value::Array(_)
        | Value::NpScalar(_) => {
            let t = it.np_tensor(v)?;
            match t.as_indices() {
                Some(ints) if ints.len() == 1 => Some(ints[0]),
                _ => None,
            }
        }
        _ => None,
    })
}

/// `bool()`.
pub fn bool(
    it: &mut Interp,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let Some(v) = at_most_one("bool", args, kwargs)? else {
        return Ok(Value::Bool(false));
    };
    Ok(Value::Bool(it.truth(&v)?))
}

/// The one optional argument of `float()` and `bool()`, which take none by name.
fn at_most_one(
    name: &str,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Option<Value>, Raise> {
    if !kwargs.is_empty() {
        return Err(Raise::type_error(format!(
            "{name}() takes no keyword arguments"
        )));
    }
    if args.len() > 1 {
        return Err(Raise::type_error(format!(
            "{name} expected at most 1 argument, got {}",
            args.len()
        )));
    }
    Ok(args.into_iter().next())
}

/// `abs()`.
pub fn abs(
    it: &mut Interp,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let v = one("abs", args, kwargs)?;
    match v {
        Value::Int(i) => Ok(Value::Int(
            i.checked_abs()
                .ok_or_else(|| Raise::value_error("integer overflow"))?,
        )),
        Value::Bool(b) => Ok(Value::Int(i64::from(b))),
        Value::Float(f) => Ok(Value::Float(f.abs())),
        Value::Tensor(_) | Value::Variable(_) | Value::UnreadVariable(_) => {
            let x = it.as_val(&v)?.expect("tensor");
            Ok(Value::Tensor(it.apply("abs", vec![], vec![x])?))
        }
        Value::Array(_) | Value::NpScalar(_) => {
            let t = it.np_tensor(&v)?;
            Ok(np_wrap(crate::cells::numpy::math::unary("abs", &t)?))
        }
        other => Err(Raise::type_error(format!(
            "bad operand type for abs(): '{}'",
            other.type_name()
        ))),
    }
}

/// `round()`.
pub fn round(
    _it: &mut Interp,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let mut s = bind_args("round", &["number", "ndigits"], args, kwargs)?.into_iter();
    let v = s
        .next()
        .flatten()
        .ok_or_else(|| Raise::type_error("round() missing required argument 'number'"))?;
    let nd = s.next().flatten();
    let digits = match &nd {
        None | Some(Value::None) => None,
        Some(Value::Int(n)) => Some(*n),
        Some(other) => {
            return Err(Raise::type_error(format!(
                "'{}' object cannot be interpreted as an integer",
                other.type_name()
            )))
        }
    };
    match (&v, digits) {
        (Value::Int(i), Some(n)) if n < 0 => round_int(*i, n),
        (Value::Bool(b), Some(n)) if n < 0 => round_int(i64::from(*b), n),
        (Value::Int(i), _) => Ok(Value::Int(*i)),
        (Value::Bool(b), _) => Ok(Value::Int(i64::from(*b))),
        (Value::Float(f), None) => Ok(Value::Int(pymath::to_int(f.round_ties_even())?)),
        (Value::Float(f), Some(n)) => Ok(Value::Float(crate::cells::print::round_digits(*f, n))),
        (Value::NpScalar(t), None) => {
            let x = crate::cells::print::round_digits(t.to_f64_vec()[0], 0);
            Ok(Value::Int(pymath::to_int(x)?))
        }
        // a NumPy scalar rounds as np.round does, in its own dtype, not as a Python float does
        (Value::NpScalar(t), Some(n)) => {
            Ok(Value::NpScalar(crate::cells::numpy::math::round(t, n)?))
        }
        // Python's round() calls the tensor's __round__, which asks for NumPy's astype
        (Value::Tensor(_), _) => Err(crate::cells::attrs::numpy_only_attr("astype")),
        // CPython names the type by its tp_name, which is qualified for NumPy's array
        (Value::Array(_), _) => Err(Raise::type_error(
            "type numpy.ndarray doesn't define __round__ method",
        )),
        (other, _) => Err(Raise::type_error(format!(
            "type {} doesn't define __round__ method",
            other.type_name()
        ))),
    }
}

/// `round(i, n)` of an int with `n < 0`: to a multiple of `10**-n`, a half to the even
/// multiple, as CPython's `long_round` does (`round(15, -1)` is 20, `round(25, -1)` 20).
fn round_int(i: i64, n: i64) -> Result<Value, Raise> {
    // past 10**38 every 64-bit int rounds to 0, and 10**38 still fits an i128
    let p = 10i128.pow(n.unsigned_abs().min(38) as u32);
    let i = i128::from(i);
    let r = i.rem_euclid(p);
    let down = i - r;
    let up = 2 * r > p || (2 * r == p && (down / p) % 2 != 0);
    let out = if up { down + p } else { down };
    i64::try_from(out)
        .map(Value::Int)
        .map_err(|_| crate::cells::arith::overflow())
}

/// `sum()`.
pub fn sum(
    it: &mut Interp,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let mut s = bind_args("sum", &["iterable", "start"], args, kwargs)?.into_iter();
    let items = iterate(
        it,
        &s.next()
            .flatten()
            .ok_or_else(|| Raise::type_error("sum() takes an iterable"))?,
    )?;
    let mut acc = s.next().flatten().unwrap_or(Value::Int(0));
    for x in items {
        it.step()?;
        acc = arith::binary(it, ruff_python_ast::Operator::Add, acc, x)?;
    }
    Ok(acc)
}
