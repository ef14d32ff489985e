//! The shape ops' forward kernels and the checks on their attributes.

use ndarray::{ArrayD, Axis, IxDyn, Slice};

use crate::engine::dtype::DType;
use crate::engine::error::{arg_err, dtype_err, shape_err, Result};
use crate::engine::kernels::{broadcast_shape, norm_axis};
use crate::engine::tensor::{checked_numel, nonzero_product, Elem, Tensor};
use crate::engine::Limits;

/// A reshape target with at most one -1, resolved against `x`'s size.
pub(super) fn infer_shape(shape: &[i64], x: &Tensor) -> Result<Vec<usize>> {
    if shape.iter().filter(|&&d| d == -1).count() > 1 {
        return Err(arg_err(format!(
            "reshape: shape {shape:?} has more than one -1; only one dimension can be inferred"
        )));
    }
    if let Some(d) = shape.iter().find(|&&d| d < -1) {
        return Err(arg_err(format!(
            "reshape: dimension {d} in {shape:?} is negative; use -1 to infer one dimension"
        )));
    }
    // TensorFlow's rule (reshape_op.h): the -1 is the input's size over the product of the
    // positive target dimensions, where a target with a 0 also leaves the input's zeros out of
    // the input's size (so [0, 3] to [-1, 0] is [3, 0]) and then rounds down unchecked (so
    // [0, 3] to [-1, 2, 0] is [1, 2, 0]).
    let known = shape
        .iter()
        .filter(|&&d| d > 0)
        .try_fold(1usize, |acc, &d| acc.checked_mul(d as usize));
    let known = known.ok_or_else(|| arg_err(format!("reshape: shape {shape:?} is too large")))?;
    let n = x.len();
    let target_has_zero = shape.contains(&0);
    let rounds_down = target_has_zero && x.shape().contains(&0);
    let size = if target_has_zero {
        // An empty input may have huge other dimensions: a product that overflows cannot fit.
        nonzero_product(x.shape())
            .ok_or_else(|| arg_err(format!("reshape: shape {:?} is too large", x.shape())))?
    } else {
        n
    };
    let fail = || {
        shape_err(format!(
            "reshape: input to reshape is a tensor with {n} values (shape {:?}), but the requested shape {shape:?} cannot hold exactly that many",
            x.shape()
        ))
    };
    shape
        .iter()
        .map(|&d| {
            if d >= 0 {
                Ok(d as usize)
            } else if !rounds_down && !size.is_multiple_of(known) {
                Err(fail())
            } else {
                Ok(size / known)
            }
        })
        .collect::<Result<Vec<usize>>>()
        .and_then(|s| {
            if s.iter().product::<usize>() == n {
                Ok(s)
            } else {
                Err(fail())
            }
        })
}

pub(super) fn check_perm(p: &[i64], rank: usize) -> Result<Vec<usize>> {
    let mut seen = vec![false; rank];
    let out: Vec<usize> = p
        .iter()
        .map(|&a| norm_axis(a, rank, "transpose"))
        .collect::<Result<_>>()?;
    if out.len() != rank || out.iter().any(|&a| std::mem::replace(&mut seen[a], true)) {
        return Err(arg_err(format!(
            "transpose: perm {p:?} is not a permutation of 0..{rank}"
        )));
    }
    Ok(out)
}

pub(super) fn same_dtype(op: &str, ins: &[&Tensor]) -> Result<()> {
    if let Some(t) = ins.iter().find(|t| t.dtype() != ins[0].dtype()) {
        return Err(dtype_err(format!(
            "{op} of {} and {}: all inputs must have one dtype (add a cast)",
            ins[0].describe(),
            t.describe()
        )));
    }
    Ok(())
}

pub(super) fn concat(ins: &[&Tensor], axis: i64) -> Result<Tensor> {
    same_dtype("concat", ins)?;
    let r = ins[0].rank();
    if r == 0 {
        return Err(shape_err(
            "concat: cannot concatenate scalars (rank 0); expand_dims them first or use stack",
        ));
    }
    let ax = norm_axis(axis, r, "concat")?;
    for t in ins {
        let ok = t.rank() == r && (0..r).all(|i| i == ax || t.shape()[i] == ins[0].shape()[i]);
        if !ok {
            return Err(shape_err(format!(
                "concat along axis {ax}: shapes {:?} and {:?} differ outside that axis",
                ins[0].shape(),
                t.shape()
            )));
        }
    }
    Ok(crate::by_dtype!(ins[0].dtype(), join(ins, ax, false)))
}

