//! NumPy 1.26's legacy global generator (`np.random.seed`, `rand`, `randn`, `normal`, `uniform`,
//! `randint`, `permutation`, `shuffle`, `choice`), drawing NumPy's own numbers: MT19937
//! (`cells/mt19937.rs`) seeded by `init_genrand`, doubles from 53 bits of two outputs, normals by
//! the polar method with the second of each pair kept for the next call (`legacy_gauss`), bounded
//! integers by masked rejection. A cell without `np.random.seed` draws from a generator seeded
//! by the operating system, as NumPy's is; a session's cells go on with one generator.

use serde::{Deserialize, Serialize};

use crate::engine::dtype::DType;
use crate::engine::tensor::{checked_numel, Tensor};

use super::args::{int_arg, Args};
use crate::cells::interp::Interp;
use crate::cells::mt19937::Mt19937;
use crate::cells::raise::{Raise, RaiseKind};
use crate::cells::value::Value;

pub const NAMES: &[&str] = &[
    "random.seed",
    "random.rand",
    "random.randn",
    "random.random",
    "random.random_sample",
    "random.standard_normal",
    "random.normal",
    "random.uniform",
    "random.randint",
    "random.permutation",
    "random.shuffle",
    "random.choice",
];

/// `np.random`'s global `RandomState`: the generator and the spare normal of the last pair.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct NpRandom {
    mt: Mt19937,
    gauss: Option<f64>,
}

impl NpRandom {
    fn seeded(seed: u32) -> NpRandom {
        NpRandom {
            mt: Mt19937::numpy(seed),
            gauss: None,
        }
    }

    /// A generator nobody seeded: NumPy seeds it from the operating system.
    fn fresh() -> NpRandom {
        let mut words = [0u8; 16];
        // without the system's entropy, the clock still differs from run to run
        if getrandom::fill(&mut words).is_err() {
            let t = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos());
            words = t.to_le_bytes();
        }
        let words: Vec<u32> = words
            .chunks(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        NpRandom {
            mt: Mt19937::by_array(&words),
            gauss: None,
        }
    }

    /// `legacy_gauss`: the polar method; each pair gives one value now and keeps the other.
    fn gauss(&mut self) -> f64 {
        if let Some(g) = self.gauss.take() {
            return g;
        }
        loop {
            let x1 = 2.0 * self.mt.next_f64() - 1.0;
            let x2 = 2.0 * self.mt.next_f64() - 1.0;
            let r2 = x1 * x1 + x2 * x2;
            if r2 < 1.0 && r2 != 0.0 {
                let f = (-2.0 * r2.ln() / r2).sqrt();
                self.gauss = Some(f * x1);
                return f * x2;
            }
        }
    }

    fn next_u64(&mut self) -> u64 {
        let hi = u64::from(self.mt.next_u32());
        (hi << 32) | u64::from(self.mt.next_u32())
    }

    /// `random_interval(max)` (and the masked bounded draw, which is the same): a value in
    /// [0, max], drawing under the smallest all-ones mask until one fits.
    fn interval(&mut self, max: u64) -> u64 {
        if max == 0 {
            return 0;
        }
        let mask = u64::MAX >> max.leading_zeros();
        loop {
            let v = if max <= u64::from(u32::MAX) {
                u64::from(self.mt.next_u32()) & mask
            } else {
                self.next_u64() & mask
            };
            if v <= max {
                return v;
            }
        }
    }

    /// NumPy's shuffle order (`_shuffle_raw`): from the last item down, each swapped with one
    /// drawn from those up to it.
    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.interval(i as u64) as usize;
            items.swap(i, j);
        }
    }

    /// `random_bounded_uint64` as `randint` draws: all 32 or 64 bits when the range is all
    /// of them, else the masked draw.
    fn bounded(&mut self, rng: u64) -> u64 {
        match rng {
            0 => 0,
            0xffff_ffff => u64::from(self.mt.next_u32()),
            u64::MAX => self.next_u64(),
            _ => self.interval(rng),
        }
    }
}

