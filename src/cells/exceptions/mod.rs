//! Exceptions as a cell's values: exception objects (`e.args`, `str(e)`, `repr(e)`, an
//! OpError's `e.message`), what `except T` catches (by the classes of `classes`), and the line
//! between what a cell may catch and what it may not.
//!
//! gradtape's own limits (steps, compute time, tensor sizes, the Python budget, stdout) raise
//! `limit_exceeded`: no `except` catches them and no `finally` runs after them, so
//! `while True: try: ... except: pass` still stops. Python's RecursionError is caught as in
//! CPython: by the time a handler runs, the frames that met the depth bound are gone.

use std::sync::Arc;

use super::interp::Interp;
use super::raise::{Raise, RaiseKind};
use super::value::Value;
use crate::engine::error::Code;

mod classes;

use classes::error_code;
pub use classes::{class_at, class_named, Class, CLASSES};

/// An exception object: its class, `args`, and for TensorFlow's errors the message (an
/// OpError's `args` is empty, its text in `message`). `at` is where it was raised, once it
/// was: raising it again (`raise`, `raise e`) reports that place, as Python's traceback does.
#[derive(Debug)]
pub struct PyException {
    pub class: &'static Class,
    pub args: Vec<Value>,
    pub message: Option<String>,
    pub code: Code,
    pub at: Option<(usize, usize)>,
}

/// The exception object a Raise carries; two are equal when they are one object.
#[derive(Clone, Debug)]
pub struct Thrown(pub Arc<PyException>);

impl PartialEq for Thrown {
    fn eq(&self, other: &Thrown) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

/// Whether `except` may catch `r`: never a gradtape limit (nor a caught panic), so a loop of
/// `try`/`except` cannot run past them.
pub fn catchable(r: &Raise) -> bool {
    r.kind != RaiseKind::LimitExceeded
        && r.code != Code::LimitExceeded
        && r.code != Code::Internal
        && !r.flow
}

/// The class of an exception the interpreter raised.
fn class_of_kind(kind: RaiseKind) -> &'static Class {
    let path = match kind {
        RaiseKind::InvalidArgumentError => "tf.errors.InvalidArgumentError",
        RaiseKind::AbortedError => "tf.errors.AbortedError",
        RaiseKind::AxisError => "np.AxisError",
        RaiseKind::UFuncTypeError => "numpy.UFuncTypeError",
        RaiseKind::StagingError => "autograph.StagingError",
        RaiseKind::Class(path) => path,
        other => other.name(),
    };
    class_at(path).unwrap_or(&CLASSES[1])
}

/// The kind a Raise of class `c` has.
fn kind_of_class(c: &'static Class) -> RaiseKind {
    use RaiseKind as K;
    match c.name {
        "InvalidArgumentError" => K::InvalidArgumentError,
        "ValueError" => K::ValueError,
        "TypeError" => K::TypeError,
        "RuntimeError" => K::RuntimeError,
        "NameError" => K::NameError,
        "UnboundLocalError" => K::UnboundLocalError,
        "AssertionError" => K::AssertionError,
        "AttributeError" => K::AttributeError,
        "IndexError" => K::IndexError,
        "ZeroDivisionError" => K::ZeroDivisionError,
        "OverflowError" => K::OverflowError,
        "KeyError" => K::KeyError,
        "RecursionError" => K::RecursionError,
        "AxisError" => K::AxisError,
        "UFuncTypeError" => K::UFuncTypeError,
        "LookupError" => K::LookupError,
        "StagingError" => K::StagingError,
        "AbortedError" => K::AbortedError,
        "NotImplementedError" => K::NotImplementedError,
        _ => K::Class(c.path),
    }
}

/// The object `except ... as e` binds for `r` (the one a cell raised, or one made now for an
/// exception the interpreter raised).
pub fn caught(r: &Raise) -> Arc<PyException> {
    if let Some(Thrown(e)) = &r.exc {
        return Arc::new(PyException {
            class: e.class,
            args: e.args.clone(),
            message: e.message.clone(),
            code: e.code,
            at: r.at,
        });
    }
    let class = class_of_kind(r.kind);
    let (args, message) = if class.is_op_error() {
        (Vec::new(), Some(r.detail.clone()))
    } else {
        (vec![Value::str(r.detail.as_str())], None)
    };
    Arc::new(PyException {
        class,
        args,
        message,
        code: r.code,
        at: r.at,
    })
}

/// The Raise that raising `e` makes (`raise e`, `raise`).
pub fn raise_of(it: &mut Interp, e: &Arc<PyException>) -> Raise {
    let mut r = Raise::new(kind_of_class(e.class), text(it, e, false)).with_code(e.code);
    r.at = e.at;
    r.exc = Some(Thrown(e.clone()));
    r
}

