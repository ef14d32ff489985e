//! What TensorFlow's gradient function of an op does with a gradient whose shape is not the
//! op's output shape. TensorFlow never checks `output_gradients`: each gradient function runs
//! its ops on whatever arrives, and either a kernel raises (`InvalidArgumentError`, whose
//! message decides the code) or the function passes gradients of some shape on. Each op's
//! function is written here in the kernels' shape rules (`Shapes`), as TensorFlow 2.15's
//! `math_grad.py`, `nn_grad.py` and `array_grad.py` run them eagerly; the codes are the ones
//! the kernels' messages map to (checked against TensorFlow kernel by kernel).

use super::reduce::Kind;
use super::{Binary, GradientForm, Linalg, Logic, Nn, Op, Reduce, ShapeOp, Unary};
use crate::engine::error::Code;
use crate::engine::kernels::broadcast_shape;

pub type Shape = Vec<usize>;

/// Per input, the shape of the gradient the op's function passes on (None: none).
pub type Passed = Result<Vec<Option<Shape>>, Code>;

/// An op's inputs and output as its gradient function sees them.
pub struct Site<'a> {
    pub ins: &'a [&'a [usize]],
    pub out: &'a [usize],
    /// Inputs TensorFlow computes a gradient for (`skip_input_indices` holds the others).
    pub needs: &'a [bool],
}

impl Site<'_> {
    fn needs(&self, k: usize) -> bool {
        self.needs.get(k).copied().unwrap_or(false)
    }
    fn input(&self, k: usize) -> &[usize] {
        self.ins.get(k).copied().unwrap_or(&[])
    }
}

impl Op {
    /// The gradients this op's TensorFlow gradient function passes on given `g`, a gradient of
    /// the wrong shape, or the code of the error one of its kernels raises.
    pub fn wrong_cotangent(&self, g: &[usize], site: &Site) -> Passed {
        match self {
            Op::Unary(u) => unary(*u, g, site),
            Op::Binary(b) => binary(*b, g, site),
            Op::Logic(Logic::Cast(_)) => Ok(vec![Some(g.to_vec())]),
            Op::Logic(Logic::Where) => select(g, site),
            Op::Logic(_) | Op::Create(_) => Ok(vec![None; site.ins.len()]),
            Op::Reduce(Reduce::Over {
                kind,
                axes,
                keepdims,
            }) => reduction(*kind, axes.as_deref(), *keepdims, g, site).map(|s| vec![Some(s)]),
            Op::Reduce(_) => Ok(vec![None]),
            Op::Shape(s) => shape_op(s, g, site),
            Op::Linalg(Linalg::MatMul {
                transpose_a,
                transpose_b,
            }) => matmul_gradient(*transpose_a, *transpose_b, g, site),
            Op::Nn(n) => nn(n, g, site),
            // composites expand into recorded ops; the internal scans and linalg forms are
            // not modeled: their gradient raises as a shape error would
            Op::Linalg(_) | Op::Scan(_) => Err(Code::ShapeMismatch),
        }
    }
}

/// Elementwise ops: `grad * f'(x)` broadcasts; the fused `*Grad` kernels check sizes.
fn unary(u: Unary, g: &[usize], site: &Site) -> Passed {
    let x = site.input(0);
    let passed = match u.gradient_form() {
        GradientForm::Passes => g.to_vec(),
        GradientForm::Zeros => x.to_vec(),
        GradientForm::Product | GradientForm::Broadcasts => broadcast(g, x)?,
        // SqrtGrad(y, dy) and its kin: "The two arguments to a cwise op must have same
        // number of elements"; the result takes y's shape
        GradientForm::FusedOnOutput => same_count(site.out, g)?,
        // ReluGrad(g, y) and its kin: "must have the same size and shape"
        GradientForm::FusedOnInput => same_shape(g, x)?,
        GradientForm::NoGradient => return Ok(vec![None]),
    };
    Ok(vec![Some(passed)])
}