pub fn call(
    it: &mut Interp,
    name: &str,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let name = name.trim_start_matches("random.");
    match name {
        "seed" => {
            let mut a = Args::bind(name, &["seed"], args, kwargs)?;
            let state = match a.take(0) {
                None => NpRandom::fresh(),
                Some(v) => NpRandom::seeded(seed_of(&v)?),
            };
            *it.random.numpy_mut() = Some(state);
            Ok(Value::None)
        }
        "rand" | "randn" => {
            let mut dims = Vec::new();
            for v in &args {
                dims.push(size_of(int_arg(v)?)?);
            }
            super::args::refuse_keywords_outside_subset(name, &[], &kwargs)?;
            if let Some((k, _)) = kwargs.first() {
                return Err(Raise::type_error(format!(
                    "{name}() got an unexpected keyword argument '{k}'"
                )));
            }
            let shape = (!args.is_empty()).then_some(dims);
            if name == "rand" {
                floats(it, shape, |g| g.mt.next_f64())
            } else {
                floats(it, shape, NpRandom::gauss)
            }
        }
        "random" | "random_sample" | "standard_normal" => {
            let mut a = Args::bind(name, &["size"], args, kwargs)?;
            let shape = size_arg(it, a.take(0))?;
            if name == "standard_normal" {
                floats(it, shape, NpRandom::gauss)
            } else {
                floats(it, shape, |g| g.mt.next_f64())
            }
        }
        "normal" | "uniform" => {
            let names: &[&'static str] = if name == "normal" {
                &["loc", "scale", "size"]
            } else {
                &["low", "high", "size"]
            };
            let mut a = Args::bind(name, names, args, kwargs)?;
            let defaults = (0.0, 1.0);
            let p = scalar_param(it, a.take(0), defaults.0, names[0])?;
            let q = scalar_param(it, a.take(1), defaults.1, names[1])?;
            let shape = size_arg(it, a.take(2))?;
            if name == "normal" {
                if q < 0.0 {
                    return Err(Raise::value_error("scale < 0"));
                }
                floats(it, shape, |g| p + q * g.gauss())
            } else {
                let range = q - p;
                if !range.is_finite() {
                    return Err(Raise::new(
                        RaiseKind::OverflowError,
                        "Range exceeds valid bounds",
                    ));
                }
                floats(it, shape, |g| p + range * g.mt.next_f64())
            }
        }
        "randint" => {
            let mut a = Args::bind(name, &["low", "high", "size", "dtype"], args, kwargs)?;
            let low = int_arg(&a.required(0, "low")?)?;
            let (low, high) = match a.take(1) {
                Some(h) => (low, int_arg(&h)?),
                None => (0, low),
            };
            let shape = size_arg(it, a.take(2))?;
            if a.take(3).is_some() {
                return Err(Raise::new(
                    RaiseKind::NotImplementedError,
                    "np.random.randint's dtype= is outside the cell subset (it draws int64)",
                ));
            }
            if low >= high {
                return Err(Raise::value_error("low >= high"));
            }
            let rng = (high as u64).wrapping_sub(low as u64).wrapping_sub(1);
            let draw = |g: &mut NpRandom| low.wrapping_add(g.bounded(rng) as i64);
            ints(it, shape, draw)
        }
        "permutation" => {
            let mut a = Args::bind(name, &["x"], args, kwargs)?;
            let x = a.required(0, "x")?;
            let t = match &x {
                Value::Int(_) | Value::Bool(_) => {
                    let n = size_of(int_arg(&x)?)?;
                    let vals: Vec<f64> = (0..n).map(|i| i as f64).collect();
                    Tensor::from_f64s(&[n], &vals, DType::I64)?
                }
                v => {
                    let t = it.np_tensor(v)?;
                    if t.rank() == 0 {
                        return Err(Raise::new(
                            RaiseKind::IndexError,
                            "x must be an integer or at least 1-dimensional",
                        ));
                    }
                    t
                }
            };
            Ok(Value::array(shuffled_rows(it, &t)))
        }
        "shuffle" => {
            let mut a = Args::bind(name, &["x"], args, kwargs)?;
            let x = a.required(0, "x")?;
            match &x {
                Value::List(items) => {
                    let mut items = items.lock().unwrap_or_else(|e| e.into_inner());
                    generator(it).shuffle(&mut items);
                }
                Value::Array(arr) => {
                    let t = it.np_tensor(&x)?;
                    if t.rank() > 0 {
                        arr.check_writable("array is read-only")?;
                        let out = shuffled_rows(it, &t);
                        arr.set(out);
                    }
                }
                other => {
                    return Err(Raise::type_error(format!(
                        "'{}' object does not support item assignment",
                        other.type_name()
                    )))
                }
            }
            Ok(Value::None)
        }
        "choice" => choice(it, args, kwargs),
        _ => unreachable!("np.random.{name} is in NAMES"),
    }
}

