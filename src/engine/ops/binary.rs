//! Broadcasting arithmetic: add, subtract, multiply, divide, pow, maximum, minimum,
//! squared_difference, floordiv, floormod. Every VJP ends in `unbroadcast`, as burn does it.

use ndarray::ArrayD;
use num_traits::{CheckedDiv, CheckedRem, WrappingAdd, WrappingMul, WrappingSub};

use super::VjpArgs;
use super::{Compare, Unary};
use crate::engine::autodiff::{Ctx, Val};
use crate::engine::dtype::DType;
use crate::engine::error::{arg_err, dtype_err, no_gradient_err, shape_err, Result};
use crate::engine::kernels::{broadcast_dims, zip2, Dims};
use crate::engine::tensor::{Arr, Elem, Real, Tensor};

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Binary {
    Add,
    Sub,
    Mul,
    Div,
    Pow,
    Max,
    Min,
    SquaredDifference,
    /// Python's `//` (TensorFlow's `FloorDiv`): recorded, with a gradient of `None`.
    FloorDiv,
    /// Python's `%` (TensorFlow's `FloorMod`): the remainder takes the divisor's sign.
    FloorMod,
    /// Internal: softsign's VJP, `g / (1 + |x|)^2` as one op (TensorFlow's `SoftsignGrad`),
    /// which TensorFlow registers no gradient for.
    SoftsignGrad,
    /// Internal: two gradients reaching one tensor summed, as TensorFlow's tape sums them
    /// (`AddN`): an add whose own gradient hands the cotangent to both inputs as it is, even
    /// one of another shape (`wrong_shape`).
    AddN,
}

impl Binary {
    pub fn parse(name: &str) -> Option<Binary> {
        Some(match name {
            "add" => Binary::Add,
            "subtract" => Binary::Sub,
            "multiply" => Binary::Mul,
            "divide" => Binary::Div,
            "pow" => Binary::Pow,
            "maximum" => Binary::Max,
            "minimum" => Binary::Min,
            "squared_difference" => Binary::SquaredDifference,
            "floordiv" => Binary::FloorDiv,
            "floormod" => Binary::FloorMod,
            _ => return None,
        })
    }