pub(super) fn stack(ins: &[&Tensor], axis: i64) -> Result<Tensor> {
    same_dtype("stack", ins)?;
    if let Some(t) = ins.iter().find(|t| t.shape() != ins[0].shape()) {
        return Err(shape_err(format!(
            "stack: shapes {:?} and {:?} differ; stacked tensors must have one shape",
            ins[0].shape(),
            t.shape()
        )));
    }
    let ax = norm_axis(axis, ins[0].rank() + 1, "stack")?;
    Ok(crate::by_dtype!(ins[0].dtype(), join(ins, ax, true)))
}

/// concat (or stack) of tensors whose dtypes and shapes were checked.
pub(super) fn join<T: Elem>(ins: &[&Tensor], ax: usize, new_axis: bool) -> Tensor {
    if let Some(out) = join_flat::<T>(ins, ax, new_axis) {
        return out;
    }
    let views: Vec<_> = ins
        .iter()
        .map(|t| T::array_in(t).expect("dtype checked").view())
        .collect();
    let out = if new_axis {
        ndarray::stack(Axis(ax), &views)
    } else {
        ndarray::concatenate(Axis(ax), &views)
    };
    Tensor::from_array(out.expect("shapes checked"))
}

/// `join` where every axis before `ax` has size 1 (a concat of vectors, a stack at axis 0) and
/// every input is in row-major order: the result's elements are then the inputs' elements one
/// after another, copied slice by slice (ndarray's general concatenate cost some 2,700
/// instructions to join a 3-vector and a 1-vector). None otherwise.
fn join_flat<T: Elem>(ins: &[&Tensor], ax: usize, new_axis: bool) -> Option<Tensor> {
    let first = T::array_in(ins[0])?.shape();
    if first[..ax].iter().any(|&d| d != 1) {
        return None;
    }
    let mut shape = first.to_vec();
    if new_axis {
        shape.insert(ax, ins.len());
    } else {
        shape[ax] = ins.iter().map(|t| t.shape()[ax]).sum();
    }
    let mut v = Vec::with_capacity(ins.iter().map(|t| t.len()).sum());
    for t in ins {
        v.extend_from_slice(T::array_in(t)?.as_slice()?);
    }
    Some(Tensor::from_array(
        crate::engine::tensor::shaped(&shape, v).expect("the parts fill the shape"),
    ))
}

pub(super) fn tile(x: &Tensor, multiples: &[i64], lim: &Limits) -> Result<Tensor> {
    if multiples.len() != x.rank() {
        return Err(arg_err(format!(
            "tile: {} multiples given for a tensor of rank {}; give one per axis",
            multiples.len(),
            x.rank()
        )));
    }
    if let Some(m) = multiples.iter().find(|&&m| m < 0) {
        return Err(arg_err(format!("tile: multiple {m} is negative")));
    }
    let shape: Vec<usize> = x
        .shape()
        .iter()
        .zip(multiples)
        .map(|(&d, &m)| d.saturating_mul(m as usize))
        .collect();
    checked_numel(&shape, lim.max_tensor_elements)?;
    fn go<T: Elem>(x: &Tensor, shape: &[usize]) -> Tensor {
        let a = T::array_in(x).expect("dtype");
        let src = a.shape().to_vec();
        let out = ArrayD::from_shape_fn(IxDyn(shape), |idx| {
            let mut i = idx.clone();
            for (k, &d) in src.iter().enumerate() {
                i[k] %= d;
            }
            a[i]
        });
        Tensor::from_array(out)
    }
    Ok(crate::by_dtype!(x.dtype(), go(x, &shape)))
}