/// The broadcasting binary ops: each input's share, then `_ReduceGradientArgs` (eagerly a sum
/// over `BroadcastGradientArgs`' axes, kept, and a reshape to the input).
fn binary(b: Binary, g: &[usize], site: &Site) -> Passed {
    let (x, y, out) = (site.input(0), site.input(1), site.out);
    // AddN's gradient hands the cotangent to every input as it is
    if b == Binary::AddN {
        return Ok(vec![Some(g.to_vec()), Some(g.to_vec())]);
    }
    // the fast path of Add, Sub, Mul, Pow and Maximum/Minimum when y is a skipped scalar
    if !site.needs(1) && y.is_empty() {
        let gx = match b {
            Binary::Add | Binary::Sub => Some(g.to_vec()),
            Binary::Mul => Some(broadcast(g, y)?),
            Binary::Pow => Some(broadcast(&broadcast(g, y)?, out)?),
            Binary::Max | Binary::Min => Some(broadcast(out, g)?),
            _ => None,
        };
        if let Some(gx) = gx {
            return Ok(vec![Some(gx), None]);
        }
    }
    let (gx, gy) = match b {
        Binary::Add | Binary::Sub => (Some(g.to_vec()), Some(g.to_vec())),
        Binary::Mul => (
            site.needs(0).then(|| broadcast(g, y)).transpose()?,
            site.needs(1).then(|| broadcast(x, g)).transpose()?,
        ),
        // RealDiv's function computes both shares whatever is skipped
        Binary::Div => (Some(broadcast(g, y)?), Some(broadcast(g, out)?)),
        Binary::Pow => (
            site.needs(0)
                .then(|| broadcast(&broadcast(g, y)?, out))
                .transpose()?,
            site.needs(1).then(|| broadcast(g, out)).transpose()?,
        ),
        Binary::Max | Binary::Min => {
            let share = broadcast(out, g)?;
            (Some(share.clone()), Some(share))
        }
        Binary::SquaredDifference => {
            let share = broadcast(g, out)?;
            (Some(share.clone()), Some(share))
        }
        // no gradient is registered for SoftsignGrad: TensorFlow's LookupError
        // `grad` and `grad * -floor_div(x, y)`, whose FloorDiv has the output's shape
        Binary::FloorMod => (Some(g.to_vec()), Some(broadcast(g, out)?)),
        Binary::FloorDiv => return Ok(vec![None, None]),
        Binary::SoftsignGrad => return Err(Code::InvalidArgument),
        Binary::AddN => unreachable!("passed on above"),
    };
    // RealDiv and FloorMod reduce both shares whatever is skipped; the others only the
    // needed ones
    let keep = |k: usize| matches!(b, Binary::Div | Binary::FloorMod) || site.needs(k);
    let gx = gx.filter(|_| keep(0));
    let gy = gy.filter(|_| keep(1));
    let (rx, ry) = broadcast_gradient_args(x, y);
    Ok(vec![
        gx.map(|s| sum_kept_then_reshape(&s, &rx, x)).transpose()?,
        gy.map(|s| sum_kept_then_reshape(&s, &ry, y)).transpose()?,
    ])
}

/// SelectV2's gradient: `where(c, grad, 0)` for both branches, each reduced to its input.
fn select(g: &[usize], site: &Site) -> Passed {
    let c = site.input(0);
    let share = broadcast(c, g)?;
    let mut passed = vec![None];
    for k in 1..3 {
        let input = site.input(k);
        let (axes, _) = broadcast_gradient_args(input, site.out);
        let reduced = sum_kept_then_reshape(&share, &axes, input)?;
        passed.push(site.needs(k).then_some(reduced));
    }
    Ok(passed)
}

