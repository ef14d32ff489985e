//! Notebook cells: the text of a cell in a safe subset of Python, TensorFlow 2.15 and NumPy,
//! parsed by Ruff's parser and run by a small evaluator over its AST on gradtape's own engine.
//! No Python interpreter is involved. Pure: no HTTP, no JSON (`api/cells.rs` wraps it).
//!
//! - `source`: size bound, parse, nesting depth and the subset (a refusal is a 422);
//!   `syntax`: the parse, and CPython's SyntaxError where it fails
//! - `value`, `raise`: what a cell computes with, and the exceptions it raises;
//!   `exceptions`: exception objects and classes as values (`try`/`except` is in `interp`)
//! - `interp` (statements), `expr`, `arith` (operators and typing), `index` (subscripts),
//!   `attrs` (attributes and methods), `builtins`, `tf` (the `tf` namespace, bound through
//!   the op registry), `tape` (`tf.GradientTape`), `gradcheck` (`tf.test.compute_gradient`),
//!   `notes` (why a gradient is None, where a NaN began), `numpy` (NumPy), `print`
//!   (values handed to `format`), `convert` (values to engine tensors)
//! - `format`: printing as Python, TensorFlow and NumPy print.
//! - `missing`: what a cell is told about a `tf.`/`np.` name the subset lacks;
//!   `outside_builtins`: the refusal of a Python builtin the subset lacks.
//!
//! The entry point is [`run`]: a cell in a [`Kernel`] (fresh for `POST /v1/cells`, kept by a
//! session for `POST /v1/sessions/{id}/cells`) gives a [`CellOutcome`] (stdout, values, error)
//! or a [`Refusal`].

mod arith;
mod attrs;
mod budget;
mod builtins;
mod callable_repr;
mod condition;
mod containers;
mod convert;
pub mod dict;
pub mod exceptions;
mod expr;
pub mod format;
mod gradcheck;
mod index;
pub(crate) mod interp;
pub mod iterator;
pub mod keras_object;
mod kernel_errors;
mod missing;
mod mt19937;
pub mod notes;
pub mod numpy;
mod outside_builtins;
mod parsed;
mod print;
pub mod raise;
mod slices;
pub mod source;
mod syntax;
mod tape;
mod tape_checks;
mod tf;
pub mod value;
mod variable;

use std::collections::HashMap;
use std::sync::Arc;

use crate::engine::tensor::Tensor;
use crate::engine::{Limits, Workspace};

pub(crate) use containers::convertible;
pub use containers::{release_all, walk_depth};
pub(crate) use expr::lambda_def;
pub use index::SliceOfVariable;
pub use interp::Interp;
pub use notes::CellNote;
pub use raise::{Raise, RaiseKind, Refusal};
pub use tf::random::RandomState;
pub use value::Value;

/// Bounds on one cell, beside the engine's op limits (which every op meets as in
/// `/v1/evaluate`).
#[derive(Clone, Debug)]
pub struct CellLimits {
    pub engine: Limits,
    /// Statements, loop turns and calls one cell may take (GRADTAPE_MAX_CELL_STEPS).
    pub max_steps: u64,
    /// Bytes of cell text (GRADTAPE_MAX_CELL_BYTES).
    pub max_source_bytes: usize,
    /// Bytes a cell may print.
    pub max_stdout_bytes: usize,
    /// Bytes of Python strings, lists and tuples one cell may make, all told
    /// (GRADTAPE_MAX_CELL_PYTHON_BYTES; `budget.rs`).
    pub max_python_bytes: usize,
}

impl Default for CellLimits {
    fn default() -> CellLimits {
        CellLimits {
            engine: Limits::default(),
            max_steps: 1_000_000,
            max_source_bytes: 100_000,
            max_stdout_bytes: 1 << 20,
            // a cell runs in an evaluation slot (one per core by default): 256 MiB each keeps
            // a machine's cells together at a few GiB, and is 8 times the largest list
            max_python_bytes: 256 << 20,
        }
    }
}

