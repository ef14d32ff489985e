//! Reductions over axes (sum, mean, max, min, prod, logsumexp) and argmax/argmin.

use ndarray::{ArrayD, Axis, IxDyn};
use num_traits::{Bounded, WrappingAdd, WrappingMul};

use super::VjpArgs;
use super::{Attrs, Compare, Unary};
use crate::engine::autodiff::{Ctx, Val};
use crate::engine::dtype::DType;
use crate::engine::error::{dtype_err, Result};
use crate::engine::kernels::{keepdims_shape, norm_axes, norm_axis, reduced_shape};
use crate::engine::tensor::{Arr, Elem, Real, Tensor};

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Kind {
    Sum,
    Mean,
    Max,
    Min,
    Prod,
    LogSumExp,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Reduce {
    Over {
        kind: Kind,
        axes: Option<Vec<i64>>,
        keepdims: bool,
    },
    ArgMax {
        axis: i64,
    },
    ArgMin {
        axis: i64,
    },
}

impl Reduce {
    pub fn sum(axes: Option<Vec<i64>>, keepdims: bool) -> Reduce {
        Reduce::Over {
            kind: Kind::Sum,
            axes,
            keepdims,
        }
    }

    pub fn parse(name: &str, attrs: &Attrs) -> Result<Option<Reduce>> {
        let kind = match name {
            "reduce_sum" => Kind::Sum,
            "reduce_mean" => Kind::Mean,
            "reduce_max" => Kind::Max,
            "reduce_min" => Kind::Min,
            "reduce_prod" => Kind::Prod,
            "reduce_logsumexp" => Kind::LogSumExp,
            "argmax" => {
                return Ok(Some(Reduce::ArgMax {
                    axis: attrs.int("axis")?.unwrap_or(0),
                }))
            }
            "argmin" => {
                return Ok(Some(Reduce::ArgMin {
                    axis: attrs.int("axis")?.unwrap_or(0),
                }))
            }
            _ => return Ok(None),
        };
        Ok(Some(Reduce::Over {
            kind,
            axes: attrs.axes("axis")?,
            keepdims: attrs.truthy("keepdims", false)?,
        }))
    }

    pub fn name(&self) -> &'static str {
        match self {
            Reduce::Over { kind, .. } => match kind {
                Kind::Sum => "reduce_sum",
                Kind::Mean => "reduce_mean",
                Kind::Max => "reduce_max",
                Kind::Min => "reduce_min",
                Kind::Prod => "reduce_prod",
                Kind::LogSumExp => "reduce_logsumexp",
            },
            Reduce::ArgMax { .. } => "argmax",
            Reduce::ArgMin { .. } => "argmin",
        }
    }

    pub fn differentiable(&self) -> bool {
        matches!(self, Reduce::Over { .. })
    }

    /// reduce_logsumexp is TensorFlow's composite: log(sum(exp(x - m))) + m, m = max held constant.
    pub fn expand(&self, ctx: &mut Ctx, inputs: &[&Val]) -> Option<Result<Val>> {
        let Reduce::Over {
            kind: Kind::LogSumExp,
            axes,
            keepdims,
        } = self
        else {
            return None;
        };
        let x = inputs[0];
        if !x.tensor.dtype().is_float() {
            return None;
        }
        Some((|| {
            let ax = norm_axes(axes, x.tensor.rank(), "reduce_logsumexp")?;
            let raw = Reduce::Over {
                kind: Kind::Max,
                axes: axes.clone(),
                keepdims: true,
            }
            .forward(&x.tensor)?;
            let finite = raw
                .to_f64_vec()
                .into_iter()
                .map(|v| if v.is_finite() { v } else { 0.0 })
                .collect::<Vec<_>>();
            let m = ctx.constant(Tensor::from_f64s(raw.shape(), &finite, x.tensor.dtype())?);
            let d = ctx.sub(x, &m)?;
            let e = ctx.unary(Unary::Exp, &d)?;
            let s = ctx.reduce_sum(&e, &ax, *keepdims)?;
            let l = ctx.unary(Unary::Log, &s)?;
            let m = ctx.constant(m.tensor.reshape(l.tensor.shape())?);
            ctx.add(&l, &m)
        })())
    }

    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let name = self.name();
        // argmax and argmin take bool (true is the larger), the reductions do not
        if x.dtype() == DType::Bool && matches!(self, Reduce::Over { .. }) {
            return Err(dtype_err(format!(
                "{name} of {}: {name} takes numbers, not bool (cast to int32 or float32 first)",
                x.describe()
            )));
        }
        match self {
            Reduce::ArgMax { axis } | Reduce::ArgMin { axis } => {
                let ax = norm_axis(*axis, x.rank(), name)?;
                if x.shape()[ax] == 0 {
                    // TensorFlow: "Reduction axis 0 is empty in shape [0,2]", a shape error
                    return Err(crate::engine::error::shape_err(format!(
                        "{name}: axis {ax} of shape {:?} is empty; there is no largest or smallest element",
                        x.shape()
                    )));
                }
                let max = matches!(self, Reduce::ArgMax { .. });
                Ok(crate::with_any!(x, a => Tensor::from_array(arg(a, ax, max))))
            }
            Reduce::Over {
                kind,
                axes,
                keepdims,
            } => {
                let ax = norm_axes(axes, x.rank(), name)?;
                let out_shape = reduced_shape(x.shape(), &ax, *keepdims);
                let t = match x {
                    Tensor::F32(a) => Tensor::from_array(float(*kind, a, &ax, name)?),
                    Tensor::F64(a) => Tensor::from_array(float(*kind, a, &ax, name)?),
                    Tensor::I32(a) => Tensor::from_array(int(*kind, a, &ax, name)?),
                    Tensor::I64(a) => Tensor::from_array(int(*kind, a, &ax, name)?),
                    Tensor::Bool(_) => unreachable!("refused above"),
                };
                // one already in the reduced shape (and row-major, as a reshape leaves it)
                // needs no reshaped copy
                if t.shape() == &out_shape[..] && t.is_standard_layout() {
                    Ok(t)
                } else {
                    t.reshape(&out_shape)
                }
            }
        }
    }

    pub fn vjp(&self, ctx: &mut Ctx, args: &VjpArgs) -> Result<Val> {
        let (x, y, g, lead) = (args.inputs[0], args.out, args.g, args.lead);
        let Reduce::Over { kind, axes, .. } = self else {
            unreachable!("argmax/argmin are not recorded")
        };
        let ax = norm_axes(axes, x.tensor.rank(), self.name())?;
        let kshape = keepdims_shape(x.tensor.shape(), &ax);
        let gk = ctx.reshape_lead(g, &kshape, lead)?;
        let full = super::differentiable::lead_shape(g, x.tensor.shape(), lead);
        match kind {
            // y = sum x: every element gets g
            Kind::Sum => ctx.broadcast_to(&gk, &full),
            // y = sum x / n
            Kind::Mean => {
                let n: usize = ax.iter().map(|&a| x.tensor.shape()[a]).product();
                let gb = ctx.broadcast_to(&gk, &full)?;
                let nv = ctx.scalar(&gb, n as f64);
                ctx.div(&gb, &nv)
            }
            // ties share the gradient equally, as TensorFlow's _MinOrMaxGrad
            Kind::Max | Kind::Min => {
                let yk = ctx.reshape(y, &kshape)?;
                let eq = ctx.compare(Compare::Equal, &yk, x)?;
                let ind = ctx.mask(&eq, x.tensor.dtype())?;
                let count = ctx.reduce_sum(&ind, &ax, true)?;
                let share = ctx.div(&ind, &count)?;
                ctx.mul(&share, &gk)
            }
            // y = prod x: dy/dx_i = the product of the others, as TensorFlow's cumprods give it
            // (the reduced axes in the order the request names them, as TensorFlow permutes)
            Kind::Prod => {
                let rank = x.tensor.rank() as i64;
                let reduced: Vec<usize> = match axes {
                    None => (0..x.tensor.rank()).collect(),
                    Some(list) => list
                        .iter()
                        .map(|&a| ((a + rank) % rank.max(1)) as usize)
                        .collect(),
                };
                super::scan::prod_vjp(ctx, x, &reduced, &gk, lead)
            }
            Kind::LogSumExp => unreachable!("logsumexp runs as its composite"),
        }
    }
}

