//! `tf.random` in a cell, with TensorFlow 2.15's seeds. gradtape draws from its own generator
//! (the numbers differ from TensorFlow's), but which draws repeat is TensorFlow's:
//!
//! - an op's seed pair is `random_seed.get_seed`'s: (global, op seed) when the global seed is set,
//!   the op seed drawn from a generator seeded by the global seed when the call gives none, and
//!   (87654321, op seed) with an op seed alone; no seed at all draws afresh every call;
//! - eager TensorFlow caches one kernel per op and seed pair, and that kernel's generator moves
//!   on with every call, so two calls with the same seeds differ;
//! - `tf.random.set_seed` resets the op-seed generator and empties the kernel cache, so the
//!   draws after it repeat those after an earlier `set_seed` of the same value.
//!
//! A cell on its own starts as the oracle runs it: the global seed set (run_cell.py sets it
//! before every cell), so a cell run twice draws the same numbers. A session's cells share one
//! state, as one Python process does: the first cell starts from that same state, and each
//! later cell goes on from where the one before left it (its `set_seed`, op seeds and kernels).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::engine::dtype::DType;
use crate::engine::ops::registry;
use crate::engine::ops::splitmix_next as mix;

use super::super::interp::Interp;
use super::super::raise::Raise;
use super::super::value::Value;
use super::composite::create;

/// TensorFlow's `DEFAULT_GRAPH_SEED`, the global half of a pair with an op seed alone.
const DEFAULT_GRAPH_SEED: i64 = 87654321;
/// The global seed a cell starts with (any fixed value: only repetition is observable).
const CELL_GLOBAL_SEED: i64 = 20251201;

/// The seed state of one cell's run, or of a session's cells (plain data, so it is stored with
/// the session).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RandomState {
    global: Option<i64>,
    /// Draws the op seeds of calls that give none (Python's `random.Random(global)` in TF).
    op_seeds: u64,
    /// Calls made so far by each cached kernel: (op, dtype, seed pair).
    kernels: HashMap<(RandomOp, DType, i64, i64), u64>,
}

/// Which random op a cached kernel runs (TensorFlow caches one kernel per op).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
enum RandomOp {
    Normal,
    Uniform,
}

impl Default for RandomState {
    fn default() -> RandomState {
        let mut s = RandomState {
            global: None,
            op_seeds: 0,
            kernels: HashMap::new(),
        };
        s.set_seed(Some(CELL_GLOBAL_SEED));
        s
    }
}

impl RandomState {
    fn set_seed(&mut self, seed: Option<i64>) {
        self.global = seed;
        self.op_seeds = seed.unwrap_or(0) as u64;
        self.kernels.clear();
    }

    /// The engine seed for one call: None draws afresh.
    fn engine_seed(&mut self, op: RandomOp, dtype: DType, op_seed: Option<i64>) -> Option<i64> {
        let (a, b) = match (self.global, op_seed) {
            (Some(g), Some(o)) => (g, o),
            (Some(g), None) => (g, (mix(&mut self.op_seeds) >> 33) as i64),
            (None, Some(o)) => (DEFAULT_GRAPH_SEED, o),
            (None, None) => return None,
        };
        let calls = self.kernels.entry((op, dtype, a, b)).or_insert(0);
        let mut state =
            (a as u64).rotate_left(32) ^ (b as u64) ^ calls.wrapping_mul(0xA24B_AED4_963E_E407);
        *calls += 1;
        Some((mix(&mut state) >> 2) as i64)
    }
}

/// `tf.random.set_seed(seed)`.
pub fn set_seed(
    it: &mut Interp,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let bound = super::super::tape::bind_args("set_seed", &["seed"], args, kwargs)?;
    let seed = match bound.into_iter().next().flatten() {
        None | Some(Value::None) => None,
        Some(Value::Int(s)) => Some(s),
        Some(Value::Bool(b)) => Some(i64::from(b)),
        Some(other) => {
            return Err(Raise::type_error(format!(
                "tf.random.set_seed takes an integer seed, not {}",
                other.type_name()
            )))
        }
    };
    it.random.set_seed(seed);
    Ok(Value::None)
}

/// `tf.random.normal(...)` and `tf.random.uniform(...)`: the seed TensorFlow's kernel would
/// use becomes the op's `seed`, after the checks TensorFlow makes in Python.
pub fn draw(
    it: &mut Interp,
    path: &str,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let def = registry::lookup(path).expect("a registry op");
    let bound = registry::bind(def, args, kwargs).map_err(|e| Raise::type_error(e.detail))?;
    let arg = |name: &str| {
        bound
            .iter()
            .find(|(p, _)| p.name == name)
            .and_then(|(_, v)| v.clone())
    };
    let dtype = match arg("dtype") {
        Some(Value::DType(d)) => d,
        _ => DType::F32,
    };
    if matches!(dtype, DType::I32 | DType::I64) {
        // TensorFlow converts mean, then stddev (defaults 0.0 and 1.0) to the dtype
        let bounds = if def.name == "random_normal" {
            [
                arg("mean").or(Some(Value::Float(0.0))),
                arg("stddev").or(Some(Value::Float(1.0))),
            ]
        } else {
            if arg("maxval").is_none() {
                return Err(Raise::value_error(format!(
                    "Must specify maxval for integer dtype tf.{dtype}"
                )));
            }
            [arg("minval"), arg("maxval")]
        };
        for v in bounds.into_iter().flatten() {
            if let Value::Float(f) = v {
                return Err(Raise::type_error(format!(
                    "Cannot convert {} to EagerTensor of dtype {dtype}",
                    super::super::format::py::float_repr(f)
                ))
                .with_code(crate::engine::error::Code::DtypeMismatch));
            }
        }
    }
    let op_seed = match arg("seed") {
        None | Some(Value::None) => None,
        Some(Value::Int(s)) => Some(s),
        Some(other) => {
            return Err(Raise::type_error(format!(
                "{path}: seed must be an integer, not {}",
                other.type_name()
            )))
        }
    };
    let op = if def.name == "random_normal" {
        RandomOp::Normal
    } else {
        RandomOp::Uniform
    };
    let seed = it.random.engine_seed(op, dtype, op_seed);
    let normal = op == RandomOp::Normal;
    // tensor bounds scale a standard draw with recorded ops, as TensorFlow's Python does
    let scaled = dtype.is_float() && create::scales_with_tensors(&bound, normal);
    let bounds = if normal {
        ["mean", "stddev"]
    } else {
        ["minval", "maxval"]
    };
    let ab = (
        create::bound_value(&bound, bounds[0]),
        create::bound_value(&bound, bounds[1]),
    );
    let mut kwargs: Vec<(String, Value)> = bound
        .into_iter()
        .filter(|(p, v)| p.name != "seed" && v.is_some())
        .filter(|(p, _)| !(scaled && bounds.contains(&p.name)))
        .map(|(p, v)| (p.name.to_string(), v.expect("given")))
        .collect();
    if let Some(s) = seed {
        kwargs.push(("seed".into(), Value::Int(s)));
    }
    let drawn = super::op_call(it, path, Vec::new(), kwargs)?;
    match drawn {
        Value::Tensor(rnd) if scaled => create::scale_draw(it, rnd, normal, ab),
        other => Ok(other),
    }
}
