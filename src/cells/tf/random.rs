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
        s.set_seed(Some(CELL_GLOBAL_SEED), CELL_GLOBAL_SEED as u64);
        s
    }
}

impl RandomState {
    /// `rng_key` seeds the op-seed generator (TensorFlow's `random.Random(seed)`), which
    /// can differ from the global seed the ops see (`seed % (2**31 - 1)`).
    fn set_seed(&mut self, seed: Option<i64>, rng_key: u64) {
        self.global = seed;
        self.op_seeds = rng_key;
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
        Some(seed) => {
            // `random.Random(seed)`, or `random.Random(int(np.array(seed)))` for a tensor or
            // array, which Python cannot hash; Python hashes 3.0 as 3
            let value = match &seed {
                Value::Int(i) => Some(*i as f64),
                Value::Bool(b) => Some(f64::from(u8::from(*b))),
                Value::Float(f) => Some(*f),
                v => it
                    .as_val(v)?
                    .map(|x| x.tensor)
                    .and_then(|t| match t.to_f64_vec()[..] {
                        [x] if matches!(v, Value::NpScalar(_)) => Some(x),
                        [x] => Some(x.trunc()),
                        _ => None,
                    }),
            };
            if matches!(seed, Value::Str(_)) {
                // Python's `seed % (2**31 - 1)` formats a string
                truncated_op_seed(it, seed.clone())?;
            }
            let Some(value) = value else {
                return Err(Raise::type_error(
                    "only length-1 arrays can be converted to Python scalars",
                ));
            };
            let key = if value.fract() == 0.0 {
                value as i64 as u64
            } else {
                value.to_bits()
            };
            Some((truncated_op_seed(it, seed)?, key))
        }
    };
    match seed {
        Some((global, key)) => it.random.set_seed(Some(global), key),
        None => it.random.set_seed(None, 0),
    }
    Ok(Value::None)
}

/// The op seed (or the global seed) as `random_seed.get_seed` passes it on:
/// `seed % (2**31 - 1)` in Python (`_truncate_seed`), which the op's `seed2` attribute reads
/// with `int()` (`_execute.make_int`). So a Python or NumPy number, or a tensor of one element,
/// will do, and 3, 3.0, `tf.constant([3])` and 2**31 + 2 are one seed.
fn truncated_op_seed(it: &mut Interp, seed: Value) -> Result<i64, Raise> {
    let op = ruff_python_ast::Operator::Mod;
    let m = super::super::arith::binary(it, op, seed, Value::Int(2147483647))?;
    let value = match &m {
        Value::Int(i) => Some(*i as f64),
        Value::Bool(b) => Some(f64::from(u8::from(*b))),
        Value::Float(f) => Some(*f),
        v if v.is_tf() || v.np_contents().is_some() => {
            let t = it.np_tensor(v)?;
            t.to_f64_vec().first().copied().filter(|_| t.len() == 1)
        }
        _ => None,
    };
    match value.filter(|f| f.is_finite()) {
        Some(f) => Ok(f.trunc() as i64),
        None => Err(Raise::type_error(format!(
            "Expected int for argument 'seed2' not {}.",
            super::super::print::repr(it, &m)
        ))),
    }
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
        Some(seed) => Some(truncated_op_seed(it, seed)?),
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
