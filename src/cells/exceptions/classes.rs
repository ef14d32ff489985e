//! The exception classes a cell can name or meet: CPython 3.11's builtins and TensorFlow 2.15's
//! `tf.errors`, with their bases, and each OpError's status code.

/// One class: how a cell names it (`ValueError`, `tf.errors.InvalidArgumentError`), its
/// `__name__`, its module as `<class '...'>` prints it ("" for builtins), and its bases.
pub struct Class {
    pub path: &'static str,
    pub name: &'static str,
    module: &'static str,
    bases: &'static [&'static str],
}

const fn class(
    path: &'static str,
    name: &'static str,
    module: &'static str,
    bases: &'static [&'static str],
) -> Class {
    Class {
        path,
        name,
        module,
        bases,
    }
}

const TF: &str = "tensorflow.python.framework.errors_impl";
const OP: &[&str] = &["tf.errors.OpError"];

/// CPython 3.11's and TensorFlow 2.15's classes a cell can meet, bases as their `__mro__`s
/// give them (checked against TensorFlow 2.15: an InvalidArgumentError is an OpError and no
/// ValueError).
pub const CLASSES: &[Class] = &[
    class("BaseException", "BaseException", "", &[]),
    class("Exception", "Exception", "", &["BaseException"]),
    class("ArithmeticError", "ArithmeticError", "", &["Exception"]),
    class(
        "ZeroDivisionError",
        "ZeroDivisionError",
        "",
        &["ArithmeticError"],
    ),
    class("OverflowError", "OverflowError", "", &["ArithmeticError"]),
    class(
        "FloatingPointError",
        "FloatingPointError",
        "",
        &["ArithmeticError"],
    ),
    class("LookupError", "LookupError", "", &["Exception"]),
    class("IndexError", "IndexError", "", &["LookupError"]),
    class("KeyError", "KeyError", "", &["LookupError"]),
    class("ValueError", "ValueError", "", &["Exception"]),
    class("TypeError", "TypeError", "", &["Exception"]),
    class("AttributeError", "AttributeError", "", &["Exception"]),
    class("NameError", "NameError", "", &["Exception"]),
    class("UnboundLocalError", "UnboundLocalError", "", &["NameError"]),
    class("RuntimeError", "RuntimeError", "", &["Exception"]),
    class(
        "NotImplementedError",
        "NotImplementedError",
        "",
        &["RuntimeError"],
    ),
    class("RecursionError", "RecursionError", "", &["RuntimeError"]),
    class("AssertionError", "AssertionError", "", &["Exception"]),
    class("StopIteration", "StopIteration", "", &["Exception"]),
    class("MemoryError", "MemoryError", "", &["Exception"]),
    class(
        "KeyboardInterrupt",
        "KeyboardInterrupt",
        "",
        &["BaseException"],
    ),
    class("SystemExit", "SystemExit", "", &["BaseException"]),
    class("GeneratorExit", "GeneratorExit", "", &["BaseException"]),
    class("OSError", "OSError", "", &["Exception"]),
    // Python 3's IOError is OSError under another name
    class("IOError", "OSError", "", &["Exception"]),
    class("FileNotFoundError", "FileNotFoundError", "", &["OSError"]),
    class("TimeoutError", "TimeoutError", "", &["OSError"]),
    class("ImportError", "ImportError", "", &["Exception"]),
    class(
        "ModuleNotFoundError",
        "ModuleNotFoundError",
        "",
        &["ImportError"],
    ),
    class("EOFError", "EOFError", "", &["Exception"]),
    class("UnicodeError", "UnicodeError", "", &["ValueError"]),
    class("Warning", "Warning", "", &["Exception"]),
    class("UserWarning", "UserWarning", "", &["Warning"]),
    class("DeprecationWarning", "DeprecationWarning", "", &["Warning"]),
    class("RuntimeWarning", "RuntimeWarning", "", &["Warning"]),
    class(
        "np.AxisError",
        "AxisError",
        "numpy.exceptions",
        &["ValueError", "IndexError"],
    ),
    // NumPy's `_UFuncNoLoopError` and kin; a cell cannot name it
    class(
        "numpy.UFuncTypeError",
        "UFuncTypeError",
        "numpy.core._exceptions",
        &["TypeError"],
    ),
    class(
        "autograph.StagingError",
        "StagingError",
        "tensorflow.python.autograph.impl.api",
        &["Exception"],
    ),
    class("tf.errors.OpError", "OpError", TF, &["Exception"]),
    class("tf.errors.CancelledError", "CancelledError", TF, OP),
    class("tf.errors.UnknownError", "UnknownError", TF, OP),
    class(
        "tf.errors.InvalidArgumentError",
        "InvalidArgumentError",
        TF,
        OP,
    ),
    class(
        "tf.errors.DeadlineExceededError",
        "DeadlineExceededError",
        TF,
        OP,
    ),
    class("tf.errors.NotFoundError", "NotFoundError", TF, OP),
    class("tf.errors.AlreadyExistsError", "AlreadyExistsError", TF, OP),
    class(
        "tf.errors.PermissionDeniedError",
        "PermissionDeniedError",
        TF,
        OP,
    ),
    class(
        "tf.errors.UnauthenticatedError",
        "UnauthenticatedError",
        TF,
        OP,
    ),
    class(
        "tf.errors.ResourceExhaustedError",
        "ResourceExhaustedError",
        TF,
        OP,
    ),
    class(
        "tf.errors.FailedPreconditionError",
        "FailedPreconditionError",
        TF,
        OP,
    ),
    class("tf.errors.AbortedError", "AbortedError", TF, OP),
    class("tf.errors.OutOfRangeError", "OutOfRangeError", TF, OP),
    class("tf.errors.UnimplementedError", "UnimplementedError", TF, OP),
    class("tf.errors.InternalError", "InternalError", TF, OP),
    class("tf.errors.UnavailableError", "UnavailableError", TF, OP),
    class("tf.errors.DataLossError", "DataLossError", TF, OP),
];