/// `np.random.seed(s)`: an integer in [0, 2**32) (a NumPy integer or a 0-d integer array too).
fn seed_of(v: &Value) -> Result<u32, Raise> {
    let s = match crate::cells::index::operator_index(v)? {
        Some(s) => s,
        None => {
            return Err(Raise::type_error(format!(
            "Cannot cast scalar from dtype('{}') to dtype('int64') according to the rule 'safe'",
            if matches!(v, Value::Float(_)) {
                "float64"
            } else {
                "O"
            }
        )))
        }
    };
    u32::try_from(s).map_err(|_| Raise::value_error("Seed must be between 0 and 2**32 - 1"))
}

fn size_of(n: i64) -> Result<usize, Raise> {
    usize::try_from(n).map_err(|_| Raise::value_error("negative dimensions are not allowed"))
}

/// `size=`: None for one value, else a shape (an int or a sequence of ints).
fn size_arg(it: &mut Interp, v: Option<Value>) -> Result<Option<Vec<usize>>, Raise> {
    v.map(|v| super::args::shape_arg(it, &v)).transpose()
}

/// A distribution's scalar parameter (an array of them is outside the subset).
fn scalar_param(it: &mut Interp, v: Option<Value>, default: f64, name: &str) -> Result<f64, Raise> {
    let Some(v) = v else {
        return Ok(default);
    };
    let t = it.np_tensor(&v)?;
    if t.rank() > 0 {
        return Err(Raise::new(
            RaiseKind::NotImplementedError,
            format!("an array as {name}= is outside the cell subset: give one number"),
        ));
    }
    Ok(t.to_f64_vec()[0])
}

/// The global generator, seeded from the system at first use.
fn generator<'a>(it: &'a mut Interp) -> &'a mut NpRandom {
    it.random.numpy_mut().get_or_insert_with(NpRandom::fresh)
}

/// Values in a float64 array of `shape`, or one Python float without a shape.
fn floats(
    it: &mut Interp,
    shape: Option<Vec<usize>>,
    mut draw: impl FnMut(&mut NpRandom) -> f64,
) -> Result<Value, Raise> {
    let Some(shape) = shape else {
        return Ok(Value::Float(draw(generator(it))));
    };
    let n = checked_numel(&shape, it.ws.ctx.limits.max_tensor_elements)?;
    let g = generator(it);
    let vals: Vec<f64> = (0..n).map(|_| draw(g)).collect();
    Ok(Value::array(Tensor::from_f64s(&shape, &vals, DType::F64)?))
}

/// Integers in an int64 array of `shape`, or one Python int without a shape.
fn ints(
    it: &mut Interp,
    shape: Option<Vec<usize>>,
    mut draw: impl FnMut(&mut NpRandom) -> i64,
) -> Result<Value, Raise> {
    let Some(shape) = shape else {
        return Ok(Value::Int(draw(generator(it))));
    };
    let n = checked_numel(&shape, it.ws.ctx.limits.max_tensor_elements)?;
    let g = generator(it);
    let vals: Vec<f64> = (0..n).map(|_| draw(g) as f64).collect();
    Ok(Value::array(Tensor::from_f64s(&shape, &vals, DType::I64)?))
}

