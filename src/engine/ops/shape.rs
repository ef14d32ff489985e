//! Shape ops: reshape, transpose, expand_dims, squeeze, concat, stack, tile, broadcast_to,
//! slice, gather, and the two internal ops their gradients need (pad, scatter_add).

use ndarray::{ArrayD, Axis, IxDyn, Slice};

use super::Attrs;
use super::VjpArgs;
use crate::engine::autodiff::{Ctx, Val};
use crate::engine::error::{arg_err, dtype_err, shape_err, Result};
use crate::engine::kernels::{broadcast_shape, norm_axis};
use crate::engine::tensor::{checked_numel, nonzero_product, Elem, Tensor};
use crate::engine::Limits;

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum ShapeOp {
    Reshape {
        shape: Vec<i64>,
    },
    Transpose {
        perm: Option<Vec<i64>>,
    },
    ExpandDims {
        axis: i64,
    },
    Squeeze {
        axes: Option<Vec<i64>>,
    },
    Concat {
        axis: i64,
    },
    Stack {
        axis: i64,
    },
    Tile {
        multiples: Vec<i64>,
    },
    BroadcastTo {
        shape: Vec<usize>,
    },
    Slice {
        begin: Vec<i64>,
        size: Vec<i64>,
    },
    Gather {
        axis: i64,
    },
    /// Zero padding: the VJP of `slice`.
    Pad {
        before: Vec<usize>,
        after: Vec<usize>,
    },
    /// Adds rows of the first input into a zero tensor at the indices of the second: the VJP of `gather`.
    ScatterAdd {
        axis: usize,
        dim: usize,
    },
}

impl ShapeOp {
    pub fn parse(name: &str, a: &Attrs) -> Result<Option<ShapeOp>> {
        Ok(Some(match name {
            "reshape" => ShapeOp::Reshape {
                shape: a
                    .ints("shape")?
                    .ok_or_else(|| arg_err("reshape needs \"shape\", e.g. [-1]"))?,
            },
            "transpose" => ShapeOp::Transpose {
                perm: a.ints("perm")?,
            },
            "expand_dims" => ShapeOp::ExpandDims {
                axis: a.req_int("axis")?,
            },
            "squeeze" => ShapeOp::Squeeze {
                axes: a.axes("axis")?,
            },
            "concat" => ShapeOp::Concat {
                axis: a.req_int("axis")?,
            },
            "stack" => ShapeOp::Stack {
                axis: a.int("axis")?.unwrap_or(0),
            },
            "tile" => ShapeOp::Tile {
                multiples: a
                    .ints("multiples")?
                    .ok_or_else(|| arg_err("tile needs \"multiples\", one per axis"))?,
            },
            "broadcast_to" => ShapeOp::BroadcastTo {
                shape: a.shape("shape")?,
            },
            "slice" => ShapeOp::Slice {
                begin: a
                    .ints("begin")?
                    .ok_or_else(|| arg_err("slice needs \"begin\""))?,
                size: a
                    .ints("size")?
                    .ok_or_else(|| arg_err("slice needs \"size\" (-1 for the rest of an axis)"))?,
            },
            "gather" => ShapeOp::Gather {
                axis: a.int("axis")?.unwrap_or(0),
            },
            _ => return Ok(None),
        }))
    }

