//! Whether TensorFlow's Jacobian through zero-size tensors raises. `tape.jacobian` runs its
//! loop of gradients (one per target element) through `pfor`, whose converters stack each
//! loop-variant tensor to `[n] + shape`. Some of them reshape with a `-1`, which TensorFlow's
//! reshape of a zero-size tensor infers from the nonzero dimensions only, so they hand on a
//! gradient of the wrong shape: `MatMul`'s (one operand loop-variant), and `Select`'s (the
//! `where` of `sigmoid_cross_entropy_with_logits`, of pow's gradient, and of the gradients of
//! `EluGrad` and `SeluGrad` in a second derivative; `tf_forms.rs` finds them). That happens
//! with an empty target (n = 0) and with a zero-size tensor on the way (a second derivative
//! through a product with no rows, say).
//! Where such a shape meets a source (`set_shape` fails), a kernel that needs equal shapes
//! (`Pack`, the `*Grad` kernels, a division), or another gradient of the same tensor (`AddN`),
//! TensorFlow raises a shape error, if that node is one the sources' gradients need; where a
//! reshape or a broadcast restores it, the answer is TensorFlow's Jacobian. Grappler restores
//! it too where the gradient is a constant without elements (pfor's loop indices are
//! constants, so with no iterations every gradient starts as one): it folds a product with a
//! constant zero to zeros of the product's static shape, and a tensor without elements is all
//! zeros. This walks the tape as pfor's graph would, with shapes only.

use super::tf_forms::{
    reciprocal_grad, select_v1, select_v1_conditions, sqrt_grad, unstack_piece, SelectV1,
};
use super::{Entry, IdMap, IdSet, Val};
use crate::engine::error::{shape_err, Error, Result};
use crate::engine::kernels::{broadcast_axes, broadcast_shape, elements_summed_over};
use crate::engine::ops::{Binary, GradientForm, Linalg, Logic, Op, ShapeOp, Unary};

type Shape = Vec<usize>;

fn fail(what: &str) -> Error {
    shape_err(format!(
        "this Jacobian passes through zero-size tensors: TensorFlow's vectorized loop (pfor) gives {what} a gradient of the wrong shape there and raises"
    ))
}

/// Whether pfor can mistake a shape in a Jacobian of `target` over `entries`: only zero-size
/// tensors make a converter's shape wrong.
pub(super) fn has_zero_size(entries: &[Entry], target: &Val) -> bool {
    let zero_size = |v: &Val| v.tensor.is_empty();
    zero_size(target)
        || entries
            .iter()
            .any(|e| zero_size(&e.output) || e.inputs.iter().any(zero_size))
}

