//! Neural-network ops: softmax, log_softmax, the cross-entropies and l2_loss.

use ndarray::{ArrayD, Axis, IxDyn};

use super::xent::Layout;
use super::VjpArgs;
use super::{Attrs, Compare, Op, Unary};
use crate::engine::autodiff::{Ctx, Val};
use crate::engine::dtype::DType;
use crate::engine::error::{arg_err, dtype_err, shape_err, Result, ONEDNN_SOFTMAX_DIMS};
use crate::engine::kernels::norm_axis;
use crate::engine::tensor::{Arr, Real, Tensor};

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Nn {
    Softmax {
        axis: i64,
    },
    LogSoftmax {
        axis: i64,
    },
    SoftmaxCrossEntropy {
        axis: i64,
    },
    SparseSoftmaxCrossEntropy,
    SigmoidCrossEntropy,
    L2Loss,
    /// Internal: the kernels behind the two softmax cross-entropies (see `expand`).
    SoftmaxCrossEntropyKernel {
        axis: i64,
    },
    SparseSoftmaxCrossEntropyKernel,
    /// Internal: the softmax the cross-entropy kernels compute for their gradient, Eigen's in
    /// either dtype (float32 `softmax` the op is oneDNN's).
    KernelSoftmax {
        axis: i64,
    },
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
            Nn::Softmax { .. } | Nn::KernelSoftmax { .. } => "softmax",
            Nn::LogSoftmax { .. } => "log_softmax",
            Nn::SoftmaxCrossEntropy { .. } | Nn::SoftmaxCrossEntropyKernel { .. } => {
                "softmax_cross_entropy_with_logits"
            }
            Nn::SparseSoftmaxCrossEntropy | Nn::SparseSoftmaxCrossEntropyKernel => {
                "sparse_softmax_cross_entropy_with_logits"
            }
            Nn::SigmoidCrossEntropy => "sigmoid_cross_entropy_with_logits",
            Nn::L2Loss => "l2_loss",
        }
    }

    pub fn arity(&self) -> (usize, usize) {
        match self {
            Nn::Softmax { .. } | Nn::KernelSoftmax { .. } | Nn::LogSoftmax { .. } | Nn::L2Loss => {
                (1, 1)
            }
            _ => (2, 2),
        }
    }

    /// sigmoid_cross_entropy_with_logits is TensorFlow's stable composite:
    /// max(x, 0) - x z + log(1 + e^{-|x|}). The softmax cross-entropies reshape their inputs
    /// before the kernel, as TensorFlow's wrappers do (sparse: logits of rank other than 2):
    /// the kernel then sees new tensors, so an input watched only after the op has no gradient.
    pub fn expand(&self, ctx: &mut Ctx, ins: &[&Val]) -> Option<Result<Val>> {
        match *self {
            Nn::SoftmaxCrossEntropy { axis } => {
                return Some(reshaped_kernel(
                    ctx,
                    ins,
                    [true, true],
                    Nn::SoftmaxCrossEntropyKernel { axis },
                ))
            }
            Nn::SparseSoftmaxCrossEntropy => {
                let flatten = ins[1].tensor.rank() != 2;
                return Some(reshaped_kernel(
                    ctx,
                    ins,
                    [flatten, flatten],
                    Nn::SparseSoftmaxCrossEntropyKernel,
                ));
            }
            Nn::SigmoidCrossEntropy => {}
            _ => return None,
        }
        let (z, x) = (ins[0], ins[1]);
        Some((|| {
            check_pair(self.name(), &z.tensor, &x.tensor)?;
            let zeros = ctx.zeros_like(x);
            let cond = ctx.compare(Compare::GreaterEqual, x, &zeros)?;
            let relu = ctx.select(&cond, x, &zeros)?;
            let nx = ctx.neg(x)?;
            let neg_abs = ctx.select(&cond, &nx, x)?;
            let xz = ctx.mul(x, z)?;
            let lin = ctx.sub(&relu, &xz)?;
            let e = ctx.unary(Unary::Exp, &neg_abs)?;
            let l = ctx.unary(Unary::Log1p, &e)?;
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
            Nn::Softmax { axis } | Nn::KernelSoftmax { axis } | Nn::LogSoftmax { axis } => {
                // tf.nn.softmax checks the axis in Python before the kernel sees the dtype
                if x.rank() > 0 {
                    norm_axis(axis, x.rank(), name)?;
                }
                if !x.dtype().is_float() {
                    return Err(dtype_err(format!(
                        "{name} of {}: {name} takes float32 or float64 (cast first)",
                        x.describe()
                    )));
                }
                // oneDNN's float32 Softmax (the op sees the tensor after tf.nn.softmax has
                // swapped the axis to the end) refuses ranks its primitive lacks; Eigen's
                // refuses a scalar only
                let float32 = matches!(self, Nn::Softmax { .. }) && x.dtype() == DType::F32;
                let onednn = float32 && crate::engine::cpu::onednn();
                if float32 && !onednn && x.rank() == 0 && axis == -1 {
                    return Err(arg_err(format!(
                        "{name} of {}: logits must have >= 1 dimension, got [] (give it a class axis)",
                        x.describe()
                    )));
                }
                if onednn && ((x.rank() == 0 && axis == -1) || x.rank() > 5) {
                    return Err(arg_err(format!(
                        "{name} of {}: {ONEDNN_SOFTMAX_DIMS} (TensorFlow's oneDNN float32 softmax takes 1 to 5 dimensions; reshape, or cast to float64)",
                        x.describe()
                    )));
                }
                let ax = norm_axis(axis, x.rank(), name)?;
                let log = matches!(self, Nn::LogSoftmax { .. });
                match x {
                    Tensor::F32(a) if onednn => Tensor::from_array(onednn_softmax(a, ax)),
                    Tensor::F32(a) if float32 => eigen_softmax(a, ax)?,
                    _ => float!(x, a => softmax(a, ax, log)),
                }
            }
            Nn::SoftmaxCrossEntropy { axis } | Nn::SoftmaxCrossEntropyKernel { axis } => {
                if !x.dtype().is_float() {
                    return Err(dtype_err(format!(
                        "{name} of logits {}: logits must be float32 or float64 (cast first)",
                        x.describe()
                    )));
                }
                // TensorFlow casts the labels, whatever their dtype, to the logits' dtype
                let labels = ins[0].cast(x.dtype());
                Layout::new(&labels, x, axis)?.cost(&labels, x)?
            }
            Nn::SparseSoftmaxCrossEntropy | Nn::SparseSoftmaxCrossEntropyKernel => {
                let labels = sparse_labels(ins[0], x)?;
                float!(x, a => sparse_cross_entropy(a, &labels))
            }
            Nn::L2Loss => float!(x, a => l2(a)),
            Nn::SigmoidCrossEntropy => unreachable!("runs as its composite"),
        })
    }

    /// The error this op's gradient function raises whichever source is asked for, given which
    /// inputs the tape traces: broadcast labels a tape traces fail the reshape of their gradient
    /// even when only the logits' gradient is wanted.
    pub fn gradient_error(
        &self,
        ins: &[&Tensor],
        traced: &[bool],
    ) -> Option<crate::engine::error::Error> {
        let (Nn::SoftmaxCrossEntropy { axis } | Nn::SoftmaxCrossEntropyKernel { axis }) = self
        else {
            return None;
        };
        let (z, x) = (ins[0], ins[1]);
        if !traced[0] || !z.dtype().is_float() {
            return None;
        }
        let layout = Layout::new(z, x, *axis).ok()?;
        (!layout.labels_gradient_fits()).then(|| labels_misfit(z, x))
    }

    pub fn vjp(&self, ctx: &mut Ctx, args: &VjpArgs) -> Result<Vec<Option<Val>>> {
        let (ins, y, g, lead, needs) = (args.inputs, args.out, args.g, args.lead, args.needs);
        match *self {
            // dx = (g - sum(g y)) y
            Nn::Softmax { axis } | Nn::KernelSoftmax { axis } => {
                let ax = norm_axis(axis, y.tensor.rank(), "softmax")?;
                let gy = ctx.mul(g, y)?;
                let s = ctx.reduce_sum(&gy, &[ax + lead], true)?;
                let d = ctx.sub(g, &s)?;
                Ok(vec![Some(ctx.mul(&d, y)?)])
            }
            // dx = g - sum(g) e^y
            Nn::LogSoftmax { axis } => {
                let ax = norm_axis(axis, y.tensor.rank(), "log_softmax")?;
                let s = ctx.reduce_sum(g, &[ax + lead], true)?;
                let p = ctx.unary(Unary::Exp, y)?;
                let sp = ctx.mul(&s, &p)?;
                Ok(vec![Some(ctx.sub(g, &sp)?)])
            }
            // d logits = g (softmax(logits) - labels), d labels = -g log_softmax(logits).
            // TensorFlow's kernel returns softmax - labels as a second output whose own gradient
            // is the softmax's alone: labels enter it as a constant, so a second derivative
            // drops the labels' term even when they depend on the source.
            Nn::SoftmaxCrossEntropy { axis } | Nn::SoftmaxCrossEntropyKernel { axis } => {
                let (z, x) = (ins[0], ins[1]);
                let labels = z.tensor.cast(x.tensor.dtype());
                let layout = Layout::new(&labels, &x.tensor, axis)?;
                let ax = layout.ax;
                let mut ks = y.tensor.shape().to_vec();
                ks.insert(ax, 1);
                let gk = ctx.reshape_lead(g, &ks, lead)?;
                let gx = if needs.get(1).copied().unwrap_or(true) {
                    let p = ctx.apply(&Op::Nn(Nn::KernelSoftmax { axis: ax as i64 }), &[x])?;
                    let zc = ctx.constant(layout.labels_like_logits(&labels)?);
                    let d = ctx.sub(&p, &zc)?;
                    let d = nan_rows(ctx, x, &d, ax)?;
                    Some(ctx.mul(&gk, &d)?)
                } else {
                    None
                };
                // integer labels were cast: a cast from integers has no gradient
                if !z.tensor.dtype().is_float() || !needs.first().copied().unwrap_or(true) {
                    return Ok(vec![None, gx]);
                }
                let gz = labels_gradient(ctx, &layout, z, x, &gk, lead)?;
                Ok(vec![Some(gz), gx])
            }
            // d logits = g (softmax(logits) - one_hot(labels))
            Nn::SparseSoftmaxCrossEntropy | Nn::SparseSoftmaxCrossEntropyKernel => {
                let (z, x) = (ins[0], ins[1]);
                let labels = sparse_labels(&z.tensor, &x.tensor)?;
                let classes = *x.tensor.shape().last().expect("rank checked");
                let mut hot = vec![0.0; x.tensor.len()];
                labels
                    .iter()
                    .enumerate()
                    .for_each(|(i, &l)| hot[i * classes + l] = 1.0);
                let hot =
                    ctx.constant(Tensor::from_f64s(x.tensor.shape(), &hot, x.tensor.dtype())?);
                let mut ks = y.tensor.shape().to_vec();
                ks.push(1);
                let gk = ctx.reshape_lead(g, &ks, lead)?;
                let p = ctx.apply(&Op::Nn(Nn::KernelSoftmax { axis: -1 }), &[x])?;
                let d = ctx.sub(&p, &hot)?;
                Ok(vec![None, Some(ctx.mul(&gk, &d)?)])
            }
            // d/dx sum(x^2)/2 = x
            Nn::L2Loss => {
                // a batched g is [B]; give it x's rank so it broadcasts per row
                let gk = ctx.reshape_lead(g, &vec![1; ins[0].tensor.rank()], lead)?;
                Ok(vec![Some(ctx.mul(ins[0], &gk)?)])
            }
            Nn::SigmoidCrossEntropy => unreachable!("runs as its composite"),
        }
    }
}