fn reduction(
    kind: Kind,
    axes: Option<&[i64]>,
    keepdims: bool,
    g: &[usize],
    site: &Site,
) -> Result<Shape, Code> {
    let (x, out) = (site.input(0), site.out);
    let kept: Shape = if keepdims {
        out.to_vec()
    } else {
        let rank = x.len() as i64;
        let reduced: Vec<usize> = match axes {
            None => (0..x.len()).collect(),
            Some(a) => a
                .iter()
                .map(|&a| a.rem_euclid(rank.max(1)) as usize)
                .collect(),
        };
        (0..x.len())
            .map(|i| if reduced.contains(&i) { 1 } else { x[i] })
            .collect()
    };
    match kind {
        Kind::Sum | Kind::Mean => {
            let all = match axes {
                None => true,
                Some(a) => a.iter().copied().eq(0..x.len() as i64),
            };
            if all {
                // the fast path: reshape to rank ones, then tile
                reshape(g, &vec![1; x.len()])?;
            } else if keepdims {
                broadcast_to(g, x)?;
            } else {
                reshape(g, &kept)?;
            }
            Ok(x.to_vec())
        }
        Kind::Max | Kind::Min => {
            if keepdims {
                broadcast(x, g)
            } else {
                reshape(g, &kept)?;
                Ok(x.to_vec())
            }
        }
        Kind::Prod => {
            let g = if keepdims {
                g.to_vec()
            } else {
                reshape(g, &kept)?
            };
            broadcast_to(&g, x)
        }
        // a composite: never recorded as itself
        Kind::LogSumExp => Err(Code::ShapeMismatch),
    }
}

fn shape_op(s: &ShapeOp, g: &[usize], site: &Site) -> Passed {
    let x = site.input(0);
    let one = |s: Shape| Ok(vec![Some(s)]);
    match s {
        ShapeOp::Reshape { .. } | ShapeOp::ExpandDims { .. } | ShapeOp::Squeeze { .. } => {
            one(reshape(g, x)?)
        }
        ShapeOp::Transpose { perm } => {
            let perm: Vec<usize> = match perm {
                Some(p) => p
                    .iter()
                    .map(|&a| a.rem_euclid(x.len().max(1) as i64) as usize)
                    .collect(),
                None => (0..x.len()).rev().collect(),
            };
            // transpose(grad, invert_permutation(perm)): "transpose expects a vector of size"
            if g.len() != perm.len() {
                return Err(Code::InvalidArgument);
            }
            let mut passed = vec![0; g.len()];
            for (i, &p) in perm.iter().enumerate() {
                passed[p] = g[i];
            }
            one(passed)
        }
        ShapeOp::Concat { axis } => {
            if site.ins.len() == 1 {
                return one(g.to_vec());
            }
            let axis = axis.rem_euclid(x.len().max(1) as i64) as usize;
            let sizes: Vec<usize> = site.ins.iter().map(|s| s[axis]).collect();
            let pieces = split(g, &sizes, axis)?;
            Ok(pieces.into_iter().map(Some).collect())
        }
        ShapeOp::Stack { axis } => {
            let pieces = unstack(g, site.ins.len(), *axis)?;
            Ok(pieces.into_iter().map(Some).collect())
        }
        // reshape(grad, interleaved multiples and input shape), then a sum
        ShapeOp::Tile { .. } => {
            reshape(g, site.out)?;
            one(x.to_vec())
        }
        ShapeOp::BroadcastTo { shape } => {
            let (_, axes) = broadcast_gradient_args(shape, x);
            one(sum_kept_then_reshape(g, &axes, x)?)
        }
        // pad(grad, paddings of the input's rank): "The first dimension of paddings must be
        // the rank of inputs"
        ShapeOp::Slice { .. } => {
            if g.len() != x.len() {
                return Err(Code::InvalidArgument);
            }
            one((0..g.len()).map(|i| g[i] + x[i] - site.out[i]).collect())
        }
        // reshape(grad, [indices, params' tail]) and a segment sum back to params
        ShapeOp::Gather { .. } => {
            reshape(g, site.out)?;
            let mut passed = vec![Some(x.to_vec())];
            passed.extend(site.ins[1..].iter().map(|_| None));
            Ok(passed)
        }
        // slice(grad, before, input shape)
        ShapeOp::Pad { before, .. } => {
            if g.len() != x.len() {
                return Err(Code::ShapeMismatch);
            }
            if (0..g.len()).any(|i| before[i] + x[i] > g[i]) {
                return Err(Code::InvalidArgument);
            }
            one(x.to_vec())
        }
        ShapeOp::ScatterAdd { .. } => Err(Code::ShapeMismatch),
    }
}

