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
    for _ in 0..keyed_items.len() {
        it.step()?;
    }
    let out = merge_sort(it, keyed_items, reverse)?;
    it.new_list(out.into_iter().map(|(_, x)| x).collect())
}

/// A stable merge sort through Python's `<` (O(n log n) comparisons, as Python's sort takes):
/// an item goes before those it is less than (more than, reversed), never past an equal one.
fn merge_sort(
    it: &mut Interp,
    mut items: Vec<(Value, Value)>,
    reverse: bool,
) -> Result<Vec<(Value, Value)>, Raise> {
    // whether `r`, from the later run, goes before `l`
    let before = |it: &mut Interp, r: &Value, l: &Value| -> Result<bool, Raise> {
        let (a, b) = if reverse {
            (l.clone(), r.clone())
        } else {
            (r.clone(), l.clone())
        };
        arith::compare(it, CmpOp::Lt, a, b)?.truthy()
    };
    let n = items.len();
    let mut width = 1;
    while width < n {
        let mut merged = Vec::with_capacity(n);
        let mut rest = items.into_iter().peekable();
        while rest.peek().is_some() {
            let left: Vec<_> = rest.by_ref().take(width).collect();
            let right: Vec<_> = rest.by_ref().take(width).collect();
            let (mut l, mut r) = (left.into_iter().peekable(), right.into_iter().peekable());
            while let (Some(a), Some(b)) = (l.peek(), r.peek()) {
                let take_right = before(it, &b.0, &a.0)?;
                merged.extend(if take_right { r.next() } else { l.next() });
            }
            merged.extend(l);
            merged.extend(r);
        }
        items = merged;
        width *= 2;
    }
    Ok(items)
}

/// What an item is ordered by: `key(x)`, or the item itself.
fn keyed(it: &mut Interp, key: Option<&Value>, x: &Value) -> Result<Value, Raise> {
    match key {
        Some(f) => it.call(f.clone(), vec![x.clone()], vec![]),
        None => Ok(x.clone()),
    }
}
