//! `tf.random` in a cell, drawing TensorFlow 2.15's own numbers (and the state NumPy's legacy
//! `np.random` keeps beside it, `numpy/random.rs`):
//!
//! - an op's seed pair is `random_seed.get_seed`'s: (global, op seed) when the global seed is set,
//!   the op seed drawn by `random.Random(global).randint(0, 2**31 - 1)` when the call gives none
//!   (`cells/mt19937.rs`), and (87654321, op seed) with an op seed alone; no seed at all draws
//!   afresh every call;
//! - eager TensorFlow caches one kernel per op, dtype and seed pair, and that kernel's Philox
//!   stream moves on by what each call reserved (256 blocks a value), so two calls with the
//!   same seeds differ, as they do in TensorFlow (the engine's `philox.rs` draws);
//! - `tf.random.set_seed` makes a new op-seed generator and empties the kernel cache, so the
//!   draws after it repeat those after an earlier `set_seed` of the same value.
//!
//! A cell on its own starts as the oracle runs it: `tf.random.set_seed(20251201)` before the
//! cell, so a cell run twice draws the same numbers. A session's cells share one state, as one
//! Python process does: the first cell starts from that same state, and each later cell goes
//! on from where the one before left it (its `set_seed`, op seeds and kernels).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::engine::dtype::DType;
use crate::engine::ops::{registry, RandomKind, Stream};

use super::super::interp::Interp;
use super::super::raise::Raise;
use super::super::value::Value;
use super::composite::create;
use crate::cells::mt19937::{py_seed_key, Mt19937};

/// TensorFlow's `DEFAULT_GRAPH_SEED`, the global half of a pair with an op seed alone.
const DEFAULT_GRAPH_SEED: i64 = 87654321;
/// The global seed a cell starts with: the one the oracle (`run_cell.py`) sets before each cell.
const CELL_GLOBAL_SEED: i64 = 20251201;

/// The seed state of one cell's run, or of a session's cells (plain data, so it is stored with
/// the session).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RandomState {
    global: Option<i64>,
    /// What the op-seed generator was seeded with (Python's `random.Random(key)`).
    key: u64,
    /// 128-bit blocks each cached kernel has reserved so far: (op, dtype, seed pair).
    kernels: HashMap<KernelKey, u64>,
    /// The op-seed generator part way through; made from `key` at its first draw. A session
    /// stores it after its other parts (`sessions/codec.rs`, format 12).
    #[serde(skip)]
    op_seeds: Option<Mt19937>,
    /// NumPy's global generator (`np.random`), once a cell seeds or draws from it; stored
    /// after the op-seed generator.
    #[serde(skip)]
    numpy: Option<crate::cells::numpy::random::NpRandom>,
}

/// One cached kernel: the op (TensorFlow caches one kernel per op), its dtype and its seed pair.
type KernelKey = (RandomKind, DType, i64, i64);

impl Default for RandomState {
    fn default() -> RandomState {
        let mut s = RandomState {
            global: None,
            key: 0,
            kernels: HashMap::new(),
            op_seeds: None,
            numpy: None,
        };
        s.set_seed(Some(CELL_GLOBAL_SEED), CELL_GLOBAL_SEED as u64);
        s
    }
}

impl RandomState {
    /// `key` seeds the op-seed generator (TensorFlow's `random.Random(seed)`), which can
    /// differ from the global seed the ops see (`seed % (2**31 - 1)`).
    fn set_seed(&mut self, seed: Option<i64>, key: u64) {
        self.global = seed;
        self.key = key;
        self.op_seeds = None;
        self.kernels.clear();
    }

    /// The op-seed generator where it stands, for a session to store.
    pub fn op_seed_generator(&self) -> Option<&Mt19937> {
        self.op_seeds.as_ref()
    }

    /// Puts back the op-seed generator a session stored (None: one not yet drawn from).
    pub fn restore_op_seed_generator(&mut self, g: Option<Mt19937>) {
        self.op_seeds = g;
    }

    /// NumPy's global generator where it stands, for a session to store.
    pub fn numpy(&self) -> Option<&crate::cells::numpy::random::NpRandom> {
        self.numpy.as_ref()
    }

    /// NumPy's global generator (None until a cell seeds or draws from it).
    pub fn numpy_mut(&mut self) -> &mut Option<crate::cells::numpy::random::NpRandom> {
        &mut self.numpy
    }

    /// Where one call's numbers start, and the kernel it moves on: None draws afresh.
    fn stream(
        &mut self,
        op: RandomKind,
        dtype: DType,
        op_seed: Option<i64>,
    ) -> Option<(KernelKey, Stream)> {
        let (a, b) = match (self.global, op_seed) {
            (Some(g), Some(o)) => (g, o),
            (Some(g), None) => {
                let key = self.key;
                let gen = self.op_seeds.get_or_insert_with(|| Mt19937::python(key));
                (g, gen.op_seed())
            }
            (None, Some(o)) => (DEFAULT_GRAPH_SEED, o),
            (None, None) => return None,
        };
        // get_seed: (0, 0) would mean "nondeterministic" to the kernel
        let (a, b) = if (a, b) == (0, 0) {
            (0, i64::from(i32::MAX))
        } else {
            (a, b)
        };
        let key = (op, dtype, a, b);
        let skip = self.kernels.get(&key).copied().unwrap_or(0);
        let stream = Stream {
            seed: a as u64,
            seed2: b as u64,
            skip,
        };
        Some((key, stream))
    }

    /// A call of kernel `key` drew `n` values: its stream moves past what it reserved.
    fn advance(&mut self, key: KernelKey, n: usize) {
        let blocks = self.kernels.entry(key).or_insert(0);
        *blocks = blocks.wrapping_add(Stream::reserved(n));
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
            Some((truncated_op_seed(it, seed)?, py_seed_key(value)))
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
        let bounds = if def.name != "random_uniform" {
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
    let op = RandomKind::named(def.name).expect("a random op");
    let stream = it.random.stream(op, dtype, op_seed);
    let normal = op.is_normal();
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
    let kwargs: Vec<(String, Value)> = bound
        .into_iter()
        .filter(|(p, v)| p.name != "seed" && v.is_some())
        .filter(|(p, _)| !(scaled && bounds.contains(&p.name)))
        .map(|(p, v)| (p.name.to_string(), v.expect("given")))
        .collect();
    it.next_stream = stream.map(|(_, s)| s);
    let drawn = super::op_call(it, path, Vec::new(), kwargs);
    it.next_stream = None;
    let drawn = drawn?;
    if let (Some((key, _)), Value::Tensor(t)) = (stream, &drawn) {
        it.random.advance(key, t.tensor.len());
    }
    match drawn {
        Value::Tensor(rnd) if scaled => create::scale_draw(it, rnd, normal, ab),
        other => Ok(other),
    }
}
