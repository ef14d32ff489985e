//! How cell values print: each value becomes the `format` module's `FmtArg` (what it prints
//! as), and `str`, `repr`, format specs, `%` and `str.format` are that module's.

use super::budget;
use super::builtins::types::class_path;
use super::callable_repr;
use super::containers::address;
use super::format::py::{self, FmtArg, FmtError};
use super::interp::{Interp, MAX_CALL_DEPTH};
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

/// A value as it prints. A list or tuple inside itself prints as `[...]` or `(...)`, as
/// Python's repr writes it; past `MAX_SHOWN_DEPTH` levels or `MAX_SHOWN_CONTAINERS` containers
/// (where `printable` has raised for what a cell prints) the rest is elided the same way, so
/// that a message quoting a value never recurses without bound.
pub fn fmt_arg(it: &Interp, v: &Value) -> FmtArg {
    Shown {
        open: Vec::new(),
        left: MAX_SHOWN_CONTAINERS,
    }
    .arg(it, v)
}

/// How many containers deep a value prints at most.
const MAX_SHOWN_DEPTH: usize = MAX_CALL_DEPTH;

/// How many lists and tuples one value prints at most, all levels together: Python would
/// print `a = [a, a]` doubled 40 times as 2^40 lists.
const MAX_SHOWN_CONTAINERS: usize = 1 << 20;

/// The containers a repr is inside now, and how many more it may enter.
struct Shown {
    open: Vec<usize>,
    left: usize,
}

impl Shown {
    fn arg(&mut self, it: &Interp, v: &Value) -> FmtArg {
        match v {
            Value::List(l) => self.container(v, "[...]", "list", |s| {
                FmtArg::List(lock(l).iter().map(|x| s.arg(it, x)).collect())
            }),
            // a named tuple prints its fields by name: `TopKV2(values=..., indices=...)`
            Value::Tuple(t) if t.class().is_some() => {
                let class = t.class().expect("a named tuple");
                let fields: Vec<String> = class
                    .fields
                    .iter()
                    .zip(t.iter())
                    .map(|(f, x)| format!("{f}={}", py::repr(&self.arg(it, x))))
                    .collect();
                opaque(
                    &format!("{}({})", class.class, fields.join(", ")),
                    class.class,
                )
            }
            Value::Tuple(t) => self.container(v, "(...)", "tuple", |s| {
                FmtArg::Tuple(t.iter().map(|x| s.arg(it, x)).collect())
            }),
            // a copy of the entries: what prints inside may be this dict again (a view of it)
            Value::Dict(d) => self.container(v, "{...}", "dict", |s| {
                let entries = d.snapshot();
                FmtArg::Dict(
                    entries
                        .iter()
                        .map(|(k, x)| (s.arg(it, k), s.arg(it, x)))
                        .collect(),
                )
            }),
            Value::DictView(d, kind, _) => {
                let name = kind.name();
                self.container(v, "...", name, |s| {
                    let items = d.view_items(*kind);
                    let inner = FmtArg::List(items.iter().map(|x| s.arg(it, x)).collect());
                    let text = format!("{name}({})", py::repr(&inner));
                    opaque(&text, name)
                })
            }
            Value::Method(m) => {
                // `print(loss.numpy)` without the call: the method, its receiver's repr inside
                let receiver = py::repr(&self.arg(it, &m.0));
                match callable_repr::method(&m.0, &m.1, &receiver, id_of(&m.0)) {
                    Some(text) if text.starts_with("<bound") => opaque(&text, "method"),
                    Some(text) => opaque(&text, "builtin_function_or_method"),
                    None => opaque("<method object>", "method"),
                }
            }
            other => leaf(it, other),
        }
    }

    /// A container's text by `items`, or `elided` where Python's repr meets the container
    /// inside itself (its lock is held above: entering it again would wait forever).
    fn container(
        &mut self,
        of: &Value,
        elided: &str,
        type_name: &str,
        items: impl FnOnce(&mut Shown) -> FmtArg,
    ) -> FmtArg {
        let at = address(of).expect("a list or tuple");
        if self.open.contains(&at) || self.open.len() >= MAX_SHOWN_DEPTH || self.left == 0 {
            return opaque(elided, type_name);
        }
        self.left -= 1;
        self.open.push(at);
        let out = items(self);
        self.open.pop();
        out
    }
}

/// Whether `v` prints within Python's limits: RecursionError past its recursion limit (the
/// nesting and the calls running, as CPython counts both), and `limit_exceeded` for a value
/// that would print more containers than any text a cell may hold. Walked with a stack of
/// its own, entering shared containers each time they appear, as repr does.
pub fn printable(it: &Interp, v: &Value) -> Result<(), Raise> {
    nested_printable(it, v)?;
    // and within a string's length, counted before anything is copied (one shared string
    // may sit in a list many times over)
    budget::str_fits(budget::printed_len(it, v, budget::MAX_ITEMS + 1))
}

