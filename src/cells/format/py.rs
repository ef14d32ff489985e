//! Python 3.11's `str` and `repr` of the values a cell can print, and the `FmtArg` value the
//! evaluator hands to every formatting function (`print`, `%`, f-strings, `str.format`).

use super::digits::{exact_frac, exact_sig, shortest, Digits};
use super::{numpy, tf};
use crate::engine::dtype::DType;
use crate::engine::tensor::Tensor;

pub use super::percent::{percent, percent_with};
pub use super::spec::{format_spec, format_value};
pub use super::template::{attribute_field, str_format};

/// A printable value, as the evaluator sees it. Tensors are shared, so building one is cheap.
#[derive(Clone, Debug)]
pub enum FmtArg {
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    List(Vec<FmtArg>),
    Tuple(Vec<FmtArg>),
    /// A dict's keys and values, in order.
    Dict(Vec<(FmtArg, FmtArg)>),
    /// A `tf.Tensor` (EagerTensor).
    Tensor(Tensor),
    /// A `tf.Variable` with its name (`Variable:0`, or `UnreadVariable` for what `assign` returns).
    Variable {
        name: String,
        value: Tensor,
    },
    /// A NumPy `ndarray` (0-d arrays included).
    Array(Tensor),
    /// A NumPy scalar (`np.float32(0.1)`, what `np.sum` returns): a 0-d tensor of its dtype.
    NpScalar(Tensor),
    /// A `TensorShape` (what `t.shape` is).
    Shape(Vec<usize>),
    /// A TensorFlow dtype (`tf.float32`).
    DType(DType),
    /// A NumPy dtype (`a.dtype`).
    NpDType(DType),
    /// A `Dimension` of a known size (`x.shape.dims[1]`): `%d`, `%f`, `%x` and `%c` take it
    /// through its `__int__`, `__float__` and `__index__`, a `*` width does not (an int only),
    /// and `__format__` takes no spec (`object.__format__`).
    Dimension(i64),
    /// A gradient TensorFlow gives as `tf.IndexedSlices`.
    IndexedSlices {
        indices: Tensor,
        values: Tensor,
        dense_shape: Tensor,
    },
    /// Anything else (functions, tapes, type objects): its text and type name, given.
    Opaque {
        str: String,
        repr: String,
        type_name: String,
    },
}

/// A Python exception raised while formatting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FmtError {
    pub kind: ErrorKind,
    pub message: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    TypeError,
    ValueError,
    IndexError,
    KeyError,
    OverflowError,
    AttributeError,
    /// A text longer than a cell's string may be (`budget.rs`).
    LimitExceeded,
}

impl FmtError {
    pub fn type_error(message: impl Into<String>) -> FmtError {
        FmtError {
            kind: ErrorKind::TypeError,
            message: message.into(),
        }
    }
    pub fn value_error(message: impl Into<String>) -> FmtError {
        FmtError {
            kind: ErrorKind::ValueError,
            message: message.into(),
        }
    }
    /// `out`, grown past the longest string a cell may make, stops there.
    pub fn check_len(out: &str) -> Result<(), FmtError> {
        let max = crate::cells::budget::MAX_ITEMS;
        if out.len() > max {
            return Err(FmtError {
                kind: ErrorKind::LimitExceeded,
                message: format!(
                    "a string in a cell holds at most {max} characters; format a shorter one"
                ),
            });
        }
        Ok(())
    }

    /// The Python exception's class name.
    pub fn type_name(&self) -> &'static str {
        match self.kind {
            ErrorKind::TypeError => "TypeError",
            ErrorKind::ValueError => "ValueError",
            ErrorKind::IndexError => "IndexError",
            ErrorKind::KeyError => "KeyError",
            ErrorKind::OverflowError => "OverflowError",
            ErrorKind::AttributeError => "AttributeError",
            ErrorKind::LimitExceeded => "LimitExceeded",
        }
    }
}

impl std::fmt::Display for FmtError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.type_name(), self.message)
    }
}

/// A number a value converts to with `float()` / `int()` (tensors of one element included).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Num {
    Int(i64),
    Float(f64),
}