/// Err where TensorFlow's pfor'd Jacobian of `target` fails; `reach` holds every value a
/// gradient can flow to from the sources.
pub(super) fn check_jacobian_shapes(
    entries: &[Entry],
    reach: &IdSet,
    target: &Val,
    sources: &[Val],
) -> Result<()> {
    // one loop iteration per target element
    let n = target.tensor.len();
    let producer: IdMap<&Entry> = entries.iter().map(|e| (e.output.id, e)).collect();
    let paired = select_v1_conditions(entries, &producer);
    let live = live_gradients(entries, reach, sources);
    // the per-iteration shape of each gradient as pfor computes it; the Jacobian's own
    // reshape of the target gives the target's gradient its right shape
    let mut cot: IdMap<Shape> = IdMap::default();
    cot.insert(target.id, target.tensor.shape().to_vec());
    // gradients that are constants in the graph Grappler optimizes: the seed (a one-hot of
    // the loop index), and what only moves, sums or multiplies a constant zero on
    let mut konst = IdSet::default();
    konst.insert(target.id);
    // gradients that do not depend on the loop (the zeros of sign's gradient and what only
    // they reach): pfor leaves them unconverted, so their shapes are right
    let mut invariant = IdSet::default();
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
            .map(|i| live.contains(&i.id) && i.tensor.dtype().is_float())
            .collect();
        let unconverted = invariant.contains(&e.output.id) || e.op.zero_gradient();
        // a stacked constant without elements: zeros to Grappler
        let zero = konst.contains(&e.output.id) && n * g.iter().product::<usize>() == 0;
        let ins = if unconverted {
            e.inputs
                .iter()
                .map(|i| Some(i.tensor.shape().to_vec()))
                .collect()
        } else {
            input_gradients(e, &g, &needed, (&producer, &paired), reach, (n, zero))?
        };
        for (k, ((i, s), need)) in e.inputs.iter().zip(ins).zip(needed).enumerate() {
            let Some(s) = s.filter(|_| need) else {
                continue;
            };
            let constant = unconverted
                || (konst.contains(&e.output.id) && e.op.keeps_a_constant_cotangent())
                || (zero && keeps_a_zero_constant(&e.op, k));
            match cot.get(&i.id) {
                Some(prev) if *prev != s => return Err(fail("AddN")),
                Some(_) => {
                    // a sum with a loop-variant gradient is loop-variant, and a sum with a
                    // computed one is computed
                    if !unconverted {
                        invariant.remove(&i.id);
                    }
                    if !constant {
                        konst.remove(&i.id);
                    }
                }
                None => {
                    cot.insert(i.id, s);
                    if unconverted {
                        invariant.insert(i.id);
                    }
                    if constant {
                        konst.insert(i.id);
                    }
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

/// The values whose gradient reaches a source's: the sources, and the outputs of
/// differentiable ops with such an input. pfor's loop runs as a graph function, which runs
/// only the nodes its outputs (the sources' gradients) need, so a gradient that ends at an op
/// without one (`ceil`, say) is never computed, and neither is its sum.
fn live_gradients(entries: &[Entry], reach: &IdSet, sources: &[Val]) -> IdSet {
    let mut live: IdSet = sources.iter().map(|s| s.id).collect();
    for e in entries {
        if e.op.differentiable()
            && e.inputs
                .iter()
                .any(|i| live.contains(&i.id) && reach.contains(&i.id))
        {
            live.insert(e.output.id);
        }
    }
    live
}

/// The per-iteration shapes pfor gives the gradients of `e`'s inputs from a gradient of shape
/// `g` for its output.
fn input_gradients(
    e: &Entry,
    g: &[usize],
    needed: &[bool],
    (producer, paired): (&IdMap<&Entry>, &IdSet),
    reach: &IdSet,
    (n, zero): (usize, bool),
) -> Result<Vec<Option<Shape>>> {
    let out = e.output.tensor.shape();
    let ins: Vec<&[usize]> = e.inputs.iter().map(|i| i.tensor.shape()).collect();
    if let Op::Linalg(Linalg::MatMul {
        transpose_a,
        transpose_b,
    }) = e.op
    {
        if out.len() == 2 && ins.iter().all(|s| s.len() == 2) {
            // the converter reshapes the stacked gradient to its static shape (pfor gives every
            // converted tensor its static shape), which repairs a wrong one that has no
            // elements either, and fails on one that has
            let elements = |s: &[usize]| s.iter().product::<usize>();
            if g != out && n * elements(g) != n * elements(out) {
                return Err(fail("MatMul"));
            }
            return matmul(out, ins[0], ins[1], (transpose_a, transpose_b), needed, n);
        }
        // a batched product is BatchMatMulV2, whose converter broadcasts without a reshape
        if g != out {
            return Err(fail("BatchMatMulV2"));
        }
    }
    if let Some(kind) = select_v1(e, producer, paired) {
        return select(kind, g, out, &ins, reach, n);
    }
    if g == out {
        return Ok(ins.iter().map(|s| Some(s.to_vec())).collect());
    }
    if let Some(incoming) = reciprocal_grad(e, producer) {
        // _ReciprocalGradGrad: `grad * -2 * b * conj(y)` broadcasts the wrong shape on to y
        // (Grappler's zero rule puts the right one back); `reciprocal_grad(conj(y), grad)`,
        // for the incoming gradient b, needs equal shapes
        if incoming.is_some_and(|b| reach.contains(&b)) {
            return Err(fail("ReciprocalGrad"));
        }
        let s = if zero {
            out.to_vec()
        } else {
            broadcast_shape(g, out).ok_or_else(|| fail("Mul"))?
        };
        return Ok(vec![None, None, Some(s)]);
    }
    if sqrt_grad(e, producer) {
        // _SqrtGradGrad starts with `grad / y`, which Grappler does not fold: it broadcasts
        let s = broadcast_shape(g, out).ok_or_else(|| fail("RealDiv"))?;
        return Ok(vec![None, None, Some(s)]);
    }
    if unstack_piece(e, producer) {
        // Unpack's gradient stacks its pieces' gradients
        return Err(fail("Pack"));
    }
    if zero {
        // Grappler's zero rule: a share that multiplies the gradient in becomes zeros of its
        // static shape, which pfor's `-1` left unknown and the other factor gives
        if (0..ins.len()).all(|k| !needed[k] || multiplies_its_gradient(&e.op, k)) {
            return Ok(ins.iter().map(|s| Some(s.to_vec())).collect());
        }
    }
    wrong_shape_through(&e.op, g, out, &ins, n)
}

/// Whether TensorFlow's gradient of this op multiplies the incoming gradient into input
/// `input`'s share with `Mul`, which Grappler folds for a constant zero. RealDiv's share of
/// the dividend is `grad / y`, which it does not.
fn multiplies_its_gradient(op: &Op, input: usize) -> bool {
    match op {
        Op::Unary(u) => u.gradient_is_a_product(),
        Op::Binary(Binary::Div) => input == 1,
        Op::Binary(Binary::FloorMod) => input == 1,
        Op::Binary(b) => matches!(b, Binary::Mul | Binary::Pow | Binary::SquaredDifference),
        _ => false,
    }
}

/// Whether a constant zero gradient stays a constant in input `input`'s share: the op's
/// gradient folds it (`Op::folds_a_zero_cotangent`) into a node Grappler replaces. A select
/// (`where`, and the maximum's and minimum's masks) keeps its condition, a recorded value, so
/// its node is computed.
fn keeps_a_zero_constant(op: &Op, input: usize) -> bool {
    // the softmaxes' folds are not modelled here: no Jacobian through zero-size tensors met one
    op.folds_a_zero_cotangent(input, 0)
        && !matches!(
            op,
            Op::Logic(Logic::Where) | Op::Binary(Binary::Max | Binary::Min) | Op::Nn(_)
        )
}

/// The shape TensorFlow's reshape gives a tensor of shape `input` for `sizes` (`None` the
/// `-1`): beside a requested zero dimension the `-1` is inferred from the nonzero dimensions
/// only, so a zero-size tensor may come back with a `-1` that is not its own.
fn tf_reshape(input: &[usize], sizes: &[Option<usize>]) -> Shape {
    let has_zero = sizes.contains(&Some(0));
    let product: usize = sizes.iter().flatten().filter(|&&d| d > 0).product();
    let elements: usize = input.iter().filter(|&&d| d > 0 || !has_zero).product();
    sizes
        .iter()
        .map(|d| d.unwrap_or(elements / product))
        .collect()
}

/// One iteration's part of a loop-variant tensor `[n] + rest` reshaped to `sizes`.
fn per_iteration(stacked: &[usize], n: usize, sizes: &[Option<usize>]) -> Shape {
    let mut out = tf_reshape(stacked, sizes);
    debug_assert_eq!(out.first(), Some(&n));
    out.remove(0);
    out
}

/// pfor's `Select` with a loop-variant gradient: every input is tiled to `[n] + shape`, and
/// from rank 2 on flattened to `[-1] + shape[1:]` and back to `[n, -1] + shape[1:]`.
fn select_v1_shape(s: &[usize], n: usize) -> Shape {
    let Some((_, rest)) = s.split_first() else {
        return Vec::new();
    };
    let stacked: Shape = std::iter::once(n).chain(s.iter().copied()).collect();
    let flat_sizes: Vec<Option<usize>> = std::iter::once(None)
        .chain(rest.iter().map(|&d| Some(d)))
        .collect();
    let flat = tf_reshape(&stacked, &flat_sizes);
    let back: Vec<Option<usize>> = [Some(n), None]
        .into_iter()
        .chain(rest.iter().map(|&d| Some(d)))
        .collect();
    per_iteration(&flat, n, &back)
}

fn select(
    kind: SelectV1,
    g: &[usize],
    out: &[usize],
    ins: &[&[usize]],
    reach: &IdSet,
    n: usize,
) -> Result<Vec<Option<Shape>>> {
    if g != out {
        return Err(fail("Select"));
    }
    let picked = select_v1_shape(out, n);
    match kind {
        SelectV1::Branches => Ok(vec![None, Some(picked.clone()), Some(picked)]),
        // TensorFlow hands that shape to EluGrad/SeluGrad, whose inputs must match
        SelectV1::EluVjp(y) if picked != out && reach.contains(&y) => Err(fail("EluGrad")),
        SelectV1::EluVjp(_) => Ok(ins.iter().map(|s| Some(s.to_vec())).collect()),
    }
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
    n: usize,
) -> Result<Vec<Option<Shape>>> {
    if g.len() != 2 || a.len() != 2 || b.len() != 2 {
        return Err(fail("MatMul"));
    }
    // _MatMulGrad: which operand the gradient is, and the transposes, for each input
    let ga = || match (ta, tb) {
        (false, false) => stacked_first(g, b, false, true, n),
        (false, true) => stacked_first(g, b, false, false, n),
        (true, false) => stacked_second(b, g, false, true, n),
        (true, true) => stacked_second(b, g, true, true, n),
    };
    let gb = || match (ta, tb) {
        (false, false) => stacked_second(a, g, true, false, n),
        (false, true) => stacked_first(g, a, true, false, n),
        (true, false) => stacked_second(a, g, false, false, n),
        (true, true) => stacked_first(g, a, true, true, n),
    };
    let a_grad = if needed[0] { Some(ga()?) } else { None };
    let b_grad = if needed[1] { Some(gb()?) } else { None };
    Ok(vec![a_grad, b_grad])
}

/// `matmul(g, u, transpose_a=ta, transpose_b=tb)` with `g` loop-variant: pfor reshapes `g` to
/// `[n * y, z]`, multiplies, and reshapes the product to `[n, y, -1]`.
fn stacked_first(g: &[usize], u: &[usize], ta: bool, tb: bool, n: usize) -> Result<Shape> {
    let (y, z) = if ta { (g[1], g[0]) } else { (g[0], g[1]) };
    let (inner, cols) = if tb { (u[1], u[0]) } else { (u[0], u[1]) };
    if inner != z {
        return Err(fail("MatMul"));
    }
    Ok(per_iteration(&[n * y, cols], n, &[Some(n), Some(y), None]))
}

/// `matmul(u, g, transpose_a=ta, transpose_b=tb)` with `g` loop-variant: pfor moves the loop
/// dimension into the middle of `g` (`[x, n, z]`), multiplies by `[x, n * z]`, reshapes the
/// product to `[-1, n, z]` and moves the loop dimension back to the front.
fn stacked_second(u: &[usize], g: &[usize], ta: bool, tb: bool, n: usize) -> Result<Shape> {
    let (x, z) = if tb { (g[1], g[0]) } else { (g[0], g[1]) };
    let (rows, inner) = if ta { (u[1], u[0]) } else { (u[0], u[1]) };
    if inner != x {
        return Err(fail("MatMul"));
    }
    let prod = tf_reshape(&[rows, n * z], &[None, Some(n), Some(z)]);
    Ok(vec![prod[0], z])
}

/// The input gradients of an op given a gradient `g` of the wrong shape: ops whose gradient
/// reshapes, reduces or broadcasts to the input's shape restore it; ops whose gradient is
/// elementwise pass it on (broadcast against the input where the gradient multiplies by
/// it; the fused `*Grad(y, dy)` kernels give y's shape back where the counts agree); kernels
/// that need equal shapes, and every other op, raise. `n` is the number of iterations.
fn wrong_shape_through(
    op: &Op,
    g: &[usize],
    out: &[usize],
    ins: &[&[usize]],
    n: usize,
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
        Op::Unary(u)
            if matches!(
                u.gradient_form(),
                GradientForm::Product | GradientForm::Broadcasts
            ) =>
        {
            Ok(vec![Some(times(ins[0])?)])
        }
        // SqrtGrad(y, dy) and its kin: pfor tiles y to n rows, the kernel needs as many
        // elements in both, and its result takes y's shape
        Op::Unary(u) if u.gradient_form() == GradientForm::FusedOnOutput => {
            let elements = |s: &[usize]| n * s.iter().product::<usize>();
            if elements(g) == elements(out) {
                Ok(vec![Some(out.to_vec())])
            } else {
                Err(fail("a *Grad kernel"))
            }
        }
        Op::Binary(b) if ins.iter().any(|s| *s != out) => ins
            .iter()
            .enumerate()
            .map(|(k, s)| broadcast_input_gradient(*b, (g, out), k, s, ins[1 - k]).map(Some))
            .collect(),
        Op::Binary(Binary::Add | Binary::AddN | Binary::Sub) => Ok(vec![Some(g.to_vec()); 2]),
        Op::Binary(Binary::SoftsignGrad) => Err(fail("SoftsignGrad")),
        Op::Binary(Binary::FloorMod) => Ok(vec![Some(g.to_vec()), Some(times(out)?)]),
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

/// One input's gradient of a broadcasting binary op given a gradient `g` of the wrong shape.
/// `Add`, `Sub` and `Mul` go through `SmartBroadcastGradientArgs`: an input of the output's
/// static shape takes the gradient as it is (times the other operand for a product), as
/// FloorMod's dividend does (its share is the gradient itself). Every
/// other input, and every input of the other ops, takes the gradient times its factor (the
/// other operand for a product or the divisor's share of a quotient, a tensor of the output's
/// shape for the rest; none for a sum), summed over its broadcast axes and reshaped to its own
/// shape, which fails where the elements do not fit.
fn broadcast_input_gradient(
    op: Binary,
    (g, out): (&[usize], &[usize]),
    k: usize,
    input: &[usize],
    other: &[usize],
) -> Result<Shape> {
    let passes =
        matches!(op, Binary::Add | Binary::AddN | Binary::Sub) || (op, k) == (Binary::FloorMod, 0);
    if input == out && (passes || op == Binary::Mul) {
        return match op {
            Binary::Mul => broadcast_shape(g, other).ok_or_else(|| fail("Mul")),
            _ => Ok(g.to_vec()),
        };
    }
    let factor = match op {
        _ if passes => None,
        Binary::Mul => Some(other),
        Binary::Div if k == 0 => Some(other),
        _ => Some(out),
    };
    let g = match factor {
        Some(f) => broadcast_shape(g, f).ok_or_else(|| fail("Mul"))?,
        None => g.to_vec(),
    };
    if g.len() != out.len() {
        return Err(fail("a broadcast's reduction"));
    }
    let axes: Vec<usize> = broadcast_axes(input, out).collect();
    if elements_summed_over(&g, &axes) != input.iter().product::<usize>() {
        return Err(fail("a broadcast's reduction"));
    }
    Ok(input.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reshape_infers_a_minus_one_beside_zeros_from_the_nonzero_dimensions() {
        assert_eq!(tf_reshape(&[2, 3], &[None, Some(2)]), [3, 2]);
        assert_eq!(tf_reshape(&[0, 3], &[Some(2), Some(0), None]), [2, 0, 1]);
        assert_eq!(tf_reshape(&[0, 3], &[None, Some(3)]), [0, 3]);
        assert_eq!(tf_reshape(&[5, 0], &[Some(0), None]), [0, 5]);
    }

    #[test]
    fn select_keeps_a_nonzero_first_dimension_only_beside_a_zero() {
        // an empty target: no iterations
        assert_eq!(select_v1_shape(&[0], 0), [1]);
        assert_eq!(select_v1_shape(&[0, 3], 0), [1, 3]);
        assert_eq!(select_v1_shape(&[3, 0], 0), [3, 0]);
        assert_eq!(select_v1_shape(&[0, 0], 0), [1, 0]);
        assert_eq!(select_v1_shape(&[2, 3], 0), [1, 3]);
        assert_eq!(select_v1_shape(&[], 0), Vec::<usize>::new());
        // iterations: only a zero first dimension beside another zero comes back wrong
        assert_eq!(select_v1_shape(&[2, 3], 4), [2, 3]);
        assert_eq!(select_v1_shape(&[0, 3], 4), [0, 3]);
        assert_eq!(select_v1_shape(&[3, 0], 4), [3, 0]);
        assert_eq!(select_v1_shape(&[0, 0], 4), [1, 0]);
    }

    #[test]
    fn matmul_gradients_as_pfor_reshapes_them() {
        let both = [true, true];
        // matvec [0, 0] x [0]: matmul([0, 0], [0, 1]); the gradient of a is [0, 1], not [0, 0]
        let r = matmul(&[0, 1], &[0, 0], &[0, 1], (false, false), &both, 0).unwrap();
        assert_eq!(r[0], Some(vec![0, 1]));
        // tensordot [0, 2] x [2, 3]: b's gradient comes back [0, 3]
        let r = matmul(&[0, 3], &[0, 2], &[2, 3], (false, false), &both, 0).unwrap();
        assert_eq!(r, [Some(vec![0, 2]), Some(vec![0, 3])]);
        // two iterations through [0, 2] x [2, 1]: a's gradient, [0, 1] x [2, 1]^T, comes back
        // [0, 1] instead of [0, 2] (the -1 is 2 / 2); b's is right
        let r = matmul(&[0, 1], &[0, 2], &[2, 1], (false, false), &both, 2).unwrap();
        assert_eq!(r, [Some(vec![0, 1]), Some(vec![2, 1])]);
        // no zero-size operand: every shape is right
        let r = matmul(&[3, 1], &[3, 2], &[2, 1], (false, false), &both, 2).unwrap();
        assert_eq!(r, [Some(vec![3, 2]), Some(vec![2, 1])]);
    }
}
