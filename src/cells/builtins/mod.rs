//! Python's builtins a cell may call: print, len, range, float, int, bool, str, repr, abs,
//! round, min, max, sum, sorted, list, tuple, zip, enumerate, isinstance, type, format, all,
//! any, map, reversed, pow, divmod; a list's and a string's methods (`list_methods`,
//! `str_methods`).

pub mod dict_methods;
mod int_text;
mod iterables;
pub mod list_methods;
pub mod number_methods;
mod numbers;
mod ordering;
pub mod pymath;
pub mod range_methods;
mod sequences;
pub mod str_methods;
mod text;
pub mod types;

use crate::engine::dtype::DType;
use crate::engine::lit::Lit;

use super::arith::{self, np_wrap};
use super::index::operator_index;
use super::interp::Interp;
use super::raise::{Raise, RaiseKind};
use super::tape::bind_args;
use super::value::{range_len, Value};

const BUILTINS: &[&str] = &[
    "print",
    "len",
    "range",
    "float",
    "int",
    "bool",
    "str",
    "repr",
    "abs",
    "round",
    "min",
    "max",
    "sum",
    "sorted",
    "list",
    "tuple",
    "zip",
    "enumerate",
    "isinstance",
    "type",
    "format",
    "all",
    "any",
    "map",
    "reversed",
    "pow",
    "divmod",
    "dict",
];

/// Items a list built from an iterable may hold.
use crate::cells::budget::MAX_ITEMS;

/// The builtin a bare name stands for, when no cell name shadows it.
pub fn builtin(name: &str) -> Option<Value> {
    // exception classes are builtins too (`np.AxisError` and `tf.errors.*` have dots)
    let exception = !name.contains('.') && super::exceptions::class_at(name).is_some();
    (BUILTINS.contains(&name) || exception).then(|| Value::Builtin(name.into()))
}

fn one(name: &str, args: Vec<Value>, kwargs: Vec<(String, Value)>) -> Result<Value, Raise> {
    if !kwargs.is_empty() || args.len() != 1 {
        return Err(Raise::type_error(format!(
            "{name}() takes exactly one argument ({} given)",
            args.len() + kwargs.len()
        )));
    }
    Ok(args.into_iter().next().expect("one"))
}

/// A number a value converts to with `float()`/`int()`: Python numbers, one-element tensors
/// and arrays.
fn number(it: &mut Interp, v: &Value, what: &str) -> Result<(f64, bool), Raise> {
    match v {
        Value::Int(i) | Value::Dimension(i) => Ok((*i as f64, true)),
        Value::Bool(b) => Ok((f64::from(u8::from(*b)), true)),
        Value::Float(f) => Ok((*f, false)),
        Value::Str(s) => s.trim().parse::<f64>().map(|f| (f, false)).map_err(|_| {
            Raise::value_error(format!(
                "could not convert string to {what}: {}",
                super::print::repr(it, v)
            ))
        }),
        Value::Tensor(_)
        | Value::Variable(_)
        | Value::UnreadVariable(_)
        | Value::Array(_)
        | Value::NpScalar(_) => {
            let t = it.np_tensor(v)?;
            if t.len() != 1 {
                return Err(Raise::type_error(
                    "only length-1 arrays can be converted to Python scalars",
                ));
            }
            Ok((t.to_f64_vec()[0], !t.dtype().is_float()))
        }
        other => Err(Raise::type_error(format!(
            "{what}() argument must be a string or a real number, not '{}'",
            other.type_name()
        ))),
    }
}

pub fn call(
    it: &mut Interp,
    name: &str,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    match name {
        "print" => text::print(it, args, kwargs),
        "len" => sequences::len(it, args, kwargs),
        "range" => sequences::range(args, kwargs),
        "float" => numbers::float(it, args, kwargs),
        "int" => numbers::int(it, args, kwargs),
        "bool" => numbers::bool(it, args, kwargs),
        "str" => text::str(it, args, kwargs),
        "repr" => text::repr(it, args, kwargs),
        "format" => text::format(it, args, kwargs),
        "abs" => numbers::abs(it, args, kwargs),
        "round" => numbers::round(it, args, kwargs),
        "min" | "max" => ordering::min_max(it, name, args, kwargs),
        "sum" => numbers::sum(it, args, kwargs),
        "sorted" => ordering::sorted(it, args, kwargs),
        "list" => sequences::list(it, args, kwargs),
        "tuple" => sequences::tuple(it, args, kwargs),
        "zip" => sequences::zip(it, args, kwargs),
        "enumerate" => sequences::enumerate(it, args, kwargs),
        "isinstance" => types::isinstance(it, args, kwargs),
        "type" => types::type_of(it, args, kwargs),
        "all" | "any" => iterables::all_any(it, name, args, kwargs),
        "map" => iterables::map(it, args, kwargs),
        "reversed" => iterables::reversed(it, args, kwargs),
        "pow" => iterables::pow(it, args, kwargs),
        "divmod" => iterables::divmod(it, args, kwargs),
        "dict" => dict_methods::construct(it, args, kwargs),
        "dict.fromkeys" => dict_methods::fromkeys(it, args, kwargs),
        _ => Err(it.name_error(name)),
    }
}