impl FmtArg {
    /// `type(x).__name__`, as Python's error messages name it.
    pub fn type_name(&self) -> String {
        match self {
            FmtArg::None => "NoneType".into(),
            FmtArg::Bool(_) => "bool".into(),
            FmtArg::Int(_) => "int".into(),
            FmtArg::Float(_) => "float".into(),
            FmtArg::Str(_) => "str".into(),
            FmtArg::List(_) => "list".into(),
            FmtArg::Tuple(_) => "tuple".into(),
            FmtArg::Dict(_) => "dict".into(),
            FmtArg::Tensor(_) => "EagerTensor".into(),
            FmtArg::Variable { .. } => "ResourceVariable".into(),
            FmtArg::Array(_) => "ndarray".into(),
            FmtArg::NpScalar(t) => np_scalar_type(t.dtype()).into(),
            FmtArg::Shape(_) => "TensorShape".into(),
            FmtArg::DType(_) => "DType".into(),
            FmtArg::NpDType(d) => format!("dtype[{}]", np_scalar_type(*d)),
            FmtArg::IndexedSlices { .. } => "IndexedSlices".into(),
            FmtArg::Dimension(_) => "Dimension".into(),
            FmtArg::Opaque { type_name, .. } => type_name.clone(),
        }
    }

    /// The tensor behind a tensor-like value.
    pub(super) fn tensor(&self) -> Option<&Tensor> {
        match self {
            FmtArg::Tensor(t) | FmtArg::Array(t) | FmtArg::NpScalar(t) => Some(t),
            FmtArg::Variable { value, .. } => Some(value),
            _ => None,
        }
    }

    /// What `float(x)` / `int(x)` start from, or None if `x` is not a number.
    pub(super) fn number(&self) -> Option<Num> {
        match self {
            FmtArg::Bool(b) => Some(Num::Int(i64::from(*b))),
            FmtArg::Int(i) => Some(Num::Int(*i)),
            FmtArg::Float(f) => Some(Num::Float(*f)),
            FmtArg::Dimension(n) => Some(Num::Int(*n)),
            _ => {
                let t = self.tensor()?;
                if t.len() != 1 {
                    return None;
                }
                Some(match t {
                    Tensor::F32(_) | Tensor::F64(_) => Num::Float(t.to_f64_vec()[0]),
                    _ => Num::Int(
                        t.as_indices()
                            .map_or_else(|| t.to_f64_vec()[0] as i64, |v| v[0]),
                    ),
                })
            }
        }
    }

    /// The value `__index__` gives (ints, bools, integer tensors of one element).
    pub(super) fn index(&self) -> Option<i64> {
        match (self, self.number()?) {
            (FmtArg::Float(_), _) | (_, Num::Float(_)) => None,
            (_, Num::Int(i)) => Some(i),
        }
    }

    /// `operator.index(x)` as `%x` and `%c` call it: None where it is a TypeError (a
    /// ResourceVariable has no `__index__`, an array of one dimension none that works), and
    /// an EagerTensor's `__index__`, which asks its NumPy value, an AttributeError for a
    /// float scalar (`'numpy.float32' object has no attribute '__index__'`).
    pub(super) fn strict_index(&self) -> Result<Option<i64>, FmtError> {
        let scalar = |t: &Tensor| t.rank() == 0;
        match self {
            FmtArg::Variable { .. } => Ok(None),
            FmtArg::Tensor(t) if scalar(t) && t.dtype().is_float() => Err(FmtError {
                kind: ErrorKind::AttributeError,
                message: format!(
                    "'numpy.{}' object has no attribute '__index__'",
                    np_scalar_type(t.dtype())
                ),
            }),
            FmtArg::Tensor(t) | FmtArg::Array(t) if !scalar(t) => Ok(None),
            other => Ok(other.index()),
        }
    }

    /// The type's C-level name (`tp_name`), as CPython's `%` messages name it: qualified for
    /// TensorFlow's EagerTensor and NumPy's types, the class name for the others.
    pub fn tp_name(&self) -> String {
        match self {
            FmtArg::Tensor(_) => "tensorflow.python.framework.ops.EagerTensor".into(),
            FmtArg::Array(_) | FmtArg::NpScalar(_) => format!("numpy.{}", self.type_name()),
            other => other.type_name(),
        }
    }
}

