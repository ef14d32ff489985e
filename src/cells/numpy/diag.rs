//! Diagonals: `np.diag` (a vector's matrix, a matrix's diagonal), `np.diagonal` and
//! `np.trace`, and the `.diagonal()` / `.trace()` methods, as NumPy 1.26 computes them. A
//! softmax's Jacobian by hand is `np.diag(a) - np.outer(a, a)`.

use crate::engine::tensor::Tensor;

use super::args::{int_arg, Args};
use super::arith::np_wrap;
use super::reduce::{reduce, Reduction};
use crate::cells::interp::Interp;
use crate::cells::raise::Raise;
use crate::cells::value::Value;

pub const NAMES: &[&str] = &["diag", "diagonal", "trace"];

/// `np.diag`, `np.diagonal` or `np.trace` (the array first), or the array method of the
/// same name (`recv` given: its parameters start after the array).
pub fn call(
    it: &mut Interp,
    recv: Option<&Value>,
    name: &str,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let params: &[&'static str] = match name {
        "diag" => &["v", "k"],
        "diagonal" => &["a", "offset", "axis1", "axis2"],
        _ => &["a", "offset", "axis1", "axis2", "dtype", "out"],
    };
    let (mut a, t) = match recv {
        Some(r) => (
            Args::bind(name, &params[1..], args, kwargs)?,
            it.np_tensor(r)?,
        ),
        None => {
            let mut a = Args::bind(name, params, args, kwargs)?;
            let t = it.np_tensor(&a.required(0, params[0])?)?;
            (a, t)
        }
    };
    // slot of parameter `k` of the function form
    let at = |k: usize| if recv.is_some() { k - 1 } else { k };
    let int_or = |a: &mut Args, k: usize, default: i64| -> Result<i64, Raise> {
        a.take(at(k))
            .map(|v| int_arg(&v))
            .transpose()
            .map(|v| v.unwrap_or(default))
    };
    let offset = int_or(&mut a, 1, 0)?;
    if name == "diag" {
        return Ok(np_wrap(match t.rank() {
            1 => matrix_of(&t, offset)?,
            2 => diagonal(&t, offset, 0, 1)?,
            _ => return Err(Raise::value_error("Input must be 1- or 2-d.")),
        }));
    }
    let (axis1, axis2) = (int_or(&mut a, 2, 0)?, int_or(&mut a, 3, 1)?);
    let d = diagonal(&t, offset, axis1, axis2)?;
    if name == "diagonal" {
        return Ok(np_wrap(d));
    }
    // the trace sums along the diagonal as `np.sum` does (ints and bools to int64)
    let last = d.rank() - 1;
    Ok(np_wrap(reduce(
        Reduction::Sum,
        &d,
        Some(vec![last]),
        false,
        0.0,
    )?))
}

/// A square matrix with `v` on its `k`-th diagonal and zeros elsewhere.
fn matrix_of(v: &Tensor, k: i64) -> Result<Tensor, Raise> {
    let n = v.len() + k.unsigned_abs() as usize;
    let (row0, col0) = if k >= 0 {
        (0, k as usize)
    } else {
        ((-k) as usize, 0)
    };
    let offsets: Vec<usize> = (0..v.len()).map(|i| (row0 + i) * n + col0 + i).collect();
    Ok(Tensor::full(&[n, n], 0.0, v.dtype()).put_flat(&offsets, v))
}

/// The `offset`-th diagonal of the planes spanned by `axis1` and `axis2`: the other axes
/// first, in order, and the diagonal last (NumPy's layout).
fn diagonal(t: &Tensor, offset: i64, axis1: i64, axis2: i64) -> Result<Tensor, Raise> {
    let rank = t.rank();
    if rank < 2 {
        return Err(Raise::value_error(
            "diag requires an array of at least two dimensions",
        ));
    }
    let norm = |ax: i64, which: &str| -> Result<usize, Raise> {
        let r = rank as i64;
        if ax < -r || ax >= r {
            return Err(Raise::new(
                crate::cells::raise::RaiseKind::AxisError,
                format!("{which}: axis {ax} is out of bounds for array of dimension {rank}"),
            ));
        }
        Ok(ax.rem_euclid(r) as usize)
    };
    let (a1, a2) = (norm(axis1, "axis1")?, norm(axis2, "axis2")?);
    if a1 == a2 {
        return Err(Raise::value_error("axis1 and axis2 cannot be the same"));
    }
    let shape = t.shape();
    let (n1, n2) = (shape[a1] as i64, shape[a2] as i64);
    let (start1, start2) = if offset >= 0 {
        (0, offset)
    } else {
        (-offset, 0)
    };
    let len = (n1 - start1).min(n2 - start2).max(0) as usize;
    let mut strides = vec![1usize; rank];
    for d in (0..rank.saturating_sub(1)).rev() {
        strides[d] = strides[d + 1] * shape[d + 1];
    }
    let others: Vec<usize> = (0..rank).filter(|&d| d != a1 && d != a2).collect();
    let mut out_shape: Vec<usize> = others.iter().map(|&d| shape[d]).collect();
    out_shape.push(len);
    let outer: usize = others.iter().map(|&d| shape[d]).product();
    let mut offsets = Vec::with_capacity(outer * len);
    for flat in 0..outer {
        // the offset of this combination of the other axes (row-major over them)
        let mut rest = flat;
        let mut base = 0;
        for &d in others.iter().rev() {
            base += (rest % shape[d]) * strides[d];
            rest /= shape[d];
        }
        for i in 0..len {
            let (p, q) = (start1 as usize + i, start2 as usize + i);
            offsets.push(base + p * strides[a1] + q * strides[a2]);
        }
    }
    Ok(t.take_flat(&offsets, &out_shape))
}