/// `kernel` applied to the inputs, each first reshaped to its own shape where `fresh` says: a
/// new tensor, recorded only if a tape traces the input now.
fn reshaped_kernel(ctx: &mut Ctx, ins: &[&Val], fresh: [bool; 2], kernel: Nn) -> Result<Val> {
    let mut vals = Vec::with_capacity(2);
    for (v, f) in ins.iter().zip(fresh) {
        vals.push(if f {
            let shape = v.tensor.shape().iter().map(|&d| d as i64).collect();
            ctx.apply(&Op::Shape(super::ShapeOp::Reshape { shape }), &[v])?
        } else {
            (*v).clone()
        });
    }
    ctx.apply(&Op::Nn(kernel), &[&vals[0], &vals[1]])
}

/// The error of a gradient for labels broadcast against the logits: TensorFlow reshapes the
/// labels' gradient back to their shape, which fails.
fn labels_misfit(labels: &Tensor, logits: &Tensor) -> crate::engine::error::Error {
    shape_err(format!(
        "softmax_cross_entropy_with_logits: the gradient for labels of shape {:?} broadcast against logits {:?} cannot be taken (TensorFlow's reshape of it fails); give labels the logits' shape",
        labels.shape(),
        logits.shape()
    ))
}

/// `-g log_softmax(logits)`, in the logits' layout, reshaped to the labels' shape as TensorFlow
/// reshapes it (which fails where the labels were broadcast), in the labels' dtype.
fn labels_gradient(
    ctx: &mut Ctx,
    layout: &Layout,
    z: &Val,
    x: &Val,
    gk: &Val,
    lead: usize,
) -> Result<Val> {
    if !layout.labels_gradient_fits() {
        return Err(labels_misfit(&z.tensor, &x.tensor));
    }
    let ax = layout.ax as i64;
    let lp = ctx.apply(&Op::Nn(Nn::LogSoftmax { axis: ax }), &[x])?;
    let nlp = ctx.neg(&lp)?;
    let mut gz = ctx.mul(gk, &nlp)?;
    if z.tensor.shape() != x.tensor.shape() {
        let with_lead =
            |p: &[usize]| -> Vec<usize> { (0..lead).chain(p.iter().map(|&a| a + lead)).collect() };
        match layout.perm() {
            None => gz = ctx.reshape_lead(&gz, z.tensor.shape(), lead)?,
            Some(perm) => {
                let back = with_lead(&super::xent::inverse(perm));
                let perm = with_lead(perm);
                gz = ctx.transpose(&gz, &perm)?;
                gz = ctx.reshape_lead(&gz, layout.labels_moved(), lead)?;
                gz = ctx.transpose(&gz, &back)?;
            }
        }
    }
    if z.tensor.dtype() != x.tensor.dtype() {
        gz = ctx.cast(&gz, z.tensor.dtype())?;
    }
    Ok(gz)
}