/// NumPy's scalar type name for a dtype: `float32`, `int64`, `bool_`.
pub fn np_scalar_type(d: DType) -> &'static str {
    match d {
        DType::Bool => "bool_",
        _ => d.name(),
    }
}

/// `str(x)`: what `print(x)` writes.
pub fn str(x: &FmtArg) -> String {
    match x {
        FmtArg::Str(s) => s.clone(),
        FmtArg::Tensor(t) => tf::tensor_str(t),
        FmtArg::Array(t) => numpy::array_str(t),
        FmtArg::Shape(d) => tf::shape_str(d),
        FmtArg::DType(d) => tf::dtype_str(*d),
        FmtArg::NpDType(d) => d.name().into(),
        FmtArg::Opaque { str, .. } => str.clone(),
        FmtArg::Dimension(n) => n.to_string(),
        _ => repr(x),
    }
}

/// `repr(x)`: how `x` prints inside a list or with `%r` / `!r`.
pub fn repr(x: &FmtArg) -> String {
    match x {
        FmtArg::None => "None".into(),
        FmtArg::Bool(b) => if *b { "True" } else { "False" }.into(),
        FmtArg::Int(i) => i.to_string(),
        FmtArg::Float(f) => float_repr(*f),
        FmtArg::Str(s) => str_repr(s),
        FmtArg::List(items) => format!("[{}]", join_reprs(items)),
        FmtArg::Tuple(items) if items.len() == 1 => format!("({},)", repr(&items[0])),
        FmtArg::Tuple(items) => format!("({})", join_reprs(items)),
        FmtArg::Dict(entries) => {
            let shown: Vec<String> = entries
                .iter()
                .map(|(k, v)| format!("{}: {}", repr(k), repr(v)))
                .collect();
            format!("{{{}}}", shown.join(", "))
        }
        FmtArg::Tensor(t) => tf::tensor_repr(t),
        FmtArg::Variable { name, value } => tf::variable_repr(name, value),
        FmtArg::Array(t) => numpy::array_repr(t),
        FmtArg::NpScalar(t) => numpy::scalar_str(t),
        FmtArg::Shape(d) => tf::shape_repr(d),
        FmtArg::DType(d) => tf::dtype_repr(*d),
        FmtArg::NpDType(d) => format!("dtype('{}')", d.name()),
        FmtArg::IndexedSlices {
            indices,
            values,
            dense_shape,
        } => tf::indexed_slices_str(indices, values, dense_shape),
        FmtArg::Dimension(n) => format!("Dimension({n})"),
        FmtArg::Opaque { repr, .. } => repr.clone(),
    }
}

fn join_reprs(items: &[FmtArg]) -> String {
    items.iter().map(repr).collect::<Vec<_>>().join(", ")
}

/// `repr(x)` of a Python float: the shortest digits that round-trip, positional from 1e-4 up
/// to 1e16 and scientific outside (`1e-05`, `1e+16`), `inf`, `-inf`, `nan`.
pub fn float_repr(x: f64) -> String {
    format_float(x, 'r', 0, false, true)
}

/// CPython's `format_float_short`: `code` is `'e'`, `'f'`, `'g'` or `'r'` (repr), `precision`
/// as `%`-formatting means it, `alt` the `#` flag, `add_dot_0` keeps `.0` on integral values.
/// The sign is included (`-` only); infinities and NaN print as `inf` and `nan`.
pub(super) fn format_float(
    x: f64,
    code: char,
    precision: usize,
    alt: bool,
    add_dot_0: bool,
) -> String {
    let sign = if x.is_sign_negative() && !x.is_nan() {
        "-"
    } else {
        ""
    };
    if !x.is_finite() {
        return format!("{sign}{}", if x.is_nan() { "nan" } else { "inf" });
    }
    let (d, precision): (Digits, i64) = match code {
        'e' => (exact_sig(x, precision + 1), precision as i64 + 1),
        'f' => (exact_frac(x, precision), precision as i64),
        'g' => {
            let p = precision.max(1);
            (exact_sig(x, p), p as i64)
        }
        _ => (shortest(x), 0),
    };
    let digits = d.digits.as_bytes();
    let place = Placement::of(
        code,
        digits.len() as i64,
        d.exp as i64 + 1,
        precision,
        alt,
        add_dot_0,
    );
    let mut out = String::from(sign);
    place.write(digits, &mut out);
    if out.ends_with('.') && !alt {
        out.pop();
    }
    if place.use_exp {
        let e = if code == 'E' { 'E' } else { 'e' };
        let exp = place.exp;
        out.push_str(&format!(
            "{e}{}{:02}",
            if exp < 0 { '-' } else { '+' },
            exp.abs()
        ));
    }
    out
}

