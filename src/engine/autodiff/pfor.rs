//! Whether TensorFlow's Jacobian of an empty (zero-size) target raises. `tape.jacobian` runs its
//! loop of gradients through `pfor`; with zero iterations some of pfor's converters reshape
//! with a `-1` that TensorFlow's reshape infers from the nonzero dimensions only, so they hand
//! on a gradient of the wrong shape: `MatMul`'s (one operand loop-variant), and `Select`'s
//! (the `where` of `sigmoid_cross_entropy_with_logits`, and of the gradients of `EluGrad` and
//! `SeluGrad` in a second derivative). Where such a shape meets a source (`set_shape` fails),
//! a kernel that needs equal shapes, or another gradient of the same tensor (`AddN`),
//! TensorFlow raises a shape error; where a reshape or a broadcast restores it, the answer is
//! the empty Jacobian. This walks the tape as pfor's graph would, with shapes only.

use super::{Entry, IdMap, IdSet, Val};
use crate::engine::error::{shape_err, Error, Result};
use crate::engine::kernels::broadcast_shape;
use crate::engine::ops::{Binary, Linalg, Logic, Op, ShapeOp, Unary};

type Shape = Vec<usize>;

fn fail(what: &str) -> Error {
    shape_err(format!(
        "the Jacobian of an empty target: TensorFlow's vectorized loop (pfor) gives {what} a gradient of the wrong shape and raises"
    ))
}

/// Err where TensorFlow's pfor'd Jacobian of the empty `target` fails; `reach` holds every
/// value a gradient can flow to from the sources.
pub(super) fn check_empty_jacobian(
    entries: &[Entry],
    reach: &IdSet,
    target: &Val,
    sources: &[Val],
) -> Result<()> {
    let producer: IdMap<&Entry> = entries.iter().map(|e| (e.output.id, e)).collect();
    let xent = xent_conditions(entries, &producer);
    // the per-iteration shape of each gradient as pfor computes it; the Jacobian's own
    // reshape of the target gives the target's gradient its right shape
    let mut cot: IdMap<Shape> = IdMap::default();
    cot.insert(target.id, target.tensor.shape().to_vec());
    for e in entries.iter().rev() {
        let Some(g) = cot.get(&e.output.id).cloned() else {
            continue;
        };
        if !reach.contains(&e.output.id) || !e.op.differentiable() {
            continue;
        }
        let needed: Vec<bool> = e
            .inputs
            .iter()
            .map(|i| reach.contains(&i.id) && i.tensor.dtype().is_float())
            .collect();
        let ins = input_gradients(e, &g, &needed, (&producer, &xent), reach)?;
        for ((i, s), need) in e.inputs.iter().zip(ins).zip(needed) {
            let Some(s) = s.filter(|_| need) else {
                continue;
            };
            match cot.get(&i.id) {
                Some(prev) if *prev != s => return Err(fail("AddN")),
                _ => {
                    cot.insert(i.id, s);
                }
            }
        }
    }
    for s in sources {
        if cot.get(&s.id).is_some_and(|c| c != s.tensor.shape()) {
            return Err(fail("a source"));
        }
    }
    Ok(())
}

/// The per-iteration shapes pfor gives the gradients of `e`'s inputs from a gradient of shape
/// `g` for its output.
fn input_gradients(
    e: &Entry,
    g: &[usize],
    needed: &[bool],
    (producer, xent): (&IdMap<&Entry>, &IdSet),
    reach: &IdSet,
) -> Result<Vec<Option<Shape>>> {
    let out = e.output.tensor.shape();
    let ins: Vec<&[usize]> = e.inputs.iter().map(|i| i.tensor.shape()).collect();
    if let Op::Linalg(Linalg::MatMul {
        transpose_a,
        transpose_b,
    }) = e.op
    {
        return matmul(g, ins[0], ins[1], (transpose_a, transpose_b), needed);
    }
    if let Some(kind) = select_v1(e, producer, xent) {
        return select(kind, g, out, &ins, reach);
    }
    if g == out {
        return Ok(ins.iter().map(|s| Some(s.to_vec())).collect());
    }
    wrong_shape_through(&e.op, g, out, &ins)
}