fn fold<T: Elem>(a: &Arr<T>, axes: &[usize], init: T, f: impl Fn(T, T) -> T) -> ArrayD<T> {
    let mut cur: Option<ArrayD<T>> = None;
    for &ax in axes.iter().rev() {
        let next = match &cur {
            Some(c) => c.fold_axis(Axis(ax), init, |&acc, &v| f(acc, v)),
            None => a.fold_axis(Axis(ax), init, |&acc, &v| f(acc, v)),
        };
        cur = Some(next);
    }
    cur.unwrap_or_else(|| a.to_owned())
}

fn float<F: Real>(kind: Kind, a: &Arr<F>, ax: &[usize], name: &str) -> Result<ArrayD<F>> {
    Ok(match kind {
        Kind::Sum => sum_axes(a, ax),
        Kind::Mean => {
            let n: usize = ax.iter().map(|&i| a.shape()[i]).product();
            let s = sum_axes(a, ax);
            let n = F::from_usize(n).expect("count fits");
            s.mapv(|v| v / n)
        }
        // NaN wins; of equal values the later one does (-0 and +0), as Eigen's NaN-propagating
        // max and min keep the element over the accumulator on a tie
        Kind::Max => fold(a, ax, F::neg_infinity(), |m, v| {
            if m.is_nan() {
                m
            } else if v.is_nan() || v >= m {
                v
            } else {
                m
            }
        }),
        Kind::Min => fold(a, ax, F::infinity(), |m, v| {
            if m.is_nan() {
                m
            } else if v.is_nan() || v <= m {
                v
            } else {
                m
            }
        }),
        Kind::Prod => eigen_inner(a, ax, F::one(), false, |p, v| p * v)
            .or_else(|| eigen_outer(a, ax, F::one(), |p, v| p * v))
            .unwrap_or_else(|| fold(a, ax, F::one(), |p, v| p * v)),
        Kind::LogSumExp => {
            let _ = name;
            let m = fold(a, ax, F::neg_infinity(), |m, v| m.max(v)).mapv(|v| {
                if v.is_finite() {
                    v
                } else {
                    F::zero()
                }
            });
            let kshape = keepdims_shape(a.shape(), ax);
            let mk = m
                .clone()
                .into_shape_with_order(IxDyn(&kshape))
                .expect("same size");
            let e = (a - &mk).mapv(F::exp);
            let s = sum_axes(&e.into_shared(), ax);
            (s.mapv(F::ln)
                .into_shape_with_order(IxDyn(m.shape()))
                .expect("same size"))
                + m
        }
    })
}

