//! The Keras objects a cell makes: a loss (`tf.keras.losses.MeanSquaredError()`) and an
//! optimizer (`tf.keras.optimizers.SGD(...)`, `Adam(...)`, `RMSprop(...)`). Plain data, so that a session keeps
//! them from cell to cell: an optimizer's variables (its step count, learning rate and slots)
//! are the workspace's own `tf.Variable`s, held here by id.

use std::cell::Cell;
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Deserializer, Serialize};

use super::value::Value;
use crate::engine::autodiff::Val;
use crate::engine::tensor::Tensor;

/// A shared Keras object: every name holding it sees `apply_gradients` build its slots.
pub type KerasRef = Arc<Mutex<Keras>>;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Keras {
    Loss(Loss),
    Optimizer(Optimizer),
}

impl Keras {
    pub fn shared(self) -> KerasRef {
        Arc::new(Mutex::new(self))
    }

    /// The class's name (`type(opt).__name__`).
    pub fn class(&self) -> &'static str {
        match self {
            Keras::Loss(l) => l.kind.class(),
            Keras::Optimizer(o) => match o.rule {
                Rule::Sgd { .. } | Rule::SgdTextMomentum { .. } => "SGD",
                Rule::Adam { .. } => "Adam",
                Rule::RmsProp { .. } => "RMSprop",
            },
        }
    }

    /// The class's module, as its repr names it.
    pub fn module(&self) -> &'static str {
        match self {
            Keras::Loss(_) => "keras.src.losses",
            Keras::Optimizer(o) => match o.rule {
                Rule::Sgd { .. } | Rule::SgdTextMomentum { .. } => "keras.src.optimizers.sgd",
                Rule::Adam { .. } => "keras.src.optimizers.adam",
                Rule::RmsProp { .. } => "keras.src.optimizers.rmsprop",
            },
        }
    }
}

/// A Keras object's contents; a poisoned lock still holds valid data.
pub fn lock(k: &KerasRef) -> std::sync::MutexGuard<'_, Keras> {
    k.lock().unwrap_or_else(|e| e.into_inner())
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LossKind {
    MeanSquaredError,
    MeanAbsoluteError,
    BinaryCrossentropy,
    CategoricalCrossentropy,
    SparseCategoricalCrossentropy,
}

impl LossKind {
    pub fn class(self) -> &'static str {
        match self {
            LossKind::MeanSquaredError => "MeanSquaredError",
            LossKind::MeanAbsoluteError => "MeanAbsoluteError",
            LossKind::BinaryCrossentropy => "BinaryCrossentropy",
            LossKind::CategoricalCrossentropy => "CategoricalCrossentropy",
            LossKind::SparseCategoricalCrossentropy => "SparseCategoricalCrossentropy",
        }
    }

    /// The function the class wraps, which is also its default `name`.
    pub fn function(self) -> &'static str {
        match self {
            LossKind::MeanSquaredError => "mean_squared_error",
            LossKind::MeanAbsoluteError => "mean_absolute_error",
            LossKind::BinaryCrossentropy => "binary_crossentropy",
            LossKind::CategoricalCrossentropy => "categorical_crossentropy",
            LossKind::SparseCategoricalCrossentropy => "sparse_categorical_crossentropy",
        }
    }

    pub const ALL: [LossKind; 5] = [
        LossKind::MeanSquaredError,
        LossKind::MeanAbsoluteError,
        LossKind::BinaryCrossentropy,
        LossKind::CategoricalCrossentropy,
        LossKind::SparseCategoricalCrossentropy,
    ];
}

/// A loss object: the function it wraps with the arguments it was made with, and how it
/// reduces the per-sample losses.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Loss {
    pub kind: LossKind,
    pub from_logits: bool,
    pub label_smoothing: f64,
    pub axis: i64,
    /// `auto`, `none`, `sum` or `sum_over_batch_size`.
    pub reduction: String,
    pub name: String,
}

/// A hyperparameter as the cell gave it. Keras keeps what it is given as it is
/// (`opt.centered = 1` reads back `1`, `get_config()` holds `1`, `rho=tf.constant(0.9)` a
/// tensor), and its update step uses it as Python does: as a number (`tf.cast(self.momentum,
/// ...)`, `1 - self.rho`, `rho * velocity`; `tf/hyper.rs`) or for its truth
/// (`if self.centered:`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Hyper {
    Bool(bool),
    Int(i64),
    Float(f64),
    /// A NumPy scalar (`np.float64(0.9)`); boxed, as an optimizer holds four hyperparameters.
    NpScalar(Box<Tensor>),
    /// An eager tensor of one element, the object itself (`opt.rho is opt.rho`).
    Tensor(Box<Val>),
}