/// `printable`'s walk alone: Python's RecursionError and the bound on containers, before
/// `print` sizes the text against stdout's own limit.
pub fn nested_printable(it: &Interp, v: &Value) -> Result<(), Raise> {
    let limit = MAX_CALL_DEPTH.saturating_sub(it.call_depth());
    let mut open: Vec<(usize, std::vec::IntoIter<Value>)> = Vec::new();
    let mut entered = 0usize;
    let mut next = Some(v.clone());
    loop {
        if let Some(v) = next.take() {
            let inside = match &v {
                Value::List(l) => Some((address(&v).expect("a list"), lock(l).clone())),
                Value::Tuple(t) => Some((address(&v).expect("a tuple"), t.to_vec())),
                Value::Dict(d) => Some((
                    address(&v).expect("a dict"),
                    d.snapshot().into_iter().flat_map(|(k, x)| [k, x]).collect(),
                )),
                Value::DictView(d, kind, _) => {
                    Some((address(&v).expect("a view"), d.view_items(*kind)))
                }
                Value::Method(m) => Some((0, vec![m.0.clone()])),
                _ => None,
            };
            if let Some((at, items)) = inside {
                if at == 0 || !open.iter().any(|(o, _)| *o == at) {
                    entered += 1;
                    if open.len() >= limit {
                        return Err(Raise::new(
                            RaiseKind::RecursionError,
                            "maximum recursion depth exceeded while getting the repr of an object",
                        ));
                    }
                    if entered > MAX_SHOWN_CONTAINERS {
                        return Err(Raise::new(
                            RaiseKind::LimitExceeded,
                            format!("this value prints more than {MAX_SHOWN_CONTAINERS} lists, tuples and dicts; a cell's text is bounded, so print a part of it"),
                        ));
                    }
                    open.push((at, items.into_iter()));
                }
            }
        }
        match open.last_mut() {
            None => return Ok(()),
            Some((_, items)) => match items.next() {
                Some(x) => next = Some(x),
                None => {
                    open.pop();
                }
            },
        }
    }
}