    pub fn name(&self) -> &'static str {
        match self {
            ShapeOp::Reshape { .. } => "reshape",
            ShapeOp::Transpose { .. } => "transpose",
            ShapeOp::ExpandDims { .. } => "expand_dims",
            ShapeOp::Squeeze { .. } => "squeeze",
            ShapeOp::Concat { .. } => "concat",
            ShapeOp::Stack { .. } => "stack",
            ShapeOp::Tile { .. } => "tile",
            ShapeOp::BroadcastTo { .. } => "broadcast_to",
            ShapeOp::Slice { .. } => "slice",
            ShapeOp::Gather { .. } => "gather",
            ShapeOp::Pad { .. } => "pad",
            ShapeOp::ScatterAdd { .. } => "scatter_add",
        }
    }

    pub fn arity(&self) -> (usize, usize) {
        match self {
            ShapeOp::Concat { .. } | ShapeOp::Stack { .. } => (1, usize::MAX),
            ShapeOp::Gather { .. } | ShapeOp::ScatterAdd { .. } => (2, 2),
            _ => (1, 1),
        }
    }

    pub fn forward(&self, ins: &[&Tensor], lim: &Limits) -> Result<Tensor> {
        let x = ins[0];
        let name = self.name();
        match self {
            ShapeOp::Reshape { shape } => {
                let to = infer_shape(shape, x)?;
                checked_numel(&to, lim.max_tensor_elements)?;
                x.reshape(&to)
            }
            ShapeOp::Transpose { perm } => {
                let perm = match perm {
                    None => (0..x.rank()).rev().collect(),
                    Some(p) => check_perm(p, x.rank())?,
                };
                Ok(crate::map_any!(x, a => a.clone().permuted_axes(IxDyn(&perm))))
            }
            ShapeOp::ExpandDims { axis } => {
                let ax = norm_axis(*axis, x.rank() + 1, name)?;
                let mut s = x.shape().to_vec();
                s.insert(ax, 1);
                x.reshape(&s)
            }
            ShapeOp::Squeeze { axes } => {
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
            ShapeOp::Concat { axis } => concat(ins, *axis),
            ShapeOp::Stack { axis } => stack(ins, *axis),
            ShapeOp::Tile { multiples } => tile(x, multiples, lim),
            ShapeOp::BroadcastTo { shape } => {
                if broadcast_shape(x.shape(), shape).as_deref() != Some(shape.as_slice()) {
                    return Err(shape_err(format!(
                        "broadcast_to: shape {:?} cannot broadcast to {shape:?}",
                        x.shape()
                    )));
                }
                checked_numel(shape, lim.max_tensor_elements)?;
                Ok(
                    crate::map_any!(x, a => a.broadcast(IxDyn(shape)).expect("checked").to_owned().into_shared()),
                )
            }
            ShapeOp::Slice { begin, size } => {
                let (b, s) = slice_bounds(x.shape(), begin, size)?;
                Ok(crate::map_any!(x, a => a.slice_each_axis(|ax| {
                    let i = ax.axis.index();
                    Slice::from(b[i]..b[i] + s[i])
                }).to_owned().into_shared()))
            }
            ShapeOp::Gather { axis } => gather(x, ins[1], *axis),
            ShapeOp::Pad { before, after } => {
                let shape: Vec<usize> = x
                    .shape()
                    .iter()
                    .zip(before.iter().zip(after))
                    .map(|(d, (b, a))| d + b + a)
                    .collect();
                Ok(crate::map_any!(x, a => {
                    let mut out = ArrayD::from_elem(IxDyn(&shape), Elem::zero_elem());
                    out.slice_each_axis_mut(|ax| {
                        let i = ax.axis.index();
                        Slice::from(before[i]..before[i] + x.shape()[i])
                    }).assign(a);
                    out.into_shared()
                }))
            }
            ShapeOp::ScatterAdd { axis, dim } => scatter_add(x, ins[1], *axis, *dim),
        }
    }

    /// `g` may lead with `lead` batch dimensions; every axis below is shifted past them.
    pub fn vjp(&self, ctx: &mut Ctx, args: &VjpArgs) -> Result<Vec<Option<Val>>> {
        let (ins, g, lead) = (args.inputs, args.g, args.lead);
        let x = ins[0];
        let one = |v: Val| Ok(vec![Some(v)]);
        let batch: Vec<i64> = g.tensor.shape()[..lead].iter().map(|&d| d as i64).collect();
        // begin/size of a slice of g: zeros and the full batch for the leading dimensions
        let slice_of_g = |begin: Vec<i64>, size: Vec<i64>| ShapeOp::Slice {
            begin: vec![0; lead].into_iter().chain(begin).collect(),
            size: batch.iter().copied().chain(size).collect(),
        };
        match self {
            ShapeOp::Reshape { .. } | ShapeOp::ExpandDims { .. } | ShapeOp::Squeeze { .. } => {
                one(ctx.reshape_lead(g, x.tensor.shape(), lead)?)
            }
            ShapeOp::Transpose { perm } => {
                let perm: Vec<usize> = match perm {
                    None => (0..x.tensor.rank()).rev().collect(),
                    Some(p) => check_perm(p, x.tensor.rank())?,
                };
                let mut inv: Vec<usize> = (0..lead).chain(vec![0; perm.len()]).collect();
                perm.iter()
                    .enumerate()
                    .for_each(|(i, &p)| inv[lead + p] = lead + i);
                one(ctx.transpose(g, &inv)?)
            }
            // each input gets its own stretch of g along the axis
            ShapeOp::Concat { axis } => {
                let ax = norm_axis(*axis, x.tensor.rank(), "concat")?;
                let mut off = 0;
                let mut out = Vec::new();
                for v in ins {
                    let mut begin = vec![0i64; v.tensor.rank()];
                    begin[ax] = off as i64;
                    let size: Vec<i64> = v.tensor.shape().iter().map(|&d| d as i64).collect();
                    off += v.tensor.shape()[ax];
                    out.push(Some(
                        ctx.apply(&super::Op::Shape(slice_of_g(begin, size)), &[g])?,
                    ));
                }
                Ok(out)
            }
            ShapeOp::Stack { axis } => {
                let ax = norm_axis(*axis, x.tensor.rank() + 1, "stack")?;
                let mut out = Vec::new();
                for (i, v) in ins.iter().enumerate() {
                    let mut begin = vec![0i64; g.tensor.rank() - lead];
                    begin[ax] = i as i64;
                    let mut size: Vec<i64> =
                        g.tensor.shape()[lead..].iter().map(|&d| d as i64).collect();
                    size[ax] = 1;
                    let s = ctx.apply(&super::Op::Shape(slice_of_g(begin, size)), &[g])?;
                    out.push(Some(ctx.reshape_lead(&s, v.tensor.shape(), lead)?));
                }
                Ok(out)
            }
            // view g as [m0, d0, m1, d1, ...] and sum over the copies
            ShapeOp::Tile { multiples } => {
                let mut split = Vec::new();
                for (&m, &d) in multiples.iter().zip(x.tensor.shape()) {
                    split.extend([m as usize, d]);
                }
                let r = ctx.reshape_lead(g, &split, lead)?;
                let axes: Vec<usize> = (lead..lead + split.len()).step_by(2).collect();
                one(ctx.reduce_sum(&r, &axes, false)?)
            }
            ShapeOp::BroadcastTo { .. } => one(ctx.unbroadcast(g, x.tensor.shape(), lead)?),
            ShapeOp::Slice { begin, size } => {
                let (b, s) = slice_bounds(x.tensor.shape(), begin, size)?;
                let after = vec![0; lead]
                    .into_iter()
                    .chain(
                        x.tensor
                            .shape()
                            .iter()
                            .zip(b.iter().zip(&s))
                            .map(|(d, (b, s))| d - b - s),
                    )
                    .collect();
                let before = vec![0; lead].into_iter().chain(b).collect();
                one(ctx.apply(&super::Op::Shape(ShapeOp::Pad { before, after }), &[g])?)
            }
            ShapeOp::Gather { axis } => {
                let ax = norm_axis(*axis, x.tensor.rank(), "gather")?;
                let op = ShapeOp::ScatterAdd {
                    axis: ax + lead,
                    dim: x.tensor.shape()[ax],
                };
                Ok(vec![
                    Some(ctx.apply(&super::Op::Shape(op), &[g, ins[1]])?),
                    None,
                ])
            }
            ShapeOp::Pad { before, .. } => {
                let begin = before.iter().map(|&b| b as i64).collect();
                let size = x.tensor.shape().iter().map(|&d| d as i64).collect();
                one(ctx.apply(&super::Op::Shape(slice_of_g(begin, size)), &[g])?)
            }
            ShapeOp::ScatterAdd { axis, .. } => {
                let op = ShapeOp::Gather {
                    axis: (*axis + lead) as i64,
                };
                let gathered = ctx.apply(&super::Op::Shape(op), &[g, ins[1]])?;
                Ok(vec![
                    Some(ctx.reshape_lead(&gathered, x.tensor.shape(), lead)?),
                    None,
                ])
            }
        }
    }
}

