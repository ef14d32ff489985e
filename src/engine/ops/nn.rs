//! Neural-network ops: softmax, log_softmax, the cross-entropies and l2_loss.

use ndarray::{ArrayD, Axis, IxDyn};

use super::{Attrs, Compare, Op, Unary};
use crate::engine::autodiff::{Ctx, Val};
use crate::engine::error::{arg_err, dtype_err, shape_err, Result};
use crate::engine::kernels::norm_axis;
use crate::engine::tensor::{Arr, Real, Tensor};

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Nn {
    Softmax { axis: i64 },
    LogSoftmax { axis: i64 },
    SoftmaxCrossEntropy { axis: i64 },
    SparseSoftmaxCrossEntropy,
    SigmoidCrossEntropy,
    L2Loss,
}

impl Nn {
    pub fn parse(name: &str, a: &Attrs) -> Result<Option<Nn>> {
        Ok(Some(match name {
            "softmax" => Nn::Softmax {
                axis: a.int("axis")?.unwrap_or(-1),
            },
            "log_softmax" => Nn::LogSoftmax {
                axis: a.int("axis")?.unwrap_or(-1),
            },
            "softmax_cross_entropy_with_logits" => Nn::SoftmaxCrossEntropy {
                axis: a.int("axis")?.unwrap_or(-1),
            },
            "sparse_softmax_cross_entropy_with_logits" => Nn::SparseSoftmaxCrossEntropy,
            "sigmoid_cross_entropy_with_logits" => Nn::SigmoidCrossEntropy,
            "l2_loss" => Nn::L2Loss,
            _ => return Ok(None),
        }))
    }

