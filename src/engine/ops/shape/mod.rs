//! Shape ops: reshape, transpose, expand_dims, squeeze, concat, stack, tile, broadcast_to,
//! slice, gather, and the two internal ops their gradients need (pad, scatter_add).

use ndarray::IxDyn;

mod kernels;

use kernels::{
    broadcast_to, check_perm, concat, gather, infer_shape, pad, scatter_add, slice, slice_bounds,
    squeeze, stack, tile,
};

use super::Attrs;
use super::VjpArgs;
use crate::engine::autodiff::{Ctx, Val};
use crate::engine::error::{arg_err, Result};
use crate::engine::kernels::norm_axis;
use crate::engine::lit::Lit;
use crate::engine::tensor::{checked_numel, Tensor};
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

/// ResourceGather's own check, which a gather of a variable along axis 0 runs: every index
/// within the variable's first dimension, even where the gathered slices hold no element
/// (GatherV2, on a tensor, checks an index only as it copies a slice).
pub fn check_resource_gather(params: &Tensor, indices: &Tensor) -> Result<()> {
    match (params.shape().first(), indices.as_indices()) {
        (Some(&dim), Some(idx)) => kernels::check_indices(&idx, dim, "gather"),
        _ => Ok(()),
    }
}

impl ShapeOp {
    pub fn parse(name: &str, a: &Attrs) -> Result<Option<ShapeOp>> {
        Ok(Some(match name {
            "reshape" => ShapeOp::Reshape {
                // tf.reshape(x, 6) is tf.reshape(x, [6])
                shape: match a.get("shape") {
                    Some(Lit::Int(n)) => vec![*n],
                    _ => a
                        .ints("shape")?
                        .ok_or_else(|| arg_err("reshape needs \"shape\", e.g. [-1]"))?,
                },
            },
            "transpose" => ShapeOp::Transpose {
                perm: a.ints("perm")?,
            },
            "expand_dims" => ShapeOp::ExpandDims {
                axis: a.req_one_axis("axis")?,
            },
            // an empty squeeze_dims means every axis of size 1 to TensorFlow's kernel
            "squeeze" => ShapeOp::Squeeze {
                axes: a.axes("axis")?.filter(|axes| !axes.is_empty()),
            },
            "concat" => ShapeOp::Concat {
                axis: a.req_one_axis("axis")?,
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
                // the axis may name the new last position: [-rank-1, rank]
                let r = x.rank() as i64;
                if *axis < -r - 1 || *axis > r {
                    return Err(arg_err(format!(
                        "Tried to expand dim index {axis} for tensor with {r} dimensions. (expand_dims takes an axis in [{}, {r}])",
                        -r - 1
                    )));
                }
                let ax = norm_axis(*axis, x.rank() + 1, name)?;
                let mut s = x.shape().to_vec();
                s.insert(ax, 1);
                x.reshape(&s)
            }
            ShapeOp::Squeeze { axes } => squeeze(x, axes.as_deref()),
            ShapeOp::Concat { axis } => concat(ins, *axis),
            ShapeOp::Stack { axis } => stack(ins, *axis),
            ShapeOp::Tile { multiples } => tile(x, multiples, lim),
            ShapeOp::BroadcastTo { shape } => broadcast_to(x, shape, lim),
            ShapeOp::Slice { begin, size } => slice(x, begin, size),
            ShapeOp::Gather { axis } => gather(x, ins[1], *axis),
            ShapeOp::Pad { before, after } => Ok(pad(x, before, after)),
            ShapeOp::ScatterAdd { axis, dim } => scatter_add(x, ins[1], *axis, *dim),
        }
    }

    /// `g` may lead with `lead` batch dimensions; every axis below is shifted past them.
    pub fn vjp(&self, ctx: &mut Ctx, args: &VjpArgs) -> Result<Vec<Option<Val>>> {
        let (ins, g, lead) = (args.inputs, args.g, args.lead);
        let x = ins[0];
        let one = |v: Val| Ok(vec![Some(v)]);
        let slice_of_g = |begin: Vec<i64>, size: Vec<i64>| slice_past_lead(g, lead, begin, size);
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
            ShapeOp::Concat { axis } => concat_grad(ctx, args, *axis),
            ShapeOp::Stack { axis } => stack_grad(ctx, args, *axis),
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

/// A slice of `g` below its `lead` batch dimensions: zeros and the full batch lead `begin` and
/// `size`.
fn slice_past_lead(g: &Val, lead: usize, begin: Vec<i64>, size: Vec<i64>) -> ShapeOp {
    ShapeOp::Slice {
        begin: vec![0; lead].into_iter().chain(begin).collect(),
        size: g.tensor.shape()[..lead]
            .iter()
            .map(|&d| d as i64)
            .chain(size)
            .collect(),
    }
}

fn concat_grad(ctx: &mut Ctx, args: &VjpArgs, axis: i64) -> Result<Vec<Option<Val>>> {
    let (ins, g, lead) = (args.inputs, args.g, args.lead);
    let ax = norm_axis(axis, ins[0].tensor.rank(), "concat")?;
    let mut off = 0;
    let mut out = Vec::new();
    for v in ins {
        let mut begin = vec![0i64; v.tensor.rank()];
        begin[ax] = off as i64;
        let size: Vec<i64> = v.tensor.shape().iter().map(|&d| d as i64).collect();
        off += v.tensor.shape()[ax];
        let op = slice_past_lead(g, lead, begin, size);
        out.push(Some(ctx.apply(&super::Op::Shape(op), &[g])?));
    }
    Ok(out)
}

fn stack_grad(ctx: &mut Ctx, args: &VjpArgs, axis: i64) -> Result<Vec<Option<Val>>> {
    let (ins, g, lead) = (args.inputs, args.g, args.lead);
    let ax = norm_axis(axis, ins[0].tensor.rank() + 1, "stack")?;
    let mut out = Vec::new();
    for (i, v) in ins.iter().enumerate() {
        let mut begin = vec![0i64; g.tensor.rank() - lead];
        begin[ax] = i as i64;
        let mut size: Vec<i64> = g.tensor.shape()[lead..].iter().map(|&d| d as i64).collect();
        size[ax] = 1;
        let op = slice_past_lead(g, lead, begin, size);
        let s = ctx.apply(&super::Op::Shape(op), &[g])?;
        out.push(Some(ctx.reshape_lead(&s, v.tensor.shape(), lead)?));
    }
    Ok(out)
}
