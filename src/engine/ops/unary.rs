//! Elementwise unary ops: forward kernel and VJP of each, side by side.

use ndarray::ArrayD;

use super::VjpArgs;
use super::{Attrs, Compare};
use crate::engine::autodiff::{Ctx, Val};
use crate::engine::eigen::grads as eigen_grads;
use crate::engine::eigen::tf as eigen;
use crate::engine::error::{dtype_err, Result};
use crate::engine::kernels;
use crate::engine::tensor::{Arr, Real, Tensor};

const SELU_SCALE: f64 = 1.050_700_987_355_480_5;
/// TensorFlow's kernels write scale * alpha as one constant.
const SELU_SCALE_ALPHA: f64 = 1.758_099_340_847_376_9;

#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Unary {
    Identity,
    StopGradient,
    Negative,
    Abs,
    Sign,
    Exp,
    Log,
    Log1p,
    Sqrt,
    Rsqrt,
    Square,
    Reciprocal,
    Sin,
    Cos,
    Tanh,
    Sigmoid,
    Erf,
    Floor,
    Ceil,
    Round,
    Relu,
    Relu6,
    LeakyRelu(f64),
    Elu,
    Selu,
    Gelu {
        approximate: bool,
    },
    Softplus,
    Softsign,
    Silu,
    /// 1 where x > 0, else 0 (NaN gives 0): the mask in relu-like VJPs, one pass instead of
    /// sign(relu(x)). Internal: no op name reaches it; its gradient is zeros, like sign's.
    Step,
}

const NAMES: &[(&str, Unary)] = &[
    ("identity", Unary::Identity),
    ("stop_gradient", Unary::StopGradient),
    ("negative", Unary::Negative),
    ("abs", Unary::Abs),
    ("sign", Unary::Sign),
    ("exp", Unary::Exp),
    ("log", Unary::Log),
    ("log1p", Unary::Log1p),
    ("sqrt", Unary::Sqrt),
    ("rsqrt", Unary::Rsqrt),
    ("square", Unary::Square),
    ("reciprocal", Unary::Reciprocal),
    ("sin", Unary::Sin),
    ("cos", Unary::Cos),
    ("tanh", Unary::Tanh),
    ("sigmoid", Unary::Sigmoid),
    ("erf", Unary::Erf),
    ("floor", Unary::Floor),
    ("ceil", Unary::Ceil),
    ("round", Unary::Round),
    ("relu", Unary::Relu),
    ("relu6", Unary::Relu6),
    ("leaky_relu", Unary::LeakyRelu(0.2)),
    ("elu", Unary::Elu),
    ("selu", Unary::Selu),
    ("gelu", Unary::Gelu { approximate: false }),
    ("softplus", Unary::Softplus),
    ("softsign", Unary::Softsign),
    ("silu", Unary::Silu),
];

impl Unary {
    pub fn parse(name: &str, attrs: &Attrs) -> Result<Option<Unary>> {
        let Some(&(_, op)) = NAMES.iter().find(|(n, _)| *n == name) else {
            return Ok(None);
        };
        Ok(Some(match op {
            // TensorFlow's LeakyRelu takes alpha as a float32 attribute, even for float64 tensors.
            Unary::LeakyRelu(_) => {
                Unary::LeakyRelu(attrs.number("alpha")?.unwrap_or(0.2) as f32 as f64)
            }
            Unary::Gelu { .. } => Unary::Gelu {
                approximate: attrs.flag("approximate", false)?,
            },
            op => op,
        }))
    }

