//! A list's methods, as Python 3.11 runs them: `append`, `extend`, `insert`, `pop`, `remove`,
//! `index`, `count`, `sort`, `reverse`, `copy` and `clear`, and a tuple's `count` and `index`. The list's lock is never held
//! while a cell's code runs (a `key=` function, or `==` on its items), which may read it.

use std::sync::Mutex;

use ruff_python_ast::CmpOp;

use super::*;
use crate::cells::value::lock;

pub const NAMES: &[&str] = &[
    "append", "extend", "insert", "pop", "remove", "index", "count", "sort", "reverse", "copy",
    "clear",
];

pub fn call(
    it: &mut Interp,
    list: &Mutex<Vec<Value>>,
    name: &str,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    if name == "sort" {
        return sort(it, list, args, kwargs);
    }
    if let Some((k, _)) = kwargs.first() {
        return Err(Raise::type_error(format!(
            "list.{name}() takes no keyword arguments ('{k}' given)"
        )));
    }
    let arity = |lo: usize, hi: usize| -> Result<(), Raise> {
        let n = args.len();
        if (lo..=hi).contains(&n) {
            return Ok(());
        }
        Err(Raise::type_error(match (lo, hi) {
            (0, 0) => format!("list.{name}() takes no arguments ({n} given)"),
            (1, 1) => format!("list.{name}() takes exactly one argument ({n} given)"),
            (l, h) if l == h => format!("{name} expected {l} arguments, got {n}"),
            (l, _) if n < l => format!("{name} expected at least {l} argument, got {n}"),
            (_, h) => format!("{name} expected at most {h} arguments, got {n}"),
        }))
    };
    match name {
        "append" => {
            arity(1, 1)?;
            grow(it, list, args)
        }
        "extend" => {
            arity(1, 1)?;
            let more = iterate(it, &args[0])?;
            grow(it, list, more)
        }
        "insert" => {
            arity(2, 2)?;
            let at = index_arg(&args[0])?;
            let len = lock(list).len();
            it.room_to_grow(len, 1)?;
            let mut l = lock(list);
            let at = clamp(at, l.len());
            l.insert(at, args[1].clone());
            Ok(Value::None)
        }
        "pop" => {
            arity(0, 1)?;
            let mut l = lock(list);
            if l.is_empty() {
                return Err(Raise::index_error("pop from empty list"));
            }
            let n = l.len() as i64;
            let k = args.first().map(index_arg).transpose()?.unwrap_or(-1);
            let k = if k < 0 { k + n } else { k };
            if !(0..n).contains(&k) {
                return Err(Raise::index_error("pop index out of range"));
            }
            Ok(l.remove(k as usize))
        }
        "remove" => {
            arity(1, 1)?;
            match position(it, list, &args[0], 0, i64::MAX)? {
                Some(k) => {
                    lock(list).remove(k);
                    Ok(Value::None)
                }
                None => Err(Raise::value_error("list.remove(x): x not in list")),
            }
        }
        "index" => {
            arity(1, 3)?;
            let start = args.get(1).map(index_arg).transpose()?.unwrap_or(0);
            let end = args.get(2).map(index_arg).transpose()?.unwrap_or(i64::MAX);
            match position(it, list, &args[0], start, end)? {
                Some(k) => Ok(Value::Int(k as i64)),
                None => Err(Raise::value_error(format!(
                    "{} is not in list",
                    crate::cells::print::repr(it, &args[0])
                ))),
            }
        }
        "count" => {
            arity(1, 1)?;
            let items = lock(list).clone();
            let mut n = 0;
            for item in &items {
                n += i64::from(same_item(it, item, &args[0])?);
            }
            Ok(Value::Int(n))
        }
        "reverse" | "copy" | "clear" => {
            arity(0, 0)?;
            let mut l = lock(list);
            Ok(match name {
                "reverse" => {
                    l.reverse();
                    Value::None
                }
                "clear" => {
                    l.clear();
                    Value::None
                }
                _ => {
                    let copy = l.clone();
                    drop(l);
                    it.new_list(copy)?
                }
            })
        }
        _ => Err(Raise::attr_error(format!(
            "'list' object has no attribute '{name}'"
        ))),
    }
}