/// Begin and size with -1 resolved, checked against the shape.
pub(super) fn slice_bounds(
    shape: &[usize],
    begin: &[i64],
    size: &[i64],
) -> Result<(Vec<usize>, Vec<usize>)> {
    if begin.len() != shape.len() || size.len() != shape.len() {
        // TensorFlow: "Expected begin and size arguments to be 1-D tensors of size 2, but got
        // shapes [1] and [1]", a shape error
        return Err(shape_err(format!(
            "slice: begin {begin:?} and size {size:?} must each have one entry per axis of shape {shape:?}"
        )));
    }
    let mut b = Vec::new();
    let mut s = Vec::new();
    for i in 0..shape.len() {
        let d = shape[i] as i64;
        let bi = begin[i];
        let si = if size[i] == -1 {
            d.saturating_sub(bi)
        } else {
            size[i]
        };
        if bi < 0 || si < 0 || bi.checked_add(si).is_none_or(|end| end > d) {
            return Err(arg_err(format!(
                "slice: on axis {i} (size {d}), begin {bi} with size {} runs outside the tensor of shape {shape:?}",
                size[i]
            )));
        }
        b.push(bi as usize);
        s.push(si as usize);
    }
    Ok((b, s))
}

pub(super) fn check_indices(idx: &[i64], dim: usize, op: &str) -> Result<()> {
    if let Some((k, v)) = idx
        .iter()
        .enumerate()
        .find(|(_, &v)| v < 0 || v as usize >= dim)
    {
        return Err(arg_err(format!(
            "{op}: indices[{k}] = {v} is not in [0, {dim})"
        )));
    }
    Ok(())
}

/// `tf.gather(params, indices, axis)`: shape params[:axis] + indices.shape + params[axis+1:].
pub(super) fn gather(x: &Tensor, indices: &Tensor, axis: i64) -> Result<Tensor> {
    let idx = indices.as_indices().ok_or_else(|| {
        dtype_err(format!(
            "gather: indices are {}; they must be int32 or int64",
            indices.describe()
        ))
    })?;
    let ax = norm_axis(axis, x.rank(), "gather")?;
    // TensorFlow's kernel checks indices only while it copies slices: with no element beside
    // the gathered axis there is nothing to copy, and no index is checked
    let beside: usize = x.shape()[..ax].iter().chain(&x.shape()[ax + 1..]).product();
    let mut shape = x.shape()[..ax].to_vec();
    shape.extend_from_slice(indices.shape());
    shape.extend_from_slice(&x.shape()[ax + 1..]);
    if beside == 0 {
        return Ok(Tensor::full(&shape, 0.0, x.dtype()));
    }
    check_indices(&idx, x.shape()[ax], "gather")?;
    let idx: Vec<usize> = idx.into_iter().map(|v| v as usize).collect();
    let picked = crate::map_any!(x, a => a.select(Axis(ax), &idx).into_shared());
    picked.reshape(&shape)
}

/// Sums slices of `g` (laid out as gather's output) into a zero tensor at `indices`.
pub(super) fn scatter_add(g: &Tensor, indices: &Tensor, axis: usize, dim: usize) -> Result<Tensor> {
    let idx = indices
        .as_indices()
        .ok_or_else(|| dtype_err("scatter_add: indices must be integers"))?;
    check_indices(&idx, dim, "scatter_add")?;
    let n = idx.len();
    let lead = &g.shape()[..axis];
    let tail = &g.shape()[axis + indices.rank()..];
    let flat: Vec<usize> = lead
        .iter()
        .copied()
        .chain([n])
        .chain(tail.iter().copied())
        .collect();
    let out_shape: Vec<usize> = lead
        .iter()
        .copied()
        .chain([dim])
        .chain(tail.iter().copied())
        .collect();
    let g = g.reshape(&flat)?;
    fn go<T: Elem>(
        g: &Tensor,
        idx: &[i64],
        axis: usize,
        out_shape: &[usize],
        add: fn(T, T) -> T,
    ) -> Tensor {
        let a = T::array_in(g).expect("dtype");
        let mut out = ArrayD::from_elem(IxDyn(out_shape), T::zero_elem());
        for (k, &i) in idx.iter().enumerate() {
            let mut dst = out.index_axis_mut(Axis(axis), i as usize);
            dst.zip_mut_with(&a.index_axis(Axis(axis), k), |d, &s| *d = add(*d, s));
        }
        Tensor::from_array(out)
    }
    // an integer or bool gradient reaches a gather only from a variable's own ResourceGather
    // (`tf.gather(v, i)` of an int or bool variable): integers wrap as TensorFlow's kernels
    // do, and bools, which TensorFlow keeps as IndexedSlices, combine as `or`
    Ok(match g.dtype() {
        DType::F32 => go::<f32>(&g, &idx, axis, &out_shape, |a, b| a + b),
        DType::F64 => go::<f64>(&g, &idx, axis, &out_shape, |a, b| a + b),
        DType::I32 => go::<i32>(&g, &idx, axis, &out_shape, i32::wrapping_add),
        DType::I64 => go::<i64>(&g, &idx, axis, &out_shape, i64::wrapping_add),
        DType::Bool => go::<bool>(&g, &idx, axis, &out_shape, |a, b| a | b),
    })
}