/// The class a cell names `path`.
pub fn class_at(path: &str) -> Option<&'static Class> {
    CLASSES.iter().find(|c| c.path == path)
}

/// The class whose `__name__` is `name` (what `type(e)` answers).
pub fn class_named(name: &str) -> Option<&'static Class> {
    CLASSES.iter().find(|c| c.name == name)
}

impl Class {
    /// The qualified name `<class '...'>` shows.
    pub fn qualified(&self) -> String {
        match self.module {
            "" => self.name.to_string(),
            m => format!("{m}.{}", self.name),
        }
    }

    /// Whether this class is `of` or derives from it.
    pub fn is_a(&self, of: &Class) -> bool {
        // by name: `IOError` is `OSError`
        self.name == of.name
            || self
                .bases
                .iter()
                .filter_map(|b| class_at(b))
                .any(|b| b.is_a(of))
    }

    pub(super) fn is_op_error(&self) -> bool {
        self.path.starts_with("tf.errors.")
    }
}

impl std::fmt::Debug for Class {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.path)
    }
}

/// An OpError's `error_code`, TensorFlow's status code for its class (`error_codes.proto`);
/// None for OpError itself, whose code its maker gave and a cell does not keep.
pub(super) fn error_code(name: &str) -> super::Value {
    const CODES: &[(&str, i64)] = &[
        ("CancelledError", 1),
        ("UnknownError", 2),
        ("InvalidArgumentError", 3),
        ("DeadlineExceededError", 4),
        ("NotFoundError", 5),
        ("AlreadyExistsError", 6),
        ("PermissionDeniedError", 7),
        ("ResourceExhaustedError", 8),
        ("FailedPreconditionError", 9),
        ("AbortedError", 10),
        ("OutOfRangeError", 11),
        ("UnimplementedError", 12),
        ("InternalError", 13),
        ("UnavailableError", 14),
        ("DataLossError", 15),
        ("UnauthenticatedError", 16),
    ];
    CODES
        .iter()
        .find(|(n, _)| *n == name)
        .map_or(super::Value::None, |(_, c)| super::Value::Int(*c))
}