/// Whether `e` is an instance of the class value `cls` (`except cls`, `isinstance`); None when
/// `cls` is no exception class.
pub fn matches(e: &PyException, cls: &Value) -> Option<bool> {
    let c = class_value(cls)?;
    Some(e.class.is_a(c))
}

/// The exception class a value stands for: `ValueError`, `tf.errors.OpError`, `type(e)`.
pub fn class_value(v: &Value) -> Option<&'static Class> {
    match v {
        Value::Builtin(p) => class_at(p),
        Value::Type(n) => class_named(n),
        _ => None,
    }
}

/// Values an exception's arguments may be: ones that hold no other value, so no exception can
/// hold itself (a list holding it) and printing one never walks a cycle.
fn plain_arg(v: &Value) -> bool {
    !matches!(
        v,
        Value::List(_)
            | Value::Tuple(_)
            | Value::Exception(_)
            | Value::Method(_)
            | Value::Iter(_)
            | Value::Function(_)
    )
}

/// `ValueError("msg", 2)`, `tf.errors.InvalidArgumentError(None, None, "msg")`.
pub fn construct(
    it: &mut Interp,
    c: &'static Class,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    if c.is_op_error() {
        let mut given: Vec<Option<Value>> = args.into_iter().map(Some).collect();
        given.resize(given.len().max(4), None);
        for (k, v) in kwargs {
            let i = match k.as_str() {
                "node_def" => 0,
                "op" => 1,
                "message" => 2,
                "error_code" => 3,
                _ => {
                    return Err(Raise::type_error(format!(
                        "{}.__init__() got an unexpected keyword argument '{k}'",
                        c.name
                    )))
                }
            };
            given[i] = Some(v);
        }
        if c.name == "OpError" && given[3].is_none() {
            return Err(Raise::type_error(
                "OpError.__init__() missing 1 required positional argument: 'error_code'",
            ));
        }
        let Some(message) = given[2].take() else {
            return Err(Raise::type_error(format!(
                "{}.__init__() missing 1 required positional argument: 'message'",
                c.name
            )));
        };
        let message = super::print::str(it, &message);
        return Ok(Value::Exception(Arc::new(PyException {
            class: c,
            args: Vec::new(),
            message: Some(message),
            code: Code::InvalidArgument,
            at: None,
        })));
    }
    if !kwargs.is_empty() {
        return Err(Raise::type_error(format!(
            "{}() takes no keyword arguments",
            c.name
        )));
    }
    if let Some(bad) = args.iter().find(|a| !plain_arg(a)) {
        return Err(Raise::type_error(format!(
            "an exception's arguments in a cell are numbers, strings, None, tensors and arrays, not a '{}' (pass str(x))",
            bad.type_name()
        )));
    }
    let e = Value::Exception(Arc::new(PyException {
        class: c,
        args,
        message: None,
        code: Code::InvalidArgument,
        at: None,
    }));
    // its repr is made whole wherever it is printed: one as long as a cell's longest string
    // at most, however many long strings it is given
    let max = super::budget::MAX_ITEMS;
    if super::budget::printed_len(it, &e, max + 1) > max {
        return Err(Raise::new(
            RaiseKind::LimitExceeded,
            format!("an exception's arguments in a cell print to at most {max} characters; give it a shorter message"),
        ));
    }
    Ok(e)
}

/// `str(e)` (`repr` false) or `repr(e)`, as Python's BaseException writes them.
pub fn text(it: &Interp, e: &PyException, repr: bool) -> String {
    let show = |v: &Value, r: bool| {
        let a = super::print::fmt_arg(it, v);
        if r {
            super::format::py::repr(&a)
        } else {
            super::format::py::str(&a)
        }
    };
    let args: Vec<String> = e.args.iter().map(|a| show(a, true)).collect();
    if repr {
        return format!("{}({})", e.class.name, args.join(", "));
    }
    if let Some(m) = &e.message {
        return m.clone();
    }
    match &e.args[..] {
        [] => String::new(),
        // KeyError's str is its key's repr
        [a] if e.class.name == "KeyError" => show(a, true),
        [a] => show(a, false),
        _ => format!("({})", args.join(", ")),
    }
}

/// `e.args`, `e.message`.
pub fn attr(e: &PyException, name: &str) -> Option<Value> {
    match name {
        "args" => Some(Value::tuple(e.args.clone())),
        "message" if e.class.is_op_error() => {
            Some(Value::str(e.message.clone().unwrap_or_default()))
        }
        // eager execution has no graph: TensorFlow leaves both None
        "op" | "node_def" if e.class.is_op_error() => Some(Value::None),
        "error_code" if e.class.is_op_error() => Some(error_code(e.class.name)),
        _ => None,
    }
}
