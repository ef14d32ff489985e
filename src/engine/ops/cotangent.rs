//! What TensorFlow's gradient function of an op does with an output gradient whose shape is not
//! the op's output shape. TensorFlow never checks `output_gradients`: the target's own gradient
//! function is the first to see one, and either raises (`InvalidArgumentError` from a kernel) or
//! passes something on. The spec makes an output gradient of the wrong shape an error in any
//! case; this says which code TensorFlow's own failure has, so the answer carries it.

use super::reduce::Kind;
use super::{Binary, Linalg, Logic, Op, Reduce, ShapeOp, Unary};
use crate::engine::error::Code;
use crate::engine::kernels::{broadcast_axes, broadcast_shape, elements_summed_over};

impl Op {
    /// Ops whose gradient is zeros whatever reaches them (`sign`, and the step inside relu's
    /// second derivative): in a Jacobian, a constant zero.
    pub fn zero_gradient(&self) -> bool {
        matches!(self, Op::Unary(Unary::Sign | Unary::Step))
    }

    /// Whether TensorFlow's gradient function of this op reads only static shapes and the
    /// gradient itself, so that in a Jacobian's graph function (where a recorded value is a
    /// captured placeholder and the seed a constant) a constant gradient stays one: Grappler
    /// folds it, and a gradient summed with its negation becomes a constant zero. Checked
    /// against TensorFlow op by op: `BroadcastTo`, `Tile`, `Transpose`, `Slice`, `Pad`,
    /// `Concat` and `Gather` read a recorded shape, multiple, perm, offset or index, and end
    /// the constant (as the mean's division by a count does).
    pub fn keeps_a_constant_cotangent(&self) -> bool {
        match self {
            Op::Unary(u) => matches!(u, Unary::Identity | Unary::Negative),
            Op::Binary(b) => matches!(b, Binary::Add | Binary::Sub),
            Op::Logic(l) => matches!(l, Logic::Cast(_)),
            Op::Shape(s) => only_reshapes(s),
            Op::Reduce(Reduce::Over { kind, .. }) => matches!(kind, Kind::Sum),
            _ => false,
        }
    }

    /// Whether TensorFlow's gradient function of this op, given a constant zero, is folded to
    /// a constant zero in a graph function: it multiplies the gradient in (`Mul`, `MatMul`), or
    /// only moves, sums or selects it. Ops whose gradient is a kernel of its own (`TanhGrad`,
    /// `EluGrad`...) or divides by an input compute their zeros, NaN included.
    pub fn folds_a_zero_cotangent(&self) -> bool {
        match self {
            Op::Unary(u) => matches!(
                u,
                Unary::Identity
                    | Unary::Negative
                    | Unary::Abs
                    | Unary::Exp
                    | Unary::Log
                    | Unary::Log1p
                    | Unary::Square
                    | Unary::Sin
                    | Unary::Cos
                    | Unary::Erf
            ),
            Op::Binary(b) => !matches!(b, Binary::Div | Binary::SoftsignGrad),
            Op::Reduce(Reduce::Over { kind, .. }) => {
                matches!(kind, Kind::Sum | Kind::Mean | Kind::Max | Kind::Min)
            }
            Op::Reduce(_) => false,
            Op::Logic(l) => matches!(l, Logic::Where | Logic::Cast(_)),
            // a shape op's gradient that reads a recorded axis, offset, perm, multiple or
            // index is computed, not folded; stack's (an unstack) reads none
            Op::Shape(s) => only_reshapes(s) || matches!(s, ShapeOp::Stack { .. }),
            Op::Linalg(_) => true,
            Op::Nn(_) | Op::Create(_) | Op::Scan(_) => false,
        }
    }