/// A notebook kernel: the workspace (tensors, variables, tapes) and the names cells bound.
pub struct Kernel {
    pub ws: Workspace,
    pub names: HashMap<String, Value>,
    /// Why a name bound to a None gradient is None, for grading feedback.
    pub why_none: HashMap<String, CellNote>,
    /// `tf.random`'s state carried from cell to cell (a session's kernel, as one Python process
    /// carries it); None starts every cell afresh, as run_cell.py does.
    pub random: Option<RandomState>,
    /// The variable and index each slice of a variable was read with, by the slice's id: a
    /// session's kernel carries them, so a slice bound in one cell assigns in the next.
    pub sliced_variables: HashMap<crate::engine::autodiff::ValId, SliceOfVariable>,
    /// What each variable was given as a `trainable` that is no bool, by variable id.
    pub trainable_given: HashMap<Arc<str>, crate::engine::lit::Lit>,
    /// Attributes the cell gave its tensors and variables (`Interp::instance_attrs`); a
    /// session keeps none of them from cell to cell.
    pub instance_attrs: HashMap<(String, String), Value>,
}

/// A kernel's names and the attributes its cell set go with it: lists that hold themselves are
/// emptied, and nesting is freed without recursion (`containers::release_all`).
impl Drop for Kernel {
    fn drop(&mut self) {
        let attrs = self.instance_attrs.drain().map(|(_, v)| v);
        containers::release_all(self.names.drain().map(|(_, v)| v).chain(attrs));
    }
}

impl Kernel {
    pub fn new(limits: Limits) -> Kernel {
        Kernel {
            ws: Workspace::new(limits),
            names: HashMap::new(),
            why_none: HashMap::new(),
            random: None,
            sliced_variables: HashMap::new(),
            trainable_given: HashMap::new(),
            instance_attrs: HashMap::new(),
        }
    }
}

/// A value a cell leaves, as the answer's `values` carries it.
#[derive(Clone, Debug, PartialEq)]
pub enum CellValue {
    /// A tensor, a variable's value, a NumPy array or scalar (a `tf.gather` gradient, dense).
    Tensor(Tensor),
    Int(i64),
    Float(f64),
    Bool(bool),
    Str(String),
    None,
}

/// The exception a cell raised, where it raised it.
#[derive(Clone, Debug, PartialEq)]
pub struct CellError {
    /// `InvalidArgumentError`, `TypeError`, ... as TensorFlow and Python name them.
    pub kind: &'static str,
    /// The evaluate.md error code (`shape_mismatch`, `limit_exceeded`, ...).
    pub code: &'static str,
    /// The line of the innermost frame in the cell, 1-based.
    pub line: usize,
    /// The column where the failing expression starts, 1-based.
    pub column: usize,
    pub detail: String,
}

/// What running a cell did: what it printed, what it left, and what it raised (if it did,
/// `stdout` and `values` hold what it had done before), with notes on None gradients and on
/// where a value first went non-finite.
#[derive(Clone, Debug, PartialEq)]
pub struct CellOutcome {
    pub stdout: String,
    /// What `tf.print` wrote, which TensorFlow sends to stderr.
    pub stderr: String,
    pub values: Vec<(String, CellValue)>,
    pub error: Option<CellError>,
    pub notes: Vec<CellNote>,
    /// For each value in `values` that is a None gradient: why it is None.
    pub why_none: Vec<(String, CellNote)>,
}

/// Runs one cell in `kernel`. `outputs` names the values to answer (all top-level values
/// when None). A cell that cannot run at all (syntax, a construct outside the subset, too
/// large or too deep) is a `Refusal`; everything else, exceptions included, is an outcome.
pub fn run(
    source: &str,
    limits: &CellLimits,
    kernel: &mut Kernel,
    outputs: Option<&[String]>,
) -> Result<CellOutcome, Refusal> {
    // Ruff's parser grows its own stack; the AST's drop and the evaluator recurse once per
    // nesting level (bounded by source::MAX_DEPTH and the call depth), so the cell runs with
    // STACK_BYTES of stack whatever thread it is called from: in place on a thread that has
    // that much left (the server's threads have, `cli/serve.rs`), else on a stack made for
    // the call (its mmap, page faults and munmap cost a small cell a third of its time).
    stacker::maybe_grow(STACK_BYTES, STACK_BYTES, || {
        run_on_stack(source, limits, kernel, outputs)
    })
}

/// The stack a cell has to run on (see [`run`]).
pub const STACK_BYTES: usize = 64 << 20;

