//! Grading: an assignment (a reference and checks with points) and a submission in; a score
//! and feedback that teaches out, in gradtape's, Gradescope's or PrairieLearn's format.
//! No HTTP here: `api/grade.rs` and the `grade` subcommand wrap it.
//!
//! - `assignment`: the assignment JSON, validated (a broken assignment is the instructor's error)
//! - `source`: running either side (values, a program, a cell, a notebook) to named values
//! - `compare`: tolerances (rtol/atol, PrairieLearn's significant figures) element by element
//! - `feedback`: one check judged, and the sentence that says what is wrong, in the spec's order
//!   (`expected_none`: a value where TensorFlow gives None; `dtypes`: a dtype of another kind)
//! - `format`: the report as gradtape JSON, Gradescope or PrairieLearn `results.json`
//! - `cells`, `skipping`: cells and notebooks, and what of a notebook cell is skipped
//! - `layout`: the graders' directory layouts for the offline binary

pub mod assignment;
pub mod cells;
pub mod compare;
pub mod dtypes;
pub mod expected_none;
pub mod feedback;
pub mod format;
pub mod layout;
pub mod skipping;
pub mod source;

use std::collections::BTreeMap;

pub use assignment::{Assignment, AssignmentError, Check, Format, Visibility};
pub use source::Source;

use crate::engine::Limits;

/// How a value's elements are compared: only the same kind is dtype-compatible.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Float,
    Int,
    Bool,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Float => "float",
            Kind::Int => "int",
            Kind::Bool => "bool",
        }
    }
}

/// A tensor, array or Python number as grading sees it: its dtype's name and kind, its shape
/// and its elements as f64 (row-major).
#[derive(Clone, Debug, PartialEq)]
pub struct Array {
    /// A tensor's dtype (`float32`), or a Python number's type (`int`, `float`, `bool`).
    pub dtype: String,
    pub kind: Kind,
    pub shape: Vec<usize>,
    pub data: Vec<f64>,
    /// A Python number, not a tensor or array (a 0-d bool tensor's dtype is `bool` too).
    pub python: bool,
}

impl Array {
    pub fn from_tensor(t: &crate::engine::Tensor) -> Array {
        let dtype = t.dtype();
        let kind = if dtype.is_float() {
            Kind::Float
        } else if dtype.is_int() {
            Kind::Int
        } else {
            Kind::Bool
        };
        Array {
            dtype: dtype.name().to_string(),
            kind,
            shape: t.shape().to_vec(),
            data: t.to_f64_vec(),
            python: false,
        }
    }
}

/// What a name holds after a run.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// TensorFlow's `None` (say a gradient that does not exist), with the engine's reason
    /// when it knows one.
    Null {
        why: Option<String>,
        /// The reason as data, to word it from the other side (a student told why the
        /// reference's value is None).
        cause: Option<NullCause>,
    },
    Array(Array),
    /// Something grading does not compare (a string), by its Python type name.
    Other(String),
}

/// Why a gradient is None: gradients.md's reason, and the source it is about.
#[derive(Clone, Debug, PartialEq)]
pub struct NullCause {
    pub reason: crate::engine::explain::Reason,
    pub source: Option<String>,
    /// The node where the path breaks, when the engine names one.
    pub node: Option<String>,
}

/// An exception a run raised (or a request that failed on its own).
#[derive(Clone, Debug, PartialEq)]
pub struct Raised {
    /// The Python exception type (`RuntimeError`) or, for a program, the error code.
    pub kind: String,
    pub code: String,
    /// The notebook cell (1-based, counting code cells) it raised in.
    pub cell: Option<usize>,
    pub line: Option<u32>,
    pub detail: String,
}

impl Raised {
    /// "RuntimeError at line 7: ..." ("in cell 3 at line 7" in a notebook).
    pub fn describe(&self) -> String {
        format!("{}: {}", self.place(), self.detail)
    }

    /// "RuntimeError in cell 3 at line 7": the exception and where.
    pub fn place(&self) -> String {
        let cell = self
            .cell
            .map(|c| format!(" in cell {c}"))
            .unwrap_or_default();
        match self.line {
            Some(l) => format!("{}{cell} at line {l}", self.kind),
            None => format!("{}{cell}", self.kind),
        }
    }
}

/// What running one side left behind.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Outcome {
    pub values: BTreeMap<String, Value>,
    pub stdout: String,
    /// The exception that stopped the run, if one did.
    pub error: Option<Raised>,
    /// Names whose own computation failed while the run went on (a program's request that
    /// answered an error in its place, such as `tape_exhausted`).
    pub failed: BTreeMap<String, Raised>,
    /// One line for each notebook cell that was skipped, saying why.
    pub skipped_cells: Vec<String>,
    /// How a `values` submission wrote each name, for feedback on its dtype.
    pub written: BTreeMap<String, Written>,
}

/// A name as a `values` submission wrote it. JSON has no dtypes, so a plain number's dtype
/// comes from its spelling (`2` is int32, `2.0` float32) unless the literal names one.
#[derive(Clone, Debug, PartialEq)]
pub struct Written {
    /// The literal, cut short: `[2, 4, 6]`, `[[1, 2, 3, ...], ...]`.
    pub text: String,
    /// The first number in it, as written (`2`, `3.0`), for "write 2.0 rather than 2".
    pub first: Option<String>,
    /// Whether the literal gave a `"dtype"` (`{"value": ..., "dtype": ...}`).
    pub dtype_given: bool,
}

/// One check's result.
#[derive(Clone, Debug, PartialEq)]
pub struct CheckResult {
    pub name: String,
    pub label: String,
    pub points: f64,
    pub max_points: f64,
    pub passed: bool,
    pub feedback: String,
    pub max_abs_error: Option<f64>,
    pub worst_index: Option<Vec<usize>>,
    pub visibility: Visibility,
}

