//! Whole-array kernels shared by the ops: NumPy broadcasting and axis normalisation.

use ndarray::{ArrayD, IxDyn, Zip};

use super::error::{arg_err, Result};
use super::tensor::{Arr, Elem};

/// NumPy's broadcast of two shapes (aligned from the right, 1 stretches), or None.
pub fn broadcast_shape(a: &[usize], b: &[usize]) -> Option<Vec<usize>> {
    let n = a.len().max(b.len());
    let mut out = vec![0; n];
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
        out[i] = match (da, db) {
            (x, y) if x == y => x,
            (1, y) => y,
            (x, 1) => x,
            _ => return None,
        };
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
            return ArrayD::from_shape_vec(a.raw_dim(), v).expect("same length");
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
    if out.windows(2).any(|w| w[0] == w[1]) {
        return Err(arg_err(format!(
            "{op}: axis {axes:?} names the same axis twice"
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
