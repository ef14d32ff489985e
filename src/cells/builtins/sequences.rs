//! `len`, `range`, `list`, `tuple`, `zip` and `enumerate`.

use super::*;

/// `len()`.
pub fn len(
    it: &mut Interp,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let v = one("len", args, kwargs)?;
    Ok(Value::Int(match &v {
        Value::Str(s) => s.chars().count() as i64,
        Value::Range(a, b, s) => range_len(*a, *b, *s),
        Value::List(_) | Value::Tuple(_) => v.items().map_or(0, |i| i.len()) as i64,
        Value::Shape(d) => d.len() as i64,
        // a ResourceVariable defines no __len__ (a tensor does)
        Value::Variable(_) | Value::UnreadVariable(_) => {
            return Err(Raise::type_error(
                "object of type 'ResourceVariable' has no len()",
            ))
        }
        Value::Tensor(_) | Value::Array(_) | Value::NpScalar(_) => {
            let t = it.np_tensor(&v)?;
            match t.shape().first() {
                Some(&n) => n as i64,
                None if matches!(v, Value::Array(_) | Value::NpScalar(_)) => {
                    return Err(Raise::type_error("len() of unsized object"))
                }
                None => return Err(Raise::type_error("Scalar tensor has no `len()`")),
            }
        }
        other => {
            return Err(Raise::type_error(format!(
                "object of type '{}' has no len()",
                other.type_name()
            )))
        }
    }))
}

/// `range()`.
pub fn range(args: Vec<Value>, kwargs: Vec<(String, Value)>) -> Result<Value, Raise> {
    if !kwargs.is_empty() {
        return Err(Raise::type_error("range() takes no keyword arguments"));
    }
    let mut n = Vec::new();
    for a in &args {
        n.push(operator_index(a)?.ok_or_else(|| {
            Raise::type_error(format!(
                "'{}' object cannot be interpreted as an integer",
                a.type_name()
            ))
        })?);
    }
    let (a, b, s) = match n.as_slice() {
        [b] => (0, *b, 1),
        [a, b] => (*a, *b, 1),
        [a, b, s] => (*a, *b, *s),
        _ => {
            return Err(Raise::type_error(format!(
                "range expected at most 3 arguments, got {}",
                n.len()
            )))
        }
    };
    if s == 0 {
        return Err(Raise::value_error("range() arg 3 must not be zero"));
    }
    Ok(Value::Range(a, b, s))
}

/// `list()`.
pub fn list(
    it: &mut Interp,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    Ok(Value::list(if args.is_empty() {
        Vec::new()
    } else {
        iterate(it, &one("list", args, kwargs)?)?
    }))
}

/// `tuple()`.
pub fn tuple(
    it: &mut Interp,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    Ok(Value::tuple(if args.is_empty() {
        Vec::new()
    } else {
        iterate(it, &one("tuple", args, kwargs)?)?
    }))
}

/// `zip()`.
pub fn zip(
    it: &mut Interp,
    args: Vec<Value>,
    _kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let mut cols = Vec::new();
    for a in &args {
        cols.push(iterate(it, a)?);
    }
    let n = cols.iter().map(Vec::len).min().unwrap_or(0);
    Ok(Value::list(
        (0..n)
            .map(|k| Value::tuple(cols.iter().map(|c| c[k].clone()).collect()))
            .collect(),
    ))
}

/// `enumerate()`.
pub fn enumerate(
    it: &mut Interp,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let mut s = bind_args("enumerate", &["iterable", "start"], args, kwargs)?.into_iter();
    let items = iterate(
        it,
        &s.next()
            .flatten()
            .ok_or_else(|| Raise::type_error("enumerate() takes an iterable"))?,
    )?;
    let start = match s.next().flatten() {
        Some(Value::Int(i)) => i,
        _ => 0,
    };
    Ok(Value::list(
        items
            .into_iter()
            .enumerate()
            .map(|(k, v)| Value::tuple(vec![Value::Int(start + k as i64), v]))
            .collect(),
    ))
}