    pub fn name(&self) -> &'static str {
        NAMES
            .iter()
            .find(|(_, u)| std::mem::discriminant(u) == std::mem::discriminant(self))
            .map(|(n, _)| *n)
            .unwrap_or("unary")
    }

    /// `floor`, `ceil`, `round` and `stop_gradient` have no gradient in TensorFlow.
    pub fn differentiable(&self) -> bool {
        !matches!(
            self,
            Unary::StopGradient | Unary::Floor | Unary::Ceil | Unary::Round
        )
    }

    /// TensorFlow records `floor`, `ceil` and `round` (their gradient is `None`), not
    /// `stop_gradient`.
    pub fn recorded(&self) -> bool {
        !matches!(self, Unary::StopGradient)
    }

    /// gelu is a composite in TensorFlow (`0.5 x (1 + erf(x / sqrt 2))`); run it as one.
    pub fn expand(&self, ctx: &mut Ctx, inputs: &[&Val]) -> Option<Result<Val>> {
        let Unary::Gelu { approximate } = *self else {
            return None;
        };
        let x = inputs[0];
        if !x.tensor.dtype().is_float() {
            return None; // forward() reports the dtype error
        }
        Some((|| {
            let inner = if approximate {
                // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
                let x3 = ctx.scalar(x, 3.0);
                let cube = ctx.binary(super::Binary::Pow, x, &x3)?;
                // TensorFlow writes math_ops.cast(0.044715, dtype): the Python float becomes
                // a float32 tensor first, so even float64 uses the float32-rounded constant.
                let c = ctx.scale(&cube, 0.044715f32 as f64)?;
                let s = ctx.add(x, &c)?;
                let s = ctx.scale(&s, 0.797_884_560_802_865_4)?;
                ctx.unary(Unary::Tanh, &s)?
            } else {
                // math_ops.cast(1.4142135623730951, dtype): float32-rounded, as above.
                let r2 = ctx.scalar(x, std::f32::consts::SQRT_2 as f64);
                let s = ctx.div(x, &r2)?;
                ctx.unary(Unary::Erf, &s)?
            };
            let one = ctx.scalar(x, 1.0);
            let half = ctx.scale(x, 0.5)?;
            let p = ctx.add(&one, &inner)?;
            ctx.mul(&half, &p)
        })())
    }

    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        match x {
            Tensor::F32(a) => Ok(Tensor::F32(
                match (self, eigen::f32_kernel(self)) {
                    (Unary::Tanh, _) => a.mapv(kernels::tanh_f32),
                    (_, Some(k)) => eigen::run_f32(k, a).mapv_into(kernels::ftz),
                    _ => self.float(a),
                }
                .into_shared(),
            )),
            Tensor::F64(a) => Ok(Tensor::F64(
                match eigen::f64_kernel(self) {
                    Some(k) => eigen::run_f64(k, a).mapv_into(kernels::ftz),
                    None => self.float(a),
                }
                .into_shared(),
            )),
            Tensor::I32(a) if self.takes_integers() => {
                Ok(Tensor::I32(int_kernel(self, a).into_shared()))
            }
            Tensor::I64(a) if self.takes_integers() => {
                Ok(Tensor::I64(int_kernel(self, a).into_shared()))
            }
            Tensor::Bool(_) if matches!(self, Unary::Identity | Unary::StopGradient) => {
                Ok(x.clone())
            }
            _ => Err(dtype_err(format!(
                "{} of {}: {} takes {} (TensorFlow does not convert; add a cast to float32)",
                self.name(),
                x.describe(),
                self.name(),
                if self.takes_integers() {
                    "numbers, not bool"
                } else {
                    "float32 or float64"
                }
            ))),
        }
    }

    fn takes_integers(&self) -> bool {
        matches!(
            self,
            Unary::Identity
                | Unary::StopGradient
                | Unary::Negative
                | Unary::Abs
                | Unary::Sign
                | Unary::Square
                | Unary::Relu
                | Unary::Round
        )
    }

    /// Ops that compute (not copy, negate or compare) a value, whose denormal results
    /// TensorFlow flushes to zero.
    fn flushes(&self) -> bool {
        !matches!(
            self,
            Unary::Identity
                | Unary::StopGradient
                | Unary::Negative
                | Unary::Abs
                | Unary::Sign
                | Unary::Floor
                | Unary::Ceil
                | Unary::Round
                | Unary::Relu
                | Unary::Relu6
                | Unary::Step
                | Unary::Tanh
        )
    }

    fn float<F: Real>(&self, a: &Arr<F>) -> ArrayD<F> {
        let mut out = self.float_exact(a);
        if self.flushes() {
            out.mapv_inplace(kernels::ftz);
        }
        out
    }

    fn float_exact<F: Real>(&self, a: &Arr<F>) -> ArrayD<F> {
        let c = |v: f64| F::from_f64(v).expect("constant fits");
        let (zero, one) = (F::zero(), F::one());
        match *self {
            Unary::Identity | Unary::StopGradient => a.to_owned(),
            Unary::Negative => a.mapv(|x| -x),
            Unary::Abs => a.mapv(F::abs),
            Unary::Sign => a.mapv(|x| {
                if x > zero {
                    one
                } else if x < zero {
                    -one
                } else {
                    x
                }
            }),
            Unary::Exp => a.mapv(F::exp),
            Unary::Log => a.mapv(F::ln),
            Unary::Log1p => a.mapv(F::ln_1p),
            Unary::Sqrt => a.mapv(F::sqrt),
            Unary::Rsqrt => a.mapv(|x| one / x.sqrt()),
            Unary::Square => a.mapv(|x| x * x),
            Unary::Reciprocal => a.mapv(|x| one / x),
            Unary::Sin => a.mapv(F::sin),
            Unary::Cos => a.mapv(F::cos),
            Unary::Tanh => a.mapv(F::tanh),
            Unary::Sigmoid => a.mapv(|x| sigmoid(x)),
            Unary::Erf => a.mapv(Real::erf),
            Unary::Floor => a.mapv(F::floor),
            Unary::Ceil => a.mapv(F::ceil),
            Unary::Round => a.mapv(round_half_even),
            // NaN passes through, as Eigen's max(x, 0) lets it
            Unary::Relu => a.mapv(|x| if x > zero || x.is_nan() { x } else { zero }),
            Unary::Relu6 => a.mapv(|x| {
                if x.is_nan() {
                    x
                } else if x > zero {
                    x.min(c(6.0))
                } else {
                    zero
                }
            }),
            Unary::LeakyRelu(alpha) => a.mapv(|x| if x > zero { x } else { x * c(alpha) }),
            // TensorFlow's kernels compute exp(x) - 1, not expm1: elu(-1e-30) is 0
            Unary::Elu => a.mapv(|x| if x < zero { x.exp() - one } else { x }),
            Unary::Selu => a.mapv(|x| {
                if x < zero {
                    c(SELU_SCALE_ALPHA) * (x.exp() - one)
                } else {
                    c(SELU_SCALE) * x
                }
            }),
            Unary::Gelu { .. } => unreachable!("gelu runs as its composite"),
            Unary::Softplus => a.mapv(kernels::softplus),
            Unary::Softsign => a.mapv(|x| x / (one + x.abs())),
            Unary::Silu => a.mapv(|x| x * sigmoid(x)),
            Unary::Step => a.mapv(|x| if x > zero { one } else { zero }),
        }
    }

    /// d/dx of each op, written with engine ops so it can be differentiated again.
    pub fn vjp(&self, ctx: &mut Ctx, args: &VjpArgs) -> Result<Option<Val>> {
        let (x, y, g) = (args.inputs[0], args.out, args.g);
        let gx = match *self {
            Unary::StopGradient | Unary::Floor | Unary::Ceil | Unary::Round => return Ok(None),
            // y = x
            Unary::Identity => g.clone(),
            // y = -x
            Unary::Negative => ctx.neg(g)?,
            // y = |x|: dy/dx = sign(x), so 0 at 0 as in TensorFlow
            Unary::Abs => {
                let s = ctx.unary(Unary::Sign, x)?;
                ctx.mul(g, &s)?
            }
            // piecewise constant: TensorFlow answers zeros, not None
            Unary::Sign | Unary::Step => ctx.zeros_like(g),
            // y = e^x: dy/dx = y
            Unary::Exp => ctx.mul(g, y)?,
            // y = ln x: dy/dx = 1/x
            Unary::Log => {
                let r = ctx.unary(Unary::Reciprocal, x)?;
                ctx.mul(g, &r)?
            }
            // y = ln(1 + x): dy/dx = 1/(1 + x)
            Unary::Log1p => {
                let one = ctx.scalar(x, 1.0);
                let d = ctx.add(&one, x)?;
                let r = ctx.unary(Unary::Reciprocal, &d)?;
                ctx.mul(g, &r)?
            }
            // y = sqrt x: dy/dx = 0.5 / y
            Unary::Sqrt => eigen_grads::sqrt(ctx, y, g)?,
            // y = x^-1/2: dy/dx = -0.5 y^3
            Unary::Rsqrt => eigen_grads::rsqrt(ctx, y, g)?,
            // y = x^2: dy/dx = 2x
            Unary::Square => {
                let d = ctx.scale(x, 2.0)?;
                ctx.mul(g, &d)?
            }
            // y = 1/x: dy/dx = -y^2
            Unary::Reciprocal => {
                let y2 = ctx.mul(y, y)?;
                let ng = ctx.neg(g)?;
                let gd = ctx.mul(&ng, &y2)?;
                zero_where_g_is_zero(ctx, g, &gd)?
            }
            // sin' = cos, cos' = -sin
            Unary::Sin => {
                let c = ctx.unary(Unary::Cos, x)?;
                ctx.mul(g, &c)?
            }
            Unary::Cos => {
                let s = ctx.unary(Unary::Sin, x)?;
                let ns = ctx.neg(&s)?;
                ctx.mul(g, &ns)?
            }
            // tanh' = 1 - y^2
            Unary::Tanh => {
                let y2 = ctx.mul(y, y)?;
                let one = ctx.scalar(y, 1.0);
                let d = ctx.sub(&one, &y2)?;
                ctx.mul(g, &d)?
            }
            // sigmoid' = y (1 - y)
            Unary::Sigmoid => eigen_grads::sigmoid(ctx, y, g)?,
            // erf' = 2/sqrt(pi) e^{-x^2}
            // in TensorFlow's order: (g * 2/sqrt(pi)) * exp(-square(x))
            Unary::Erf => {
                let x2 = ctx.mul(x, x)?;
                let nx2 = ctx.neg(&x2)?;
                let e = ctx.unary(Unary::Exp, &nx2)?;
                let gc = ctx.scale(g, std::f64::consts::FRAC_2_SQRT_PI)?;
                ctx.mul(&gc, &e)?
            }
            // relu' = 1 where x > 0 (0 at the kink, as TensorFlow). The mask is step(x),
            // a recorded op of x with zero gradient, so a second derivative through
            // it is zeros (as TensorFlow's ReluGrad gives), not None.
            Unary::Relu => {
                let m = step(ctx, x)?;
                ctx.mul(g, &m)?
            }
            // relu6' = 1 where 0 < x < 6
            Unary::Relu6 => {
                let six = ctx.scalar(x, 6.0);
                let below = ctx.sub(&six, x)?;
                let m = step(ctx, x)?;
                let m6 = step(ctx, &below)?;
                let m = ctx.mul(&m, &m6)?;
                ctx.mul(g, &m)?
            }
            // leaky_relu' = 1 where x > 0, alpha elsewhere; 0 * step(x) joins x to the result
            // (a zero second derivative, as TensorFlow's) without touching its value
            Unary::LeakyRelu(alpha) => {
                let pos = ctx.compare_scalar(Compare::Greater, x, 0.0)?;
                let ag = ctx.scale(g, alpha)?;
                let picked = ctx.select(&pos, g, &ag)?;
                let m = step(ctx, x)?;
                let link = ctx.scale(&m, 0.0)?;
                ctx.add(&picked, &link)?
            }
            // elu' = e^x = y + 1 where y < 0, else 1 (so g itself at NaN, as TensorFlow's EluGrad)
            Unary::Elu => {
                let neg = ctx.compare_scalar(Compare::Less, y, 0.0)?;
                let one = ctx.scalar(y, 1.0);
                let d = ctx.add(y, &one)?;
                let gd = ctx.mul(g, &d)?;
                ctx.select(&neg, &gd, g)?
            }
            // selu' = scale where y >= 0, y + scale*alpha elsewhere
            Unary::Selu => {
                let neg = ctx.compare_scalar(Compare::Less, y, 0.0)?;
                let sa = ctx.scalar(y, SELU_SCALE_ALPHA);
                let d = ctx.add(y, &sa)?;
                let gn = ctx.mul(g, &d)?;
                let gp = ctx.scale(g, SELU_SCALE)?;
                ctx.select(&neg, &gn, &gp)?
            }
            Unary::Gelu { .. } => unreachable!("gelu runs as its composite"),
            // softplus' = sigmoid(x)
            Unary::Softplus => {
                let s = ctx.unary(Unary::Sigmoid, x)?;
                ctx.mul(g, &s)?
            }
            // softsign' = 1 / (1 + |x|)^2
            Unary::Softsign => {
                let a = ctx.unary(Unary::Abs, x)?;
                let one = ctx.scalar(x, 1.0);
                let d = ctx.add(&one, &a)?;
                let d2 = ctx.mul(&d, &d)?;
                ctx.div(g, &d2)?
            }
            // silu' = s (1 + x (1 - s)), s = sigmoid(x)
            Unary::Silu => {
                let s = ctx.unary(Unary::Sigmoid, x)?;
                let one = ctx.scalar(x, 1.0);
                let oms = ctx.sub(&one, &s)?;
                let xo = ctx.mul(x, &oms)?;
                let p = ctx.add(&one, &xo)?;
                let d = ctx.mul(&s, &p)?;
                ctx.mul(g, &d)?
            }
        };
        Ok(Some(gx))
    }
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