/// The `where`s TensorFlow builds with `Select` (its `where` v1) rather than `SelectV2`.
#[derive(Clone, Copy)]
enum SelectV1 {
    /// `sigmoid_cross_entropy_with_logits`: `where(logits >= 0, logits, zeros)` and
    /// `where(logits >= 0, -logits, logits)`.
    SigmoidXent,
    /// The VJP of elu or selu (`y < 0` picks), whose TensorFlow form is `EluGrad`/`SeluGrad`:
    /// their gradient is `Select`'s, for the output `y`; the elu/selu output `y` is given.
    EluVjp(super::ValId),
}

/// The conditions of `sigmoid_cross_entropy_with_logits`'s two selects (comparisons are not
/// recorded, so its selects are known by their branches): `where(c, x, zeros)` with constant
/// zeros, and `where(c, -x, x)`, on one condition.
fn xent_conditions(entries: &[Entry], producer: &IdMap<&Entry>) -> IdSet {
    let wheres = entries
        .iter()
        .filter(|e| matches!(e.op, Op::Logic(Logic::Where)) && e.inputs.len() == 3);
    let relu: IdSet = wheres
        .clone()
        .filter(|e| {
            let z = &e.inputs[2];
            !producer.contains_key(&z.id)
                && z.tensor.shape() == e.inputs[1].tensor.shape()
                && all_zero(&z.tensor)
        })
        .map(|e| e.inputs[0].id)
        .collect();
    wheres
        .filter(|e| {
            producer.get(&e.inputs[1].id).is_some_and(|n| {
                matches!(n.op, Op::Unary(Unary::Negative)) && n.inputs[0].id == e.inputs[2].id
            })
        })
        .map(|e| e.inputs[0].id)
        .filter(|c| relu.contains(c))
        .collect()
}

fn all_zero(t: &crate::engine::tensor::Tensor) -> bool {
    use crate::engine::tensor::Elem;
    crate::with_any!(t, a => a.iter().all(|v| v.num() == 0.0))
}

/// Whether `e` is one of the `where`s TensorFlow builds with `Select`: the cross entropy's, the
/// selects of their gradients (the same condition: `_SelectGrad` is a `Select` again), and
/// the pick in elu's or selu's VJP (`where(y < 0, y + c, k)`, `y` an elu/selu output).
fn select_v1(e: &Entry, producer: &IdMap<&Entry>, xent: &IdSet) -> Option<SelectV1> {
    if !matches!(e.op, Op::Logic(Logic::Where)) || e.inputs.len() != 3 {
        return None;
    }
    if xent.contains(&e.inputs[0].id) {
        return Some(SelectV1::SigmoidXent);
    }
    let add = producer.get(&e.inputs[1].id)?;
    let y = add.inputs.first()?;
    let elu = producer.get(&y.id)?;
    (matches!(add.op, Op::Binary(Binary::Add))
        && matches!(elu.op, Op::Unary(Unary::Elu | Unary::Selu))
        && !producer.contains_key(&e.inputs[2].id))
    .then_some(SelectV1::EluVjp(y.id))
}

/// pfor's `Select` with a loop-variant gradient: every input is tiled to `[n] + shape`, and
/// from rank 2 on flattened to `[-1] + shape[1:]` and back to `[n, -1] + shape[1:]`; with
/// n = 0 the `-1` comes back as `shape[0]` only when it is nonzero and some later dimension
/// is zero, else as 1.
fn select_v1_shape(s: &[usize]) -> Shape {
    let mut out = s.to_vec();
    if let Some((d0, rest)) = s.split_first() {
        out[0] = if rest.contains(&0) { (*d0).max(1) } else { 1 };
    }
    out
}