/// TensorFlow's kernel computes softmax - labels with IEEE arithmetic: a NaN or +inf logit makes
/// its whole row NaN.
fn nan_rows(ctx: &mut Ctx, x: &Val, d: &Val, ax: usize) -> Result<Val> {
    let blown = x
        .tensor
        .to_f64_vec()
        .iter()
        .any(|v| v.is_nan() || *v == f64::INFINITY);
    if !blown {
        return Ok(d.clone());
    }
    let inf = ctx.constant(Tensor::full(
        x.tensor.shape(),
        f64::INFINITY,
        x.tensor.dtype(),
    ));
    let bad_entry = ctx.compare(Compare::NotEqual, x, x)?;
    let is_inf = ctx.compare(Compare::Equal, x, &inf)?;
    let bad_entry = ctx.apply(&Op::Logic(super::Logic::Or), &[&bad_entry, &is_inf])?;
    let mask = ctx.mask(&bad_entry, x.tensor.dtype())?;
    let bad_rows = ctx.reduce_sum(&mask, &[ax], true)?;
    let bad_rows = ctx.compare_scalar(Compare::Greater, &bad_rows, 0.0)?;
    let bad_rows = ctx.broadcast_to(&bad_rows, d.tensor.shape())?;
    let nan = ctx.constant(Tensor::full(d.tensor.shape(), f64::NAN, d.tensor.dtype()));
    ctx.select(&bad_rows, &nan, d)
}

