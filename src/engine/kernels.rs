//! Whole-array kernels shared by the ops: NumPy broadcasting, axis normalisation, and the
//! scalar float kernels where TensorFlow's (Eigen's) results differ from libm's.

use ndarray::{ArrayD, IxDyn, Zip};
use smallvec::SmallVec;

use super::error::{arg_err, Result};
use super::tensor::{shaped, Arr, Elem};

/// A shape held inline up to rank 4: every binary op computes one, and a vector was a heap
/// allocation per op.
pub type Dims = SmallVec<[usize; 4]>;

/// NumPy's broadcast of two shapes (aligned from the right, 1 stretches), or None.
pub fn broadcast_shape(a: &[usize], b: &[usize]) -> Option<Vec<usize>> {
    broadcast_dims(a, b).map(Dims::into_vec)
}

/// The axes of `out` that broadcasting `x` to it stretched (or added in front): those a
/// broadcast's gradient sums over.
pub fn broadcast_axes<'a>(x: &'a [usize], out: &'a [usize]) -> impl Iterator<Item = usize> + 'a {
    let lead = out.len().saturating_sub(x.len());
    (0..out.len()).filter(move |&a| a < lead || (x[a - lead] == 1 && out[a] != 1))
}

/// The elements of a tensor of shape `shape` summed over `axes` with their dimensions kept.
pub fn elements_summed_over(shape: &[usize], axes: &[usize]) -> usize {
    shape
        .iter()
        .enumerate()
        .map(|(i, &d)| if axes.contains(&i) { 1 } else { d })
        .product()
}

/// `broadcast_shape`, inline.
pub fn broadcast_dims(a: &[usize], b: &[usize]) -> Option<Dims> {
    let n = a.len().max(b.len());
    let mut out = Dims::with_capacity(n);
    for i in 0..n {
        let da = if i + a.len() >= n {
            a[i + a.len() - n]
        } else {
            1
        };
        let db = if i + b.len() >= n {
            b[i + b.len() - n]
        } else {
            1
        };
        out.push(match (da, db) {
            (x, y) if x == y => x,
            (1, y) => y,
            (x, 1) => x,
            _ => return None,
        });
    }
    Some(out)
}

/// Elementwise `f` over two arrays of one broadcast shape (checked by the caller).
pub fn zip2<A: Elem, B: Elem, C: Elem>(
    a: &Arr<A>,
    b: &Arr<B>,
    shape: &[usize],
    f: impl Fn(A, B) -> C,
) -> ArrayD<C> {
    if a.shape() == b.shape() {
        // Both in standard layout (the usual case): one loop over two slices, without Zip's
        // per-call layout analysis (most of a small op's cost) and easy to vectorise.
        if let (Some(x), Some(y)) = (a.as_slice(), b.as_slice()) {
            let v = x.iter().zip(y).map(|(&x, &y)| f(x, y)).collect();
            return shaped(a.shape(), v).expect("same length");
        }
        return Zip::from(a).and(b).map_collect(|&x, &y| f(x, y));
    }
    if b.ndim() == 0 {
        let y = b.first().copied().expect("rank 0 has one element");
        return a.mapv(|x| f(x, y));
    }
    if a.ndim() == 0 {
        let x = a.first().copied().expect("rank 0 has one element");
        return b.mapv(|y| f(x, y));
    }
    let dim = IxDyn(shape);
    let av = a.broadcast(dim.clone()).expect("broadcast checked");
    let bv = b.broadcast(dim).expect("broadcast checked");
    Zip::from(&av).and(&bv).map_collect(|&x, &y| f(x, y))
}

/// Elementwise `f` over three arrays broadcast to `shape` (checked by the caller).
pub fn zip3<A: Elem, B: Elem, C: Elem, D: Elem>(
    a: &Arr<A>,
    b: &Arr<B>,
    c: &Arr<C>,
    shape: &[usize],
    f: impl Fn(A, B, C) -> D,
) -> ArrayD<D> {
    let dim = IxDyn(shape);
    let av = a.broadcast(dim.clone()).expect("broadcast checked");
    let bv = b.broadcast(dim.clone()).expect("broadcast checked");
    let cv = c.broadcast(dim).expect("broadcast checked");
    Zip::from(&av)
        .and(&bv)
        .and(&cv)
        .map_collect(|&x, &y, &z| f(x, y, z))
}

/// One axis attribute made non-negative, as TensorFlow accepts `-rank..rank`.
pub fn norm_axis(axis: i64, rank: usize, op: &str) -> Result<usize> {
    let r = rank as i64;
    if axis < -r || axis >= r {
        return Err(arg_err(format!(
            "{op}: axis {axis} is out of range for a tensor of rank {rank}; use an axis in [{}, {})",
            -r,
            r
        )));
    }
    Ok(if axis < 0 {
        (axis + r) as usize
    } else {
        axis as usize
    })
}

