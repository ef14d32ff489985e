//! The differentiable building blocks VJPs are written with. Each runs through `Ctx::apply`,
//! so a gradient computed while another tape records is itself recorded (higher order).

use super::Compare;
use super::{Binary, Linalg, Logic, Op, Reduce, ShapeOp, Unary};
use crate::engine::autodiff::{Ctx, Val};
use crate::engine::dtype::DType;
use crate::engine::error::Result;
use crate::engine::kernels::Dims;
use crate::engine::tensor::Tensor;

impl Ctx {
    pub fn binary(&mut self, op: Binary, a: &Val, b: &Val) -> Result<Val> {
        self.apply_owned(Op::Binary(op), &[a, b])
    }
    pub fn add(&mut self, a: &Val, b: &Val) -> Result<Val> {
        self.binary(Binary::Add, a, b)
    }
    /// Two gradients of one tensor summed, recorded as TensorFlow's tape records the sum.
    pub fn add_n(&mut self, a: &Val, b: &Val) -> Result<Val> {
        self.binary(Binary::AddN, a, b)
    }
    pub fn sub(&mut self, a: &Val, b: &Val) -> Result<Val> {
        self.binary(Binary::Sub, a, b)
    }
    pub fn mul(&mut self, a: &Val, b: &Val) -> Result<Val> {
        self.binary(Binary::Mul, a, b)
    }
    pub fn div(&mut self, a: &Val, b: &Val) -> Result<Val> {
        self.binary(Binary::Div, a, b)
    }
    pub fn unary(&mut self, op: Unary, a: &Val) -> Result<Val> {
        self.apply_owned(Op::Unary(op), &[a])
    }
    pub fn neg(&mut self, a: &Val) -> Result<Val> {
        self.unary(Unary::Negative, a)
    }
    /// A rank-0 constant of `like`'s dtype (broadcasts against anything).
    pub fn scalar(&mut self, like: &Val, v: f64) -> Val {
        self.constant(Tensor::scalar(v, like.tensor.dtype()))
    }
    pub fn zeros_like(&mut self, like: &Val) -> Val {
        self.constant(Tensor::full(like.tensor.shape(), 0.0, like.tensor.dtype()))
    }
    /// `a * v` for a Python scalar `v`.
    pub fn scale(&mut self, a: &Val, v: f64) -> Result<Val> {
        let s = self.scalar(a, v);
        self.mul(a, &s)
    }
    pub fn compare(&mut self, c: Compare, a: &Val, b: &Val) -> Result<Val> {
        self.apply_owned(Op::Logic(Logic::Compare(c)), &[a, b])
    }
    /// `compare(a, v)` against a Python scalar.
    pub fn compare_scalar(&mut self, c: Compare, a: &Val, v: f64) -> Result<Val> {
        let s = self.scalar(a, v);
        self.compare(c, a, &s)
    }
    pub fn select(&mut self, cond: &Val, x: &Val, y: &Val) -> Result<Val> {
        self.apply_owned(Op::Logic(Logic::Where), &[cond, x, y])
    }
    pub fn cast(&mut self, a: &Val, dtype: DType) -> Result<Val> {
        self.apply_owned(Op::Logic(Logic::Cast(dtype)), &[a])
    }
    /// A boolean condition as 1.0/0.0 of `dtype`.
    pub fn mask(&mut self, cond: &Val, dtype: DType) -> Result<Val> {
        self.cast(cond, dtype)
    }
    pub fn reshape(&mut self, a: &Val, shape: &[usize]) -> Result<Val> {
        if a.tensor.shape() == shape {
            return Ok(a.clone());
        }
        let shape = shape.iter().map(|&d| d as i64).collect();
        self.apply_owned(Op::Shape(ShapeOp::Reshape { shape }), &[a])
    }
    pub fn broadcast_to(&mut self, a: &Val, shape: &[usize]) -> Result<Val> {
        if a.tensor.shape() == shape {
            return Ok(a.clone());
        }
        self.apply_owned(
            Op::Shape(ShapeOp::BroadcastTo {
                shape: shape.to_vec(),
            }),
            &[a],
        )
    }
    pub fn transpose(&mut self, a: &Val, perm: &[usize]) -> Result<Val> {
        let perm = Some(perm.iter().map(|&p| p as i64).collect());
        self.apply_owned(Op::Shape(ShapeOp::Transpose { perm }), &[a])
    }
    pub fn reduce_sum(&mut self, a: &Val, axes: &[usize], keepdims: bool) -> Result<Val> {
        let axes = Some(axes.iter().map(|&x| x as i64).collect());
        self.apply_owned(Op::Reduce(Reduce::sum(axes, keepdims)), &[a])
    }
    pub fn matmul(
        &mut self,
        a: &Val,
        b: &Val,
        transpose_a: bool,
        transpose_b: bool,
    ) -> Result<Val> {
        self.apply_owned(
            Op::Linalg(Linalg::MatMul {
                transpose_a,
                transpose_b,
            }),
            &[a, b],
        )
    }

    /// Sums a broadcast gradient back to an operand's shape (every binary VJP ends here).
    /// The first `lead` dimensions of `g` are a batch of cotangents and are kept.
    pub fn unbroadcast(&mut self, g: &Val, shape: &[usize], lead: usize) -> Result<Val> {
        let gs = g.tensor.shape();
        let target = lead_shape(g, shape, lead);
        if gs == &target[..] {
            return Ok(g.clone());
        }
        let extra = gs.len() - target.len();
        let axes: Dims = (lead..gs.len())
            .filter(|&i| i < lead + extra || (target[i - extra] == 1 && gs[i] != 1))
            .collect();
        let summed = if axes.is_empty() {
            g.clone()
        } else {
            self.reduce_sum(g, &axes, true)?
        };
        self.reshape(&summed, &target)
    }

    /// Reshapes `g` to `shape`, keeping its first `lead` (batch) dimensions.
    pub fn reshape_lead(&mut self, g: &Val, shape: &[usize], lead: usize) -> Result<Val> {
        let target = lead_shape(g, shape, lead);
        self.reshape(g, &target)
    }
}

/// `g`'s first `lead` dimensions followed by `shape`.
pub fn lead_shape(g: &Val, shape: &[usize], lead: usize) -> Dims {
    g.tensor.shape()[..lead]
        .iter()
        .chain(shape)
        .copied()
        .collect()
}