    pub fn name(&self) -> &'static str {
        match self {
            Nn::Softmax { .. } => "softmax",
            Nn::LogSoftmax { .. } => "log_softmax",
            Nn::SoftmaxCrossEntropy { .. } => "softmax_cross_entropy_with_logits",
            Nn::SparseSoftmaxCrossEntropy => "sparse_softmax_cross_entropy_with_logits",
            Nn::SigmoidCrossEntropy => "sigmoid_cross_entropy_with_logits",
            Nn::L2Loss => "l2_loss",
        }
    }

    pub fn arity(&self) -> (usize, usize) {
        match self {
            Nn::Softmax { .. } | Nn::LogSoftmax { .. } | Nn::L2Loss => (1, 1),
            _ => (2, 2),
        }
    }

    /// sigmoid_cross_entropy_with_logits is TensorFlow's stable composite:
    /// max(x, 0) - x z + log(1 + e^{-|x|}).
    pub fn expand(&self, ctx: &mut Ctx, ins: &[&Val]) -> Option<Result<Val>> {
        if *self != Nn::SigmoidCrossEntropy {
            return None;
        }
        let (z, x) = (ins[0], ins[1]);
        Some((|| {
            check_pair(self.name(), &z.t, &x.t)?;
            let zeros = ctx.zeros_like(x);
            let cond = ctx.compare(Compare::GreaterEqual, x, &zeros)?;
            let relu = ctx.select(&cond, x, &zeros)?;
            let nx = ctx.neg(x)?;
            let neg_abs = ctx.select(&cond, &nx, x)?;
            let xz = ctx.mul(x, z)?;
            let lin = ctx.sub(&relu, &xz)?;
            let e = ctx.un(Unary::Exp, &neg_abs)?;
            let l = ctx.un(Unary::Log1p, &e)?;
            ctx.add(&lin, &l)
        })())
    }

    pub fn forward(&self, ins: &[&Tensor]) -> Result<Tensor> {
        let name = self.name();
        let x = *ins.last().expect("arity checked");
        macro_rules! float {
            ($t:expr, $a:ident => $e:expr) => {
                match $t {
                    Tensor::F32($a) => Tensor::from_array($e),
                    Tensor::F64($a) => Tensor::from_array($e),
                    t => {
                        return Err(dtype_err(format!(
                            "{name} of {}: {name} takes float32 or float64 (cast first)",
                            t.describe()
                        )))
                    }
                }
            };
        }
        Ok(match *self {
            Nn::Softmax { axis } | Nn::LogSoftmax { axis } => {
                let ax = norm_axis(axis, x.rank(), name)?;
                let log = matches!(self, Nn::LogSoftmax { .. });
                match x {
                    Tensor::F32(a) if !log => Tensor::from_array(softmax_f32(a, ax)),
                    _ => float!(x, a => softmax(a, ax, log)),
                }
            }
            Nn::SoftmaxCrossEntropy { axis } => {
                // TensorFlow casts integer or bool labels to the logits' dtype
                let labels = int_labels_as(ins[0], x);
                check_pair(name, &labels, x)?;
                let ax = norm_axis(axis, x.rank(), name)?;
                match (&labels, x) {
                    (Tensor::F32(z), Tensor::F32(a)) => Tensor::from_array(cross_entropy(z, a, ax)),
                    (Tensor::F64(z), Tensor::F64(a)) => Tensor::from_array(cross_entropy(z, a, ax)),
                    _ => {
                        return Err(dtype_err(format!(
                            "{name} takes float32 or float64 labels and logits"
                        )))
                    }
                }
            }
            Nn::SparseSoftmaxCrossEntropy => {
                let labels = sparse_labels(ins[0], x)?;
                float!(x, a => sparse_cross_entropy(a, &labels))
            }
            Nn::L2Loss => float!(x, a => l2(a)),
            Nn::SigmoidCrossEntropy => unreachable!("runs as its composite"),
        })
    }

    pub fn vjp(
        &self,
        ctx: &mut Ctx,
        ins: &[&Val],
        y: &Val,
        g: &Val,
        lead: usize,
    ) -> Result<Vec<Option<Val>>> {
        match *self {
            // dx = (g - sum(g y)) y
            Nn::Softmax { axis } => {
                let ax = norm_axis(axis, y.t.rank(), "softmax")?;
                let gy = ctx.mul(g, y)?;
                let s = ctx.reduce_sum(&gy, &[ax + lead], true)?;
                let d = ctx.sub(g, &s)?;
                Ok(vec![Some(ctx.mul(&d, y)?)])
            }
            // dx = g - sum(g) e^y
            Nn::LogSoftmax { axis } => {
                let ax = norm_axis(axis, y.t.rank(), "log_softmax")?;
                let s = ctx.reduce_sum(g, &[ax + lead], true)?;
                let p = ctx.un(Unary::Exp, y)?;
                let sp = ctx.mul(&s, &p)?;
                Ok(vec![Some(ctx.sub(g, &sp)?)])
            }
            // d logits = g (softmax(logits) - labels), d labels = -g log_softmax(logits)
            Nn::SoftmaxCrossEntropy { axis } => {
                let (z, x) = (ins[0], ins[1]);
                let ax = norm_axis(axis, x.t.rank(), self.name())?;
                let mut ks = y.t.shape().to_vec();
                ks.insert(ax, 1);
                let gk = ctx.reshape_lead(g, &ks, lead)?;
                let p = ctx.apply(&Op::Nn(Nn::Softmax { axis: ax as i64 }), &[x])?;
                let zf = ctx.constant(int_labels_as(&z.t, &x.t));
                let d = ctx.sub(&p, if z.t.dtype().is_float() { z } else { &zf })?;
                let gx = ctx.mul(&gk, &d)?;
                // integer labels were cast: a cast from integers has no gradient
                if !z.t.dtype().is_float() {
                    return Ok(vec![None, Some(gx)]);
                }
                let lp = ctx.apply(&Op::Nn(Nn::LogSoftmax { axis: ax as i64 }), &[x])?;
                let nlp = ctx.neg(&lp)?;
                let gz = ctx.mul(&gk, &nlp)?;
                Ok(vec![Some(gz), Some(gx)])
            }
            // d logits = g (softmax(logits) - one_hot(labels))
            Nn::SparseSoftmaxCrossEntropy => {
                let (z, x) = (ins[0], ins[1]);
                let labels = sparse_labels(&z.t, &x.t)?;
                let classes = *x.t.shape().last().expect("rank checked");
                let mut hot = vec![0.0; x.t.len()];
                labels
                    .iter()
                    .enumerate()
                    .for_each(|(i, &l)| hot[i * classes + l] = 1.0);
                let hot = ctx.constant(Tensor::from_f64s(x.t.shape(), &hot, x.t.dtype())?);
                let mut ks = y.t.shape().to_vec();
                ks.push(1);
                let gk = ctx.reshape_lead(g, &ks, lead)?;
                let p = ctx.apply(&Op::Nn(Nn::Softmax { axis: -1 }), &[x])?;
                let d = ctx.sub(&p, &hot)?;
                Ok(vec![None, Some(ctx.mul(&gk, &d)?)])
            }
            // d/dx sum(x^2)/2 = x
            Nn::L2Loss => {
                // a batched g is [B]; give it x's rank so it broadcasts per row
                let gk = ctx.reshape_lead(g, &vec![1; ins[0].t.rank()], lead)?;
                Ok(vec![Some(ctx.mul(ins[0], &gk)?)])
            }
            Nn::SigmoidCrossEntropy => unreachable!("runs as its composite"),
        }
    }
}