/// A reshape target with at most one -1, resolved against `x`'s size.
fn infer_shape(shape: &[i64], x: &Tensor) -> Result<Vec<usize>> {
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

fn check_perm(p: &[i64], rank: usize) -> Result<Vec<usize>> {
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

fn same_dtype(op: &str, ins: &[&Tensor]) -> Result<()> {
    if let Some(t) = ins.iter().find(|t| t.dtype() != ins[0].dtype()) {
        return Err(dtype_err(format!(
            "{op} of {} and {}: all inputs must have one dtype (add a cast)",
            ins[0].describe(),
            t.describe()
        )));
    }
    Ok(())
}

fn concat(ins: &[&Tensor], axis: i64) -> Result<Tensor> {
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

fn stack(ins: &[&Tensor], axis: i64) -> Result<Tensor> {
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
fn join<T: Elem>(ins: &[&Tensor], ax: usize, new_axis: bool) -> Tensor {
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

fn tile(x: &Tensor, multiples: &[i64], lim: &Limits) -> Result<Tensor> {
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
fn slice_bounds(shape: &[usize], begin: &[i64], size: &[i64]) -> Result<(Vec<usize>, Vec<usize>)> {
    if begin.len() != shape.len() || size.len() != shape.len() {
        return Err(arg_err(format!(
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

fn check_indices(idx: &[i64], dim: usize, op: &str) -> Result<()> {
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
fn gather(x: &Tensor, indices: &Tensor, axis: i64) -> Result<Tensor> {
    let idx = indices.as_indices().ok_or_else(|| {
        dtype_err(format!(
            "gather: indices are {}; they must be int32 or int64",
            indices.describe()
        ))
    })?;
    let ax = norm_axis(axis, x.rank(), "gather")?;
    check_indices(&idx, x.shape()[ax], "gather")?;
    let idx: Vec<usize> = idx.into_iter().map(|v| v as usize).collect();
    let mut shape = x.shape()[..ax].to_vec();
    shape.extend_from_slice(indices.shape());
    shape.extend_from_slice(&x.shape()[ax + 1..]);
    let picked = crate::map_any!(x, a => a.select(Axis(ax), &idx).into_shared());
    picked.reshape(&shape)
}

/// Sums slices of `g` (laid out as gather's output) into a zero tensor at `indices`.
fn scatter_add(g: &Tensor, indices: &Tensor, axis: usize, dim: usize) -> Result<Tensor> {
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
    fn go<T: Elem + std::ops::AddAssign>(
        g: &Tensor,
        idx: &[i64],
        axis: usize,
        out_shape: &[usize],
    ) -> Tensor {
        let a = T::array_in(g).expect("dtype");
        let mut out = ArrayD::from_elem(IxDyn(out_shape), T::zero_elem());
        for (k, &i) in idx.iter().enumerate() {
            let mut dst = out.index_axis_mut(Axis(axis), i as usize);
            dst.zip_mut_with(&a.index_axis(Axis(axis), k), |d, &s| *d += s);
        }
        Tensor::from_array(out)
    }
    Ok(match g.dtype() {
        crate::engine::dtype::DType::F32 => go::<f32>(&g, &idx, axis, &out_shape),
        crate::engine::dtype::DType::F64 => go::<f64>(&g, &idx, axis, &out_shape),
        d => {
            return Err(dtype_err(format!(
                "scatter_add: gradients are float, not {d}"
            )))
        }
    })
}
