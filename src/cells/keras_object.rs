//! The Keras objects a cell makes: a loss (`tf.keras.losses.MeanSquaredError()`) and an
//! optimizer (`tf.keras.optimizers.SGD(...)`, `Adam(...)`, `RMSprop(...)`). Plain data, so that a session keeps
//! them from cell to cell: an optimizer's variables (its step count, learning rate and slots)
//! are the workspace's own `tf.Variable`s, held here by id.

use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

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

/// How an optimizer updates a variable, with its hyperparameters as given.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Rule {
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
    /// SGD given a string momentum (`momentum="0.9"`): Keras checks only a number's range and
    /// keeps the string, and its first step's `tf.cast(self.momentum, variable.dtype)` raises.
    /// Last of the variants, so that a stored session's rules read as they did.
    SgdTextMomentum {
        momentum: String,
        nesterov: bool,
    },
}

/// An optimizer: its variables by workspace id.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Optimizer {
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