/// Integer or bool labels as the logits' float dtype (float labels pass unchanged).
fn int_labels_as(labels: &Tensor, logits: &Tensor) -> Tensor {
    if !labels.dtype().is_float() && logits.dtype().is_float() {
        labels.cast(logits.dtype())
    } else {
        labels.clone()
    }
}

fn check_pair(name: &str, labels: &Tensor, logits: &Tensor) -> Result<()> {
    if labels.dtype() != logits.dtype() {
        return Err(dtype_err(format!(
            "{name}: labels {} and logits {} must have one dtype (add a cast)",
            labels.describe(),
            logits.describe()
        )));
    }
    if labels.shape() != logits.shape() {
        return Err(shape_err(format!(
            "{name}: labels {:?} and logits {:?} must have the same shape",
            labels.shape(),
            logits.shape()
        )));
    }
    if logits.rank() == 0 && name.starts_with("softmax") {
        return Err(shape_err(format!(
            "{name}: logits must have rank >= 1 (a class axis)"
        )));
    }
    Ok(())
}

/// Labels of sparse cross-entropy: integers, shape logits[:-1], each in [0, classes).
fn sparse_labels(labels: &Tensor, logits: &Tensor) -> Result<Vec<usize>> {
    let name = "sparse_softmax_cross_entropy_with_logits";
    let idx = labels.as_indices().ok_or_else(|| {
        dtype_err(format!(
            "{name}: labels are {}; they must be int32 or int64 class ids",
            labels.describe()
        ))
    })?;
    if logits.rank() == 0 || labels.shape() != &logits.shape()[..logits.rank() - 1] {
        return Err(shape_err(format!(
            "{name}: labels {:?} must have the shape of logits {:?} without its last (class) axis",
            labels.shape(),
            logits.shape()
        )));
    }
    let classes = logits.shape()[logits.rank() - 1];
    if let Some(v) = idx.iter().find(|&&v| v < 0 || v as usize >= classes) {
        return Err(arg_err(format!("{name}: received a label value of {v} which is outside the valid range of [0, {classes})")));
    }
    Ok(idx.into_iter().map(|v| v as usize).collect())
}

fn softmax<F: Real>(a: &Arr<F>, ax: usize, log: bool) -> ArrayD<F> {
    let m = a
        .fold_axis(Axis(ax), F::neg_infinity(), |&m, &v| m.max(v))
        .insert_axis(Axis(ax));
    let shifted = a - &m;
    let e = shifted.mapv(F::exp);
    let s = e.sum_axis(Axis(ax)).insert_axis(Axis(ax));
    if log {
        shifted - s.mapv(F::ln)
    } else {
        e / s
    }
}

/// float32 softmax as TensorFlow 2.15 computes it on CPU (oneDNN, on by default): along an axis
/// that holds a NaN or +inf, those entries are NaN and every other entry is 0, where IEEE
/// arithmetic (and float64, and TF with oneDNN off) gives NaN throughout. Measured with the
/// oracle: [inf, 1] -> [nan, 0], [-inf, nan] -> [0, nan], [1, 2, inf, 3] -> [0, 0, nan, 0].
fn softmax_f32(a: &Arr<f32>, ax: usize) -> ArrayD<f32> {
    let mut out = softmax(a, ax, false);
    let blown = |x: f32| x.is_nan() || x == f32::INFINITY;
    ndarray::Zip::from(a.lanes(Axis(ax)))
        .and(out.lanes_mut(Axis(ax)))
        .for_each(|x, mut y| {
            if x.iter().any(|&v| blown(v)) {
                y.zip_mut_with(&x, |y, &v| *y = if blown(v) { f32::NAN } else { 0.0 });
            }
        });
    out
}

fn cross_entropy<F: Real>(labels: &Arr<F>, logits: &Arr<F>, ax: usize) -> ArrayD<F> {
    let lp = softmax(logits, ax, true);
    (labels * &lp).sum_axis(Axis(ax)).mapv(|v| -v)
}

fn sparse_cross_entropy<F: Real>(logits: &Arr<F>, labels: &[usize]) -> ArrayD<F> {
    let ax = logits.ndim() - 1;
    let lp = softmax(logits, ax, true);
    let classes = logits.shape()[ax];
    let flat: Vec<F> = lp.iter().copied().collect();
    let out: Vec<F> = labels
        .iter()
        .enumerate()
        .map(|(i, &l)| -flat[i * classes + l])
        .collect();
    ArrayD::from_shape_vec(IxDyn(&logits.shape()[..ax]), out).expect("sizes agree")
}

/// sum(x^2) / 2
fn l2<F: Real>(a: &Arr<F>) -> ArrayD<F> {
    let s: F = a.iter().map(|&v| v * v).sum();
    ArrayD::from_elem(IxDyn(&[]), s / (F::one() + F::one()))
}
