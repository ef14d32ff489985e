//! A range's attributes and methods, as CPython's range object has them: `start`, `stop`,
//! `step`, `index` and `count`.

use ruff_python_ast::CmpOp;

use super::*;

pub const METHODS: &[&str] = &["index", "count"];

/// `r.start`, `r.stop` and `r.step`, or None for a name a range has no data attribute of.
pub fn attr(start: i64, stop: i64, step: i64, name: &str) -> Option<Value> {
    match name {
        "start" => Some(Value::Int(start)),
        "stop" => Some(Value::Int(stop)),
        "step" => Some(Value::Int(step)),
        _ => None,
    }
}

/// `r.index(x)` and `r.count(x)`: an int is found by arithmetic (CPython's fast path, which
/// words a miss `3 is not in range`); anything else is compared with each item by `==`, as
/// CPython's sequence search does.
pub fn call(
    it: &mut Interp,
    range: (i64, i64, i64),
    name: &str,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    if !kwargs.is_empty() {
        return Err(Raise::type_error(format!(
            "range.{name}() takes no keyword arguments"
        )));
    }
    let [x] = &args[..] else {
        return Err(Raise::type_error(format!(
            "range.{name}() takes exactly one argument ({} given)",
            args.len()
        )));
    };
    let wanted = match x {
        Value::Int(i) => *i,
        Value::Bool(b) => i64::from(*b),
        _ => {
            let at = search(it, range, x)?;
            return match (name, at) {
                ("count", at) => Ok(Value::Int(i64::from(at.is_some()))),
                (_, Some(k)) => Ok(Value::Int(k)),
                (_, None) => Err(Raise::value_error("sequence.index(x): x not in sequence")),
            };
        }
    };
    match (name, position_of_int(range, wanted)) {
        ("count", at) => Ok(Value::Int(i64::from(at.is_some()))),
        (_, Some(k)) => Ok(Value::Int(k)),
        (_, None) => Err(Raise::value_error(format!("{wanted} is not in range"))),
    }
}

/// Where the int `x` sits in the range, if it is one of its items.
fn position_of_int((start, stop, step): (i64, i64, i64), x: i64) -> Option<i64> {
    let n = range_len(start, stop, step);
    let offset = i128::from(x) - i128::from(start);
    if offset % i128::from(step) != 0 {
        return None;
    }
    let k = offset / i128::from(step);
    (0..i128::from(n)).contains(&k).then_some(k as i64)
}

/// The first item that `x` equals by `==`, each compared in turn (ranges too long to list are
/// searched only where a number could be equal: at its value).
fn search(it: &mut Interp, range: (i64, i64, i64), x: &Value) -> Result<Option<i64>, Raise> {
    let (start, stop, step) = range;
    let n = range_len(start, stop, step);
    if n > 1 << 24 {
        return Ok(match x {
            Value::Float(f) if f.fract() == 0.0 && f.abs() < 9.2e18 => {
                position_of_int(range, *f as i64)
            }
            _ => None,
        });
    }
    for k in 0..n {
        it.step()?;
        let eq =
            crate::cells::arith::compare(it, CmpOp::Eq, Value::Int(start + k * step), x.clone())?;
        if it.truth(&eq)? {
            return Ok(Some(k));
        }
    }
    Ok(None)
}