/// A value that holds no list or tuple to print.
fn leaf(it: &Interp, v: &Value) -> FmtArg {
    match v {
        Value::None => FmtArg::None,
        Value::Bool(b) => FmtArg::Bool(*b),
        Value::Int(i) => FmtArg::Int(*i),
        Value::Float(f) => FmtArg::Float(*f),
        Value::Str(s) => FmtArg::Str(s.to_string()),
        Value::Range(a, b, 1) => opaque(&format!("range({a}, {b})"), "range"),
        Value::Range(a, b, step) => opaque(&format!("range({a}, {b}, {step})"), "range"),
        Value::Tensor(x) => FmtArg::Tensor(x.tensor.as_ref().clone()),
        Value::Array(a) => FmtArg::Array(a.get()),
        Value::NpScalar(t) => FmtArg::NpScalar(t.clone()),
        Value::Variable(id) | Value::UnreadVariable(id) => match it.ws.variable(id) {
            Some(var) => FmtArg::Variable {
                name: if matches!(v, Value::UnreadVariable(_)) {
                    "UnreadVariable".to_string()
                } else {
                    var.tf_name()
                },
                value: var.val.tensor.as_ref().clone(),
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
        Value::Exception(e) => FmtArg::Opaque {
            str: super::exceptions::text(it, e, false),
            repr: super::exceptions::text(it, e, true),
            type_name: e.class.name.to_string(),
        },
        Value::Function(f) => opaque(&callable_repr::function(f, id_of(v)), "function"),
        Value::Keras(k) => {
            let (module, class) = {
                let k = super::keras_object::lock(k);
                (k.module(), k.class())
            };
            let text = format!("<{module}.{class} object at {:#x}>", id_of(v));
            opaque(&text, class)
        }
        Value::Builtin(p) => {
            let b = callable_repr::builtin(p, id_of(v));
            FmtArg::Opaque {
                str: b.str,
                repr: b.repr,
                type_name: b.class,
            }
        }
        Value::Tape(_) => opaque(&callable_repr::tape(id_of(v)), "GradientTape"),
        Value::Ref(r) => {
            let wrapped = py::repr(&fmt_arg(it, r));
            opaque(&format!("<Reference wrapping {wrapped}>"), "Reference")
        }
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
        other => {
            let t = other.type_name();
            opaque(&format!("<{t} object>"), &t)
        }
    }
}

/// A stand-in for Python's `id(v)` where a repr shows an address: the address of the value's
/// shared data where it has one, else one derived from what the value is.
fn id_of(v: &Value) -> usize {
    const HEAP: usize = 0x7f00_0000_0000;
    match v {
        Value::Function(f) => std::sync::Arc::as_ptr(f) as *const u8 as usize,
        Value::Keras(k) => std::sync::Arc::as_ptr(k) as *const u8 as usize,
        Value::Builtin(p) => callable_repr::address(p),
        Value::Array(a) => a.address(),
        Value::Tape(id) => HEAP + 0x40 * id,
        other => address(other).unwrap_or(HEAP),
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
        "AttributeError" => RaiseKind::AttributeError,
        "LimitExceeded" => RaiseKind::LimitExceeded,
        _ => RaiseKind::TypeError,
    };
    Raise::new(kind, e.message)
}

/// `str(x)`: what `print(x)` writes. Where a cell's text is made of it (an error message), a
/// value too long to print is named, not printed.
pub fn str(it: &mut Interp, v: &Value) -> String {
    if budget::printed_len(it, v, budget::MAX_ITEMS + 1) > budget::MAX_ITEMS {
        return format!("<{} too long to print>", v.type_name());
    }
    py::str(&fmt_arg(it, v))
}

/// A cell's `str`, `repr` or format of a variable reads its value (`numpy()`, through
/// `read_value`), which counts as an access: a recording tape that watches accessed
/// variables watches it. What an update returned reads without that (`_UnreadVariable`).
fn read_accessed(it: &mut Interp, v: &Value) -> Result<(), Raise> {
    read_accessed_in(it, v, &mut std::collections::HashSet::new())
}

/// `read_accessed` through containers, each once (a list may hold itself).
fn read_accessed_in(
    it: &mut Interp,
    v: &Value,
    seen: &mut std::collections::HashSet<usize>,
) -> Result<(), Raise> {
    let items = match v {
        Value::Variable(id) => return it.read_var(id).map(|_| ()),
        Value::Ref(r) => return read_accessed_in(it, r, seen),
        Value::List(_) | Value::Tuple(_) => v.items().unwrap_or_default(),
        // a key is a Reference to a variable at most, whose repr reads the variable
        Value::Dict(d) => d.snapshot().into_iter().flat_map(|(k, x)| [k, x]).collect(),
        _ => return Ok(()),
    };
    if !seen.insert(id_of(v)) {
        return Ok(());
    }
    items.iter().try_for_each(|x| read_accessed_in(it, x, seen))
}

/// `str(x)` as a cell asks for it (`print`, `str()`): Python's errors for a value too deep.
pub fn checked_str(it: &mut Interp, v: &Value) -> Result<String, Raise> {
    printable(it, v)?;
    read_accessed(it, v)?;
    let text = str(it, v);
    budget::str_fits(text.len())?;
    Ok(text)
}

/// `repr(x)` as a cell asks for it.
pub fn checked_repr(it: &mut Interp, v: &Value) -> Result<String, Raise> {
    printable(it, v)?;
    read_accessed(it, v)?;
    let text = repr(it, v);
    budget::str_fits(text.len())?;
    Ok(text)
}

/// `repr(x)`, as `str` is.
pub fn repr(it: &mut Interp, v: &Value) -> String {
    if budget::printed_len(it, v, budget::MAX_ITEMS + 1) > budget::MAX_ITEMS {
        return format!("<{} too long to print>", v.type_name());
    }
    py::repr(&fmt_arg(it, v))
}

/// A value formatted by an f-string field or `format(x, spec)`.
pub fn format_value(
    it: &mut Interp,
    v: &Value,
    conversion: Option<char>,
    spec: &str,
) -> Result<String, Raise> {
    printable(it, v)?;
    read_accessed(it, v)?;
    let text = py::format_value(&fmt_arg(it, v), conversion, spec).map_err(raise)?;
    budget::str_fits(text.len())?;
    Ok(text)
}

/// `fmt % args`.
pub fn percent(it: &mut Interp, fmt: &str, args: &Value) -> Result<String, Raise> {
    printable(it, args)?;
    read_accessed(it, args)?;
    if let Value::Dict(d) = args {
        let whole = [fmt_arg(it, args)];
        let mut lookup = |key: &str| {
            let key = crate::cells::dict::hash_key(&Value::str(key)).ok()?;
            let value = d.lock().get(&key).cloned()?;
            Some(fmt_arg(it, &value))
        };
        return py::percent_with(fmt, &whole, Some(&mut lookup)).map_err(raise);
    }
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
    for x in args.iter().chain(kwargs.iter().map(|(_, x)| x)) {
        printable(it, x)?;
        read_accessed(it, x)?;
    }
    let a: Vec<FmtArg> = args.iter().map(|x| fmt_arg(it, x)).collect();
    let k: Vec<(String, FmtArg)> = kwargs
        .iter()
        .map(|(n, x)| (n.clone(), fmt_arg(it, x)))
        .collect();
    py::str_format(template, &a, &k).map_err(raise)
}
