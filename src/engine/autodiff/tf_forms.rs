//! Which TensorFlow op a run of recorded entries stands for. gradtape writes some of
//! TensorFlow's gradients with its own ops (a fused kernel's numerics as products and
//! selects, an unstack as slices), and TensorFlow's vectorized Jacobian (`pfor`) treats the
//! op it really ran: its converter, and the gradient function Grappler then optimizes. These
//! recognise the forms by what only that gradient records: a constant of zeros or ones (not
//! produced by an entry) beside the op it belongs to, and one condition shared by two
//! selects (comparisons are not recorded, so a condition is a value no entry produced).

use super::{Entry, IdMap, IdSet, ValId};
use crate::engine::ops::{Binary, Logic, Op, ShapeOp, Unary};
use crate::engine::tensor::{Elem, Tensor};

/// The `where`s TensorFlow builds with `Select` (its `where` v1) rather than `SelectV2`.
#[derive(Clone, Copy)]
pub(super) enum SelectV1 {
    /// `sigmoid_cross_entropy_with_logits`: `where(logits >= 0, logits, zeros)` and
    /// `where(logits >= 0, -logits, logits)`; and pow's gradient for its exponent:
    /// `safe_x = where(x > 0, x, ones)` and `where(x > 0, log(safe_x), zeros)`. Both branches
    /// take the select's gradient.
    Branches,
    /// The VJP of elu or selu (`y < 0` picks), whose TensorFlow form is `EluGrad`/`SeluGrad`:
    /// their gradient is `Select`'s, for the output `y`; the elu/selu output `y` is given.
    EluVjp(ValId),
}

/// The conditions of the `Select` pairs above that take a gradient in both branches.
pub(super) fn select_v1_conditions(entries: &[Entry], producer: &IdMap<&Entry>) -> IdSet {
    let wheres = || {
        entries
            .iter()
            .filter(|e| matches!(e.op, Op::Logic(Logic::Where)) && e.inputs.len() == 3)
    };
    let constant_like = |e: &Entry, k: usize, v: f64| {
        let c = &e.inputs[k];
        !producer.contains_key(&c.id)
            && c.tensor.shape() == e.inputs[3 - k].tensor.shape()
            && all_equal(&c.tensor, v)
    };
    // sigmoid cross entropy: `where(c, x, zeros)` beside `where(c, -x, x)`
    let relu: IdSet = wheres()
        .filter(|e| constant_like(e, 2, 0.0))
        .map(|e| e.inputs[0].id)
        .collect();
    let xent = wheres()
        .filter(|e| {
            producer.get(&e.inputs[1].id).is_some_and(|n| {
                matches!(n.op, Op::Unary(Unary::Negative)) && n.inputs[0].id == e.inputs[2].id
            })
        })
        .map(|e| e.inputs[0].id)
        .filter(|c| relu.contains(c));
    // pow: `where(c, log(where(c, x, ones)), zeros)`
    let pow = wheres()
        .filter(|e| constant_like(e, 2, 0.0))
        .filter(|e| {
            producer.get(&e.inputs[1].id).is_some_and(|log| {
                matches!(log.op, Op::Unary(Unary::Log))
                    && producer.get(&log.inputs[0].id).is_some_and(|safe| {
                        matches!(safe.op, Op::Logic(Logic::Where))
                            && safe.inputs.len() == 3
                            && safe.inputs[0].id == e.inputs[0].id
                            && constant_like(safe, 2, 1.0)
                    })
            })
        })
        .map(|e| e.inputs[0].id);
    xent.chain(pow).collect()
}

fn all_equal(t: &Tensor, v: f64) -> bool {
    crate::with_any!(t, a => a.iter().all(|x| x.num() == v))
}

/// Whether `e` is one of the `where`s TensorFlow builds with `Select`: the pairs above, the
/// selects of their gradients (the same condition: `_SelectGrad` is a `Select` again), and
/// the pick in elu's or selu's VJP (`where(y < 0, y + c, k)`, `y` an elu/selu output).
pub(super) fn select_v1(e: &Entry, producer: &IdMap<&Entry>, paired: &IdSet) -> Option<SelectV1> {
    if !matches!(e.op, Op::Logic(Logic::Where)) || e.inputs.len() != 3 {
        return None;
    }
    if paired.contains(&e.inputs[0].id) {
        return Some(SelectV1::Branches);
    }
    let add = producer.get(&e.inputs[1].id)?;
    let y = add.inputs.first()?;
    let elu = producer.get(&y.id)?;
    (matches!(add.op, Op::Binary(Binary::Add | Binary::AddN))
        && matches!(elu.op, Op::Unary(Unary::Elu | Unary::Selu))
        && !producer.contains_key(&e.inputs[2].id))
    .then_some(SelectV1::EluVjp(y.id))
}