impl Hyper {
    /// The number Python computes with (`True` is 1).
    pub fn number(&self) -> f64 {
        match self {
            Hyper::Bool(b) => f64::from(u8::from(*b)),
            Hyper::Int(i) => *i as f64,
            Hyper::Float(f) => *f,
            Hyper::NpScalar(t) => t.to_f64_vec().first().copied().unwrap_or(0.0),
            Hyper::Tensor(v) => v.tensor.to_f64_vec().first().copied().unwrap_or(0.0),
        }
    }

    /// Python's `bool(x)` (a NaN is true).
    pub fn truthy(&self) -> bool {
        match self {
            Hyper::Bool(b) => *b,
            Hyper::Int(i) => *i != 0,
            other => other.number() != 0.0,
        }
    }

    /// The value `opt.NAME` reads.
    pub fn value(&self) -> Value {
        match self {
            Hyper::Bool(b) => Value::Bool(*b),
            Hyper::Int(i) => Value::Int(*i),
            Hyper::Float(f) => Value::Float(*f),
            Hyper::NpScalar(t) => Value::NpScalar((**t).clone()),
            Hyper::Tensor(v) => Value::Tensor((**v).clone()),
        }
    }
}

/// How an optimizer updates a variable, with its hyperparameters as given.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Rule {
    Sgd {
        momentum: Hyper,
        nesterov: Hyper,
    },
    Adam {
        beta_1: Hyper,
        beta_2: Hyper,
        epsilon: Hyper,
        amsgrad: Hyper,
    },
    RmsProp {
        rho: Hyper,
        momentum: Hyper,
        epsilon: Hyper,
        centered: Hyper,
    },
    /// SGD given a string momentum (`momentum="0.9"`): Keras checks only a number's range and
    /// keeps the string, and its first step's `tf.cast(self.momentum, variable.dtype)` raises.
    SgdTextMomentum {
        momentum: String,
        nesterov: Hyper,
    },
}

/// `Rule` as sessions stored it up to format 17, each number a float and each flag a bool.
#[derive(Deserialize)]
enum RuleV17 {
    Sgd {
        momentum: f64,
        nesterov: bool,
    },
    Adam {
        beta_1: f64,
        beta_2: f64,
        epsilon: f64,
        amsgrad: bool,
    },
    RmsProp {
        rho: f64,
        momentum: f64,
        epsilon: f64,
        centered: bool,
    },
    SgdTextMomentum {
        momentum: String,
        nesterov: bool,
    },
}

impl From<RuleV17> for Rule {
    fn from(r: RuleV17) -> Rule {
        use Hyper::{Bool, Float};
        match r {
            RuleV17::Sgd { momentum, nesterov } => Rule::Sgd {
                momentum: Float(momentum),
                nesterov: Bool(nesterov),
            },
            RuleV17::Adam {
                beta_1,
                beta_2,
                epsilon,
                amsgrad,
            } => Rule::Adam {
                beta_1: Float(beta_1),
                beta_2: Float(beta_2),
                epsilon: Float(epsilon),
                amsgrad: Bool(amsgrad),
            },
            RuleV17::RmsProp {
                rho,
                momentum,
                epsilon,
                centered,
            } => Rule::RmsProp {
                rho: Float(rho),
                momentum: Float(momentum),
                epsilon: Float(epsilon),
                centered: Bool(centered),
            },
            RuleV17::SgdTextMomentum { momentum, nesterov } => Rule::SgdTextMomentum {
                momentum,
                nesterov: Bool(nesterov),
            },
        }
    }
}

thread_local! {
    /// Set while a session stored before format 18 is read back: its rules are `RuleV17`s.
    static RULES_V17: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f` (which reads a stored session) reading optimizers' rules as format 17 and older
/// wrote them when `old` is set.
pub fn reading_rules_v17<T>(old: bool, f: impl FnOnce() -> T) -> T {
    struct Reset(bool);
    impl Drop for Reset {
        fn drop(&mut self) {
            RULES_V17.with(|c| c.set(self.0));
        }
    }
    let _reset = Reset(RULES_V17.with(|c| c.replace(old)));
    f()
}

fn rule_as_stored<'de, D: Deserializer<'de>>(d: D) -> Result<Rule, D::Error> {
    if RULES_V17.with(Cell::get) {
        RuleV17::deserialize(d).map(Rule::from)
    } else {
        Rule::deserialize(d)
    }
}

/// An optimizer: its variables by workspace id.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Optimizer {
    #[serde(deserialize_with = "rule_as_stored")]
    pub rule: Rule,
    pub name: String,
    /// `iteration:0`, int64: the steps applied.
    pub iterations: String,
    /// `learning_rate:0`, float32.
    pub learning_rate: String,
    /// Set by the first `apply_gradients` (Keras's `build`): each model variable's id with its
    /// slots' ids (SGD: m; Adam: m, v, and vhat with amsgrad; RMSprop: velocity, momentum
    /// when its momentum is above 0, average_gradient when centered).
    pub built: Option<Vec<(String, Vec<String>)>>,
    /// Every variable it made, in the order it made them (`optimizer.variables`): the step
    /// count first.
    pub variables: Vec<String>,
}
