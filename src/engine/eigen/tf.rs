//! TensorFlow 2.15's elementwise kernels written over the Eigen lanes: each op's packet form
//! and its scalar (tail) form, as `tensorflow/core/kernels/*_op.h` and Eigen's functors
//! compose them. An expression with any float64 function that has no AVX packet (log1p, sin,
//! erf) runs the scalar form on every element, as Eigen's evaluator does.

use ndarray::ArrayD;

use super::{f32x8, f64x4, packets_then_tail, F32_LANES, F64_LANES};
use crate::engine::ops::Unary;
use crate::engine::tensor::Arr;

/// One elementwise kernel: what a full packet's lanes compute, and what the tail computes.
#[derive(Clone, Copy)]
pub struct Kernel<F> {
    pub packet: fn(F) -> F,
    pub scalar: fn(F) -> F,
}

impl<F: Copy + 'static> Kernel<F> {
    const fn new(packet: fn(F) -> F, scalar: fn(F) -> F) -> Kernel<F> {
        Kernel { packet, scalar }
    }

    /// The same function on every element.
    const fn scalar_only(f: fn(F) -> F) -> Kernel<F> {
        Kernel {
            packet: f,
            scalar: f,
        }
    }
}

/// `scale` and `scale * alpha` of `Selu` as TensorFlow writes them (`static_cast<T>`).
const SELU_SCALE: f64 = 1.050_700_987_355_480_5;
const SELU_SCALE_ALPHA: f64 = 1.758_099_340_847_376_9;

/// `Softplus`'s threshold `log(epsilon) + 2`: x above `-t` is x, below `t` is exp(x).
fn softplus_f32(x: f32, exp: fn(f32) -> f32, log1p: fn(f32) -> f32) -> f32 {
    let t = f32::EPSILON.ln() + 2.0;
    let e = exp(x);
    if x > -t {
        x
    } else if x < t {
        e
    } else {
        log1p(e)
    }
}

/// `Elu` and `Selu`: `exp(x) - 1` (not expm1) where x < 0.
fn elu<F: num_traits::Float>(x: F, exp: fn(F) -> F) -> F {
    if x < F::zero() {
        exp(x) - F::one()
    } else {
        x
    }
}

fn selu<F: num_traits::Float>(x: F, exp: fn(F) -> F) -> F {
    let c = |v: f64| F::from(v).unwrap_or_else(F::nan);
    if x < F::zero() {
        c(SELU_SCALE_ALPHA) * (exp(x) - F::one())
    } else {
        c(SELU_SCALE) * x
    }
}

/// `scalar_logistic_op<T>` (the generic functor: TensorFlow's float32 Sigmoid matches it, not
/// the float specialization with its own exp, on every element measured): `e / (1 + e)` with
/// `e = exp(x)`, 1 where `e` overflows.
fn logistic<F: num_traits::Float>(x: F, exp: fn(F) -> F) -> F {
    let e = exp(x);
    if e == F::infinity() {
        F::one()
    } else {
        e / (F::one() + e)
    }
}

/// `scalar_log_op` on the elements past the last whole packet: the C library's log, whose NaN
/// for a negative argument has its sign bit clear (tf.print shows nan where the packets'
/// give -nan); Rust's `ln` gives the CPU's default NaN, sign bit set.
fn scalar_log<F: num_traits::Float>(x: F) -> F {
    if x < F::zero() {
        F::nan()
    } else {
        x.ln()
    }
}

/// The float32 kernel of `op`, if TensorFlow computes it with Eigen packet math.
pub fn f32_kernel(op: &Unary) -> Option<Kernel<f32>> {
    Some(match op {
        Unary::Exp => Kernel::new(f32x8::pexp, f32::exp),
        Unary::Log => Kernel::new(f32x8::plog, scalar_log::<f32>),
        Unary::Log1p => Kernel::new(f32x8::plog1p, f32::ln_1p),
        Unary::Sin => Kernel::new(f32x8::psin, f32::sin),
        Unary::Cos => Kernel::new(f32x8::pcos, f32::cos),
        Unary::Erf => Kernel::scalar_only(f32x8::erf),
        Unary::Rsqrt => Kernel::new(f32x8::prsqrt, |x| 1.0 / x.sqrt()),
        Unary::Reciprocal => Kernel::new(f32x8::preciprocal, |x| 1.0 / x),
        Unary::Sigmoid => Kernel::new(|x| logistic(x, f32x8::pexp), |x| logistic(x, f32::exp)),
        // tf.nn.silu is x * sigmoid(x): a Mul after the Sigmoid kernel
        Unary::Silu => Kernel::new(
            |x| x * logistic(x, f32x8::pexp),
            |x| x * logistic(x, f32::exp),
        ),
        Unary::Softplus => Kernel::new(
            |x| softplus_f32(x, f32x8::pexp, f32x8::plog1p),
            |x| softplus_f32(x, f32::exp, f32::ln_1p),
        ),
        Unary::Elu => Kernel::new(|x| elu(x, f32x8::pexp), |x| elu(x, f32::exp)),
        Unary::Selu => Kernel::new(|x| selu(x, f32x8::pexp), |x| selu(x, f32::exp)),
        _ => return None,
    })
}

/// The float64 kernel of `op`, if it differs from the generic one: float64 has AVX packets
/// for exp and log only.
pub fn f64_kernel(op: &Unary) -> Option<Kernel<f64>> {
    Some(match op {
        Unary::Exp => Kernel::new(f64x4::pexp, f64::exp),
        Unary::Log => Kernel::new(f64x4::plog, scalar_log::<f64>),
        Unary::Sigmoid => Kernel::new(|x| logistic(x, f64x4::pexp), |x| logistic(x, f64::exp)),
        Unary::Silu => Kernel::new(
            |x| x * logistic(x, f64x4::pexp),
            |x| x * logistic(x, f64::exp),
        ),
        // log1p has no float64 packet, so the whole select runs scalar
        Unary::Softplus => Kernel::scalar_only(|x| {
            let t = f64::EPSILON.ln() + 2.0;
            if x > -t {
                x
            } else if x < t {
                x.exp()
            } else {
                x.exp().ln_1p()
            }
        }),
        Unary::Elu => Kernel::new(|x| elu(x, f64x4::pexp), |x| elu(x, f64::exp)),
        Unary::Selu => Kernel::new(|x| selu(x, f64x4::pexp), |x| selu(x, f64::exp)),
        Unary::Erf => Kernel::scalar_only(f64x4::libm_erf),
        _ => return None,
    })
}

/// `kernel` over `a` in TensorFlow's element order, packets first.
pub fn run<F: crate::engine::tensor::Elem>(
    kernel: Kernel<F>,
    a: &Arr<F>,
    lanes: usize,
) -> ArrayD<F> {
    let out = match a.as_slice() {
        Some(s) => packets_then_tail(s.iter().copied(), lanes, kernel.packet, kernel.scalar),
        None => packets_then_tail(a.iter().copied(), lanes, kernel.packet, kernel.scalar),
    };
    crate::engine::tensor::shaped(a.shape(), out).unwrap_or_else(|| unreachable!("one per element"))
}

/// [`run`] for float32 (8 lanes).
pub fn run_f32(kernel: Kernel<f32>, a: &Arr<f32>) -> ArrayD<f32> {
    run(kernel, a, F32_LANES)
}

/// [`run`] for float64 (4 lanes).
pub fn run_f64(kernel: Kernel<f64>, a: &Arr<f64>) -> ArrayD<f64> {
    run(kernel, a, F64_LANES)
}