/// A graded submission, before it is written in a format.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    pub score: f64,
    pub max_score: f64,
    pub checks: Vec<CheckResult>,
    pub submission: Outcome,
    /// Why the submission could not be graded at all (then the score is 0).
    pub ungradable: Option<String>,
}

/// The reference's run, once: the values every submission is compared with.
#[derive(Clone, Debug)]
pub struct Prepared {
    pub assignment: Assignment,
    pub reference: Outcome,
}

/// Runs the reference and checks that every check names a value it leaves: what is wrong here
/// is the instructor's to fix, so it is an error, never a score.
pub fn prepare(assignment: Assignment, limits: &Limits) -> Result<Prepared, AssignmentError> {
    let names: Vec<&str> = assignment.checks.iter().map(|c| c.name.as_str()).collect();
    // A reference that fails is blamed on the first check it leaves without a value (the
    // first check when it left them all), so the 422 names a check as every other one does.
    let first = names.first().copied();
    let reference = match assignment.reference.run(limits, &names) {
        Ok(o) => o,
        Err(why) => {
            // the run's reason is worded for a student ("your cell cannot run: ...")
            let why = match why.strip_prefix("your ") {
                Some(rest) => format!("the reference's {rest}"),
                None => format!("the reference cannot be run: {why}"),
            };
            return Err(AssignmentError::new(first, why));
        }
    };
    if let Some(e) = &reference.error {
        let unbound = names
            .iter()
            .copied()
            .find(|n| !reference.values.contains_key(*n));
        return Err(AssignmentError::new(
            unbound.or(first),
            format!("the reference raised {}", e.describe()),
        ));
    }
    for c in &assignment.checks {
        if let Some(e) = reference.failed.get(&c.name) {
            return Err(AssignmentError::new(
                Some(&c.name),
                format!(
                    "check \"{}\": the reference's value failed: {}",
                    c.name,
                    e.describe()
                ),
            ));
        }
        let Some(v) = reference.values.get(&c.name) else {
            let leaves: Vec<&str> = reference.values.keys().map(String::as_str).collect();
            let similar = feedback::similar_names(&c.name, leaves.iter().copied());
            let hint = if similar.is_empty() {
                format!("the reference leaves: {}", list_or_none(&leaves))
            } else {
                format!("did you mean {}?", similar.join(", "))
            };
            return Err(AssignmentError::new(
                Some(&c.name),
                format!(
                    "check \"{}\" names nothing the reference leaves; {hint}",
                    c.name
                ),
            ));
        };
        match (c.expect_null, v) {
            (Some(true), Value::Null { .. }) | (Some(false) | None, Value::Array(_)) => {}
            (None, Value::Null { .. }) => {}
            (Some(true), _) => {
                return Err(AssignmentError::new(
                    Some(&c.name),
                    format!("check \"{}\" has \"expect_null\": true but the reference's value is not None", c.name),
                ))
            }
            (Some(false), Value::Null { .. }) => {
                return Err(AssignmentError::new(
                    Some(&c.name),
                    format!("check \"{}\" has \"expect_null\": false but the reference's value is None", c.name),
                ))
            }
            (_, Value::Other(t)) => {
                return Err(AssignmentError::new(
                    Some(&c.name),
                    format!("check \"{}\": the reference's value is a {t}, which grading does not compare (a tensor, array, number or None){}", c.name, unpack_hint(t)),
                ))
            }
        }
    }
    Ok(Prepared {
        assignment,
        reference,
    })
}

/// For a list or tuple (`grads = g.gradient(L, [W, b])`): check each element by its own name.
fn unpack_hint(type_name: &str) -> &'static str {
    if matches!(type_name, "list" | "tuple") {
        "; unpack it into names (`dW, db = g.gradient(L, [W, b])`) and give each name a check"
    } else {
        ""
    }
}

fn list_or_none(names: &[&str]) -> String {
    if names.is_empty() {
        "no values".into()
    } else {
        names.join(", ")
    }
}

/// Grades one submission against a prepared assignment. Never an error: a submission that
/// cannot be run is a report with score 0 and the reason.
pub fn grade(p: &Prepared, submission: &Source, limits: &Limits) -> Report {
    let names: Vec<&str> = p
        .assignment
        .checks
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    report(p, submission.run(limits, &names))
}

/// The report for a submission that could not even be read (say no file was submitted).
pub fn ungradable(p: &Prepared, why: String) -> Report {
    report(p, Err(why))
}

fn report(p: &Prepared, run: Result<Outcome, String>) -> Report {
    let (outcome, ungradable) = match run {
        Ok(o) => (o, None),
        Err(why) => (Outcome::default(), Some(why)),
    };
    let checks: Vec<CheckResult> = p
        .assignment
        .checks
        .iter()
        .map(|c| match (&ungradable, p.reference.values.get(&c.name)) {
            (None, Some(expected)) => feedback::judge(c, expected, &outcome, &p.reference),
            (Some(why), _) => feedback::not_graded(c, why),
            // `prepare` refuses an assignment whose check names nothing the reference has.
            (None, None) => feedback::not_graded(c, "the reference has no such value"),
        })
        .collect();
    let score = checks.iter().map(|c| c.points).sum();
    let max_score = checks.iter().map(|c| c.max_points).sum();
    Report {
        score,
        max_score,
        checks,
        submission: outcome,
        ungradable,
    }
}

/// The whole path: prepare the assignment, then grade its submission.
pub fn grade_assignment(
    assignment: Assignment,
    submission: &Source,
    limits: &Limits,
) -> Result<Report, AssignmentError> {
    let p = prepare(assignment, limits)?;
    Ok(grade(&p, submission, limits))
}
