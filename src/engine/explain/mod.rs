//! Gradients that explain themselves: why a gradient is `None` (`why`), where a value first went
//! non-finite (`numerics`), and a numerical check of the tape's answer (`numcheck`). Pure: reads
//! the context's provenance and tapes, never changes an answer.
//!
//! Entry points for other front ends (the cells interpreter calls these for a gradient in a cell):
//! - [`why_null`]: notes for the sources of one `tape.gradient` / `jacobian` whose result is None
//!   (or zeros only because unconnected gradients were asked as zeros); [`why_null_from`] words
//!   them for a cell.
//! - [`Numerics`]: set `ctx.numerics = Some(Box::default())` before running code and call
//!   [`Numerics::note`] after it, for a phase's `non_finite` note (forward or VJP).
//! - [`numcheck::compute_gradient`]: `tf.test.compute_gradient(f, [x])`'s (theoretical,
//!   numerical) pair for a closure that runs `f` in a context.
//! - [`replay::check`]: `"check"` for a gradient or Jacobian of a tape built call by call (a
//!   session's), by running the ops the tape recorded again.

pub mod evaluate;
pub mod numcheck;
mod numerics;
pub mod replay;
mod why;

pub use numerics::{input_note, Event, Numerics};
pub use why::{why_null, why_null_from, why_null_second, Front};

/// Why a gradient is `None`, or where a value went non-finite. The order is the precedence:
/// where several reasons hold, a note gives the first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Reason {
    IntegerSource,
    NotTrainable,
    WatchAccessedVariablesOff,
    RecordingPaused,
    RecordedBeforeTape,
    ThroughAssign,
    StopGradient,
    NotDifferentiable,
    NotWatched,
    NotConnected,
    ConstantGradient,
    NonFinite,
}

impl Reason {
    const ALL: [Reason; 12] = [
        Reason::IntegerSource,
        Reason::NotTrainable,
        Reason::WatchAccessedVariablesOff,
        Reason::RecordingPaused,
        Reason::RecordedBeforeTape,
        Reason::ThroughAssign,
        Reason::StopGradient,
        Reason::NotDifferentiable,
        Reason::NotWatched,
        Reason::NotConnected,
        Reason::ConstantGradient,
        Reason::NonFinite,
    ];

    /// The reason whose code is `s` (`"not_trainable"`).
    pub fn parse(s: &str) -> Option<Reason> {
        Reason::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Reason::IntegerSource => "integer_source",
            Reason::NotTrainable => "not_trainable",
            Reason::WatchAccessedVariablesOff => "watch_accessed_variables_off",
            Reason::RecordingPaused => "recording_paused",
            Reason::RecordedBeforeTape => "recorded_before_tape",
            Reason::ThroughAssign => "through_assign",
            Reason::StopGradient => "stop_gradient",
            Reason::NotDifferentiable => "not_differentiable",
            Reason::NotWatched => "not_watched",
            Reason::NotConnected => "not_connected",
            Reason::ConstantGradient => "constant_gradient",
            Reason::NonFinite => "non_finite",
        }
    }
}

/// One note beside an answer: `{"source", "reason", "node", "detail", "index", "values"}`.
#[derive(Clone, Debug, PartialEq)]
pub struct Note {
    /// The source (as the request named it) whose gradient the note is about.
    pub source: Option<String>,
    pub reason: Reason,
    /// The node where the path breaks, or where the non-finite value began.
    pub node: Option<String>,
    /// A sentence that says what happened and what to change.
    pub detail: String,
    /// For `non_finite`: the first non-finite element's index in the node's output.
    pub index: Option<Vec<usize>>,
    /// For `non_finite`: the inputs' values there (`None` where an input is not elementwise).
    pub values: Option<Vec<Option<f64>>>,
}

impl Note {
    pub fn new(source: Option<&str>, reason: Reason, node: Option<String>, detail: String) -> Note {
        Note {
            source: source.map(str::to_string),
            reason,
            node,
            detail,
            index: None,
            values: None,
        }
    }
}
