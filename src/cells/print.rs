//! How cell values print: each value becomes the `format` module's `FmtArg` (what it prints
//! as), and `str`, `repr`, format specs, `%` and `str.format` are that module's.

use super::builtins::types::class_path;
use super::format::py::{self, FmtArg, FmtError};
use super::interp::Interp;
use super::raise::{Raise, RaiseKind};
use super::value::{lock, Value};
use crate::engine::dtype::DType;
use crate::engine::tensor::Tensor;

pub fn tuple_text(shape: &[usize]) -> String {
    super::format::numpy::tuple_of(shape)
}

/// `round(x, n)` as Python rounds a float to n digits (correctly rounded decimal digits).
pub fn round_digits(x: f64, n: i64) -> f64 {
    let n = n.clamp(-300, 300) as i32;
    if n >= 0 {
        return format!("{:.*}", n as usize, x).parse().unwrap_or(x);
    }
    let p = 10f64.powi(-n);
    (x / p).round_ties_even() * p
}

/// A value as it prints.
pub fn fmt_arg(it: &Interp, v: &Value) -> FmtArg {
    match v {
        Value::None => FmtArg::None,
        Value::Bool(b) => FmtArg::Bool(*b),
        Value::Int(i) => FmtArg::Int(*i),
        Value::Float(f) => FmtArg::Float(*f),
        Value::Str(s) => FmtArg::Str(s.to_string()),
        Value::List(l) => FmtArg::List(lock(l).iter().map(|x| fmt_arg(it, x)).collect()),
        Value::Tuple(t) => FmtArg::Tuple(t.iter().map(|x| fmt_arg(it, x)).collect()),
        Value::Range(a, b, 1) => opaque(&format!("range({a}, {b})"), "range"),
        Value::Range(a, b, step) => opaque(&format!("range({a}, {b}, {step})"), "range"),
        Value::Tensor(x) => FmtArg::Tensor(x.tensor.clone()),
        Value::Array(a) => FmtArg::Array(a.get()),
        Value::NpScalar(t) => FmtArg::NpScalar(t.clone()),
        Value::Variable(id) | Value::UnreadVariable(id) => match it.ws.variable(id) {
            Some(var) => FmtArg::Variable {
                name: if matches!(v, Value::UnreadVariable(_)) {
                    "UnreadVariable".to_string()
                } else {
                    var.tf_name()
                },
                value: var.val.tensor.clone(),
            },
            None => opaque("<deleted tf.Variable>", "ResourceVariable"),
        },
        Value::IndexedSlices(s) => {
            let d: Vec<f64> = s.dense_shape.iter().map(|&x| x as f64).collect();
            FmtArg::IndexedSlices {
                indices: s.indices.clone(),
                values: s.values.clone(),
                dense_shape: Tensor::from_f64s(&[d.len()], &d, DType::I32)
                    .unwrap_or_else(|_| Tensor::full(&[0], 0.0, DType::I32)),
            }
        }
        Value::Shape(d) => FmtArg::Shape(d.clone()),
        Value::Dimension(n) => FmtArg::Dimension(*n),
        Value::DType(d) => FmtArg::DType(*d),
        Value::NpDType(d) => FmtArg::NpDType(*d),
        Value::Type(_) | Value::Builtin(_) if class_path(v).is_some() => {
            let qual = class_path(v).unwrap_or_default();
            opaque(&format!("<class '{qual}'>"), "type")
        }
        Value::Function(f) => opaque(&format!("<function {}>", f.name), "function"),
        Value::Builtin(p) => opaque(
            &format!("<built-in function {p}>"),
            "builtin_function_or_method",
        ),
        Value::Module(m) => opaque(&format!("<module '{m}'>"), "module"),
        Value::Iter(p) => opaque(
            &format!(
                "<{} object at {:#x}>",
                p.name,
                std::sync::Arc::as_ptr(p) as usize
            ),
            p.name,
        ),
        Value::Unconnected(zero) => opaque(
            if *zero {
                "UnconnectedGradients.ZERO"
            } else {
                "UnconnectedGradients.NONE"
            },
            "UnconnectedGradients",
        ),
        Value::Method(m) if bound_class(&m.0).is_some() => {
            // `print(loss.numpy)` without the call: the bound method, its receiver's repr inside
            let receiver = py::repr(&fmt_arg(it, &m.0));
            let class = bound_class(&m.0).unwrap_or_default();
            opaque(
                &format!("<bound method {class}.{} of {receiver}>", m.1),
                "method",
            )
        }
        other => {
            let t = other.type_name();
            opaque(&format!("<{t} object>"), &t)
        }
    }
}

/// The class that defines the methods of a tensor or variable, as a bound method names it.
fn bound_class(receiver: &Value) -> Option<&'static str> {
    match receiver {
        Value::Tensor(_) => Some("_EagerTensorBase"),
        Value::Variable(_) => Some("BaseResourceVariable"),
        _ => None,
    }
}

fn opaque(text: &str, type_name: &str) -> FmtArg {
    FmtArg::Opaque {
        str: text.to_string(),
        repr: text.to_string(),
        type_name: type_name.to_string(),
    }
}

fn raise(e: FmtError) -> Raise {
    let kind = match e.type_name() {
        "ValueError" => RaiseKind::ValueError,
        "IndexError" => RaiseKind::IndexError,
        "KeyError" => RaiseKind::KeyError,
        "OverflowError" => RaiseKind::OverflowError,
        _ => RaiseKind::TypeError,
    };
    Raise::new(kind, e.message)
}

/// `str(x)`: what `print(x)` writes.
pub fn str(it: &mut Interp, v: &Value) -> String {
    py::str(&fmt_arg(it, v))
}

/// `repr(x)`.
pub fn repr(it: &mut Interp, v: &Value) -> String {
    py::repr(&fmt_arg(it, v))
}

/// A value formatted by an f-string field or `format(x, spec)`.
pub fn format_value(
    it: &mut Interp,
    v: &Value,
    conversion: Option<char>,
    spec: &str,
) -> Result<String, Raise> {
    py::format_value(&fmt_arg(it, v), conversion, spec).map_err(raise)
}

/// `fmt % args`.
pub fn percent(it: &mut Interp, fmt: &str, args: &Value) -> Result<String, Raise> {
    let args: Vec<FmtArg> = match args {
        Value::Tuple(t) => t.iter().map(|x| fmt_arg(it, x)).collect(),
        other => vec![fmt_arg(it, other)],
    };
    py::percent(fmt, &args).map_err(raise)
}

/// `template.format(*args, **kwargs)`.
pub fn str_format(
    it: &mut Interp,
    template: &str,
    args: &[Value],
    kwargs: &[(String, Value)],
) -> Result<String, Raise> {
    let a: Vec<FmtArg> = args.iter().map(|x| fmt_arg(it, x)).collect();
    let k: Vec<(String, FmtArg)> = kwargs
        .iter()
        .map(|(n, x)| (n.clone(), fmt_arg(it, x)))
        .collect();
    py::str_format(template, &a, &k).map_err(raise)
}
