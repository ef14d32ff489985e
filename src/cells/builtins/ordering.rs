//! `min`, `max` and `sorted`, with `key=` (and `default=` for `min`/`max`), ordering by
//! Python's `<` and `>` so mixed types raise as Python does.

use ruff_python_ast::CmpOp;

use super::*;

/// `min()` and `max()`: of one iterable or of several arguments; the first of equal
/// extremes wins, as in Python.
pub fn min_max(
    it: &mut Interp,
    name: &str,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let (mut key, mut default) = (None, None);
    for (k, v) in kwargs {
        match k.as_str() {
            "key" => key = Some(v).filter(|v| !matches!(v, Value::None)),
            "default" => default = Some(v),
            _ => {
                return Err(Raise::type_error(format!(
                    "{name}() got an unexpected keyword argument '{k}'"
                )))
            }
        }
    }
    let items = match args.len() {
        0 => {
            return Err(Raise::type_error(format!(
                "{name} expected at least 1 argument, got 0"
            )))
        }
        1 => iterate(it, &args[0])?,
        _ if default.is_some() => {
            return Err(Raise::type_error(format!(
                "Cannot specify a default for {name}() with multiple positional arguments"
            )))
        }
        _ => args,
    };
    let op = if name == "min" { CmpOp::Lt } else { CmpOp::Gt };
    let mut best: Option<(Value, Value)> = None;
    for x in items {
        it.step()?;
        let k = keyed(it, key.as_ref(), &x)?;
        let better = match &best {
            None => true,
            Some((_, bk)) => arith::compare(it, op, k.clone(), bk.clone())?.truthy()?,
        };
        if better {
            best = Some((x, k));
        }
    }
    match (best, default) {
        (Some((x, _)), _) => Ok(x),
        (None, Some(d)) => Ok(d),
        (None, None) => Err(Raise::value_error(format!(
            "{name}() arg is an empty sequence"
        ))),
    }
}

/// `sorted(iterable, key=None, reverse=False)`: a stable sort, also when reversed.
pub fn sorted(
    it: &mut Interp,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    if args.len() != 1 {
        return Err(Raise::type_error(format!(
            "sorted expected 1 argument, got {}",
            args.len()
        )));
    }
    let mut s = bind_args("sorted", &["iterable", "key", "reverse"], args, kwargs)?.into_iter();
    let items = iterate(it, &s.next().flatten().expect("one argument"))?;
    let key = s.next().flatten().filter(|v| !matches!(v, Value::None));
    let reverse = s
        .next()
        .flatten()
        .map(|v| v.truthy())
        .transpose()?
        .unwrap_or(false);
    let mut keyed_items = Vec::with_capacity(items.len());
    for x in items {
        let k = keyed(it, key.as_ref(), &x)?;
        keyed_items.push((k, x));
    }
    // insertion sort through Python's `<`: an item moves before those it is less than (more
    // than, reversed), never past an equal one
    let mut out: Vec<(Value, Value)> = Vec::with_capacity(keyed_items.len());
    for (k, x) in keyed_items {
        it.step()?;
        let mut pos = out.len();
        while pos > 0 {
            let prev = out[pos - 1].0.clone();
            let (a, b) = if reverse {
                (prev, k.clone())
            } else {
                (k.clone(), prev)
            };
            if !arith::compare(it, CmpOp::Lt, a, b)?.truthy()? {
                break;
            }
            pos -= 1;
        }
        out.insert(pos, (k, x));
    }
    Ok(Value::list(out.into_iter().map(|(_, x)| x).collect()))
}

/// What an item is ordered by: `key(x)`, or the item itself.
fn keyed(it: &mut Interp, key: Option<&Value>, x: &Value) -> Result<Value, Raise> {
    match key {
        Some(f) => it.call(f.clone(), vec![x.clone()], vec![]),
        None => Ok(x.clone()),
    }
}
