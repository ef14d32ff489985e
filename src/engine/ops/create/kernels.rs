//! The creation ops' forward kernels, each sized and checked against `max_tensor_elements`
//! before it allocates.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::engine::dtype::DType;
use crate::engine::error::{arg_err, dtype_err, limit_err, Result};
use crate::engine::tensor::{checked_numel, Real, Tensor};

pub fn linspace(
    start: f64,
    stop: f64,
    num: i64,
    dtype: DType,
    cast: Option<DType>,
    max: usize,
) -> Result<Tensor> {
    if num < 0 {
        return Err(arg_err(format!("linspace: num is {num}; it must be >= 0")));
    }
    let n = checked_numel(&[num as usize], max)?;
    let t = match dtype {
        DType::F32 => linspace_in::<f32>(start as f32, stop as f32, n),
        _ => linspace_in::<f64>(start, stop, n),
    };
    Ok(match cast {
        Some(d) => t.cast(d),
        None => t,
    })
}

/// TensorFlow's linspace: the ends exact, the middle `start + i * delta` in the dtype's precision.
fn linspace_in<F: Real>(start: F, stop: F, n: usize) -> Tensor {
    let mut v = Vec::with_capacity(n);
    if n > 0 {
        v.push(start);
    }
    if n > 1 {
        let delta = (stop - start) / F::from_usize(n - 1).expect("fits");
        v.extend((1..n - 1).map(|i| start + F::from_usize(i).expect("fits") * delta));
        v.push(stop);
    }
    Tensor::from_array(ndarray::ArrayD::from_shape_vec(ndarray::IxDyn(&[n]), v).expect("length n"))
}

pub fn range(start: f64, limit: f64, delta: f64, dtype: DType, max: usize) -> Result<Tensor> {
    if ![start, limit, delta].iter().all(|v| v.is_finite()) {
        return Err(arg_err(format!(
            "range: start {start}, limit {limit} and delta {delta} must be finite numbers"
        )));
    }
    if delta == 0.0 {
        return Err(arg_err("range: delta is 0; it must be non-zero"));
    }
    if (delta > 0.0 && start > limit) || (delta < 0.0 && start < limit) {
        return Err(arg_err(format!(
            "range: start {start} and limit {limit} run against delta {delta} (TensorFlow requires start <= limit when delta > 0, start >= limit when delta < 0)"
        )));
    }
    // the element count in the range's own dtype, as TensorFlow's kernel computes it: float32
    // bounds count in float32 (range(1.0, 1.3, 0.1) has 3 elements, not 4)
    let n = match dtype {
        DType::F32 => f64::from(((limit as f32 - start as f32) / delta as f32).abs().ceil()),
        _ => ((limit - start) / delta).ceil(),
    };
    if !n.is_finite() || n > max as f64 {
        return Err(limit_err(format!(
            "range({start}, {limit}, {delta}) has {n} elements; the limit max_tensor_elements is {max}"
        )));
    }
    let n = n as usize;
    let vals: Vec<f64> = match dtype {
        // float32 ranges accumulate in float32, as TensorFlow's kernel does
        DType::F32 => (0..n)
            .map(|i| (start as f32 + i as f32 * delta as f32) as f64)
            .collect(),
        _ => (0..n).map(|i| start + i as f64 * delta).collect(),
    };
    Tensor::from_f64s(&[n], &vals, dtype)
}

pub fn eye(rows: i64, cols: i64, dtype: DType, max: usize) -> Result<Tensor> {
    if rows < 0 || cols < 0 {
        return Err(arg_err(format!(
            "eye: num_rows {rows} and num_columns {cols} must be >= 0"
        )));
    }
    let (r, c) = (rows as usize, cols as usize);
    checked_numel(&[r, c], max)?;
    let vals: Vec<f64> = (0..r * c)
        .map(|k| {
            if k / c.max(1) == k % c.max(1) {
                1.0
            } else {
                0.0
            }
        })
        .collect();
    Tensor::from_f64s(&[r, c], &vals, dtype)
}

pub fn one_hot(
    indices: &Tensor,
    depth: i64,
    dtype: DType,
    (on, off): (f64, f64),
    max: usize,
) -> Result<Tensor> {
    let idx = indices.as_indices().ok_or_else(|| {
        dtype_err(format!(
            "one_hot: indices are {}; they must be int32 or int64",
            indices.describe()
        ))
    })?;
    if depth < 0 {
        return Err(arg_err(format!(
            "one_hot: depth is {depth}; it must be >= 0"
        )));
    }
    let d = depth as usize;
    let mut shape = indices.shape().to_vec();
    shape.push(d);
    let n = checked_numel(&shape, max)?;
    let mut vals = vec![off; n];
    for (i, &k) in idx.iter().enumerate() {
        if k >= 0 && (k as usize) < d {
            vals[i * d + k as usize] = on;
        }
    }
    Tensor::from_f64s(&shape, &vals, dtype)
}

/// `random_normal` (mean `a`, stddev `b`) or `random_uniform` (in `[a, b)`; whole numbers for
/// an integer dtype).
pub fn random(
    normal: bool,
    shape: &[usize],
    (a, b): (f64, f64),
    seed: Option<u64>,
    dtype: DType,
    max: usize,
) -> Result<Tensor> {
    let n = checked_numel(shape, max)?;
    // TensorFlow draws float64 from another stream than float32 (one seed gives unrelated
    // values), then scales the raw draw in the dtype: `rnd * stddev + mean`,
    // `rnd * (maxval - minval) + minval`, so `uniform(minval=-1, maxval=1)` is bit for bit
    // `2 * uniform() - 1` of the same seed
    let seed = seed.unwrap_or_else(fresh_seed);
    let mut rng = SplitMix::new(if dtype == DType::F64 {
        seed ^ 0xD1B5_4A32_D192_ED03
    } else {
        seed
    });
    let vals: Vec<f64> = if dtype == DType::F32 {
        let (a, b) = (a as f32, b as f32);
        let (scale, shift) = if normal { (b, a) } else { (b - a, a) };
        (0..n)
            .map(|_| {
                let raw = if normal {
                    rng.normal() as f32
                } else {
                    rng.uniform_f32()
                };
                f64::from(raw * scale + shift)
            })
            .collect()
    } else if normal {
        (0..n).map(|_| rng.normal() * b + a).collect()
    } else if dtype.is_float() {
        (0..n).map(|_| rng.uniform() * (b - a) + a).collect()
    } else {
        (0..n)
            .map(|_| (a + ((b - a) * rng.uniform()).floor()).min(b - 1.0))
            .collect()
    };
    Tensor::from_f64s(shape, &vals, dtype)
}

fn fresh_seed() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0x9E37_79B9_7F4A_7C15);
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    t ^ COUNTER.fetch_add(0x6A09_E667_F3BC_C909, Ordering::Relaxed)
}

/// One step of SplitMix64 on `state`: well spread outputs even from small seeds.
pub fn splitmix_next(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// SplitMix64: small, fast, and the same sequence for the same seed on every machine.
struct SplitMix(u64);

impl SplitMix {
    fn new(seed: u64) -> SplitMix {
        SplitMix(seed)
    }
    fn next(&mut self) -> u64 {
        splitmix_next(&mut self.0)
    }
    /// Uniform in [0, 1).
    fn uniform(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Uniform in [0, 1) in float32's steps (24 random bits), as a float32 draw is made.
    fn uniform_f32(&mut self) -> f32 {
        (self.next() >> 40) as f32 / (1u32 << 24) as f32
    }
    /// Standard normal by Box-Muller.
    fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.uniform();
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }
}