/// MatMul's function, which honours skipped inputs; a batched product (BatchMatMulV2) computes
/// both and reduces the broadcast batch axes.
fn matmul_gradient(ta: bool, tb: bool, g: &[usize], site: &Site) -> Passed {
    let (a, b) = (site.input(0), site.input(1));
    let grad_a = || match (ta, tb) {
        (false, false) => matmul(g, b, false, true),
        (false, true) => matmul(g, b, false, false),
        (true, false) => matmul(b, g, false, true),
        (true, true) => matmul(b, g, true, true),
    };
    let grad_b = || match (ta, tb) {
        (false, false) => matmul(a, g, true, false),
        (false, true) => matmul(g, a, true, false),
        (true, false) => matmul(a, g, false, false),
        (true, true) => matmul(g, a, true, true),
    };
    if a.len() < 2 || b.len() < 2 {
        return Err(Code::InvalidArgument);
    }
    if a.len() == 2 && b.len() == 2 {
        // 2-D MatMul: "In[0] ndims must be >= 2" for any other rank under oneDNN
        if g.len() != 2 {
            return Err(Code::InvalidArgument);
        }
        if !site.needs(1) {
            return Ok(vec![Some(grad_a()?), None]);
        }
        if !site.needs(0) {
            return Ok(vec![None, Some(grad_b()?)]);
        }
        return Ok(vec![Some(grad_a()?), Some(grad_b()?)]);
    }
    let (ga, gb) = (grad_a()?, grad_b()?);
    if a[..a.len() - 2] == b[..b.len() - 2] {
        return Ok(vec![Some(ga), Some(gb)]);
    }
    let (ra, rb) = broadcast_gradient_args(&a[..a.len() - 2], &b[..b.len() - 2]);
    Ok(vec![
        // reshape(reduce_sum(g, axes), input): the kept dimensions change no count
        Some(sum_kept_then_reshape(&ga, &ra, a)?),
        Some(sum_kept_then_reshape(&gb, &rb, b)?),
    ])
}

fn nn(n: &Nn, g: &[usize], site: &Site) -> Passed {
    let (x, y) = (site.input(site.ins.len() - 1), site.out);
    match n {
        // x * grad
        Nn::L2Loss => Ok(vec![Some(broadcast(x, g)?)]),
        // on the last axis; another axis is transposed there and back
        Nn::Softmax { axis } | Nn::KernelSoftmax { axis } | Nn::LogSoftmax { axis } => {
            let last = axis.rem_euclid(y.len().max(1) as i64) as usize + 1 == y.len();
            if !last && g.len() != y.len() {
                return Err(Code::InvalidArgument);
            }
            let g = if last {
                g.to_vec()
            } else {
                swap_last(g, axis.rem_euclid(y.len() as i64) as usize)
            };
            let y = if last {
                y.to_vec()
            } else {
                swap_last(y, axis.rem_euclid(y.len() as i64) as usize)
            };
            let passed = if matches!(n, Nn::LogSoftmax { .. }) {
                // grad - reduce_sum(grad, -1, keepdims) * softmax
                let summed = sum_last_kept(&g)?;
                broadcast(&g, &broadcast(&summed, &y)?)?
            } else {
                // (grad - reduce_sum(grad * softmax, -1, keepdims)) * softmax
                let product = broadcast(&g, &y)?;
                let summed = sum_last_kept(&product)?;
                broadcast(&broadcast(&g, &summed)?, &y)?
            };
            let passed = if last {
                passed
            } else {
                swap_last(&passed, axis.rem_euclid(y.len() as i64) as usize)
            };
            Ok(vec![Some(passed)])
        }
        // _BroadcastMul(grad, backprop): expand_dims(grad, -1) * [batch, classes]
        Nn::SoftmaxCrossEntropyKernel { .. } | Nn::SparseSoftmaxCrossEntropyKernel => {
            let mut column = g.to_vec();
            column.push(1);
            let share = broadcast(&column, x)?;
            let labels = matches!(n, Nn::SoftmaxCrossEntropyKernel { .. }).then(|| share.clone());
            Ok(vec![labels, Some(share)])
        }
        // composites: never recorded as themselves
        Nn::SoftmaxCrossEntropy { .. }
        | Nn::SparseSoftmaxCrossEntropy
        | Nn::SigmoidCrossEntropy => Err(Code::ShapeMismatch),
    }
}