/// Float sums: Eigen's order over trailing axes (`eigen_inner`), else ndarray's axis sums, which
/// add the reduced axis's slices one after another as Eigen's inner-dimension preserver does.
fn sum_axes<F: Real>(a: &Arr<F>, ax: &[usize]) -> ArrayD<F> {
    // TensorFlow's ReductionHelper drops axes of size 1: a sum over those alone copies its
    // input, so -0 stays -0
    if ax.iter().all(|&i| a.shape()[i] == 1) {
        let kept: Vec<usize> = (0..a.ndim())
            .filter(|i| !ax.contains(i))
            .map(|i| a.shape()[i])
            .collect();
        return crate::engine::tensor::shaped(&kept, a.iter().copied().collect())
            .expect("same size");
    }
    if let Some(s) = eigen_inner(a, ax, F::zero(), true, |s, v| s + v)
        .or_else(|| eigen_outer(a, ax, F::zero(), |s, v| s + v))
    {
        return s;
    }
    let mut cur: Option<ArrayD<F>> = None;
    for &i in ax.iter().rev() {
        cur = Some(match &cur {
            Some(c) => c.sum_axis(Axis(i)),
            None => a.sum_axis(Axis(i)),
        });
    }
    cur.unwrap_or_else(|| a.to_owned())
}

