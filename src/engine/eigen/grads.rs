//! TensorFlow's gradient kernels whose packet and scalar forms group their products differently
//! (`scalar_sigmoid_gradient_op`, `scalar_sqrt_gradient_op`, `scalar_rsqrt_gradient_op` in
//! `tensorflow/core/kernels/cwise_ops_gradients.h`). Both forms are built with the engine's own
//! ops, so a gradient of the gradient still works, and each element takes the form Eigen gives
//! its position: packets, then the tail.

use ndarray::{ArrayD, IxDyn};

use super::{F32_LANES, F64_LANES};
use crate::engine::autodiff::{Ctx, Val};
use crate::engine::dtype::DType;
use crate::engine::error::Result;
use crate::engine::ops::Compare;
use crate::engine::tensor::Tensor;

type Form<'a> = &'a dyn Fn(&mut Ctx) -> Result<Val>;

/// `packet` where the element fills a whole packet of the result, `scalar` in the tail; each
/// form is only computed where some element takes it.
pub fn packets_then_tail(ctx: &mut Ctx, like: &Val, packet: Form, scalar: Form) -> Result<Val> {
    let lanes = match like.tensor.dtype() {
        DType::F64 => F64_LANES,
        _ => F32_LANES,
    };
    let n = like.tensor.len();
    let split = n / lanes * lanes;
    if split == n {
        return packet(ctx);
    }
    if split == 0 {
        return scalar(ctx);
    }
    let p = packet(ctx)?;
    let s = scalar(ctx)?;
    let tail: Vec<bool> = (0..p.tensor.len()).map(|i| i >= split).collect();
    let tail = ArrayD::from_shape_vec(IxDyn(p.tensor.shape()), tail)
        .unwrap_or_else(|_| unreachable!("one per element"));
    let tail = ctx.constant(Tensor::from_array(tail));
    ctx.select(&tail, &s, &p)
}

/// `mul_no_nan(a, b)`: `a * b`, but 0 where `b` is 0 (even where `a` is inf or NaN).
fn mul_no_nan(ctx: &mut Ctx, a: &Val, b: &Val) -> Result<Val> {
    let ab = ctx.mul(a, b)?;
    let zero_b = ctx.compare_scalar(Compare::Equal, b, 0.0)?;
    let zeros = ctx.zeros_like(&ab);
    ctx.select(&zero_b, &zeros, &ab)
}

/// SigmoidGrad: `g * (y * (1 - y))` in packets, `(g * y) * (1 - y)` in the tail.
pub fn sigmoid(ctx: &mut Ctx, y: &Val, g: &Val) -> Result<Val> {
    let one_minus_y = |ctx: &mut Ctx| {
        let one = ctx.scalar(y, 1.0);
        ctx.sub(&one, y)
    };
    let packet = |ctx: &mut Ctx| {
        let d = one_minus_y(ctx)?;
        let d = ctx.mul(y, &d)?;
        ctx.mul(g, &d)
    };
    let scalar = |ctx: &mut Ctx| {
        let d = one_minus_y(ctx)?;
        let gy = ctx.mul(g, y)?;
        ctx.mul(&gy, &d)
    };
    packets_then_tail(ctx, g, &packet, &scalar)
}

/// SqrtGrad: `mul_no_nan(0.5 / y, g)` in packets, `g == 0 ? 0 : (0.5 * g) / y` in the tail.
pub fn sqrt(ctx: &mut Ctx, y: &Val, g: &Val) -> Result<Val> {
    let packet = |ctx: &mut Ctx| {
        let half = ctx.scalar(y, 0.5);
        let d = ctx.div(&half, y)?;
        mul_no_nan(ctx, &d, g)
    };
    let scalar = |ctx: &mut Ctx| {
        let half_g = ctx.scale(g, 0.5)?;
        let q = ctx.div(&half_g, y)?;
        zero_where_zero(ctx, g, &q)
    };
    packets_then_tail(ctx, g, &packet, &scalar)
}

/// RsqrtGrad: `mul_no_nan(-0.5 * (y * y), mul_no_nan(y, g))` in packets,
/// `g == 0 ? 0 : (-0.5 * (g * y)) * (y * y)` in the tail.
pub fn rsqrt(ctx: &mut Ctx, y: &Val, g: &Val) -> Result<Val> {
    let packet = |ctx: &mut Ctx| {
        let y2 = ctx.mul(y, y)?;
        let a = ctx.scale(&y2, -0.5)?;
        let b = mul_no_nan(ctx, y, g)?;
        mul_no_nan(ctx, &a, &b)
    };
    let scalar = |ctx: &mut Ctx| {
        let gy = ctx.mul(g, y)?;
        let a = ctx.scale(&gy, -0.5)?;
        let y2 = ctx.mul(y, y)?;
        let r = ctx.mul(&a, &y2)?;
        zero_where_zero(ctx, g, &r)
    };
    packets_then_tail(ctx, g, &packet, &scalar)
}

/// 0 where `g` is 0, else `v`: the scalar kernels' `if (output_gradient == T(0)) return 0`.
fn zero_where_zero(ctx: &mut Ctx, g: &Val, v: &Val) -> Result<Val> {
    let zero_g = ctx.compare_scalar(Compare::Equal, g, 0.0)?;
    let zeros = ctx.zeros_like(v);
    ctx.select(&zero_g, &zeros, v)
}