/// `where(g == 0, zeros, v)` with the zeros a constant: how the VJPs of TensorFlow's fused
/// gradient kernels keep a zero gradient zero. Returns `v`'s entry.
fn zero_where_zero<'a>(e: &Entry, producer: &IdMap<&'a Entry>) -> Option<&'a Entry> {
    if !matches!(e.op, Op::Logic(Logic::Where)) || e.inputs.len() != 3 {
        return None;
    }
    let (zeros, v) = (&e.inputs[1], &e.inputs[2]);
    if producer.contains_key(&zeros.id)
        || zeros.tensor.shape() != v.tensor.shape()
        || !all_equal(&zeros.tensor, 0.0)
    {
        return None;
    }
    producer.get(&v.id).copied()
}

/// Where `e` ends the VJP of `reciprocal`, TensorFlow's one `ReciprocalGrad(y, b)` op:
/// `where(b == 0, zeros, -b * y^2)`. Inside is the id of the incoming gradient `b` where the
/// tape recorded its negation (a traced `b`).
pub(super) fn reciprocal_grad(e: &Entry, producer: &IdMap<&Entry>) -> Option<Option<ValId>> {
    let mul = zero_where_zero(e, producer)?;
    if !matches!(mul.op, Op::Binary(Binary::Mul)) {
        return None;
    }
    Some(
        producer
            .get(&mul.inputs.first()?.id)
            .filter(|neg| matches!(neg.op, Op::Unary(Unary::Negative)))
            .map(|neg| neg.inputs[0].id),
    )
}

/// Whether `e` ends the VJP of `sqrt`, TensorFlow's one `SqrtGrad(y, b)` op: in packets
/// `where(b == 0, zeros, (0.5 / y) * b)`, in the scalar tail `where(b == 0, zeros, 0.5 b / y)`,
/// and the two joined by a select on a constant mask. Its gradient starts with `grad / y`.
pub(super) fn sqrt_grad(e: &Entry, producer: &IdMap<&Entry>) -> bool {
    let over_sqrt = |d: &Entry| {
        matches!(d.op, Op::Binary(Binary::Div))
            && producer
                .get(&d.inputs[1].id)
                .is_some_and(|y| matches!(y.op, Op::Unary(Unary::Sqrt)))
    };
    if let Some(v) = zero_where_zero(e, producer) {
        return over_sqrt(v)
            || (matches!(v.op, Op::Binary(Binary::Mul))
                && producer.get(&v.inputs[0].id).is_some_and(|d| over_sqrt(d)));
    }
    // packets then tail: `where(tail, scalar form, packet form)`
    matches!(e.op, Op::Logic(Logic::Where))
        && e.inputs.len() == 3
        && !producer.contains_key(&e.inputs[0].id)
        && e.inputs[1..].iter().all(|v| {
            producer
                .get(&v.id)
                .is_some_and(|p| zero_where_zero(p, producer).is_some() && sqrt_grad(p, producer))
        })
}

/// Whether `e` is one piece of an `unstack` as stack's VJP records it: a reshape dropping the
/// one-wide axis of a slice that takes one index of that axis and all of every other.
/// TensorFlow's gradient of `Unpack` stacks the pieces' gradients, which needs equal shapes.
pub(super) fn unstack_piece(e: &Entry, producer: &IdMap<&Entry>) -> bool {
    let Op::Shape(ShapeOp::Reshape { .. }) = e.op else {
        return false;
    };
    let Some(slice) = producer.get(&e.inputs[0].id) else {
        return false;
    };
    let Op::Shape(ShapeOp::Slice { begin, size }) = &slice.op else {
        return false;
    };
    let whole = slice.inputs[0].tensor.shape();
    let piece = e.output.tensor.shape();
    whole.len() == piece.len() + 1
        && begin.len() == whole.len()
        && (0..whole.len()).any(|ax| fits(whole, begin, size, piece, ax))
}

/// The slice takes index `begin[ax]` of axis `ax` and all of every other axis, and the
/// reshape drops `ax`.
fn fits(whole: &[usize], begin: &[i64], size: &[i64], piece: &[usize], ax: usize) -> bool {
    (0..whole.len()).all(|k| {
        if k == ax {
            size[k] == 1
        } else {
            begin[k] == 0 && size[k] as usize == whole[k]
        }
    }) && whole
        .iter()
        .enumerate()
        .filter(|&(k, _)| k != ax)
        .map(|(_, &d)| d)
        .eq(piece.iter().copied())
}
