//! Python's builtins a cell may call: print, len, range, float, int, bool, str, repr, abs,
//! round, min, max, sum, sorted, list, tuple, zip, enumerate, isinstance, type, format.

use crate::engine::dtype::DType;
use crate::engine::lit::Lit;

use super::arith::{self, np_wrap};
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
];

/// Items a list built from an iterable may hold.
const MAX_ITEMS: usize = 1 << 20;

/// The builtin a bare name stands for, when no cell name shadows it.
pub fn builtin(name: &str) -> Option<Value> {
    BUILTINS
        .contains(&name)
        .then(|| Value::Builtin(name.into()))
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
        Value::Int(i) => Ok((*i as f64, true)),
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
                    "only one element tensors can be converted to Python scalars",
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
        "print" => {
            let mut sep = " ".to_string();
            let mut end = "\n".to_string();
            for (k, v) in kwargs {
                let s = match v {
                    Value::None => None,
                    Value::Str(s) => Some(s.to_string()),
                    other => {
                        return Err(Raise::type_error(format!(
                            "{k} must be None or a string, not {}",
                            other.type_name()
                        )))
                    }
                };
                match k.as_str() {
                    "sep" => sep = s.unwrap_or_else(|| " ".into()),
                    "end" => end = s.unwrap_or_else(|| "\n".into()),
                    "flush" => {}
                    _ => {
                        return Err(Raise::type_error(format!(
                            "'{k}' is an invalid keyword argument for print()"
                        )))
                    }
                }
            }
            let mut line = String::new();
            for (k, a) in args.iter().enumerate() {
                if k > 0 {
                    line.push_str(&sep);
                }
                line.push_str(&super::print::str(it, a));
            }
            line.push_str(&end);
            it.write(&line)?;
            Ok(Value::None)
        }
        "len" => {
            let v = one(name, args, kwargs)?;
            Ok(Value::Int(match &v {
                Value::Str(s) => s.chars().count() as i64,
                Value::Range(a, b, s) => range_len(*a, *b, *s),
                Value::List(_) | Value::Tuple(_) => v.items().map_or(0, |i| i.len()) as i64,
                Value::Shape(d) => d.len() as i64,
                Value::Tensor(_)
                | Value::Variable(_)
                | Value::UnreadVariable(_)
                | Value::Array(_)
                | Value::NpScalar(_) => {
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
        "range" => {
            if !kwargs.is_empty() {
                return Err(Raise::type_error("range() takes no keyword arguments"));
            }
            let mut n = Vec::new();
            for a in &args {
                n.push(match a {
                    Value::Int(i) => *i,
                    Value::Bool(b) => i64::from(*b),
                    Value::Tensor(_) | Value::NpScalar(_) | Value::Array(_) => {
                        let (x, int) = number(it, a, "int")?;
                        if !int {
                            return Err(Raise::type_error(
                                "'float' object cannot be interpreted as an integer",
                            ));
                        }
                        x as i64
                    }
                    other => {
                        return Err(Raise::type_error(format!(
                            "'{}' object cannot be interpreted as an integer",
                            other.type_name()
                        )))
                    }
                });
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
        "float" => {
            if args.is_empty() {
                return Ok(Value::Float(0.0));
            }
            let v = one(name, args, kwargs)?;
            Ok(Value::Float(number(it, &v, "float")?.0))
        }
        "int" => {
            if args.is_empty() {
                return Ok(Value::Int(0));
            }
            let v = one(name, args, kwargs)?;
            if let Value::Str(s) = &v {
                return s.trim().parse::<i64>().map(Value::Int).map_err(|_| {
                    Raise::value_error(format!(
                        "invalid literal for int() with base 10: {}",
                        super::print::repr(it, &v)
                    ))
                });
            }
            let (x, _) = number(it, &v, "int")?;
            if !x.is_finite() {
                return Err(Raise::value_error(
                    "cannot convert float NaN or infinity to integer",
                ));
            }
            Ok(Value::Int(x.trunc() as i64))
        }
        "bool" => {
            if args.is_empty() {
                return Ok(Value::Bool(false));
            }
            Ok(Value::Bool(one(name, args, kwargs)?.truthy()?))
        }
        "str" => {
            if args.is_empty() {
                return Ok(Value::str(""));
            }
            let v = one(name, args, kwargs)?;
            Ok(Value::str(super::print::str(it, &v)))
        }
        "repr" => {
            let v = one(name, args, kwargs)?;
            Ok(Value::str(super::print::repr(it, &v)))
        }
        "format" => {
            let mut s = bind_args("format", &["value", "format_spec"], args, kwargs)?.into_iter();
            let v = s
                .next()
                .flatten()
                .ok_or_else(|| Raise::type_error("format() takes a value"))?;
            let spec = match s.next().flatten() {
                Some(Value::Str(x)) => x.to_string(),
                None => String::new(),
                Some(_) => return Err(Raise::type_error("format() argument 2 must be str")),
            };
            Ok(Value::str(super::print::format_value(it, &v, None, &spec)?))
        }
        "abs" => {
            let v = one(name, args, kwargs)?;
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
                    Ok(np_wrap(super::numpy::math::unary("abs", &t)?))
                }
                other => Err(Raise::type_error(format!(
                    "bad operand type for abs(): '{}'",
                    other.type_name()
                ))),
            }
        }
        "round" => {
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
                (Value::Int(i), _) => Ok(Value::Int(*i)),
                (Value::Bool(b), _) => Ok(Value::Int(i64::from(*b))),
                (Value::Float(f), None) => {
                    if !f.is_finite() {
                        return Err(Raise::value_error(
                            "cannot convert float NaN or infinity to integer",
                        ));
                    }
                    Ok(Value::Int(f.round_ties_even() as i64))
                }
                (Value::Float(f), Some(n)) => Ok(Value::Float(super::print::round_digits(*f, n))),
                (Value::NpScalar(t), n) => {
                    let x = super::print::round_digits(t.to_f64_vec()[0], n.unwrap_or(0));
                    if n.is_none() && !t.dtype().is_float() {
                        return Ok(Value::Int(x as i64));
                    }
                    if n.is_none() {
                        return Ok(Value::Int(x as i64));
                    }
                    Ok(Value::NpScalar(crate::engine::tensor::Tensor::scalar(
                        x,
                        t.dtype(),
                    )))
                }
                (other, _) => Err(Raise::type_error(format!(
                    "type {} doesn't define __round__ method",
                    other.type_name()
                ))),
            }
        }
        "min" | "max" => {
            let items = if args.len() == 1 {
                iterate(it, &args[0])?
            } else {
                args
            };
            if items.is_empty() {
                return Err(Raise::value_error(format!(
                    "{name}() arg is an empty sequence"
                )));
            }
            let mut best = items[0].clone();
            for x in items.into_iter().skip(1) {
                let op = if name == "min" {
                    ruff_python_ast::CmpOp::Lt
                } else {
                    ruff_python_ast::CmpOp::Gt
                };
                if arith::compare(it, op, x.clone(), best.clone())?.truthy()? {
                    best = x;
                }
            }
            Ok(best)
        }
        "sum" => {
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
        "sorted" => {
            let mut s = bind_args("sorted", &["iterable", "reverse"], args, kwargs)?.into_iter();
            let mut items = iterate(
                it,
                &s.next()
                    .flatten()
                    .ok_or_else(|| Raise::type_error("sorted() takes an iterable"))?,
            )?;
            let reverse = s
                .next()
                .flatten()
                .map(|v| v.truthy())
                .transpose()?
                .unwrap_or(false);
            let mut err = None;
            // insertion sort through Python's `<`, so mixed types raise as Python does
            let mut out: Vec<Value> = Vec::with_capacity(items.len());
            for x in items.drain(..) {
                it.step()?;
                let mut pos = out.len();
                while pos > 0 {
                    match arith::compare(
                        it,
                        ruff_python_ast::CmpOp::Lt,
                        x.clone(),
                        out[pos - 1].clone(),
                    )
                    .and_then(|v| v.truthy())
                    {
                        Ok(true) => pos -= 1,
                        Ok(false) => break,
                        Err(e) => {
                            err = Some(e);
                            break;
                        }
                    }
                }
                out.insert(pos, x);
            }
            if let Some(e) = err {
                return Err(e);
            }
            if reverse {
                out.reverse();
            }
            Ok(Value::list(out))
        }
        "list" => Ok(Value::list(if args.is_empty() {
            Vec::new()
        } else {
            iterate(it, &one(name, args, kwargs)?)?
        })),
        "tuple" => Ok(Value::tuple(if args.is_empty() {
            Vec::new()
        } else {
            iterate(it, &one(name, args, kwargs)?)?
        })),
        "zip" => {
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
        "enumerate" => {
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
        "isinstance" => {
            let [x, cls] = <[Value; 2]>::try_from(args)
                .map_err(|_| Raise::type_error("isinstance expected 2 arguments"))?;
            let classes = match &cls {
                Value::Tuple(_) => cls.items().unwrap_or_default(),
                _ => vec![cls],
            };
            let mut yes = false;
            for c in &classes {
                let Value::Builtin(p) = c else {
                    return Err(Raise::type_error(
                        "isinstance() arg 2 must be a type, a tuple of types, or a union",
                    ));
                };
                yes |= match (&**p, &x) {
                    ("tf.Tensor", Value::Tensor(_)) => true,
                    ("tf.Variable", Value::Variable(_) | Value::UnreadVariable(_)) => true,
                    ("np.ndarray", Value::Array(_)) => true,
                    ("int", Value::Int(_) | Value::Bool(_)) => true,
                    ("float", Value::Float(_)) => true,
                    ("float", Value::NpScalar(t)) => t.dtype() == DType::F64,
                    ("bool", Value::Bool(_)) => true,
                    ("str", Value::Str(_)) => true,
                    ("list", Value::List(_)) => true,
                    ("tuple", Value::Tuple(_)) => true,
                    _ => false,
                };
            }
            Ok(Value::Bool(yes))
        }
        "type" => {
            let v = one(name, args, kwargs)?;
            Ok(Value::Type(v.type_name().into()))
        }
        _ => Err(Raise::new(
            RaiseKind::NameError,
            format!("name '{name}' is not defined"),
        )),
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
        Value::Str(s) => Ok(s.chars().map(|c| Value::str(c.to_string())).collect()),
        Value::Shape(d) => Ok(d.iter().map(|&x| Value::Int(x as i64)).collect()),
        Value::Tensor(_) | Value::Variable(_) | Value::UnreadVariable(_) => {
            let x = it.as_val(v)?.expect("tensor");
            let shape = x.tensor.shape().to_vec();
            let Some((&n, rest)) = shape.split_first() else {
                return Err(Raise::type_error("Cannot iterate over a scalar tensor."));
            };
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
            let step: usize = rest.iter().product();
            let vals = t.to_f64_vec();
            (0..n)
                .map(|i| {
                    let row = crate::engine::tensor::Tensor::from_f64s(
                        rest,
                        &vals[i * step..(i + 1) * step],
                        t.dtype(),
                    )?;
                    Ok(np_wrap(row))
                })
                .collect()
        }
        other => Err(Raise::type_error(format!(
            "'{}' object is not iterable",
            other.type_name()
        ))),
    }
}