fn select(
    kind: SelectV1,
    g: &[usize],
    out: &[usize],
    ins: &[&[usize]],
    reach: &IdSet,
) -> Result<Vec<Option<Shape>>> {
    if g != out {
        return Err(fail("Select"));
    }
    let picked = select_v1_shape(out);
    match kind {
        SelectV1::SigmoidXent => Ok(vec![None, Some(picked.clone()), Some(picked)]),
        // TensorFlow hands that shape to EluGrad/SeluGrad, whose inputs must match
        SelectV1::EluVjp(y) if picked != out && reach.contains(&y) => Err(fail("EluGrad")),
        SelectV1::EluVjp(_) => Ok(ins.iter().map(|s| Some(s.to_vec())).collect()),
    }
}

/// `x` with a nonzero stand-in for 0: TensorFlow's reshape infers a `-1` next to a zero
/// dimension as (nonzero input dimensions) / (nonzero requested dimensions).
fn nz(x: usize) -> usize {
    x.max(1)
}

/// The gradients of `matmul(a, b)` as pfor computes them from `g`: TensorFlow's gradient is a
/// matmul of `g` with one operand (loop-invariant), and pfor's MatMul converter reshapes the
/// product back with a `-1`.
fn matmul(
    g: &[usize],
    a: &[usize],
    b: &[usize],
    (ta, tb): (bool, bool),
    needed: &[bool],
) -> Result<Vec<Option<Shape>>> {
    if g.len() != 2 || a.len() != 2 || b.len() != 2 {
        return Err(fail("MatMul"));
    }
    // _MatMulGrad: which operand the gradient is, and the transposes, for each input
    let ga = || match (ta, tb) {
        (false, false) => stacked_first(g, b, false, true),
        (false, true) => stacked_first(g, b, false, false),
        (true, false) => stacked_second(b, g, false, true),
        (true, true) => stacked_second(b, g, true, true),
    };
    let gb = || match (ta, tb) {
        (false, false) => stacked_second(a, g, true, false),
        (false, true) => stacked_first(g, a, true, false),
        (true, false) => stacked_second(a, g, false, false),
        (true, true) => stacked_first(g, a, true, true),
    };
    let a_grad = if needed[0] { Some(ga()?) } else { None };
    let b_grad = if needed[1] { Some(gb()?) } else { None };
    Ok(vec![a_grad, b_grad])
}

/// `matmul(g, u, transpose_a=ta, transpose_b=tb)` with `g` loop-variant: pfor reshapes `g` to
/// `[n * y, z]`, multiplies, and reshapes the product to `[n, y, -1]`.
fn stacked_first(g: &[usize], u: &[usize], ta: bool, tb: bool) -> Result<Shape> {
    let (y, z) = if ta { (g[1], g[0]) } else { (g[0], g[1]) };
    let (inner, cols) = if tb { (u[1], u[0]) } else { (u[0], u[1]) };
    if inner != z {
        return Err(fail("MatMul"));
    }
    Ok(vec![y, nz(cols) / nz(y)])
}

/// `matmul(u, g, transpose_a=ta, transpose_b=tb)` with `g` loop-variant: pfor moves the loop
/// dimension into the middle of `g` (`[x, n, z]`), multiplies by `[x, n * z]`, and reshapes the
/// product to `[-1, n, z]`.
fn stacked_second(u: &[usize], g: &[usize], ta: bool, tb: bool) -> Result<Shape> {
    let (x, z) = if tb { (g[1], g[0]) } else { (g[0], g[1]) };
    let (rows, inner) = if ta { (u[1], u[0]) } else { (u[0], u[1]) };
    if inner != x {
        return Err(fail("MatMul"));
    }
    Ok(vec![nz(rows) / nz(z), z])
}