    /// The code of the error TensorFlow raises when this op's gradient function receives a
    /// gradient of shape `g` for an output of shape `out` (inputs of shapes `ins`): its
    /// messages map to `invalid_argument` where the kernel refuses a rank or an element count,
    /// and to `shape_mismatch` where a reshape or a broadcast fails, or where nothing fails.
    /// `needs` says which inputs the tape traces: TensorFlow skips the others' gradients.
    pub fn wrong_cotangent_code(
        &self,
        g: &[usize],
        out: &[usize],
        ins: &[&[usize]],
        needs: &[bool],
    ) -> Code {
        let numel = |s: &[usize]| s.iter().product::<usize>();
        let refused = match self {
            // the reduction over a broadcast axis: "Invalid reduction dimension"
            Op::Binary(b) => return broadcast_gradient_code(*b, g, ins, needs),
            // SigmoidGrad, TanhGrad, SqrtGrad, RsqrtGrad, ReciprocalGrad: "The two arguments to a
            // cwise op must have same number of elements"
            Op::Unary(
                Unary::Sigmoid | Unary::Tanh | Unary::Sqrt | Unary::Rsqrt | Unary::Reciprocal,
            ) => numel(g) != numel(out),
            // transpose(g, inverse perm): "transpose expects a vector of size rank(g)"
            Op::Shape(ShapeOp::Transpose { .. }) => g.len() != out.len(),
            // pad(g, paddings): "The first dimension of paddings must be the rank of inputs"
            Op::Shape(ShapeOp::Slice { .. }) => g.len() != out.len(),
            // split(g, sizes, axis) / unstack(g, axis): the axis must lie inside g's rank
            Op::Shape(ShapeOp::Concat { axis }) => {
                let rank = ins.first().map_or(0, |s| s.len()) as i64;
                rank == 0 || axis.rem_euclid(rank) >= g.len() as i64
            }
            Op::Shape(ShapeOp::Stack { axis }) => {
                let rank = g.len() as i64;
                *axis < -rank || *axis >= rank
            }
            // reduce_sum(g, broadcast axes): "Invalid reduction dimension"
            Op::Shape(ShapeOp::BroadcastTo { .. }) => {
                let x = ins.first().copied().unwrap_or(&[]);
                broadcast_axes(x, out).any(|a| a >= g.len())
            }
            // matmul(g, b, transpose_b): "In[0] ndims must be >= 2"
            Op::Linalg(Linalg::MatMul { .. }) => g.len() < 2,
            _ => false,
        };
        if refused {
            Code::InvalidArgument
        } else {
            Code::ShapeMismatch
        }
    }
}

/// Shape ops whose gradient is a reshape to the input's static shape: it reads no recorded
/// value.
fn only_reshapes(s: &ShapeOp) -> bool {
    matches!(
        s,
        ShapeOp::Reshape { .. } | ShapeOp::ExpandDims { .. } | ShapeOp::Squeeze { .. }
    )
}

/// A broadcasting binary op's gradient (eager, as `gradient` runs it) given a gradient `g` of
/// the wrong shape: each traced input's share is `g` (times the other operand, broadcast, for
/// the ops that multiply), summed over the input's `BroadcastGradientArgs` axes (none for
/// equal shapes, else every axis where the padded input is 1) and reshaped to the input. A sum
/// over an axis `g` lacks is `invalid_argument`; a broadcast or reshape that fails, or none,
/// `shape_mismatch`.
fn broadcast_gradient_code(op: Binary, g: &[usize], ins: &[&[usize]], needs: &[bool]) -> Code {
    let (x, y) = (ins[0], ins.get(1).copied().unwrap_or(&[]));
    let mut shares = Vec::new();
    for (k, &input) in [x, y].iter().enumerate() {
        if !needs.get(k).copied().unwrap_or(false) {
            continue;
        }
        let other = if k == 0 { y } else { x };
        let share = match op {
            Binary::Add | Binary::Sub => Some(g.to_vec()),
            _ => broadcast_shape(g, other),
        };
        match share {
            Some(s) => shares.push((input, s)),
            None => return Code::ShapeMismatch,
        }
    }
    let rank = x.len().max(y.len());
    for (input, share) in shares {
        let axes: Vec<usize> = if x == y {
            Vec::new()
        } else {
            let lead = rank - input.len();
            (0..rank)
                .filter(|&i| i < lead || input[i - lead] == 1)
                .collect()
        };
        if axes.iter().any(|&a| a >= share.len()) {
            return Code::InvalidArgument;
        }
        if elements_summed_over(&share, &axes) != input.iter().product::<usize>() {
            return Code::ShapeMismatch;
        }
    }
    Code::ShapeMismatch
}