/// Two shapes broadcast: "Incompatible shapes".
pub fn broadcast(a: &[usize], b: &[usize]) -> Result<Shape, Code> {
    broadcast_shape(a, b).ok_or(Code::ShapeMismatch)
}

/// `broadcast_to(t, to)`: t must broadcast to exactly `to`.
fn broadcast_to(t: &[usize], to: &[usize]) -> Result<Shape, Code> {
    match broadcast_shape(t, to) {
        Some(s) if s == to => Ok(s),
        _ => Err(Code::ShapeMismatch),
    }
}

/// "Input to reshape is a tensor with N values, but the requested shape has M".
fn reshape(t: &[usize], to: &[usize]) -> Result<Shape, Code> {
    if numel(t) == numel(to) {
        Ok(to.to_vec())
    } else {
        Err(Code::ShapeMismatch)
    }
}

/// A fused gradient kernel that checks element counts and answers in its first input's shape.
fn same_count(y: &[usize], g: &[usize]) -> Result<Shape, Code> {
    if numel(y) == numel(g) {
        Ok(y.to_vec())
    } else {
        Err(Code::InvalidArgument)
    }
}

/// A fused gradient kernel that checks shapes.
fn same_shape(g: &[usize], a: &[usize]) -> Result<Shape, Code> {
    if g == a {
        Ok(g.to_vec())
    } else {
        Err(Code::ShapeMismatch)
    }
}

/// `BroadcastGradientArgs(x, y)`: no axes for equal shapes, else every axis where the padded
/// input is 1.
pub fn broadcast_gradient_args(x: &[usize], y: &[usize]) -> (Vec<usize>, Vec<usize>) {
    if x == y {
        return (Vec::new(), Vec::new());
    }
    let rank = x.len().max(y.len());
    let axes = |s: &[usize]| -> Vec<usize> {
        let lead = rank - s.len();
        (0..rank)
            .filter(|&i| i < lead || s[i - lead] == 1)
            .collect()
    };
    (axes(x), axes(y))
}

/// `reshape(reduce_sum(t, axes, keepdims=True), to)`: "Invalid reduction dimension" where an
/// axis lies beyond t's rank.
fn sum_kept_then_reshape(t: &[usize], axes: &[usize], to: &[usize]) -> Result<Shape, Code> {
    if axes.iter().any(|&a| a >= t.len()) {
        return Err(Code::InvalidArgument);
    }
    let kept: Shape = (0..t.len())
        .map(|i| if axes.contains(&i) { 1 } else { t[i] })
        .collect();
    reshape(&kept, to)
}

fn sum_last_kept(t: &[usize]) -> Result<Shape, Code> {
    let mut kept = t.to_vec();
    match kept.last_mut() {
        Some(d) => *d = 1,
        None => return Err(Code::InvalidArgument),
    }
    Ok(kept)
}

/// A (batched) matrix product's shape: "ndims must be >= 2", "Matrix size-incompatible",
/// "must have compatible batch dimensions".
fn matmul(a: &[usize], b: &[usize], ta: bool, tb: bool) -> Result<Shape, Code> {
    if a.len() < 2 || b.len() < 2 {
        return Err(Code::InvalidArgument);
    }
    let (ra, ca) = (a[a.len() - 2], a[a.len() - 1]);
    let (rb, cb) = (b[b.len() - 2], b[b.len() - 1]);
    let (m, k) = if ta { (ca, ra) } else { (ra, ca) };
    let (k2, n) = if tb { (cb, rb) } else { (rb, cb) };
    if k != k2 {
        return Err(Code::ShapeMismatch);
    }
    let mut out = broadcast(&a[..a.len() - 2], &b[..b.len() - 2])?;
    out.extend([m, n]);
    Ok(out)
}