/// Axis list for a reduction: None means every axis; duplicates are refused.
pub fn norm_axes(axes: &Option<Vec<i64>>, rank: usize, op: &str) -> Result<Vec<usize>> {
    let mut out: Vec<usize> = match axes {
        None => (0..rank).collect(),
        Some(list) => list
            .iter()
            .map(|&a| norm_axis(a, rank, op))
            .collect::<Result<_>>()?,
    };
    out.sort_unstable();
    if let Some(w) = out.windows(2).find(|w| w[0] == w[1]) {
        return Err(arg_err(format!(
            "Invalid reduction arguments: Axes contains duplicate dimension: {} ({op} names each axis once)",
            w[0]
        )));
    }
    Ok(out)
}

/// The shape a reduction keeps: reduced axes become 1 (`keepdims=True`).
pub fn keepdims_shape(shape: &[usize], axes: &[usize]) -> Vec<usize> {
    shape
        .iter()
        .enumerate()
        .map(|(i, &d)| if axes.contains(&i) { 1 } else { d })
        .collect()
}

/// The shape a reduction gives: reduced axes dropped, or kept as 1.
pub fn reduced_shape(shape: &[usize], axes: &[usize], keepdims: bool) -> Vec<usize> {
    if keepdims {
        return keepdims_shape(shape, axes);
    }
    shape
        .iter()
        .enumerate()
        .filter(|(i, _)| !axes.contains(i))
        .map(|(_, &d)| d)
        .collect()
}

/// Denormal results become zero (keeping the sign): TensorFlow's CPU kernels run with the
/// flush-to-zero flag set, so `exp(-88.5)` or `1e-30 * 1e-9` in float32 is exactly 0.
pub fn ftz<F: num_traits::Float>(x: F) -> F {
    if x != F::zero() && x.abs() < F::min_positive_value() {
        F::zero() * x.signum()
    } else {
        x
    }
}

/// Eigen's float32 `tanh` (`generic_fast_tanh_float`, built without FMA as TensorFlow 2.15's
/// CPU wheel is): a rational approximation on the input clamped to +-7.90531, so the result is
/// exactly +-1 beyond it (and `1 - tanh^2`, the gradient, exactly 0); bit-exact with TensorFlow.
pub fn tanh_f32(a: f32) -> f32 {
    const CLAMP: f32 = 7.905_311;
    const ALPHA: [f32; 7] = [
        0.004_893_524_6,
        0.000_637_261_95,
        1.485_722_35e-5,
        5.122_297_3e-8,
        -8.604_672e-11,
        2.000_188e-13,
        -2.760_768_4e-16,
    ];
    const BETA: [f32; 4] = [
        0.004_893_525,
        0.002_268_434_7,
        0.000_118_534_71,
        1.198_258_4e-6,
    ];
    if a.abs() < 0.0004 {
        return a;
    }
    let x = a.clamp(-CLAMP, CLAMP);
    let x2 = x * x;
    let mut p = x2 * ALPHA[6] + ALPHA[5];
    for c in ALPHA[..5].iter().rev() {
        p = x2 * p + c;
    }
    let p = x * p;
    let q = x2 * BETA[3] + BETA[2];
    let q = x2 * q + BETA[1];
    let q = x2 * q + BETA[0];
    p / q
}

/// TensorFlow's Softplus kernel: `x` above `-t`, `exp(x)` below `t`, else `log(exp(x) + 1)`
/// (not `log1p`: in float32 it rounds `1 + e` first, a relative error up to 1e-3 near x = -13),
/// with `t = log(epsilon) + 2`.
pub fn softplus<F: num_traits::Float>(x: F) -> F {
    let t = F::epsilon().ln() + (F::one() + F::one());
    if x > -t {
        x
    } else if x < t {
        ftz(x.exp())
    } else {
        ftz((x.exp() + F::one()).ln())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numpy_broadcasting() {
        assert_eq!(broadcast_shape(&[3, 1], &[1, 4]), Some(vec![3, 4]));
        assert_eq!(broadcast_shape(&[2, 3, 4], &[3, 1]), Some(vec![2, 3, 4]));
        assert_eq!(broadcast_shape(&[], &[2, 2]), Some(vec![2, 2]));
        assert_eq!(broadcast_shape(&[2, 3], &[4]), None);
        assert_eq!(norm_axis(-1, 3, "t").unwrap(), 2);
        assert!(norm_axis(3, 3, "t").is_err());
    }
}
