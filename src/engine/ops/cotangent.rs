//! Which cotangents an op's TensorFlow gradient function leaves constant, or zero, in a
//! Jacobian's graph function (where Grappler folds constants).

use super::reduce::Kind;
use super::{Binary, Logic, Nn, Op, Reduce, ShapeOp, Unary};

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
            Op::Binary(b) => matches!(b, Binary::Add | Binary::AddN | Binary::Sub),
            Op::Logic(l) => matches!(l, Logic::Cast(_)),
            Op::Shape(s) => only_reshapes(s),
            Op::Reduce(Reduce::Over { kind, .. }) => matches!(kind, Kind::Sum),
            _ => false,
        }
    }

    /// Whether TensorFlow's gradient function of this op, given a constant zero, passes input
    /// `input` (of rank `rank`) a constant zero in a graph function (Grappler folds it): it
    /// multiplies the gradient in (`Mul`, `MatMul`, RealDiv's share of the divisor), or only
    /// moves, sums or selects it. Ops whose gradient is a kernel of its own (`TanhGrad`,
    /// `EluGrad`...) or divides by an input (RealDiv's share of the dividend, `grad / y`)
    /// compute their zeros, NaN included.
    pub fn folds_a_zero_cotangent(&self, input: usize, rank: usize) -> bool {
        match self {
            Op::Unary(u) => {
                matches!(u, Unary::Identity | Unary::Negative) || u.gradient_is_a_product()
            }
            Op::Binary(Binary::Div) => input == 1,
            // maximum's and minimum's gradients select with a recorded mask: computed
            Op::Binary(b) => !matches!(b, Binary::SoftsignGrad | Binary::Max | Binary::Min),
            // a product's gradient is `broadcast_to(grad) * others`: the zero is multiplied in
            Op::Reduce(Reduce::Over { kind, .. }) => {
                matches!(
                    kind,
                    Kind::Sum | Kind::Mean | Kind::Max | Kind::Min | Kind::Prod
                )
            }
            Op::Reduce(_) => false,
            Op::Logic(l) => matches!(l, Logic::Where | Logic::Cast(_)),
            // a shape op's gradient that reads a recorded axis, offset, perm, multiple or
            // index is computed, not folded; stack's (an unstack) reads none
            Op::Shape(s) => only_reshapes(s) || matches!(s, ShapeOp::Stack { .. }),
            Op::Linalg(_) => true,
            // `grad - sum(grad) * softmax` and `(grad - sum(grad * softmax)) * softmax` over
            // the last axis (another axis adds transposes, which compute)
            Op::Nn(Nn::Softmax { axis } | Nn::LogSoftmax { axis }) => {
                *axis == -1 || *axis == rank as i64 - 1
            }
            Op::Nn(_) | Op::Create(_) | Op::Scan(_) => false,
        }
    }

    /// Which zero a folded zero cotangent becomes at input `input`, when the op's TensorFlow
    /// gradient folds it (`folds_a_zero_cotangent`).
    pub fn folded_zero(&self, input: usize) -> FoldedZero {
        match self {
            // `-grad`: the negation of the constant is folded with its sign
            Op::Unary(Unary::Negative) => FoldedZero::AsComputed,
            Op::Binary(Binary::Sub) if input == 1 => FoldedZero::AsComputed,
            // Grappler rewrites `0 - sum(0) * softmax` to `Neg(0 * softmax)`, and folds -0
            Op::Nn(Nn::LogSoftmax { .. }) => FoldedZero::Negative,
            _ => FoldedZero::Positive,
        }
    }
}

/// The zero a folded cotangent becomes (`Op::folded_zero`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FoldedZero {
    /// +0: `x * 0` folds to zeros.
    Positive,
    /// -0: the fold ends in a negation of zeros.
    Negative,
    /// What the gradient function computes from the zero it gets: a negation flips its sign.
    AsComputed,
}

/// Shape ops whose gradient is a reshape to the input's static shape: it reads no recorded
/// value.
fn only_reshapes(s: &ShapeOp) -> bool {
    matches!(
        s,
        ShapeOp::Reshape { .. } | ShapeOp::ExpandDims { .. } | ShapeOp::Squeeze { .. }
    )
}