/// `t`'s rows (its first axis) in the order of NumPy's shuffle.
fn shuffled_rows(it: &mut Interp, t: &Tensor) -> Tensor {
    let n = t.shape()[0];
    let mut order: Vec<usize> = (0..n).collect();
    generator(it).shuffle(&mut order);
    let row = t.len() / n.max(1);
    let vals = t.to_f64_vec();
    let out: Vec<f64> = order
        .iter()
        .flat_map(|&r| vals[r * row..(r + 1) * row].iter().copied())
        .collect();
    Tensor::from_f64s(t.shape(), &out, t.dtype()).expect("the same shape")
}

/// `np.random.choice(a, size=None, replace=True, p=None)`.
fn choice(it: &mut Interp, args: Vec<Value>, kwargs: Vec<(String, Value)>) -> Result<Value, Raise> {
    let mut a = Args::bind("choice", &["a", "size", "replace", "p"], args, kwargs)?;
    let pop = a.required(0, "a")?;
    let (items, n) = match &pop {
        Value::Int(_) | Value::Bool(_) => {
            let n = int_arg(&pop)?;
            if n <= 0 {
                return Err(Raise::value_error(
                    "a must be a positive integer unless no samples are taken",
                ));
            }
            (None, n as usize)
        }
        v => {
            let t = it.np_tensor(v)?;
            if t.rank() != 1 {
                return Err(Raise::value_error("a must be 1-dimensional"));
            }
            if t.is_empty() {
                return Err(Raise::value_error(
                    "'a' cannot be empty unless no samples are taken",
                ));
            }
            let n = t.len();
            (Some(t), n)
        }
    };
    let shape = size_arg(it, a.take(1))?;
    let replace = match a.take(2) {
        None => true,
        Some(v) => v.truthy()?,
    };
    let p = a.take(3).map(|v| it.np_tensor(&v)).transpose()?;
    let count = match &shape {
        Some(s) => checked_numel(s, it.ws.ctx.limits.max_tensor_elements)?,
        None => 1,
    };
    let picks: Vec<usize> = match (replace, &p) {
        (true, None) => {
            let g = generator(it);
            (0..count)
                .map(|_| g.bounded(n as u64 - 1) as usize)
                .collect()
        }
        (true, Some(p)) => {
            let p = p.to_f64_vec();
            if p.len() != n {
                return Err(Raise::value_error("'a' and 'p' must have same size"));
            }
            if p.iter().any(|&x| x < 0.0) {
                return Err(Raise::value_error("probabilities are not non-negative"));
            }
            let total: f64 = p.iter().sum();
            if (total - 1.0).abs() > f64::EPSILON.sqrt() {
                return Err(Raise::value_error("probabilities do not sum to 1"));
            }
            let mut cdf: Vec<f64> = p
                .iter()
                .scan(0.0, |acc, &x| {
                    *acc += x;
                    Some(*acc)
                })
                .collect();
            let last = cdf[n - 1];
            cdf.iter_mut().for_each(|c| *c /= last);
            let g = generator(it);
            (0..count)
                .map(|_| {
                    let u = g.mt.next_f64();
                    cdf.partition_point(|&c| c <= u)
                })
                .collect()
        }
        (false, None) => {
            if count > n {
                return Err(Raise::value_error(
                    "Cannot take a larger sample than population when 'replace=False'",
                ));
            }
            let mut order: Vec<usize> = (0..n).collect();
            generator(it).shuffle(&mut order);
            order.truncate(count);
            order
        }
        (false, Some(_)) => {
            return Err(Raise::new(
                RaiseKind::NotImplementedError,
                "np.random.choice with replace=False and p= is outside the cell subset",
            ))
        }
    };
    let Some(items) = items else {
        return match shape {
            None => Ok(Value::Int(picks[0] as i64)),
            Some(s) => {
                let vals: Vec<f64> = picks.iter().map(|&i| i as f64).collect();
                Ok(Value::array(Tensor::from_f64s(&s, &vals, DType::I64)?))
            }
        };
    };
    let vals = items.to_f64_vec();
    let chosen: Vec<f64> = picks.iter().map(|&i| vals[i]).collect();
    match shape {
        None => Ok(Value::NpScalar(Tensor::from_f64s(
            &[],
            &chosen,
            items.dtype(),
        )?)),
        Some(s) => Ok(Value::array(Tensor::from_f64s(&s, &chosen, items.dtype())?)),
    }
}