/// The shapes first: TensorFlow's wrapper raises its ValueError on them before any op sees
/// the dtypes.
fn check_pair(name: &str, labels: &Tensor, logits: &Tensor) -> Result<()> {
    if labels.shape() != logits.shape() {
        return Err(shape_err(format!(
            "{name}: labels {:?} and logits {:?} must have the same shape",
            labels.shape(),
            logits.shape()
        )));
    }
    if labels.dtype() != logits.dtype() {
        return Err(dtype_err(format!(
            "{name}: labels {} and logits {} must have one dtype (add a cast)",
            labels.describe(),
            logits.describe()
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
    // TensorFlow's order: its Python wrapper's ValueErrors (scalar logits, then the shapes),
    // then the kernel's dtype check
    if logits.rank() == 0 {
        return Err(arg_err(format!(
            "{name}: logits cannot be a scalar; give them a class axis (shape [classes] or [batch, classes])"
        )));
    }
    if labels.shape() != &logits.shape()[..logits.rank() - 1] {
        return Err(shape_err(format!(
            "{name}: labels {:?} must have the shape of logits {:?} without its last (class) axis",
            labels.shape(),
            logits.shape()
        )));
    }
    let idx = labels.as_indices().ok_or_else(|| {
        dtype_err(format!(
            "{name}: labels are {}; they must be int32 or int64 class ids",
            labels.describe()
        ))
    })?;
    let classes = logits.shape()[logits.rank() - 1];
    if let Some(v) = idx.iter().find(|&&v| v < 0 || v as usize >= classes) {
        return Err(arg_err(format!("{name}: received a label value of {v} which is outside the valid range of [0, {classes})")));
    }
    Ok(idx.into_iter().map(|v| v as usize).collect())
}

/// float32 softmax is oneDNN's kernel in TensorFlow's x86 build: rows along the last axis (another
/// axis is swapped to the end and back, as `tf.nn.softmax` does).
fn onednn_softmax(a: &Arr<f32>, ax: usize) -> ArrayD<f32> {
    let last = a.ndim() - 1;
    if ax == last {
        // rows already along the last axis: no axis to move there and back
        if let Some(flat) = a.as_slice() {
            let out = crate::engine::onednn::softmax_rows(flat, a.shape()[last]);
            return crate::engine::tensor::shaped(a.shape(), out).expect("same size");
        }
    }
    let mut moved = a.view();
    moved.swap_axes(ax, last);
    let rows = moved.as_standard_layout();
    let len = rows.shape()[last];
    let flat = rows.as_slice().expect("standard layout");
    let out = crate::engine::onednn::softmax_rows(flat, len);
    let mut out = ArrayD::from_shape_vec(rows.raw_dim(), out).expect("same size");
    out.swap_axes(ax, last);
    out.as_standard_layout().into_owned()
}

/// float32 softmax with oneDNN off, TensorFlow's Eigen functor: `exp(x - max) *
/// reciprocal(sum(exp(x - max)))` along the last axis (another axis is swapped to the end and
/// back), each step as TensorFlow's own op computes it (its `exp` and `reciprocal` are Eigen's
/// too, and the same steps as ops give the same bits).
fn eigen_softmax(a: &Arr<f32>, ax: usize) -> Result<Tensor> {
    use super::binary::Binary;
    use super::reduce::{Kind, Reduce};
    let last = a.ndim() - 1;
    let mut moved = a.view();
    moved.swap_axes(ax, last);
    let x = Tensor::from_array(moved.as_standard_layout().into_owned());
    let along_last = |kind| Reduce::Over {
        kind,
        axes: Some(vec![-1]),
        keepdims: true,
    };
    let shifted = Binary::Sub.forward(&x, &along_last(Kind::Max).forward(&x)?)?;
    let e = Unary::Exp.forward(&shifted)?;
    let inverse = Unary::Reciprocal.forward(&along_last(Kind::Sum).forward(&e)?)?;
    let Tensor::F32(out) = Binary::Mul.forward(&e, &inverse)? else {
        unreachable!("float32 in, float32 out")
    };
    let mut out = out.into_owned();
    out.swap_axes(ax, last);
    Ok(Tensor::from_array(out.as_standard_layout().into_owned()))
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

/// TensorFlow's kernel: `log(sum(exp(x - max))) - (x - max)[label]`, so a single class gives +0.
fn sparse_cross_entropy<F: Real>(logits: &Arr<F>, labels: &[usize]) -> ArrayD<F> {
    let ax = logits.ndim() - 1;
    let m = logits
        .fold_axis(Axis(ax), F::neg_infinity(), |&m, &v| m.max(v))
        .insert_axis(Axis(ax));
    let shifted = logits - &m;
    let lse = shifted.mapv(F::exp).sum_axis(Axis(ax)).mapv(F::ln);
    let classes = logits.shape()[ax];
    let flat: Vec<F> = shifted.iter().copied().collect();
    let out: Vec<F> = labels
        .iter()
        .zip(lse.iter())
        .enumerate()
        .map(|(i, (&l, &s))| s - flat[i * classes + l])
        .collect();
    ArrayD::from_shape_vec(IxDyn(&logits.shape()[..ax]), out).expect("sizes agree")
}

/// sum(x^2) / 2
/// TensorFlow's L2Loss kernel: `(t.square() * 0.5).sum()`, halves added in Eigen's order (so an
/// empty tensor's loss is +0 and a sum that would overflow before halving does not).
fn l2<F: Real>(a: &Arr<F>) -> ArrayD<F> {
    let half = F::one() / (F::one() + F::one());
    let halves: Vec<F> = a.iter().map(|&v| v * v * half).collect();
    ArrayD::from_elem(IxDyn(&[]), super::reduce::full_sum(&halves))
}
