//! Exceptions a cell raises, as TensorFlow and Python raise them: the type, the evaluate.md code,
//! a detail, and where (line of the innermost frame, 1-based column of the failing expression).

use crate::engine::autodiff::TAPE_STILL_RECORDING;
use crate::engine::error::{Code, Error, NO_GRADIENT, ONEDNN_SOFTMAX_DIMS};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RaiseKind {
    InvalidArgumentError,
    ValueError,
    TypeError,
    RuntimeError,
    NameError,
    /// A function's local name read before the function binds it.
    UnboundLocalError,
    /// `assert` of something false.
    AssertionError,
    AttributeError,
    IndexError,
    ZeroDivisionError,
    /// `int()` or `round()` of an infinite float.
    OverflowError,
    KeyError,
    RecursionError,
    /// NumPy's `numpy.exceptions.AxisError` (an axis out of an array's bounds).
    AxisError,
    /// NumPy's refusal to write a ufunc's result into an array of a lower kind (`a += 0.5`
    /// on an int array), as its traceback names it.
    UFuncTypeError,
    /// A gradient reaching an op TensorFlow registers no gradient for.
    LookupError,
    /// Autograph's error for one raised while TensorFlow traces a function (a Jacobian's
    /// gradient under pfor), wrapping the original's text.
    StagingError,
    /// TensorFlow's `AbortedError`: oneDNN's float32 softmax of a tensor of rank 0 or above 5.
    AbortedError,
    /// An argument value TensorFlow takes and the cell subset does not (`gather(batch_dims=1)`).
    NotImplementedError,
    /// A step, op or time limit: the cell stops with `limit_exceeded`.
    LimitExceeded,
    /// Another class a cell raised (`raise Exception("...")`, `tf.errors.OpError`), by the
    /// path `exceptions::CLASSES` lists it under.
    Class(&'static str),
}

impl RaiseKind {
    pub fn name(self) -> &'static str {
        match self {
            RaiseKind::InvalidArgumentError => "InvalidArgumentError",
            RaiseKind::ValueError => "ValueError",
            RaiseKind::TypeError => "TypeError",
            RaiseKind::RuntimeError => "RuntimeError",
            RaiseKind::NameError => "NameError",
            RaiseKind::UnboundLocalError => "UnboundLocalError",
            RaiseKind::AssertionError => "AssertionError",
            RaiseKind::AttributeError => "AttributeError",
            RaiseKind::IndexError => "IndexError",
            RaiseKind::ZeroDivisionError => "ZeroDivisionError",
            RaiseKind::OverflowError => "OverflowError",
            RaiseKind::KeyError => "KeyError",
            RaiseKind::RecursionError => "RecursionError",
            RaiseKind::AxisError => "AxisError",
            RaiseKind::UFuncTypeError => "UFuncTypeError",
            RaiseKind::LookupError => "LookupError",
            RaiseKind::StagingError => "StagingError",
            RaiseKind::AbortedError => "AbortedError",
            RaiseKind::NotImplementedError => "NotImplementedError",
            RaiseKind::LimitExceeded => "LimitExceeded",
            RaiseKind::Class(path) => super::exceptions::class_at(path).map_or(path, |c| c.name),
        }
    }
}

/// A raised exception; `at` is filled by the innermost expression that sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct Raise {
    pub kind: RaiseKind,
    pub code: Code,
    pub detail: String,
    /// (line, column), both 1-based.
    pub at: Option<(usize, usize)>,
    /// `return`, `break` and `continue` travel as raises of this marker through expressions.
    pub flow: bool,
    /// The exception object, where a cell made it (`raise ValueError("x", 2)`) or caught it:
    /// `except ... as e` binds it again, with its `args`.
    pub exc: Option<super::exceptions::Thrown>,
}

impl Raise {
    pub fn new(kind: RaiseKind, detail: impl Into<String>) -> Raise {
        let code = match kind {
            RaiseKind::LimitExceeded => Code::LimitExceeded,
            RaiseKind::NameError | RaiseKind::UnboundLocalError => Code::UnknownTensor,
            // NumPy raises it only for dtypes: a ufunc with no loop for them, or a cast it refuses
            RaiseKind::UFuncTypeError => Code::DtypeMismatch,
            _ => Code::InvalidArgument,
        };
        Raise {
            kind,
            code,
            detail: detail.into(),
            at: None,
            flow: false,
            exc: None,
        }
    }

    pub fn with_code(mut self, code: Code) -> Raise {
        self.code = code;
        self
    }

    pub fn type_error(detail: impl Into<String>) -> Raise {
        Raise::new(RaiseKind::TypeError, detail)
    }
    pub fn value_error(detail: impl Into<String>) -> Raise {
        Raise::new(RaiseKind::ValueError, detail)
    }
    pub fn attr_error(detail: impl Into<String>) -> Raise {
        Raise::new(RaiseKind::AttributeError, detail)
    }
    pub fn index_error(detail: impl Into<String>) -> Raise {
        Raise::new(RaiseKind::IndexError, detail)
    }
    /// Python's error for an integer made of a NaN (ValueError) or an infinity (OverflowError).
    pub fn not_an_integer(x: f64) -> Raise {
        if x.is_nan() {
            Raise::value_error("cannot convert float NaN to integer")
        } else {
            Raise::new(
                RaiseKind::OverflowError,
                "cannot convert float infinity to integer",
            )
        }
    }

    /// An engine error as TensorFlow raises it from an op: `InvalidArgumentError`, except limits,
    /// a second gradient of a spent tape (`RuntimeError`), a gradient through an op without
    /// one (`LookupError`) and a recording tape entered again (`ValueError`).
    pub fn from_engine(e: Error) -> Raise {
        let kind = match e.code {
            Code::LimitExceeded => RaiseKind::LimitExceeded,
            Code::TapeExhausted => RaiseKind::RuntimeError,
            _ if e.detail.contains(NO_GRADIENT) => RaiseKind::LookupError,
            _ if e.detail.contains(ONEDNN_SOFTMAX_DIMS) => RaiseKind::AbortedError,
            _ if e.detail == TAPE_STILL_RECORDING => RaiseKind::ValueError,
            _ => RaiseKind::InvalidArgumentError,
        };
        Raise::new(kind, e.detail).with_code(e.code)
    }
}

impl From<Error> for Raise {
    fn from(e: Error) -> Raise {
        Raise::from_engine(e)
    }
}

/// Why a cell cannot run at all (answered `422`): a syntax error or a construct outside the
/// subset, with where it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// `syntax_error`, `unsupported` or `limit_exceeded` (a cell too large or too deep).
    pub code: &'static str,
    pub detail: String,
    pub line: usize,
    pub column: usize,
}

impl Refusal {
    pub fn unsupported(detail: impl Into<String>, (line, column): (usize, usize)) -> Refusal {
        Refusal {
            code: "unsupported",
            detail: detail.into(),
            line,
            column,
        }
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "line {}, column {}: {}: {}",
            self.line, self.column, self.code, self.detail
        )
    }
}
