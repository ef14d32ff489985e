//! `dict()`, `dict.fromkeys` and a dict's methods, as Python 3.11 runs them: `keys`, `values`, `items`, `get`,
//! `update`, `pop`, `popitem`, `setdefault`, `copy` and `clear`. The dict's lock is never
//! held while a cell's code runs.

use super::*;
use crate::cells::dict::{self, PyDict, ViewId, ViewKind};

pub const NAMES: &[&str] = &[
    "keys",
    "values",
    "items",
    "get",
    "update",
    "pop",
    "popitem",
    "setdefault",
    "copy",
    "clear",
];

/// `dict()`, `dict(mapping_or_pairs)`, `dict(a=1)`, `dict(pairs, a=1)`.
pub fn construct(
    it: &mut Interp,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    if args.len() > 1 {
        return Err(Raise::type_error(format!(
            "dict expected at most 1 argument, got {}",
            args.len()
        )));
    }
    let d = PyDict::new();
    update(it, &d, args, kwargs)?;
    Ok(Value::Dict(d))
}

/// `dict.fromkeys(keys, value=None)`: each key once, all with the one value.
pub fn fromkeys(
    it: &mut Interp,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    if !kwargs.is_empty() {
        return Err(Raise::type_error(
            "dict.fromkeys() takes no keyword arguments",
        ));
    }
    let n = args.len();
    if n == 0 {
        return Err(Raise::type_error(
            "fromkeys expected at least 1 argument, got 0",
        ));
    }
    if n > 2 {
        return Err(Raise::type_error(format!(
            "fromkeys expected at most 2 arguments, got {n}"
        )));
    }
    let mut args = args.into_iter();
    let keys = args.next().unwrap_or(Value::None);
    let value = args.next().unwrap_or(Value::None);
    let d = PyDict::new();
    for k in iterate(it, &keys)? {
        it.dict_set(&d, k, value.clone())?;
    }
    Ok(Value::Dict(d))
}

/// `d.update(other, **kwargs)`: another dict's entries, or pairs of any iterable, then the
/// keyword arguments.
fn update(
    it: &mut Interp,
    d: &PyDict,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<(), Raise> {
    if let Some(src) = args.into_iter().next() {
        match &src {
            Value::Dict(other) => {
                for (k, v) in other.snapshot() {
                    it.dict_set(d, k, v)?;
                }
            }
            _ => {
                for (i, item) in iterate(it, &src)?.into_iter().enumerate() {
                    let pair = iterate(it, &item).map_err(|_| {
                        Raise::type_error(format!(
                            "cannot convert dictionary update sequence element #{i} to a sequence"
                        ))
                    })?;
                    let [k, v]: [Value; 2] = pair.try_into().map_err(|p: Vec<Value>| {
                        Raise::value_error(format!(
                            "dictionary update sequence element #{i} has length {}; 2 is required",
                            p.len()
                        ))
                    })?;
                    it.dict_set(d, k, v)?;
                }
            }
        }
    }
    for (k, v) in kwargs {
        it.dict_set(d, Value::str(k), v)?;
    }
    Ok(())
}

pub fn call(
    it: &mut Interp,
    d: &PyDict,
    name: &str,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    if name == "update" {
        if args.len() > 1 {
            return Err(Raise::type_error(format!(
                "update expected at most 1 argument, got {}",
                args.len()
            )));
        }
        update(it, d, args, kwargs)?;
        return Ok(Value::None);
    }
    if !kwargs.is_empty() {
        return Err(Raise::type_error(format!(
            "dict.{name}() takes no keyword arguments"
        )));
    }
    let n = args.len();
    let arity = |lo: usize, hi: usize| -> Result<(), Raise> {
        if (lo..=hi).contains(&n) {
            return Ok(());
        }
        Err(Raise::type_error(match (lo, hi) {
            (0, 0) => format!("dict.{name}() takes no arguments ({n} given)"),
            (l, _) if n < l => format!("{name} expected at least {l} argument, got {n}"),
            (_, h) => format!("{name} expected at most {h} arguments, got {n}"),
        }))
    };
    let mut args = args.into_iter();
    let mut arg = || args.next().unwrap_or(Value::None);
    match name {
        "keys" | "values" | "items" => {
            arity(0, 0)?;
            let kind = match name {
                "keys" => ViewKind::Keys,
                "values" => ViewKind::Values,
                _ => ViewKind::Items,
            };
            Ok(Value::DictView(d.clone(), kind, ViewId::default()))
        }
        "get" => {
            arity(1, 2)?;
            let k = arg();
            let default = arg();
            let key = dict::key(it, &k)?;
            let found = d.lock().get(&key).cloned();
            Ok(found.unwrap_or(default))
        }
        "pop" => {
            arity(1, 2)?;
            let k = arg();
            let key = dict::key(it, &k)?;
            let gone = d.lock().remove(&key);
            match gone {
                Some((_, v)) => Ok(v),
                None if n == 2 => Ok(arg()),
                None => Err(dict::key_error(it, &k)),
            }
        }
        "popitem" => {
            arity(0, 0)?;
            let last = d.lock().pop_last();
            match last {
                Some((k, v)) => it.new_tuple(vec![k, v]),
                None => Err(dict::key_error(
                    it,
                    &Value::str("popitem(): dictionary is empty"),
                )),
            }
        }
        "setdefault" => {
            arity(1, 2)?;
            let k = arg();
            let default = arg();
            let key = dict::key(it, &k)?;
            let found = d.lock().get(&key).cloned();
            match found {
                Some(v) => Ok(v),
                None => {
                    it.dict_set(d, k, default.clone())?;
                    Ok(default)
                }
            }
        }
        "copy" => {
            arity(0, 0)?;
            let entries = d.snapshot();
            it.new_dict(entries)
        }
        "clear" => {
            arity(0, 0)?;
            let gone = d.lock().take();
            drop(gone);
            Ok(Value::None)
        }
        _ => Err(Raise::attr_error(format!(
            "'dict' object has no attribute '{name}'"
        ))),
    }
}