/// TensorFlow's float sum (or product) over every axis, or over a trailing run of axes (each
/// row of the array TensorFlow's ReductionHelper sees once it merges adjacent axes), is
/// Eigen's `InnerMostDimReducer` on each row (`eigen_reduce`).
fn eigen_inner<F: Real>(
    a: &Arr<F>,
    ax: &[usize],
    identity: F,
    tree: bool,
    op: impl Fn(F, F) -> F + Copy,
) -> Option<ArrayD<F>> {
    let nd = a.ndim();
    let first = nd.checked_sub(ax.len())?;
    let mut sorted = ax.to_vec();
    sorted.sort_unstable();
    if ax.is_empty() || sorted.iter().copied().ne(first..nd) {
        return None;
    }
    let inner: usize = a.shape()[first..].iter().product();
    if inner == 0 {
        return None;
    }
    let flat: Vec<F> = a.iter().copied().collect();
    let sums = flat
        .chunks(inner)
        .enumerate()
        .map(|(i, row)| eigen_reduce(row, i * inner, identity, tree, op))
        .collect();
    crate::engine::tensor::shaped(&a.shape()[..first], sums)
}

/// TensorFlow's float sum (or product) over a leading run of axes: the array as a matrix of
/// `rows` (the reduced axes merged) by `cols`, reduced down its columns. Eigen computes the
/// columns a whole AVX packet at a time with `InnerMostDimPreserver`: with 16 rows or more, four
/// accumulators take every fourth row of the whole groups of four and are combined as
/// ((a0 . a1) . a2) . a3, then the remaining rows go into that one; with fewer rows, and for the
/// columns after the last whole packet (computed one by one), the rows are folded in order.
fn eigen_outer<F: Real>(
    a: &Arr<F>,
    ax: &[usize],
    identity: F,
    op: impl Fn(F, F) -> F + Copy,
) -> Option<ArrayD<F>> {
    let mut sorted = ax.to_vec();
    sorted.sort_unstable();
    let k = ax.len();
    if k == 0 || k >= a.ndim() || sorted.iter().copied().ne(0..k) {
        return None;
    }
    let rows: usize = a.shape()[..k].iter().product();
    let cols: usize = a.shape()[k..].iter().product();
    if rows == 0 || cols == 0 {
        return None;
    }
    let lanes = 32 / std::mem::size_of::<F>();
    let packed = cols / lanes * lanes;
    let flat: Vec<F> = a.iter().copied().collect();
    let column = |c: usize| flat[c..].iter().step_by(cols).copied();
    let out = (0..cols)
        .map(|c| {
            if c >= packed || rows < 16 {
                return column(c).fold(identity, op);
            }
            let whole4 = rows / 4 * 4;
            let mut acc = [identity; 4];
            for (j, x) in column(c).take(whole4).enumerate() {
                acc[j % 4] = op(acc[j % 4], x);
            }
            let combined = op(op(op(acc[0], acc[1]), acc[2]), acc[3]);
            column(c).skip(whole4).fold(combined, op)
        })
        .collect();
    crate::engine::tensor::shaped(&a.shape()[k..], out)
}

/// A full float reduction as TensorFlow's kernels write it (`expr.sum()`): Eigen's order on one
/// thread (Eigen's thread pool splits a full sum only past some 250,000 elements); an empty
/// sum is +0, never -0.
pub(super) fn full_sum<F: Real>(values: &[F]) -> F {
    eigen_reduce(values, 0, F::zero(), true, |s, v| s + v)
}

/// Eigen's float sums (not products, which it counts as exactly associative) halve a row
/// longer than this many packets, at a packet boundary, and combine the halves' results
/// (`LeafSize`).
const LEAF_PACKETS: usize = 1024;

