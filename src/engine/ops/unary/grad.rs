//! The VJPs of the unary ops that take more than one step, each written with the engine's own
//! ops so that a gradient is itself recorded (second derivatives), beside its derivative.
//! `x` is the input, `y` the output, `g` the incoming gradient.

use super::{Unary, SELU_SCALE, SELU_SCALE_ALPHA};
use crate::engine::autodiff::{Ctx, Val};
use crate::engine::error::Result;
use crate::engine::ops::Compare;

/// y = |x|: dy/dx = sign(x), so 0 at 0 as in TensorFlow.
pub fn abs(ctx: &mut Ctx, x: &Val, g: &Val) -> Result<Val> {
    let s = ctx.unary(Unary::Sign, x)?;
    ctx.mul(g, &s)
}

/// y = ln x: dy/dx = 1/x.
pub fn log(ctx: &mut Ctx, x: &Val, g: &Val) -> Result<Val> {
    let r = ctx.unary(Unary::Reciprocal, x)?;
    ctx.mul(g, &r)
}

/// y = ln(1 + x): dy/dx = 1/(1 + x).
pub fn log1p(ctx: &mut Ctx, x: &Val, g: &Val) -> Result<Val> {
    let one = ctx.scalar(x, 1.0);
    let d = ctx.add(&one, x)?;
    let r = ctx.unary(Unary::Reciprocal, &d)?;
    ctx.mul(g, &r)
}

/// y = x^2: dy/dx = 2x.
pub fn square(ctx: &mut Ctx, x: &Val, g: &Val) -> Result<Val> {
    let d = ctx.scale(x, 2.0)?;
    ctx.mul(g, &d)
}

/// y = 1/x: dy/dx = -y^2.
pub fn reciprocal(ctx: &mut Ctx, y: &Val, g: &Val) -> Result<Val> {
    let y2 = ctx.mul(y, y)?;
    let ng = ctx.neg(g)?;
    let gd = ctx.mul(&ng, &y2)?;
    zero_where_g_is_zero(ctx, g, &gd)
}

/// sin' = cos.
pub fn sin(ctx: &mut Ctx, x: &Val, g: &Val) -> Result<Val> {
    let c = ctx.unary(Unary::Cos, x)?;
    ctx.mul(g, &c)
}

/// cos' = -sin.
pub fn cos(ctx: &mut Ctx, x: &Val, g: &Val) -> Result<Val> {
    let s = ctx.unary(Unary::Sin, x)?;
    let ns = ctx.neg(&s)?;
    ctx.mul(g, &ns)
}

/// tanh' = 1 - y^2.
pub fn tanh(ctx: &mut Ctx, y: &Val, g: &Val) -> Result<Val> {
    let y2 = ctx.mul(y, y)?;
    let one = ctx.scalar(y, 1.0);
    let d = ctx.sub(&one, &y2)?;
    ctx.mul(g, &d)
}

/// erf' = 2/sqrt(pi) e^{-x^2}, in TensorFlow's order: (g * 2/sqrt(pi)) * exp(-square(x)).
pub fn erf(ctx: &mut Ctx, x: &Val, g: &Val) -> Result<Val> {
    let x2 = ctx.mul(x, x)?;
    let nx2 = ctx.neg(&x2)?;
    let e = ctx.unary(Unary::Exp, &nx2)?;
    let gc = ctx.scale(g, std::f64::consts::FRAC_2_SQRT_PI)?;
    ctx.mul(&gc, &e)
}

/// relu' = 1 where x > 0 (0 at the kink, as TensorFlow), read from the output y = relu(x) as
/// TensorFlow's `ReluGrad(grad, y)` reads it (y > 0 exactly where x > 0). The mask is step(y),
/// a recorded op with zero gradient, so a second derivative through it is zeros (as
/// TensorFlow's `zeros_like(y)`), not None; those zeros reach x through relu's own gradient,
/// a kernel that computes them, so in a Jacobian's graph function they are not a constant
/// Grappler folds (a product with an infinity downstream is NaN, as in TensorFlow).
pub fn relu(ctx: &mut Ctx, y: &Val, g: &Val) -> Result<Val> {
    let m = step(ctx, y)?;
    ctx.mul(g, &m)
}