    pub fn name(&self) -> &'static str {
        match self {
            Binary::Add => "add",
            Binary::Sub => "subtract",
            Binary::Mul => "multiply",
            Binary::Div => "divide",
            Binary::Pow => "pow",
            Binary::Max => "maximum",
            Binary::Min => "minimum",
            Binary::SquaredDifference => "squared_difference",
            Binary::FloorDiv => "floordiv",
            Binary::FloorMod => "floormod",
            Binary::SoftsignGrad => "softsign_grad",
            Binary::AddN => "add_n",
        }
    }

    /// TensorFlow registers `None` as FloorDiv's gradient: `x // y` is recorded, but no
    /// gradient passes through it.
    pub fn differentiable(&self) -> bool {
        *self != Binary::FloorDiv
    }

    pub fn forward(&self, a: &Tensor, b: &Tensor) -> Result<Tensor> {
        let shape = check_operands(self.name(), a, b)?;
        if a.dtype() == DType::Bool {
            return Err(dtype_err(format!(
                "{} of {} and {}: {} takes numbers, not bool (cast to float32 or int32 first)",
                self.name(),
                a.describe(),
                b.describe(),
                self.name()
            )));
        }
        Ok(match (a, b) {
            (Tensor::F32(x), Tensor::F32(y)) => Tensor::F32(self.float(x, y, &shape).into_shared()),
            (Tensor::F64(x), Tensor::F64(y)) => Tensor::F64(self.float(x, y, &shape).into_shared()),
            // Integer true division gives float64, as Python 3's `/` does in TensorFlow.
            (Tensor::I32(_), Tensor::I32(_)) | (Tensor::I64(_), Tensor::I64(_))
                if *self == Binary::Div =>
            {
                let (x, y) = (a.cast(DType::F64), b.cast(DType::F64));
                return self.forward(&x, &y);
            }
            (Tensor::I32(x), Tensor::I32(y)) => Tensor::I32(self.int(x, y, &shape)?.into_shared()),
            (Tensor::I64(x), Tensor::I64(y)) => Tensor::I64(self.int(x, y, &shape)?.into_shared()),
            _ => unreachable!("dtypes checked equal and not bool"),
        })
    }

    fn float<F: Real>(&self, a: &Arr<F>, b: &Arr<F>, shape: &[usize]) -> ArrayD<F> {
        match self {
            Binary::Add | Binary::AddN => zip2(a, b, shape, |x, y| x + y),
            Binary::Sub => zip2(a, b, shape, |x, y| x - y),
            Binary::Mul => zip2(a, b, shape, |x, y| x * y),
            Binary::Div => zip2(a, b, shape, |x, y| x / y),
            // Eigen's `generic_pow` on whole packets of the flat output, `std::pow` on the tail
            Binary::Pow => {
                let mut out = zip2(a, b, shape, crate::engine::eigen::pow::ppow);
                scalar_tail_with(&mut out, a, b, shape, |x, y| x.powf(y));
                out
            }
            Binary::Max => max_min(a, b, shape, |x, y| x > y),
            Binary::Min => max_min(a, b, shape, |x, y| x < y),
            Binary::SquaredDifference => zip2(a, b, shape, |x, y| (x - y) * (x - y)),
            // Eigen's `google_floor_div_real`
            Binary::FloorDiv => zip2(a, b, shape, |x, y| (x / y).floor()),
            // `google_floor_fmod`: fmod (Rust's `%`), moved to the divisor's sign
            Binary::FloorMod => zip2(a, b, shape, |x, y| {
                let m = x % y;
                if m != F::zero() && ((y < F::zero()) != (m < F::zero())) {
                    m + y
                } else {
                    m
                }
            }),
            Binary::SoftsignGrad => zip2(a, b, shape, |g, x| {
                let d = F::one() + x.abs();
                g / (d * d)
            }),
        }
    }

    fn int<I>(&self, a: &Arr<I>, b: &Arr<I>, shape: &[usize]) -> Result<ArrayD<I>>
    where
        I: Elem
            + Ord
            + WrappingAdd
            + WrappingSub
            + WrappingMul
            + CheckedDiv
            + CheckedRem
            + TryInto<u32>
            + Copy,
    {
        let zero = I::zero_elem();
        Ok(match self {
            Binary::Add | Binary::AddN => zip2(a, b, shape, |x, y| x.wrapping_add(&y)),
            Binary::Sub => zip2(a, b, shape, |x, y| x.wrapping_sub(&y)),
            Binary::Mul => zip2(a, b, shape, |x, y| x.wrapping_mul(&y)),
            Binary::Max => zip2(a, b, shape, |x, y| x.max(y)),
            Binary::Min => zip2(a, b, shape, |x, y| x.min(y)),
            Binary::SquaredDifference => zip2(a, b, shape, |x, y| {
                x.wrapping_sub(&y).wrapping_mul(&x.wrapping_sub(&y))
            }),
            Binary::Pow => {
                if b.iter().any(|&y| y < I::zero_elem()) {
                    return Err(arg_err("pow: integers to negative integer powers are not allowed (cast to float32 first)"));
                }
                zip2(a, b, shape, |x, y| {
                    let mut acc = I::one_elem();
                    let e: u32 = y.try_into().unwrap_or(u32::MAX);
                    // Square-and-multiply with wrapping, so huge exponents finish quickly.
                    let (mut base, mut e) = (x, e);
                    while e > 0 {
                        if e & 1 == 1 {
                            acc = acc.wrapping_mul(&base);
                        }
                        base = base.wrapping_mul(&base);
                        e >>= 1;
                    }
                    acc
                })
            }
            Binary::FloorDiv | Binary::FloorMod => {
                // the kernel stops at a zero divisor it meets: one broadcast into no elements
                // is never met
                let n: usize = shape.iter().product();
                if n > 0 && b.iter().any(|&y| y == zero) {
                    return Err(arg_err(format!(
                        "{}: integer division by zero (TensorFlow's {} kernel refuses it; cast to a float dtype for inf or NaN)",
                        self.name(),
                        if *self == Binary::FloorDiv { "FloorDiv" } else { "FloorMod" }
                    )));
                }
                // only MIN / -1 overflows: it wraps, to MIN and a remainder of 0
                let rem = |x: I, y: I| x.checked_rem(&y).unwrap_or(zero);
                let moved = |r: I, y: I| r != zero && ((r < zero) != (y < zero));
                if *self == Binary::FloorDiv {
                    zip2(a, b, shape, |x, y| {
                        let q = x.checked_div(&y).unwrap_or(x);
                        if moved(rem(x, y), y) {
                            q.wrapping_sub(&I::one_elem())
                        } else {
                            q
                        }
                    })
                } else {
                    zip2(a, b, shape, |x, y| {
                        let r = rem(x, y);
                        if moved(r, y) {
                            r.wrapping_add(&y)
                        } else {
                            r
                        }
                    })
                }
            }
            Binary::Div => unreachable!("integer division is done in float64"),
            Binary::SoftsignGrad => unreachable!("softsign takes floats only"),
        })
    }

    pub fn vjp(&self, ctx: &mut Ctx, args: &VjpArgs) -> Result<Vec<Option<Val>>> {
        let (a, b, z, g, lead) = (args.inputs[0], args.inputs[1], args.out, args.g, args.lead);
        let (ga, gb) = match self {
            // z = a + b
            Binary::Add | Binary::AddN => (g.clone(), g.clone()),
            // z = a - b
            Binary::Sub => (g.clone(), ctx.neg(g)?),
            // z = a b: dz/da = b, dz/db = a
            Binary::Mul => (ctx.mul(g, b)?, ctx.mul(a, g)?),
            // z = a / b: dz/da = 1/b, dz/db = -a/b^2
            Binary::Div => {
                let ga = ctx.div(g, b)?;
                let na = ctx.neg(a)?;
                let q = ctx.div(&na, b)?;
                let q = ctx.div(&q, b)?;
                (ga, ctx.mul(g, &q)?)
            }
            // z = a^b: dz/da = b a^(b-1), dz/db = z ln a (taken as 0 where a <= 0, as TensorFlow)
            Binary::Pow => {
                let one = ctx.scalar(b, 1.0);
                let bm1 = ctx.sub(b, &one)?;
                let p = ctx.binary(Binary::Pow, a, &bm1)?;
                // TensorFlow's `grad * y * pow(x, y - 1)`, multiplied left to right
                let gb = ctx.mul(g, b)?;
                let ga = ctx.mul(&gb, &p)?;
                let pos = ctx.compare_scalar(Compare::Greater, a, 0.0)?;
                let ones = ctx.constant(Tensor::full(a.tensor.shape(), 1.0, a.tensor.dtype()));
                let safe = ctx.select(&pos, a, &ones)?;
                let ln = ctx.unary(Unary::Log, &safe)?;
                let zeros = ctx.zeros_like(a);
                let ln = ctx.select(&pos, &ln, &zeros)?;
                let gz = ctx.mul(g, z)?;
                (ga, ctx.mul(&gz, &ln)?)
            }
            // the gradient goes to a where a >= b (maximum) or a <= b (minimum), else to b
            Binary::Max | Binary::Min => {
                let c = if *self == Binary::Max {
                    Compare::GreaterEqual
                } else {
                    Compare::LessEqual
                };
                let mask = ctx.compare(c, a, b)?;
                let zeros = ctx.zeros_like(g);
                (ctx.select(&mask, g, &zeros)?, ctx.select(&mask, &zeros, g)?)
            }
            // z = (a - b)^2: dz/da = 2(a - b) = -dz/db
            Binary::SquaredDifference => {
                let d = ctx.sub(a, b)?;
                let g2 = ctx.scale(g, 2.0)?;
                let ga = ctx.mul(&g2, &d)?;
                (ga.clone(), ctx.neg(&ga)?)
            }
            // no gradient reaches either input (TensorFlow's `_FloorDivGrad`)
            Binary::FloorDiv => return Ok(vec![None, None]),
            // z = a - floor(a / b) b: dz/da = 1, dz/db = -floor(a / b), as `_FloorModGrad`
            // writes it (`grad * -floor_div(x, y)`); FloorDiv passes no second derivative on
            Binary::FloorMod => {
                let q = ctx.binary(Binary::FloorDiv, a, b)?;
                let nq = ctx.neg(&q)?;
                (g.clone(), ctx.mul(g, &nq)?)
            }
            Binary::SoftsignGrad => return Err(no_gradient_err("SoftsignGrad")),
        };
        Ok(vec![
            Some(ctx.unbroadcast(&ga, a.tensor.shape(), lead)?),
            Some(ctx.unbroadcast(&gb, b.tensor.shape(), lead)?),
        ])
    }
}