fn grow(it: &mut Interp, list: &Mutex<Vec<Value>>, more: Vec<Value>) -> Result<Value, Raise> {
    let len = lock(list).len();
    it.room_to_grow(len, more.len())?;
    lock(list).extend(more);
    Ok(Value::None)
}

/// An index argument: what `__index__` accepts.
fn index_arg(v: &Value) -> Result<i64, Raise> {
    operator_index(v)?.ok_or_else(|| {
        Raise::type_error(format!(
            "'{}' object cannot be interpreted as an integer",
            v.type_name()
        ))
    })
}

/// `start`/`end` of `index` and `insert`'s position, counted from the end when negative and
/// held within the list, as slices are.
fn clamp(k: i64, len: usize) -> usize {
    let n = len as i64;
    (if k < 0 { (k + n).max(0) } else { k.min(n) }) as usize
}

/// Python's list equality of an item: the same object, or `==`.
fn same_item(it: &mut Interp, item: &Value, x: &Value) -> Result<bool, Raise> {
    if arith::is(item, x) {
        return Ok(true);
    }
    let eq = arith::compare(it, CmpOp::Eq, item.clone(), x.clone())?;
    it.truth(&eq)
}

/// Where `x` first is among the items in `start..end`.
fn position(
    it: &mut Interp,
    list: &Mutex<Vec<Value>>,
    x: &Value,
    start: i64,
    end: i64,
) -> Result<Option<usize>, Raise> {
    let items = lock(list).clone();
    position_in(it, &items, x, start, end)
}

/// Where `x` first is among `items[start..end]`.
fn position_in(
    it: &mut Interp,
    items: &[Value],
    x: &Value,
    start: i64,
    end: i64,
) -> Result<Option<usize>, Raise> {
    let (lo, hi) = (clamp(start, items.len()), clamp(end, items.len()));
    for (k, item) in items.iter().enumerate().take(hi).skip(lo) {
        if same_item(it, item, x)? {
            return Ok(Some(k));
        }
    }
    Ok(None)
}

/// A tuple's methods.
pub const TUPLE_NAMES: &[&str] = &["count", "index"];

/// `t.count(x)` and `t.index(x[, start[, end]])`, comparing items as a list's methods do, with
/// CPython's words for a tuple.
pub fn tuple_call(
    it: &mut Interp,
    items: &[Value],
    name: &str,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    if !kwargs.is_empty() {
        return Err(Raise::type_error(format!(
            "tuple.{name}() takes no keyword arguments"
        )));
    }
    let n = args.len();
    match name {
        "count" => {
            if n != 1 {
                return Err(Raise::type_error(format!(
                    "tuple.count() takes exactly one argument ({n} given)"
                )));
            }
            let mut count = 0;
            for item in items {
                count += i64::from(same_item(it, item, &args[0])?);
            }
            Ok(Value::Int(count))
        }
        _ => {
            if n == 0 {
                return Err(Raise::type_error(
                    "index expected at least 1 argument, got 0",
                ));
            }
            if n > 3 {
                return Err(Raise::type_error(format!(
                    "index expected at most 3 arguments, got {n}"
                )));
            }
            // CPython reads a tuple's bounds as slice indices
            let bound = |v: &Value| {
                operator_index(v)?.ok_or_else(|| {
                    Raise::type_error("slice indices must be integers or have an __index__ method")
                })
            };
            let start = args.get(1).map(bound).transpose()?.unwrap_or(0);
            let end = args.get(2).map(bound).transpose()?.unwrap_or(i64::MAX);
            match position_in(it, items, &args[0], start, end)? {
                Some(k) => Ok(Value::Int(k as i64)),
                None => Err(Raise::value_error("tuple.index(x): x not in tuple")),
            }
        }
    }
}

/// `lst.sort(key=None, reverse=False)`: `sorted`'s order, written back into the list.
fn sort(
    it: &mut Interp,
    list: &Mutex<Vec<Value>>,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    if !args.is_empty() {
        return Err(Raise::type_error("sort() takes no positional arguments"));
    }
    for (k, _) in &kwargs {
        if k != "key" && k != "reverse" {
            return Err(Raise::type_error(format!(
                "sort() got an unexpected keyword argument '{k}'"
            )));
        }
    }
    let items = Value::list(lock(list).clone());
    let sorted = ordering::sorted(it, vec![items], kwargs)?;
    *lock(list) = sorted.items().unwrap_or_default();
    Ok(Value::None)
}