/// The items a `for` loop, unpacking, `list()` or `zip()` walks: a sequence's items, a
/// tensor's or array's rows.
pub fn iterate(it: &mut Interp, v: &Value) -> Result<Vec<Value>, Raise> {
    if let Value::Range(a, b, s) = v {
        if range_len(*a, *b, *s) > MAX_ITEMS as i64 {
            return Err(Raise::new(RaiseKind::LimitExceeded, "a range turned into a list holds at most 1048576 items; loop over it with `for` instead"));
        }
    }
    if let Some(items) = v.items() {
        return Ok(items);
    }
    match v {
        Value::Iter(p) => super::iterator::drain(it, p, MAX_ITEMS),
        // a dict walks its keys as they are when the walk starts
        Value::Dict(d) => Ok(d.view_items(super::dict::ViewKind::Keys)),
        Value::DictView(d, kind, _) => Ok(d.view_items(*kind)),
        Value::Str(s) => Ok(s.chars().map(|c| Value::str(c.to_string())).collect()),
        Value::Shape(d) => Ok(d.iter().map(|&x| Value::Int(x as i64)).collect()),
        Value::Tensor(_) | Value::Variable(_) | Value::UnreadVariable(_) => {
            let x = it.as_val(v)?.expect("tensor");
            let shape = x.tensor.shape().to_vec();
            let Some((&n, rest)) = shape.split_first() else {
                return Err(Raise::type_error("Cannot iterate over a scalar tensor."));
            };
            too_many_rows(n)?;
            let mut out = Vec::with_capacity(n);
            for i in 0..n {
                let begin: Vec<Lit> = std::iter::once(i as i64)
                    .chain(rest.iter().map(|_| 0))
                    .map(Lit::Int)
                    .collect();
                let size: Vec<Lit> = std::iter::once(1)
                    .chain(rest.iter().map(|_| -1))
                    .map(Lit::Int)
                    .collect();
                let row = it.apply(
                    "slice",
                    vec![
                        ("begin".into(), Lit::List(begin)),
                        ("size".into(), Lit::List(size)),
                    ],
                    vec![x.clone()],
                )?;
                let shape: Vec<Lit> = rest.iter().map(|&d| Lit::Int(d as i64)).collect();
                out.push(Value::Tensor(it.apply(
                    "reshape",
                    vec![("shape".into(), Lit::List(shape))],
                    vec![row],
                )?));
            }
            Ok(out)
        }
        Value::Array(a) => {
            let t = &a.get();
            let Some((&n, rest)) = t.shape().split_first() else {
                return Err(Raise::type_error("iteration over a 0-d array"));
            };
            too_many_rows(n)?;
            let step: usize = rest.iter().product();
            // rows copied element for element in the array's dtype (int64 exactly)
            let t = t.reshape(t.shape())?;
            Ok((0..n)
                .map(|i| {
                    let offsets: Vec<usize> = (i * step..(i + 1) * step).collect();
                    np_wrap(t.take_flat(&offsets, rest))
                })
                .collect())
        }
        other => Err(Raise::type_error(format!(
            "'{}' object is not iterable",
            other.type_name()
        ))),
    }
}

/// [`iterate`], with the TypeError of a value that cannot be iterated worded by the caller, as
/// Python words each place: unpacking (`cannot unpack non-iterable int object`), a display's
/// `*` (`Value after * must be an iterable, not int`), a call's `*`.
pub fn iterate_or(
    it: &mut Interp,
    v: &Value,
    not_iterable: impl FnOnce(&str) -> String,
) -> Result<Vec<Value>, Raise> {
    let iterable = matches!(
        v,
        Value::List(_)
            | Value::Tuple(_)
            | Value::Range(..)
            | Value::Iter(_)
            | Value::Str(_)
            | Value::Shape(_)
            | Value::Tensor(_)
            | Value::Variable(_)
            | Value::UnreadVariable(_)
            | Value::Array(_)
    );
    if !iterable {
        return Err(Raise::type_error(not_iterable(&v.type_name())));
    }
    iterate(it, v)
}

/// A tensor's or array's rows are made all at once: more than a list may hold (and more than
/// a loop may turn) are refused before they are.
fn too_many_rows(n: usize) -> Result<(), Raise> {
    if n > MAX_ITEMS {
        return Err(Raise::new(
            RaiseKind::LimitExceeded,
            format!("a cell walks at most {MAX_ITEMS} rows of a tensor or array (this one has {n}); reduce it with an op instead"),
        ));
    }
    Ok(())
}
