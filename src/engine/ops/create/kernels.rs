//! The creation ops' forward kernels, each sized and checked against `max_tensor_elements`
//! before it allocates.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::engine::dtype::DType;
use crate::engine::error::{arg_err, dtype_err, limit_err, Result};
use crate::engine::tensor::{checked_numel, Real, Tensor};

use super::philox::{self, Distribution, Stream};
use super::RandomKind;

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

/// `random_normal` and `truncated_normal` (mean `a`, stddev `b`) or `random_uniform` (in
/// `[a, b)`; whole numbers for an integer dtype), drawn as TensorFlow's kernels draw from `stream` (`philox.rs`); without
/// one, from a seed nobody chose, as TensorFlow does without a seed.
pub fn random(
    kind: RandomKind,
    shape: &[usize],
    (a, b): (f64, f64),
    stream: Option<Stream>,
    dtype: DType,
    max: usize,
) -> Result<Tensor> {
    let n = checked_numel(shape, max)?;
    let stream = stream.unwrap_or_else(|| Stream {
        seed: fresh_seed(),
        seed2: fresh_seed(),
        skip: 0,
    });
    let normal = kind.is_normal();
    let dist = match (kind, dtype.is_float()) {
        (RandomKind::Normal, _) => Distribution::Normal,
        (RandomKind::TruncatedNormal, _) => Distribution::TruncatedNormal,
        (RandomKind::Uniform, true) => Distribution::Uniform,
        (RandomKind::Uniform, false) => Distribution::Int {
            lo: a as i64,
            hi: b as i64,
        },
    };
    let raw = philox::draw(stream, dist, dtype, n);
    // TensorFlow scales the standard draw in the dtype, in Python: `rnd * stddev + mean`,
    // `rnd * (maxval - minval) + minval`, so `uniform(minval=-1, maxval=1)` is bit for bit
    // `2 * uniform() - 1` of the same seed
    let vals: Vec<f64> = match (dtype, dist) {
        (_, Distribution::Int { .. }) => raw,
        (DType::F32, _) => {
            let (a, b) = (a as f32, b as f32);
            let (scale, shift) = if normal { (b, a) } else { (b - a, a) };
            raw.into_iter()
                .map(|r| f64::from(r as f32 * scale + shift))
                .collect()
        }
        _ => {
            let (scale, shift) = if normal { (b, a) } else { (b - a, a) };
            raw.into_iter().map(|r| r * scale + shift).collect()
        }
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