/// relu6' = 1 where 0 < x < 6, read from the output y = relu6(x) as `Relu6Grad(grad, y)` (as
/// relu's).
pub fn relu6(ctx: &mut Ctx, y: &Val, g: &Val) -> Result<Val> {
    let six = ctx.scalar(y, 6.0);
    let below = ctx.sub(&six, y)?;
    let m = step(ctx, y)?;
    let m6 = step(ctx, &below)?;
    let m = ctx.mul(&m, &m6)?;
    ctx.mul(g, &m)
}

/// leaky_relu' = 1 where x > 0, alpha elsewhere, picked as TensorFlow's LeakyReluGrad picks it;
/// -0 * step(x) joins x to the result (a zero second derivative, as TensorFlow's) without
/// touching its value: adding -0 leaves every float as it is, a -0 gradient included (adding
/// +0 would make it +0).
pub fn leaky_relu(ctx: &mut Ctx, x: &Val, g: &Val, alpha: f64) -> Result<Val> {
    let pos = ctx.compare_scalar(Compare::Greater, x, 0.0)?;
    let ag = ctx.scale(g, alpha)?;
    let picked = ctx.select(&pos, g, &ag)?;
    let m = step(ctx, x)?;
    let link = ctx.scale(&m, -0.0)?;
    ctx.add(&picked, &link)
}

/// elu' = e^x = y + 1 where y < 0, else 1 (so g itself at NaN, as TensorFlow's EluGrad).
/// Written `g * where(y < 0, y + 1, 1)` so that its own gradient is TensorFlow's
/// `_EluGradGrad`: toward y, `where(y < 0, c * g, 0)`, the product taken before the pick (an
/// infinite g at y >= 0 gives 0, not inf * 0).
pub fn elu(ctx: &mut Ctx, y: &Val, g: &Val) -> Result<Val> {
    let neg = ctx.compare_scalar(Compare::Less, y, 0.0)?;
    let one = ctx.scalar(y, 1.0);
    let d = ctx.add(y, &one)?;
    let slope = ctx.select(&neg, &d, &one)?;
    ctx.mul(g, &slope)
}

/// selu' = scale where y >= 0, y + scale*alpha elsewhere; `g * where(...)` as elu's, so that
/// its gradient is TensorFlow's `_SeluGradGrad`.
pub fn selu(ctx: &mut Ctx, y: &Val, g: &Val) -> Result<Val> {
    let neg = ctx.compare_scalar(Compare::Less, y, 0.0)?;
    let sa = ctx.scalar(y, SELU_SCALE_ALPHA);
    let d = ctx.add(y, &sa)?;
    let scale = ctx.scalar(y, SELU_SCALE);
    let slope = ctx.select(&neg, &d, &scale)?;
    ctx.mul(g, &slope)
}

/// softplus' = sigmoid(x).
pub fn softplus(ctx: &mut Ctx, x: &Val, g: &Val) -> Result<Val> {
    let s = ctx.unary(Unary::Sigmoid, x)?;
    ctx.mul(g, &s)
}

/// softsign' = 1 / (1 + |x|)^2, one op as TensorFlow's SoftsignGrad (which has no gradient of
/// its own: softsign has no second derivative there).
pub fn softsign(ctx: &mut Ctx, x: &Val, g: &Val) -> Result<Val> {
    ctx.binary(crate::engine::ops::Binary::SoftsignGrad, g, x)
}

/// silu' = s (1 + x (1 - s)), s = sigmoid(x).
pub fn silu(ctx: &mut Ctx, x: &Val, g: &Val) -> Result<Val> {
    let s = ctx.unary(Unary::Sigmoid, x)?;
    let one = ctx.scalar(x, 1.0);
    let oms = ctx.sub(&one, &s)?;
    let xo = ctx.mul(x, &oms)?;
    let p = ctx.add(&one, &xo)?;
    let d = ctx.mul(&s, &p)?;
    ctx.mul(g, &d)
}

/// 1 where x > 0, else 0: a recorded op whose gradient is zero.
fn step(ctx: &mut Ctx, x: &Val) -> Result<Val> {
    ctx.unary(Unary::Step, x)
}

/// TensorFlow's SqrtGrad, RsqrtGrad and ReciprocalGrad answer 0 where the incoming gradient is
/// 0, even where the derivative is infinite (a Jacobian's zero rows at x = 0 stay 0, not NaN).
fn zero_where_g_is_zero(ctx: &mut Ctx, g: &Val, gd: &Val) -> Result<Val> {
    let is_zero = ctx.compare_scalar(Compare::Equal, g, 0.0)?;
    let zeros = ctx.zeros_like(gd);
    ctx.select(&is_zero, &zeros, gd)
}
