//! `len`, `range`, `list`, `tuple`, `zip` and `enumerate`.

use super::*;
use crate::cells::iterator::{self, IterKind, IterState, PyIter};

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
        Value::List(_) | Value::Tuple(_) => v.seq_len().unwrap_or(0) as i64,
        Value::Shape(d) => d.len() as i64,
        Value::Dict(d) | Value::DictView(d, _, _) => d.len() as i64,
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
    let items = if args.is_empty() {
        Vec::new()
    } else {
        iterate(it, &one("list", args, kwargs)?)?
    };
    it.new_list(items)
}

/// `tuple()`.
pub fn tuple(
    it: &mut Interp,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let items = if args.is_empty() {
        Vec::new()
    } else {
        iterate(it, &one("tuple", args, kwargs)?)?
    };
    it.new_tuple(items)
}

/// `zip()`: a zip object, pulling one item of each iterable per row.
pub fn zip(
    it: &mut Interp,
    args: Vec<Value>,
    _kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let mut sources = Vec::with_capacity(args.len());
    for a in &args {
        sources.push(iterator::source(it, a)?);
    }
    Ok(PyIter::value(
        IterKind::Zip,
        "zip",
        IterState {
            sources,
            count: 0,
            func: None,
        },
    ))
}

/// `enumerate()`: an enumerate object, counting from `start`.
pub fn enumerate(
    it: &mut Interp,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let mut s = bind_args("enumerate", &["iterable", "start"], args, kwargs)?.into_iter();
    let source = iterator::source(
        it,
        &s.next()
            .flatten()
            .ok_or_else(|| Raise::type_error("enumerate() takes an iterable"))?,
    )?;
    let count = match s.next().flatten() {
        None => 0,
        Some(v) => operator_index(&v)?.ok_or_else(|| {
            Raise::type_error(format!(
                "'{}' object cannot be interpreted as an integer",
                v.type_name()
            ))
        })?,
    };
    Ok(PyIter::value(
        IterKind::Enumerate,
        "enumerate",
        IterState {
            sources: vec![source],
            count,
            func: None,
        },
    ))
}
