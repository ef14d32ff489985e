//! Cumulative sums and products along one axis: ops no program's op name reaches, which
//! reduce_prod's VJP is built from (as TensorFlow's `_ProdGrad` builds it) and a cell's
//! `tf.cumsum` runs. Their VJPs are
//! TensorFlow's `_CumsumGrad` and `_CumprodGrad`, so second derivatives through a product agree
//! with TensorFlow's, including its `div_no_nan` (zero where the input is zero).

use ndarray::{ArrayD, Axis};

use super::VjpArgs;
use crate::engine::autodiff::{Ctx, Val};
use crate::engine::error::{dtype_err, Result};
use crate::engine::kernels::norm_axis;
use crate::engine::tensor::{Arr, Real, Tensor};

use super::{Compare, Op};

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ScanKind {
    Sum,
    Prod,
}

/// `tf.math.cumsum` / `tf.math.cumprod` with their `exclusive` and `reverse` flags.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Scan {
    pub kind: ScanKind,
    pub axis: usize,
    pub exclusive: bool,
    pub reverse: bool,
}

impl Scan {
    pub fn name(&self) -> &'static str {
        match self.kind {
            ScanKind::Sum => "cumsum",
            ScanKind::Prod => "cumprod",
        }
    }

    /// Eigen's `TensorScanOp` as TensorFlow's kernels run it: one accumulator per lane, started
    /// at the reducer's identity (so a leading `-0.0` sums to `0.0`), each element folded in
    /// turn from one end, at any length (Eigen's thread pool splits lanes, never a lane).
    /// Integers wrap, as the kernel's C++ arithmetic does on x86.
    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let ax = norm_axis(self.axis as i64, x.rank(), self.name())?;
        let sum = self.kind == ScanKind::Sum;
        match x {
            Tensor::F32(a) => Ok(Tensor::from_array(self.float(a, ax))),
            Tensor::F64(a) => Ok(Tensor::from_array(self.float(a, ax))),
            Tensor::I32(a) if sum => Ok(Tensor::from_array(self.lanes(a, ax, 0, i32::wrapping_add))),
            Tensor::I32(a) => Ok(Tensor::from_array(self.lanes(a, ax, 1, i32::wrapping_mul))),
            Tensor::I64(a) if sum => Ok(Tensor::from_array(self.lanes(a, ax, 0, i64::wrapping_add))),
            Tensor::I64(a) => Ok(Tensor::from_array(self.lanes(a, ax, 1, i64::wrapping_mul))),
            t => Err(dtype_err(format!(
                "{} of {}: takes float32, float64, int32 or int64 (TensorFlow's {} has no {} kernel)",
                self.name(),
                t.describe(),
                self.kernel(),
                t.dtype().name()
            ))),
        }
    }

    fn kernel(&self) -> &'static str {
        match self.kind {
            ScanKind::Sum => "Cumsum",
            ScanKind::Prod => "Cumprod",
        }
    }

    fn float<F: Real>(&self, a: &Arr<F>, ax: usize) -> ArrayD<F> {
        match self.kind {
            ScanKind::Sum => self.lanes(a, ax, F::zero(), |acc, v| acc + v),
            ScanKind::Prod => self.lanes(a, ax, F::one(), |acc, v| acc * v),
        }
    }

    fn lanes<T: Copy>(
        &self,
        a: &Arr<T>,
        ax: usize,
        init: T,
        step: impl Fn(T, T) -> T,
    ) -> ArrayD<T> {
        let mut out = a.to_owned();
        for mut lane in out.lanes_mut(Axis(ax)) {
            let n = lane.len();
            let mut acc = init;
            for k in 0..n {
                let i = if self.reverse { n - 1 - k } else { k };
                let v = lane[i];
                if self.exclusive {
                    lane[i] = acc;
                    acc = step(acc, v);
                } else {
                    acc = step(acc, v);
                    lane[i] = acc;
                }
            }
        }
        out
    }

    /// cumsum' is a cumsum the other way; cumprod' is
    /// `div_no_nan(cumsum(cumprod(x) * g, reverse = !reverse), x)`.
    pub fn vjp(&self, ctx: &mut Ctx, args: &VjpArgs) -> Result<Val> {
        let (x, y, g, lead) = (args.inputs[0], args.out, args.g, args.lead);
        let back = Scan {
            kind: ScanKind::Sum,
            axis: self.axis + lead,
            exclusive: self.exclusive,
            reverse: !self.reverse,
        };
        match self.kind {
            ScanKind::Sum => ctx.apply(&Op::Scan(back), &[g]),
            ScanKind::Prod => {
                let yg = ctx.mul(y, g)?;
                let out = ctx.apply(&Op::Scan(back), &[&yg])?;
                div_no_nan(ctx, &out, x)
            }
        }
    }
}

/// `out / x`, and 0 where `x` is 0 (whatever `out` is there), as `tf.math.divide_no_nan`.
fn div_no_nan(ctx: &mut Ctx, out: &Val, x: &Val) -> Result<Val> {
    let is_zero = ctx.compare_scalar(Compare::Equal, x, 0.0)?;
    let ones = ctx.constant(Tensor::full(x.tensor.shape(), 1.0, x.tensor.dtype()));
    let safe = ctx.select(&is_zero, &ones, x)?;
    let q = ctx.div(out, &safe)?;
    let is_zero = ctx.broadcast_to(&is_zero, q.tensor.shape())?;
    let zeros = ctx.zeros_like(&q);
    ctx.select(&is_zero, &zeros, &q)
}

/// The VJP of `reduce_prod` as TensorFlow's `_ProdGrad` computes it: the reduced axes (in the
/// order given) moved to the front and flattened, then the product of the others is
/// `cumprod(exclusive) * cumprod(exclusive, reverse)` down that axis. A NaN or inf entry so
/// reaches only the other entries of its lane, and a zero needs no special case.
pub fn prod_vjp(ctx: &mut Ctx, x: &Val, reduced: &[usize], gk: &Val, lead: usize) -> Result<Val> {
    let shape = x.tensor.shape().to_vec();
    let other: Vec<usize> = (0..shape.len()).filter(|a| !reduced.contains(a)).collect();
    let perm: Vec<usize> = reduced.iter().chain(&other).copied().collect();
    let reduced_num: usize = reduced.iter().map(|&a| shape[a]).product();
    let other_num: usize = other.iter().map(|&a| shape[a]).product();
    let identity = perm.iter().enumerate().all(|(i, &p)| i == p);
    let permuted = if identity {
        x.clone()
    } else {
        ctx.transpose(x, &perm)?
    };
    let permuted_shape = permuted.tensor.shape().to_vec();
    let flat = ctx.reshape(&permuted, &[reduced_num, other_num])?;
    let scan = |reverse| {
        Op::Scan(Scan {
            kind: ScanKind::Prod,
            axis: 0,
            exclusive: true,
            reverse,
        })
    };
    let left = ctx.apply(&scan(false), &[&flat])?;
    let right = ctx.apply(&scan(true), &[&flat])?;
    let others = ctx.mul(&left, &right)?;
    let others = ctx.reshape(&others, &permuted_shape)?;
    let mut inverse = vec![0; perm.len()];
    perm.iter().enumerate().for_each(|(i, &p)| inverse[p] = i);
    let others = if identity {
        others
    } else {
        ctx.transpose(&others, &inverse)?
    };
    let full = super::differentiable::lead_shape(gk, &shape, lead);
    let gb = ctx.broadcast_to(gk, &full)?;
    ctx.mul(&gb, &others)
}