/// Drops the axes of size 1 (all of them, or those `axes` names, each of which must be 1).
pub(super) fn squeeze(x: &Tensor, axes: Option<&[i64]>) -> Result<Tensor> {
    let name = "squeeze";
    let s = x.shape();
    let drop: Vec<usize> = match axes {
        None => (0..s.len()).filter(|&i| s[i] == 1).collect(),
        Some(list) => list
            .iter()
            .map(|&a| norm_axis(a, s.len(), name))
            .collect::<Result<_>>()?,
    };
    if let Some(&d) = drop.iter().find(|&&d| s[d] != 1) {
        return Err(arg_err(format!(
            "squeeze: cannot squeeze axis {d} of shape {s:?}: its size is {}, not 1",
            s[d]
        )));
    }
    let keep: Vec<usize> = (0..s.len())
        .filter(|i| !drop.contains(i))
        .map(|i| s[i])
        .collect();
    x.reshape(&keep)
}

pub(super) fn broadcast_to(x: &Tensor, shape: &[usize], lim: &Limits) -> Result<Tensor> {
    if broadcast_shape(x.shape(), shape).as_deref() != Some(shape) {
        return Err(shape_err(format!(
            "broadcast_to: shape {:?} cannot broadcast to {shape:?}",
            x.shape()
        )));
    }
    checked_numel(shape, lim.max_tensor_elements)?;
    // one element (a summed gradient spread back over its input) fills the shape directly,
    // without ndarray's walk of a broadcast view
    Ok(crate::map_any!(x, a => match a.len() {
        1 => ArrayD::from_elem(IxDyn(shape), *a.first().expect("one element")).into_shared(),
        _ => a.broadcast(IxDyn(shape)).expect("checked").to_owned().into_shared(),
    }))
}

pub(super) fn slice(x: &Tensor, begin: &[i64], size: &[i64]) -> Result<Tensor> {
    if begin.is_empty() {
        // tf.slice(x, [], ...): an empty Python list becomes a float32 tensor, and slice's
        // begin and size must be int32 or int64
        return Err(dtype_err(
            "slice: begin [] becomes a float32 tensor in TensorFlow, and begin and size must be int32 or int64; give one entry per axis",
        ));
    }
    let (b, s) = slice_bounds(x.shape(), begin, size)?;
    Ok(crate::map_any!(x, a => a.slice_each_axis(|ax| {
            let i = ax.axis.index();
            Slice::from(b[i]..b[i] + s[i])
        }).to_owned().into_shared()))
}

/// Zeros around `x`: `before[i]` ahead of axis i and `after[i]` behind it.
pub(super) fn pad(x: &Tensor, before: &[usize], after: &[usize]) -> Tensor {
    let shape: Vec<usize> = x
        .shape()
        .iter()
        .zip(before.iter().zip(after))
        .map(|(d, (b, a))| d + b + a)
        .collect();
    crate::map_any!(x, a => {
        let mut out = ArrayD::from_elem(IxDyn(&shape), Elem::zero_elem());
        out.slice_each_axis_mut(|ax| {
            let i = ax.axis.index();
            Slice::from(before[i]..before[i] + x.shape()[i])
        }).assign(a);
        out.into_shared()
    })
}