/// Same dtype (TensorFlow never promotes) and broadcastable shapes; returns the result shape.
pub fn check_operands(op: &str, a: &Tensor, b: &Tensor) -> Result<Dims> {
    if a.dtype() != b.dtype() {
        return Err(dtype_err(format!(
            "{op} of {} and {}: dtypes differ (TensorFlow does not convert; add a cast)",
            a.describe(),
            b.describe()
        )));
    }
    broadcast_dims(a.shape(), b.shape()).ok_or_else(|| {
        shape_err(format!(
            "{op} of {} and {}: shapes do not broadcast (aligned from the right, each dimension must match or be 1)",
            a.describe(),
            b.describe()
        ))
    })
}

/// TensorFlow's float maximum/minimum: NaN in either operand wins; a tie (-0 against +0) gives
/// the second operand where AVX packets compute it (`maxps`) and the first in the scalar tail
/// (`std::max`), as Eigen's executor splits the flat output.
fn max_min<F: Real>(
    a: &Arr<F>,
    b: &Arr<F>,
    shape: &[usize],
    wins: impl Fn(F, F) -> bool,
) -> ArrayD<F> {
    let mut out = zip2(
        a,
        b,
        shape,
        |x, y| if x.is_nan() || wins(x, y) { x } else { y },
    );
    scalar_tail_with(&mut out, a, b, shape, |x, y| {
        if x == y || x.is_nan() || wins(x, y) {
            x
        } else {
            y
        }
    });
    out
}

/// Recomputes with `scalar` the elements of `out` that Eigen's executor leaves to scalar code
/// (the last `len % lanes` of the flat output), after a pass of the packet function.
fn scalar_tail_with<F: Real>(
    out: &mut ArrayD<F>,
    a: &Arr<F>,
    b: &Arr<F>,
    shape: &[usize],
    scalar: impl Fn(F, F) -> F,
) {
    let tail = crate::engine::eigen::scalar_tail::<F>(shape);
    if tail.is_empty() {
        return;
    }
    let dim = ndarray::IxDyn(shape);
    let av = a.broadcast(dim.clone()).expect("broadcast checked");
    let bv = b.broadcast(dim).expect("broadcast checked");
    for i in tail {
        out[&i] = scalar(av[&i], bv[&i]);
    }
}