/// The input gradients of an op given a gradient `g` of the wrong shape: ops whose gradient
/// reshapes, reduces or broadcasts to the input's shape restore it; ops whose gradient is
/// elementwise pass it on (broadcast against the input where the gradient multiplies by
/// it); kernels that need equal shapes, and every other op, raise.
fn wrong_shape_through(
    op: &Op,
    g: &[usize],
    out: &[usize],
    ins: &[&[usize]],
) -> Result<Vec<Option<Shape>>> {
    let restored = || Ok(ins.iter().map(|s| Some(s.to_vec())).collect());
    let times =
        |with: &[usize]| -> Result<Shape> { broadcast_shape(g, with).ok_or_else(|| fail("Mul")) };
    match op {
        Op::Shape(
            ShapeOp::Reshape { .. }
            | ShapeOp::ExpandDims { .. }
            | ShapeOp::Squeeze { .. }
            | ShapeOp::BroadcastTo { .. },
        )
        | Op::Reduce(_)
        | Op::Logic(Logic::Where)
        | Op::Unary(Unary::Sign) => restored(),
        Op::Unary(Unary::Identity | Unary::Negative) | Op::Logic(Logic::Cast(_)) => {
            Ok(vec![Some(g.to_vec())])
        }
        Op::Unary(
            Unary::Exp
            | Unary::Log
            | Unary::Log1p
            | Unary::Square
            | Unary::Sin
            | Unary::Cos
            | Unary::Abs
            | Unary::Erf,
        ) => Ok(vec![Some(times(ins[0])?)]),
        // a broadcasting op reduces and reshapes its gradients to each input's shape
        Op::Binary(_) if ins.iter().any(|s| *s != out) => restored(),
        Op::Binary(Binary::Add | Binary::Sub) => Ok(vec![Some(g.to_vec()); 2]),
        Op::Binary(Binary::SoftsignGrad) => Err(fail("SoftsignGrad")),
        Op::Binary(_) => {
            let s = times(out)?;
            Ok(vec![Some(s.clone()), Some(s)])
        }
        Op::Shape(ShapeOp::Transpose { perm }) if g.len() == out.len() => {
            let n = g.len();
            let perm: Vec<usize> = match perm {
                Some(p) => p.iter().map(|&a| a.rem_euclid(n as i64) as usize).collect(),
                None => (0..n).rev().collect(),
            };
            let mut back = vec![0; n];
            for (k, &p) in perm.iter().enumerate() {
                back[p] = g[k];
            }
            Ok(vec![Some(back)])
        }
        _ => Err(fail("an op whose gradient needs its output's shape")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn select_keeps_a_nonzero_first_dimension_only_beside_a_zero() {
        assert_eq!(select_v1_shape(&[0]), [1]);
        assert_eq!(select_v1_shape(&[0, 3]), [1, 3]);
        assert_eq!(select_v1_shape(&[3, 0]), [3, 0]);
        assert_eq!(select_v1_shape(&[0, 0]), [1, 0]);
        assert_eq!(select_v1_shape(&[2, 3]), [1, 3]);
        assert_eq!(select_v1_shape(&[]), Vec::<usize>::new());
    }

    #[test]
    fn matmul_gradients_as_pfor_reshapes_them() {
        // matvec [0, 0] x [0]: matmul([0, 0], [0, 1]); the gradient of a is [0, 1], not [0, 0]
        let g = [0, 1];
        let both = [true, true];
        let r = matmul(&g, &[0, 0], &[0, 1], (false, false), &both).unwrap();
        assert_eq!(r[0], Some(vec![0, 1]));
        // tensordot [0, 2] x [2, 3]: b's gradient comes back [0, 3]
        let r = matmul(&[0, 3], &[0, 2], &[2, 3], (false, false), &both).unwrap();
        assert_eq!(r, [Some(vec![0, 2]), Some(vec![0, 3])]);
    }
}