fn sigmoid<F: Real>(x: F) -> F {
    F::one() / (F::one() + (-x).exp())
}

/// Round half to even (banker's rounding), as `tf.round`.
fn round_half_even<F: Real>(x: F) -> F {
    let r = x.round();
    let two = F::one() + F::one();
    if (x - x.trunc()).abs() == F::from_f64(0.5).expect("0.5") {
        two * (x / two).round()
    } else {
        r
    }
}

/// Integer kernels wrap on overflow, as TensorFlow's do (never a panic).
fn int_kernel<I>(op: &Unary, a: &Arr<I>) -> ArrayD<I>
where
    I: crate::engine::tensor::Elem + Ord + num_traits::WrappingMul + num_traits::WrappingNeg,
{
    let (zero, one) = (I::zero_elem(), I::one_elem());
    match op {
        Unary::Negative => a.mapv(|x| x.wrapping_neg()),
        Unary::Abs => a.mapv(|x| if x < zero { x.wrapping_neg() } else { x }),
        Unary::Sign => a.mapv(|x| {
            if x > zero {
                one
            } else if x < zero {
                one.wrapping_neg()
            } else {
                zero
            }
        }),
        Unary::Square => a.mapv(|x| x.wrapping_mul(&x)),
        Unary::Relu => a.mapv(|x| x.max(zero)),
        _ => a.to_owned(),
    }
}
