//! Elementwise unary ops: the forward kernel and VJP of each, one `match` arm apiece; a VJP of
//! more than one step is a function of its own in `grad`.

use ndarray::ArrayD;

use super::Attrs;
use super::VjpArgs;
use crate::engine::autodiff::{Ctx, FusedCheck, Val};
use crate::engine::eigen::grads as eigen_grads;
use crate::engine::eigen::tf as eigen;
use crate::engine::error::{arg_err, dtype_err, Result};
use crate::engine::kernels;
use crate::engine::tensor::{Arr, Real, Tensor};

mod grad;

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

/// The forms of a unary op's TensorFlow gradient function (`Unary::gradient_form`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GradientForm {
    /// The gradient itself, or its negation.
    Passes,
    /// `zeros_like(x)`, whatever arrives.
    Zeros,
    /// `grad * f(x)` with `Mul`: broadcasts against the input; Grappler folds a constant zero
    /// through it.
    Product,
    /// `grad * f(x)` too, broadcasting, but not folded as a product (softplus, silu).
    Broadcasts,
    /// A fused kernel on the output, `SqrtGrad(y, dy)` and its kin: the two must hold as many
    /// elements, and the result takes y's shape.
    FusedOnOutput,
    /// A fused kernel on the input, `ReluGrad(dy, x)` and its kin: the two must have the same
    /// shape.
    FusedOnInput,
    /// No gradient (`None`).
    NoGradient,
}

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
                approximate: attrs.truthy("approximate", false)?,
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

    /// What TensorFlow 2.15's gradient function of this op does with the incoming gradient:
    /// one table for every place that follows a gradient's shape (`wrong_shape.rs` for a
    /// wrong `output_gradients`, `pfor.rs` for a Jacobian's vectorized loop) or its constant
    /// folding (`cotangent.rs`).
    pub fn gradient_form(&self) -> GradientForm {
        use GradientForm::*;
        match self {
            Unary::Identity | Unary::Negative => Passes,
            // sign's (and relu's second derivative's step) gradient is zeros_like(x)
            Unary::Sign | Unary::Step => Zeros,
            Unary::Abs
            | Unary::Exp
            | Unary::Log
            | Unary::Log1p
            | Unary::Square
            | Unary::Sin
            | Unary::Cos
            | Unary::Erf => Product,
            Unary::Softplus | Unary::Silu => Broadcasts,
            Unary::Sqrt | Unary::Rsqrt | Unary::Reciprocal | Unary::Tanh | Unary::Sigmoid => {
                FusedOnOutput
            }
            Unary::Relu
            | Unary::Relu6
            | Unary::LeakyRelu(_)
            | Unary::Elu
            | Unary::Selu
            | Unary::Softsign => FusedOnInput,
            Unary::Floor
            | Unary::Ceil
            | Unary::Round
            | Unary::StopGradient
            | Unary::Gelu { .. } => NoGradient,
        }
    }

    /// Ops whose TensorFlow gradient is `grad * f(x)` (or of the output) with `Mul`: a
    /// gradient of any shape broadcasts against the input, and in a graph function a constant
    /// zero gradient is folded through the product.
    pub fn gradient_is_a_product(&self) -> bool {
        self.gradient_form() == GradientForm::Product
    }

    /// TensorFlow records `floor`, `ceil` and `round` (their gradient is `None`), not
    /// `stop_gradient`.
    pub fn recorded(&self) -> bool {
        !matches!(self, Unary::StopGradient)
    }

    /// gelu is a composite in TensorFlow (`0.5 x (1 + erf(x / sqrt 2))`); run it as one.
    /// `tf.nn.leaky_relu` of integers casts them to float32 first.
    pub fn expand(&self, ctx: &mut Ctx, inputs: &[&Val]) -> Option<Result<Val>> {
        let x = inputs[0];
        // tf.math.round returns an integer tensor itself (no op runs), so a gradient with
        // respect to that tensor reaches it
        if matches!(self, Unary::Round) && x.tensor.dtype().is_int() {
            return Some(Ok(x.clone()));
        }
        if let Unary::LeakyRelu(_) = self {
            if !x.tensor.dtype().is_int() {
                return None;
            }
            return Some(
                ctx.cast(x, crate::engine::dtype::DType::F32)
                    .and_then(|f| ctx.unary(*self, &f)),
            );
        }
        let Unary::Gelu { approximate } = *self else {
            return None;
        };
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
            // tf.nn.gelu checks its dtype in Python: a ValueError, not a kernel's TypeError
            _ if matches!(self, Unary::Gelu { .. }) => Err(arg_err(format!(
                "gelu of {}: features.dtype must be a floating point tensor; add a cast to float32",
                x.describe()
            ))),
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
                | Unary::Relu6
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
        if matches!(self, Unary::Relu | Unary::Relu6) {
            // Eigen's max(x, 0): AVX packets give +0 for -0, the scalar tail keeps x's -0
            for i in crate::engine::eigen::scalar_tail::<F>(a.shape()) {
                if a[&i] == F::zero() {
                    out[&i] = a[&i];
                }
            }
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
            // sign(±0) is +0 (Eigen's sign gives (x > 0) - (x < 0)); NaN stays NaN
            Unary::Sign => a.mapv(|x| {
                if x > zero {
                    one
                } else if x < zero {
                    -one
                } else if x == zero {
                    zero
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

    /// d/dx of each op, written with engine ops so it can be differentiated again (the
    /// derivatives of more than one step are in `grad`).
    pub fn vjp(&self, ctx: &mut Ctx, args: &VjpArgs) -> Result<Option<Val>> {
        let (x, y, g) = (args.inputs[0], args.out, args.g);
        let gx = match *self {
            Unary::StopGradient | Unary::Floor | Unary::Ceil | Unary::Round => return Ok(None),
            // y = x
            Unary::Identity => g.clone(),
            // y = -x
            Unary::Negative => ctx.neg(g)?,
            Unary::Abs => grad::abs(ctx, x, g)?,
            // piecewise constant: TensorFlow answers zeros, not None
            Unary::Sign | Unary::Step => ctx.zeros_like(g),
            // y = e^x: dy/dx = y
            Unary::Exp => ctx.mul(g, y)?,
            Unary::Log => grad::log(ctx, x, g)?,
            Unary::Log1p => grad::log1p(ctx, x, g)?,
            // y = sqrt x: dy/dx = 0.5 / y
            Unary::Sqrt => eigen_grads::sqrt(ctx, y, g)?,
            // y = x^-1/2: dy/dx = -0.5 y^3
            Unary::Rsqrt => eigen_grads::rsqrt(ctx, y, g)?,
            Unary::Square => grad::square(ctx, x, g)?,
            Unary::Reciprocal => grad::reciprocal(ctx, y, g)?,
            Unary::Sin => grad::sin(ctx, x, g)?,
            Unary::Cos => grad::cos(ctx, x, g)?,
            Unary::Tanh => grad::tanh(ctx, y, g)?,
            // sigmoid' = y (1 - y)
            Unary::Sigmoid => eigen_grads::sigmoid(ctx, y, g)?,
            Unary::Erf => grad::erf(ctx, x, g)?,
            Unary::Relu => grad::relu(ctx, y, g)?,
            Unary::Relu6 => grad::relu6(ctx, y, g)?,
            Unary::LeakyRelu(alpha) => grad::leaky_relu(ctx, x, g, alpha)?,
            Unary::Elu => grad::elu(ctx, y, g)?,
            Unary::Selu => grad::selu(ctx, y, g)?,
            Unary::Gelu { .. } => unreachable!("gelu runs as its composite"),
            Unary::Softplus => grad::softplus(ctx, x, g)?,
            Unary::Softsign => grad::softsign(ctx, x, g)?,
            Unary::Silu => grad::silu(ctx, x, g)?,
        };
        ctx.mark_fused(&gx, || self.fused_check(x, y));
        Ok(Some(gx))
    }

    /// What TensorFlow's fused gradient kernel for this op checks when it is differentiated
    /// again (`FusedCheck`); `SqrtGrad`'s own gradient only broadcasts, and `SoftsignGrad` is a
    /// recorded op of its own, with no gradient.
    fn fused_check(&self, x: &Val, y: &Val) -> Option<FusedCheck> {
        match self {
            Unary::Tanh | Unary::Sigmoid | Unary::Rsqrt | Unary::Reciprocal => {
                Some(FusedCheck::SameCount(y.tensor.shape().to_vec()))
            }
            Unary::Relu | Unary::Relu6 | Unary::LeakyRelu(_) | Unary::Elu | Unary::Selu => {
                Some(FusedCheck::SameShape(x.tensor.shape().to_vec()))
            }
            _ => None,
        }
    }
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
        Unary::Relu6 => {
            let six = I::from_num(6.0);
            a.mapv(|x| x.max(zero).min(six))
        }
        _ => a.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::ops::registry::{self, Family};

    /// Every caller finds an op through the registry, so a name this family parses that the
    /// registry lacks would be an op no program could reach.
    #[test]
    fn every_unary_name_is_in_the_registry() {
        for (name, _) in super::NAMES {
            let def = registry::lookup(name).map(|d| (d.name, d.family));
            assert_eq!(def, Some((*name, Family::Unary)), "{name}");
        }
    }
}