fn run_on_stack(
    source: &str,
    limits: &CellLimits,
    kernel: &mut Kernel,
    outputs: Option<&[String]>,
) -> Result<CellOutcome, Refusal> {
    let module = parsed::parse(source, limits.max_source_bytes)?;
    let lines = Arc::new(source::LineIndex::new(source));
    let names = &kernel.names;
    if let Some(r) = outside_builtins::refusal(&module, &lines, |n| names.contains_key(n)) {
        return Err(r);
    }
    kernel.ws.ctx.limits = limits.engine.clone();
    kernel.ws.ctx.start_request();
    let mut it = Interp::new(
        &mut kernel.ws,
        &mut kernel.names,
        lines,
        limits.max_steps,
        limits.max_stdout_bytes,
    );
    it.max_python_bytes = limits.max_python_bytes;
    it.why_none = std::mem::take(&mut kernel.why_none);
    it.sliced_variables = std::mem::take(&mut kernel.sliced_variables);
    it.trainable_given = std::mem::take(&mut kernel.trainable_given);
    it.instance_attrs = std::mem::take(&mut kernel.instance_attrs);
    let carries_random = kernel.random.take().map(|r| it.random = r).is_some();
    // the engine scans each op's output for a NaN or an infinity until it finds the first (as
    // sessions do): finding it afterwards would mean running the cell again
    let numerics = it.ws.ctx.numerics.replace(Box::default());
    let result = it.exec_block(&module.body);
    let stdout = std::mem::take(&mut it.out);
    let stderr = std::mem::take(&mut it.err);
    let notes = std::mem::take(&mut it.notes);
    let why_none = std::mem::take(&mut it.why_none);
    kernel.sliced_variables = std::mem::take(&mut it.sliced_variables);
    kernel.trainable_given = std::mem::take(&mut it.trainable_given);
    kernel.instance_attrs = std::mem::take(&mut it.instance_attrs);
    if carries_random {
        kernel.random = Some(std::mem::take(&mut it.random));
    }
    drop(it);
    kernel.ws.ctx.numerics = numerics;
    kernel.why_none = why_none;
    let error = match result {
        Ok(_) => None,
        Err(r) => Some(cell_error(r)),
    };
    let values = collect_values(kernel, outputs);
    let why_none = values
        .iter()
        .filter(|(_, v)| *v == CellValue::None)
        .filter_map(|(n, _)| Some((n.clone(), kernel.why_none.get(n)?.clone())))
        .collect();
    Ok(CellOutcome {
        stdout,
        stderr,
        values,
        error,
        notes,
        why_none,
    })
}

fn cell_error(r: Raise) -> CellError {
    let (line, column) = r.at.unwrap_or((1, 1));
    let kind = match r.kind {
        RaiseKind::LimitExceeded => "RuntimeError",
        k => k.name(),
    };
    CellError {
        kind,
        code: r.code.as_str(),
        line,
        column,
        detail: r.detail,
    }
}

/// A value as the answer carries it; None for what is not a value (lists, tapes, modules).
pub fn cell_value(kernel: &Kernel, v: &Value) -> Option<CellValue> {
    Some(match v {
        Value::None => CellValue::None,
        Value::Bool(b) => CellValue::Bool(*b),
        Value::Int(i) => CellValue::Int(*i),
        Value::Float(f) => CellValue::Float(*f),
        Value::Str(s) => CellValue::Str(s.to_string()),
        Value::Tensor(x) => CellValue::Tensor(x.tensor.as_ref().clone()),
        Value::Array(_) | Value::NpScalar(_) => CellValue::Tensor(v.np_contents()?),
        Value::Variable(id) | Value::UnreadVariable(id) => {
            CellValue::Tensor(kernel.ws.variable(id)?.val.tensor.as_ref().clone())
        }
        Value::IndexedSlices(s) => CellValue::Tensor(s.dense.tensor.as_ref().clone()),
        _ => return None,
    })
}

fn collect_values(kernel: &Kernel, outputs: Option<&[String]>) -> Vec<(String, CellValue)> {
    let mut out: Vec<(String, CellValue)> = match outputs {
        Some(names) => names
            .iter()
            .filter_map(|n| {
                let v = kernel.names.get(n)?;
                Some((n.clone(), cell_value(kernel, v)?))
            })
            .collect(),
        // Python's own dunders (`__name__`, `__builtins__`) live in a cell's namespace, so the
        // oracle leaves every name starting with `__` out; a cell's `__y` goes with them
        None => kernel
            .names
            .iter()
            .filter(|(n, _)| !n.starts_with("__"))
            .filter_map(|(n, v)| Some((n.clone(), cell_value(kernel, v)?)))
            .collect(),
    };
    if outputs.is_none() {
        out.sort_by(|a, b| a.0.cmp(&b.0));
    }
    out
}