/// Where `format_float` puts the digits, as CPython's `format_float_short` does: the decimal
/// point after `decpt` digits, zeros from `vstart` up to `vend` around the digits, and an
/// exponent `exp` when `use_exp`.
struct Placement {
    decpt: i64,
    vstart: i64,
    vend: i64,
    use_exp: bool,
    exp: i64,
}

impl Placement {
    /// `len` digits whose point falls after `decpt` of them, for `code` at `precision`.
    fn of(code: char, len: i64, decpt: i64, precision: i64, alt: bool, add_dot_0: bool) -> Self {
        let mut decpt = decpt;
        let mut vend = len;
        let mut use_exp = false;
        match code {
            'e' => {
                use_exp = true;
                vend = precision;
            }
            'f' => vend = decpt + precision,
            'g' => {
                let limit = if add_dot_0 { precision - 1 } else { precision };
                use_exp = decpt <= -4 || decpt > limit;
                if alt {
                    vend = precision;
                }
            }
            _ => use_exp = decpt <= -4 || decpt > 16,
        }
        let mut exp = 0;
        if use_exp {
            exp = decpt - 1;
            decpt = 1;
        }
        let vstart = if decpt <= 0 { decpt - 1 } else { 0 };
        vend = if !use_exp && add_dot_0 {
            vend.max(decpt + 1)
        } else {
            vend.max(decpt)
        };
        Placement {
            decpt,
            vstart,
            vend,
            use_exp,
            exp,
        }
    }

    /// The digits with their leading zeros, point and trailing zeros (no exponent).
    fn write(&self, digits: &[u8], out: &mut String) {
        let (decpt, vstart, vend) = (self.decpt, self.vstart, self.vend);
        let len = digits.len() as i64;
        let zeros = |n: i64| "0".repeat(n.max(0) as usize);
        let text =
            |a: i64, b: i64| String::from_utf8_lossy(&digits[a as usize..b as usize]).into_owned();
        if decpt <= 0 {
            out.push_str(&zeros(decpt - vstart));
            out.push('.');
            out.push_str(&zeros(-decpt));
        } else {
            out.push_str(&zeros(-vstart));
        }
        if 0 < decpt && decpt <= len {
            out.push_str(&text(0, decpt));
            out.push('.');
            out.push_str(&text(decpt, len));
        } else {
            out.push_str(&text(0, len));
        }
        if len < decpt {
            out.push_str(&zeros(decpt - len));
            out.push('.');
            out.push_str(&zeros(vend - decpt));
        } else {
            out.push_str(&zeros(vend - len));
        }
    }
}

/// `repr(s)` of a Python string: single quotes unless it holds `'` and no `"`, with
/// backslash escapes for the quote, `\`, `\t`, `\n`, `\r` and characters that do not print.
pub fn str_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if !printable(c) => {
                let n = c as u32;
                if n < 0x100 {
                    out.push_str(&format!("\\x{n:02x}"));
                } else if n < 0x10000 {
                    out.push_str(&format!("\\u{n:04x}"));
                } else {
                    out.push_str(&format!("\\U{n:08x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// Python's `str.isprintable` for one character: controls, separators other than the
/// space, and format characters are not (the common ones; the full Unicode tables are not here).
fn printable(c: char) -> bool {
    let n = c as u32;
    !(n < 0x20
        || (0x7f..=0xa0).contains(&n)
        || n == 0xad
        || n == 0x1680
        || (0x2000..=0x200f).contains(&n)
        || (0x2028..=0x202f).contains(&n)
        || (0x205f..=0x2064).contains(&n)
        || n == 0x3000
        || n == 0xfeff
        || (0xd800..=0xdfff).contains(&n)
        || (0xe000..=0xf8ff).contains(&n))
}
