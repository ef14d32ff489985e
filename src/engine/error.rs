//! Engine errors: a stable code, the node at fault, and a sentence that says what to fix.

use std::fmt;

/// What went wrong, as a stable name a client can branch on; the service adds its own codes
/// for what only it can get wrong (a body it cannot read, a store that is down).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Code {
    UnknownOp,
    UnknownTensor,
    DuplicateName,
    DtypeMismatch,
    ShapeMismatch,
    InvalidArgument,
    LimitExceeded,
    TapeExhausted,
    NotFound,
    /// A bug in gradtape (a caught panic): never the request's fault.
    Internal,
}

impl Code {
    /// The code whose `as_str` is `s`.
    pub fn named(s: &str) -> Option<Code> {
        use Code::*;
        [
            UnknownOp,
            UnknownTensor,
            DuplicateName,
            DtypeMismatch,
            ShapeMismatch,
            InvalidArgument,
            LimitExceeded,
            TapeExhausted,
            NotFound,
            Internal,
        ]
        .into_iter()
        .find(|c| c.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Code::UnknownOp => "unknown_op",
            Code::UnknownTensor => "unknown_tensor",
            Code::DuplicateName => "duplicate_name",
            Code::DtypeMismatch => "dtype_mismatch",
            Code::ShapeMismatch => "shape_mismatch",
            Code::InvalidArgument => "invalid_argument",
            Code::LimitExceeded => "limit_exceeded",
            Code::TapeExhausted => "tape_exhausted",
            Code::NotFound => "not_found",
            Code::Internal => "internal",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Error {
    pub code: Code,
    /// The node, variable or request target at fault, when there is one.
    pub node: Option<String>,
    pub detail: String,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(code: Code, detail: impl Into<String>) -> Error {
        Error {
            code,
            node: None,
            detail: detail.into(),
        }
    }

    /// Names the node at fault, once: the innermost (first) attribution wins, and the
    /// detail is prefixed so a student reading only the sentence knows where to look.
    pub fn at(mut self, node: Option<&str>) -> Error {
        if self.node.is_none() {
            if let Some(n) = node {
                // a name from a hostile program can be huge: echo a bounded prefix of it
                let n: String = if n.len() > 256 {
                    n.chars().take(64).chain("...".chars()).collect()
                } else {
                    n.to_string()
                };
                self.node = Some(n.clone());
                self.detail = format!("node \"{n}\": {}", self.detail);
            }
        }
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.detail)
    }
}

impl std::error::Error for Error {}

pub fn dtype_err(detail: impl Into<String>) -> Error {
    Error::new(Code::DtypeMismatch, detail)
}
pub fn shape_err(detail: impl Into<String>) -> Error {
    Error::new(Code::ShapeMismatch, detail)
}
pub fn arg_err(detail: impl Into<String>) -> Error {
    Error::new(Code::InvalidArgument, detail)
}
pub fn limit_err(detail: impl Into<String>) -> Error {
    Error::new(Code::LimitExceeded, detail)
}

/// oneDNN's refusal of a float32 softmax of rank 0 or above 5, which TensorFlow raises as
/// `AbortedError` (a cell says so; a program's code is invalid_argument).
pub const ONEDNN_SOFTMAX_DIMS: &str = "Input dims must be <= 5 and >=1";

/// How TensorFlow's `LookupError` for an op without a registered gradient begins.
pub const NO_GRADIENT: &str = "gradient registry has no entry for: ";

/// TensorFlow's `LookupError` when a gradient reaches an op it registers no gradient for
/// (`SoftsignGrad`: softsign has no second derivative).
pub fn no_gradient_err(op_type: &str) -> Error {
    arg_err(format!("{NO_GRADIENT}{op_type}"))
}