/// `split(t, sizes, axis)`.
fn split(t: &[usize], sizes: &[usize], axis: usize) -> Result<Vec<Shape>, Code> {
    if axis >= t.len() {
        return Err(Code::InvalidArgument);
    }
    if sizes.iter().sum::<usize>() != t[axis] {
        return Err(Code::ShapeMismatch);
    }
    Ok(sizes
        .iter()
        .map(|&s| {
            let mut piece = t.to_vec();
            piece[axis] = s;
            piece
        })
        .collect())
}

/// `unstack(t, num, axis)`: "axis = a not in [-r, r)", then "Input shape axis a must equal n".
fn unstack(t: &[usize], num: usize, axis: i64) -> Result<Vec<Shape>, Code> {
    let rank = t.len() as i64;
    if axis < -rank || axis >= rank {
        return Err(Code::InvalidArgument);
    }
    let axis = axis.rem_euclid(rank) as usize;
    if t[axis] != num {
        return Err(Code::ShapeMismatch);
    }
    let mut piece = t.to_vec();
    piece.remove(axis);
    Ok(vec![piece; num])
}

fn swap_last(s: &[usize], axis: usize) -> Shape {
    let mut out = s.to_vec();
    let last = out.len() - 1;
    out.swap(axis, last);
    out
}

fn numel(s: &[usize]) -> usize {
    s.iter().product()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site<'a>(ins: &'a [&'a [usize]], out: &'a [usize], needs: &'a [bool]) -> Site<'a> {
        Site { ins, out, needs }
    }

    #[test]
    fn a_skipped_scalar_addend_passes_the_gradient_through_unchanged() {
        let op = Op::Binary(Binary::Add);
        let s = site(&[&[2, 2, 1], &[]], &[2, 2, 1], &[true, false]);
        assert_eq!(op.wrong_cotangent(&[6], &s), Ok(vec![Some(vec![6]), None]));
    }

    #[test]
    fn a_traced_scalar_addend_sums_over_axes_the_gradient_lacks() {
        let op = Op::Binary(Binary::Add);
        let s = site(&[&[2, 2, 1], &[]], &[2, 2, 1], &[true, true]);
        assert_eq!(op.wrong_cotangent(&[6], &s), Err(Code::InvalidArgument));
    }

    #[test]
    fn stack_unstacks_along_its_axis() {
        let op = Op::Shape(ShapeOp::Stack { axis: -3 });
        let s = site(&[&[4, 3], &[4, 3]], &[2, 4, 3], &[true, true]);
        assert_eq!(op.wrong_cotangent(&[26], &s), Err(Code::InvalidArgument));
    }

    #[test]
    fn fused_kernels_check_counts_or_shapes() {
        let s = site(&[&[2, 3]], &[2, 3], &[true]);
        let sigmoid = Op::Unary(Unary::Sigmoid);
        assert_eq!(
            sigmoid.wrong_cotangent(&[6], &s),
            Ok(vec![Some(vec![2, 3])])
        );
        assert_eq!(
            sigmoid.wrong_cotangent(&[5], &s),
            Err(Code::InvalidArgument)
        );
        let relu = Op::Unary(Unary::Relu);
        assert_eq!(relu.wrong_cotangent(&[6], &s), Err(Code::ShapeMismatch));
    }

    #[test]
    fn l2_loss_multiplies_a_broadcastable_gradient_in() {
        let op = Op::Nn(Nn::L2Loss);
        let s = site(&[&[3]], &[], &[true]);
        assert_eq!(op.wrong_cotangent(&[3], &s), Ok(vec![Some(vec![3])]));
    }
}