/// One row, starting at flat index `first` of its tensor, as Eigen's vectorized
/// `InnerMostDimReducer` combines it with AVX packets (8 float32, 4 float64), as in the headers
/// TensorFlow 2.15 ships (`TensorReduction.h`):
/// - with `tree` (sums), a row longer than `LEAF_PACKETS` packets is split where `first` plus half the row rounds up
///   to a packet boundary, each part reduced so, and the two added to the identity in order;
/// - otherwise, with four packets or more, four packet accumulators take every fourth packet of
///   the whole groups of four and are then combined as ((p0 . p1) . p2) . p3; the remaining
///   whole packets go into that one; the elements after the last whole packet are combined one
///   by one from the identity; the result is that with `predux` of the packet (the upper half
///   onto the lower, then (0 . 2) . (1 . 3)).
fn eigen_reduce<F: Real>(
    row: &[F],
    first: usize,
    identity: F,
    tree: bool,
    op: impl Fn(F, F) -> F + Copy,
) -> F {
    let lanes = 32 / std::mem::size_of::<F>();
    let n = row.len();
    if tree && n > lanes * LEAF_PACKETS {
        let split = lanes * (first + n.div_ceil(2)).div_ceil(lanes);
        let left = (split - first).min(n);
        let mut acc = op(
            identity,
            eigen_reduce(&row[..left], first, identity, tree, op),
        );
        if left < n {
            acc = op(acc, eigen_reduce(&row[left..], split, identity, tree, op));
        }
        return acc;
    }
    let mut p = [[identity; 8]; 4];
    let add = |acc: &mut [F; 8], packet: &[F]| {
        for (a, &x) in acc.iter_mut().zip(packet) {
            *a = op(*a, x);
        }
    };
    let mut start = 0;
    if n >= 4 * lanes {
        let whole4 = n / (4 * lanes) * (4 * lanes);
        for group in row[..whole4].chunks(4 * lanes) {
            for (k, packet) in group.chunks(lanes).enumerate() {
                add(&mut p[k], packet);
            }
        }
        for k in 1..4 {
            let pk = p[k];
            add(&mut p[0], &pk[..lanes]);
        }
        start = whole4;
    }
    let whole = n / lanes * lanes;
    for packet in row[start.min(whole)..whole].chunks(lanes) {
        add(&mut p[0], packet);
    }
    let tail = row[whole.max(start)..]
        .iter()
        .fold(identity, |s, &x| op(s, x));
    let acc = p[0];
    let h: [F; 4] = std::array::from_fn(|i| {
        if lanes == 8 {
            op(acc[i], acc[i + 4])
        } else {
            acc[i]
        }
    });
    op(tail, op(op(h[0], h[2]), op(h[1], h[3])))
}

fn int<I: Elem + Ord + Bounded + WrappingAdd + WrappingMul + std::ops::Div<Output = I>>(
    kind: Kind,
    a: &Arr<I>,
    ax: &[usize],
    name: &str,
) -> Result<ArrayD<I>> {
    Ok(match kind {
        Kind::Sum => fold(a, ax, I::zero_elem(), |s, v| s.wrapping_add(&v)),
        // integer means truncate, as TensorFlow's do
        Kind::Mean => {
            let n: usize = ax.iter().map(|&i| a.shape()[i]).product();
            let s = fold(a, ax, I::zero_elem(), |s, v| s.wrapping_add(&v));
            if n == 0 {
                s
            } else {
                let n = I::from_num(n as f64);
                s.mapv(|v| v / n)
            }
        }
        // the type's own bounds (an f64 bound cast to an integer would wrap to MIN)
        Kind::Max => fold(a, ax, I::min_value(), |m, v| m.max(v)),
        Kind::Min => fold(a, ax, I::max_value(), |m, v| m.min(v)),
        Kind::Prod => fold(a, ax, I::one_elem(), |p, v| p.wrapping_mul(&v)),
        Kind::LogSumExp => {
            return Err(dtype_err(format!(
                "{name} takes float32 or float64 (cast first)"
            )))
        }
    })
}

/// Index of the first largest (or smallest) element along `ax`, as int64, as Eigen's
/// `ArgMaxTupleReducer` finds it: starting from index 0 holding the type's lowest value
/// (highest for argmin; -FLT_MAX, not -inf), an element replaces it only when strictly
/// larger. NaN never is, so NaN lanes are skipped, and a lane with nothing above -FLT_MAX
/// (all NaN, or NaN and -inf) answers 0.
/// Eigen's arg reducers start from the type's lowest (argmax) or highest (argmin) value and
/// keep the first strictly better element, so a NaN never wins and a lane of NaN answers 0.
/// For an integer type, starting at its bound is starting at the lane's first element.
fn arg<T: Elem>(a: &Arr<T>, ax: usize, max: bool) -> ArrayD<i64> {
    let float_init = match (max, T::DTYPE) {
        (true, DType::F32) => Some(T::from_num(f32::MIN as f64)),
        (false, DType::F32) => Some(T::from_num(f32::MAX as f64)),
        (true, DType::F64) => Some(T::from_num(f64::MIN)),
        (false, DType::F64) => Some(T::from_num(f64::MAX)),
        _ => None,
    };
    a.map_axis(Axis(ax), |lane| {
        let Some(init) = float_init.or_else(|| lane.first().copied()) else {
            return 0;
        };
        let mut best = (0usize, init);
        for (i, &v) in lane.iter().enumerate() {
            if (max && v > best.1) || (!max && v < best.1) {
                best = (i, v);
            }
        }
        best.0 as i64
    })
}

#[cfg(test)]
mod tests {
    use crate::engine::{Ctx, DType, Limits, Tensor};

    /// TensorFlow 2.15's answers (oracle, float32): the four packet accumulators change a row
    /// of 100 values' mean, and the halving past 8,192 values a sum of 10,000.
    #[test]
    fn long_float32_sums_follow_eigens_order() {
        let tenth = vec![0.1f32; 10_000];
        assert_eq!(super::full_sum(&tenth), 1000.00146_f32);
        // the middle row of tf.reshape(tf.linspace(0.0, 1.0, 300), [3, 100])
        let row: Vec<f32> = (100..200).map(|i| (i as f64 / 299.0) as f32).collect();
        assert_eq!(super::full_sum(&row) / 100.0, 0.49999997_f32);
    }

    #[test]
    fn max_ties_share_the_gradient_and_integer_means_truncate() {
        // reduce_max([1, 3, 3, 0]) = 3, reached twice: each gets 1/2
        let mut ctx = Ctx::new(Limits::default());
        let tape = ctx.open_tape(false, true);
        let x = ctx.constant(Tensor::from_f64s(&[4], &[1.0, 3.0, 3.0, 0.0], DType::F32).unwrap());
        ctx.watch(tape, &x).unwrap();
        let op = super::Reduce::Over {
            kind: super::Kind::Max,
            axes: None,
            keepdims: false,
        };
        let m = ctx
            .apply(&crate::engine::ops::Op::Reduce(op), &[&x])
            .unwrap();
        let g = ctx
            .gradient(tape, &[m], &[x], None, false)
            .unwrap()
            .remove(0)
            .unwrap();
        assert_eq!(g.tensor.to_f64_vec(), vec![0.0, 0.5, 0.5, 0.0]);
        // mean of [1, 2, 7] as int32 is 10 / 3 = 3
        let i = Tensor::from_f64s(&[3], &[1.0, 2.0, 7.0], DType::I32).unwrap();
        let mean = super::Reduce::Over {
            kind: super::Kind::Mean,
            axes: None,
            keepdims: false,
        }
        .forward(&i)
        .unwrap();
        assert_eq!((mean.dtype(), mean.to_f64_vec()), (DType::I32, vec![3.0]));
    }

    #[test]
    fn prod_gradients_are_the_product_of_the_others_even_with_zeros() {
        // d(abc)/da = bc: [2, 0, 3] -> [0, 6, 0]; two zeros -> all 0; no zero -> y / x
        for (x, want) in [
            ([2.0, 0.0, 3.0], [0.0, 6.0, 0.0]),
            ([0.0, 0.0, 3.0], [0.0; 3]),
            ([2.0, 3.0, 4.0], [12.0, 8.0, 6.0]),
        ] {
            let mut ctx = Ctx::new(Limits::default());
            let tape = ctx.open_tape(false, true);
            let v = ctx.constant(Tensor::from_f64s(&[3], &x, DType::F64).unwrap());
            ctx.watch(tape, &v).unwrap();
            let op = super::Reduce::Over {
                kind: super::Kind::Prod,
                axes: None,
                keepdims: false,
            };
            let p = ctx
                .apply(&crate::engine::ops::Op::Reduce(op), &[&v])
                .unwrap();
            let g = ctx
                .gradient(tape, &[p], &[v], None, false)
                .unwrap()
                .remove(0)
                .unwrap();
            assert_eq!(g.tensor.to_f64_vec(), want.to_vec(), "at {x:?}");
        }
    }
}
