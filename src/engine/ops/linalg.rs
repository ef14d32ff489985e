//! matmul (batched, broadcasting over leading dimensions), matvec and tensordot. matvec and
//! tensordot are TensorFlow composites over matmul, so they run as those ops here too.

use ndarray::{ArrayD, ArrayView2, ArrayViewMut2, Axis, CowArray, Ix2, IxDyn};
use smallvec::SmallVec;

use super::Attrs;
use super::VjpArgs;
use crate::engine::autodiff::{Ctx, Val};
use crate::engine::dtype::DType;
use crate::engine::error::{arg_err, dtype_err, shape_err, Result};
use crate::engine::kernels::{broadcast_shape, norm_axis};
use crate::engine::lit::Lit;
use crate::engine::tensor::{Arr, Elem, Tensor};

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Linalg {
    MatMul {
        transpose_a: bool,
        transpose_b: bool,
    },
    MatVec {
        transpose_a: bool,
    },
    TensorDot {
        axes: (Vec<i64>, Vec<i64>),
    },
    /// `axes` as one integer: the last n axes of a against the first n of b.
    TensorDotN {
        n: i64,
    },
}

impl Linalg {
    pub fn parse(name: &str, a: &Attrs) -> Result<Option<Linalg>> {
        Ok(Some(match name {
            "matmul" => Linalg::MatMul {
                transpose_a: a.flag("transpose_a", false)?,
                transpose_b: a.flag("transpose_b", false)?,
            },
            "matvec" => Linalg::MatVec {
                transpose_a: a.flag("transpose_a", false)?,
            },
            "tensordot" => match a.required("axes")? {
                Lit::Int(n) => Linalg::TensorDotN { n: *n },
                Lit::List(pair) if pair.len() == 2 => {
                    let list = |l: &Lit| -> Result<Vec<i64>> {
                        match l {
                            Lit::Int(i) => Ok(vec![*i]),
                            Lit::List(xs) => xs
                                .iter()
                                .map(|x| {
                                    if let Lit::Int(i) = x {
                                        Ok(*i)
                                    } else {
                                        Err(axes_err())
                                    }
                                })
                                .collect(),
                            _ => Err(axes_err()),
                        }
                    };
                    Linalg::TensorDot {
                        axes: (list(&pair[0])?, list(&pair[1])?),
                    }
                }
                _ => return Err(axes_err()),
            },
            _ => return Ok(None),
        }))
    }

    pub fn name(&self) -> &'static str {
        match self {
            Linalg::MatMul { .. } => "matmul",
            Linalg::MatVec { .. } => "matvec",
            Linalg::TensorDot { .. } | Linalg::TensorDotN { .. } => "tensordot",
        }
    }

    pub fn expand(&self, ctx: &mut Ctx, ins: &[&Val]) -> Option<Result<Val>> {
        let (a, b) = (ins[0], ins[1]);
        match self {
            Linalg::MatMul { .. } => None,
            // matvec(a, x) = squeeze(matmul(a, expand_dims(x, -1)), -1)
            Linalg::MatVec { transpose_a } => Some((|| {
                // the matmul inside checks dtypes before ranks ("In[0] ndims must be >= 2")
                check_same_dtype("matvec", a, b)?;
                if a.tensor.rank() < 2 || b.tensor.rank() < 1 {
                    return Err(arg_err(format!(
                        "matvec of {} and {}: needs a matrix (rank >= 2) and a vector (rank >= 1)",
                        a.tensor.describe(),
                        b.tensor.describe()
                    )));
                }
                // checked here, in the shapes the caller gave: the matmul below sees [n, 1]
                let (ra, sa) = (a.tensor.rank(), a.tensor.shape());
                let cols = if *transpose_a { sa[ra - 2] } else { sa[ra - 1] };
                let n = b.tensor.shape()[b.tensor.rank() - 1];
                if cols != n {
                    let which = if *transpose_a {
                        "rows (transpose_a)"
                    } else {
                        "columns"
                    };
                    return Err(shape_err(format!(
                        "matvec of {} and {}: the matrix has {cols} {which} but the vector has {n} elements",
                        a.tensor.describe(),
                        b.tensor.describe()
                    )));
                }
                let col: SmallVec<[usize; 4]> =
                    b.tensor.shape().iter().copied().chain([1]).collect();
                let xc = ctx.reshape(b, &col)?;
                let m = ctx
                    .matmul(a, &xc, *transpose_a, false)
                    .map_err(|e| rename(e, "matvec"))?;
                ctx.reshape(&m, &m.tensor.shape()[..m.tensor.rank() - 1])
            })()),
            Linalg::TensorDotN { n } => Some((|| {
                let n = *n;
                if n < 0 || n as usize > a.tensor.rank() || n as usize > b.tensor.rank() {
                    return Err(arg_err(format!(
                        "tensordot: axes={n} must be between 0 and the ranks of {} and {}",
                        a.tensor.describe(),
                        b.tensor.describe()
                    )));
                }
                let ra = a.tensor.rank() as i64;
                let axes = ((ra - n..ra).collect(), (0..n).collect());
                tensordot(ctx, a, b, &axes)
            })()),
            Linalg::TensorDot { axes } => Some(tensordot(ctx, a, b, axes)),
        }
    }

    pub fn forward(&self, a: &Tensor, b: &Tensor, lim: &crate::engine::Limits) -> Result<Tensor> {
        let Linalg::MatMul {
            transpose_a,
            transpose_b,
        } = *self
        else {
            unreachable!("composites expand")
        };
        let (batch, m, n) = matmul_shape(a, b, transpose_a, transpose_b)?;
        check_work(a, b, &batch, m, n, transpose_a, lim)?;
        Ok(match (a, b) {
            (Tensor::F32(x), Tensor::F32(y)) => {
                let k = a.shape()[a.rank() - if transpose_a { 2 } else { 1 }];
                let dot = if a.rank() == 2 && b.rank() == 2 {
                    crate::engine::gemm::f32_product(m, n, k, transpose_a, transpose_b)
                } else {
                    let count = batch.iter().product();
                    crate::engine::gemm::f32_batched_product(
                        count,
                        (m, n, k),
                        transpose_a,
                        transpose_b,
                    )
                };
                Tensor::from_array(batched(x, y, &batch, m, n, transpose_a, transpose_b, dot))
            }
            (Tensor::F64(x), Tensor::F64(y)) => {
                let dot = crate::engine::gemm::f64_product(a.shape(), b.shape(), transpose_a, m, n);
                Tensor::from_array(batched(x, y, &batch, m, n, transpose_a, transpose_b, dot))
            }
            (Tensor::I32(x), Tensor::I32(y)) => {
                Tensor::from_array(batched(x, y, &batch, m, n, transpose_a, transpose_b, idot2))
            }
            (Tensor::I64(x), Tensor::I64(y)) => {
                Tensor::from_array(batched(x, y, &batch, m, n, transpose_a, transpose_b, idot2))
            }
            _ => unreachable!("checked by matmul_shape"),
        })
    }

    /// TensorFlow's _BatchMatMulV2Grad, then summed back over broadcast batch dimensions.
    /// Only the gradients `needs` asks for are computed: a matmul against a constant (weights,
    /// data) would otherwise pay for a product nobody reads, as large as the whole forward.
    pub fn vjp(&self, ctx: &mut Ctx, args: &VjpArgs) -> Result<Vec<Option<Val>>> {
        let (a, b, g, lead, needs) = (
            args.inputs[0],
            args.inputs[1],
            args.g,
            args.lead,
            args.needs,
        );
        let Linalg::MatMul {
            transpose_a: ta,
            transpose_b: tb,
        } = *self
        else {
            unreachable!("composites expand")
        };
        let ga = if needs[0] {
            let ga = match (ta, tb) {
                // C = A B: dA = G B^T
                (false, false) => ctx.matmul(g, b, false, true)?,
                // C = A B^T: dA = G B
                (false, true) => ctx.matmul(g, b, false, false)?,
                // C = A^T B: dA = B G^T
                (true, false) => ctx.matmul(b, g, false, true)?,
                // C = A^T B^T: dA = B^T G^T
                (true, true) => ctx.matmul(b, g, true, true)?,
            };
            Some(ctx.unbroadcast(&ga, a.tensor.shape(), lead)?)
        } else {
            None
        };
        let gb = if needs[1] {
            let gb = match (ta, tb) {
                // C = A B: dB = A^T G
                (false, false) => ctx.matmul(a, g, true, false)?,
                // C = A B^T: dB = G^T A
                (false, true) => ctx.matmul(g, a, true, false)?,
                // C = A^T B: dB = A G
                (true, false) => ctx.matmul(a, g, false, false)?,
                // C = A^T B^T: dB = G^T A^T
                (true, true) => ctx.matmul(g, a, true, true)?,
            };
            Some(ctx.unbroadcast(&gb, b.tensor.shape(), lead)?)
        } else {
            None
        };
        Ok(vec![ga, gb])
    }
}

/// Operands of one dtype, as TensorFlow's MatMul kernel requires (it does not convert).
fn check_same_dtype(op: &str, a: &Val, b: &Val) -> Result<()> {
    if a.tensor.dtype() != b.tensor.dtype() {
        return Err(dtype_err(format!(
            "{op} of {} and {}: dtypes differ (TensorFlow does not convert; add a cast)",
            a.tensor.describe(),
            b.tensor.describe()
        )));
    }
    Ok(())
}

fn axes_err() -> crate::engine::error::Error {
    arg_err("tensordot: \"axes\" must be an integer or a pair of axis lists, like [[1, 2], [1, 0]]")
}

fn rename(mut e: crate::engine::error::Error, op: &str) -> crate::engine::error::Error {
    e.detail = e.detail.replacen("matmul", op, 1);
    e
}

/// TensorFlow's tensordot: move contracted axes together, reshape to matrices, matmul, reshape.
fn tensordot(ctx: &mut Ctx, a: &Val, b: &Val, axes: &(Vec<i64>, Vec<i64>)) -> Result<Val> {
    let (ra, rb) = (a.tensor.rank(), b.tensor.rank());
    let ca: Vec<usize> = axes
        .0
        .iter()
        .map(|&x| norm_axis(x, ra, "tensordot"))
        .collect::<Result<_>>()?;
    let cb: Vec<usize> = axes
        .1
        .iter()
        .map(|&x| norm_axis(x, rb, "tensordot"))
        .collect::<Result<_>>()?;
    // TensorFlow's order: the axis counts (a ValueError in Python), a repeated axis (numpy's
    // broadcast error while reshaping), then the matmul's dtype check, then its sizes
    if ca.len() != cb.len() {
        return Err(arg_err(format!(
            "tensordot: {} contraction axes for a ({:?}) but {} for b ({:?}); give as many of each",
            ca.len(),
            axes.0,
            cb.len(),
            axes.1
        )));
    }
    let repeated = |c: &[usize]| c.iter().enumerate().any(|(k, x)| c[..k].contains(x));
    if repeated(&ca) || repeated(&cb) {
        return Err(shape_err(format!(
            "tensordot: the contraction axes {:?} and {:?} name an axis twice; name each once",
            axes.0, axes.1
        )));
    }
    check_same_dtype("tensordot", a, b)?;
    if ca
        .iter()
        .zip(&cb)
        .any(|(&i, &j)| a.tensor.shape()[i] != b.tensor.shape()[j])
    {
        return Err(shape_err(format!(
            "tensordot of {} and {}: contracted axes {:?} and {:?} must pair up with equal sizes",
            a.tensor.describe(),
            b.tensor.describe(),
            axes.0,
            axes.1
        )));
    }
    let fa: Vec<usize> = (0..ra).filter(|i| !ca.contains(i)).collect();
    let fb: Vec<usize> = (0..rb).filter(|i| !cb.contains(i)).collect();
    let size = |t: &Val, ax: &[usize]| ax.iter().map(|&i| t.tensor.shape()[i]).product::<usize>();
    let k = size(a, &ca);
    let pa: Vec<usize> = fa.iter().chain(&ca).copied().collect();
    let pb: Vec<usize> = cb.iter().chain(&fb).copied().collect();
    let am = as_matrix(ctx, a, &pa, [size(a, &fa), k])?;
    let bm = as_matrix(ctx, b, &pb, [k, size(b, &fb)])?;
    let m = ctx.matmul(&am, &bm, false, false)?;
    let out: Vec<usize> = fa
        .iter()
        .map(|&i| a.tensor.shape()[i])
        .chain(fb.iter().map(|&i| b.tensor.shape()[i]))
        .collect();
    if m.tensor.shape() == out.as_slice() {
        return Ok(m);
    }
    ctx.reshape(&m, &out)
}

/// `_tensordot_reshape`: the transpose and the reshape only where they change something, so
/// an operand already in place is the matmul's own input (a tape that records the product
/// links it, as TensorFlow's does, even if it is watched only later).
fn as_matrix(ctx: &mut Ctx, t: &Val, perm: &[usize], shape: [usize; 2]) -> Result<Val> {
    let moved = if perm.iter().copied().eq(0..perm.len()) {
        t.clone()
    } else {
        ctx.transpose(t, perm)?
    };
    if moved.tensor.shape() == shape.as_slice() {
        return Ok(moved);
    }
    ctx.reshape(&moved, &shape)
}

/// (broadcast batch shape, m, n) of a matmul, or the error TensorFlow would give.
fn matmul_shape(a: &Tensor, b: &Tensor, ta: bool, tb: bool) -> Result<(Vec<usize>, usize, usize)> {
    if a.dtype() != b.dtype() {
        return Err(dtype_err(format!(
            "matmul of {} and {}: dtypes differ (TensorFlow does not convert; add a cast)",
            a.describe(),
            b.describe()
        )));
    }
    if a.dtype() == DType::Bool {
        return Err(dtype_err(format!(
            "matmul of {} and {}: matmul takes numbers, not bool",
            a.describe(),
            b.describe()
        )));
    }
    if a.rank() < 2 || b.rank() < 2 {
        // TensorFlow: "In[0] ndims must be >= 2", an InvalidArgumentError about no shape
        return Err(arg_err(format!(
            "matmul of {} and {}: both operands need rank >= 2 (use matvec for a matrix times a vector)",
            a.describe(),
            b.describe()
        )));
    }
    let (sa, sb) = (a.shape(), b.shape());
    let (m, ka) = if ta {
        (sa[sa.len() - 1], sa[sa.len() - 2])
    } else {
        (sa[sa.len() - 2], sa[sa.len() - 1])
    };
    let (kb, n) = if tb {
        (sb[sb.len() - 1], sb[sb.len() - 2])
    } else {
        (sb[sb.len() - 2], sb[sb.len() - 1])
    };
    if ka != kb {
        return Err(shape_err(format!(
            "matmul of {} and {}{}: inner dimensions {ka} and {kb} differ (a's columns must equal b's rows)",
            a.describe(),
            b.describe(),
            match (ta, tb) {
                (false, false) => String::new(),
                _ => format!(" (transpose_a={ta}, transpose_b={tb})"),
            }
        )));
    }
    let batch = broadcast_shape(&sa[..sa.len() - 2], &sb[..sb.len() - 2]).ok_or_else(|| {
        shape_err(format!(
            "matmul of {} and {}: batch dimensions do not broadcast",
            a.describe(),
            b.describe()
        ))
    })?;
    Ok((batch, m, n))
}

/// c = a b, written into `c` (no intermediate result to copy).
type Dot<T> = fn(ArrayView2<T>, ArrayView2<T>, ArrayViewMut2<T>);

/// Integer products wrap, as TensorFlow's do (ndarray's generic dot would overflow-panic).
fn idot2<T: Elem + num_traits::WrappingAdd + num_traits::WrappingMul>(
    a: ArrayView2<T>,
    b: ArrayView2<T>,
    mut c: ArrayViewMut2<T>,
) {
    for i in 0..a.nrows() {
        for j in 0..b.ncols() {
            let mut s = T::zero_elem();
            for k in 0..a.ncols() {
                s = s.wrapping_add(&a[[i, k]].wrapping_mul(&b[[k, j]]));
            }
            c[[i, j]] = s;
        }
    }
}

/// Every row-major batch index of `batch`, in order.
fn batch_indices(batch: &[usize]) -> impl Iterator<Item = Vec<usize>> + '_ {
    let count: usize = batch.iter().product();
    let mut idx = vec![0usize; batch.len()];
    (0..count).map(move |k| {
        if k > 0 {
            for d in (0..idx.len()).rev() {
                idx[d] += 1;
                if idx[d] < batch[d] {
                    break;
                }
                idx[d] = 0;
            }
        }
        idx.clone()
    })
}

fn is_batched<T>(a: &Arr<T>) -> bool {
    a.shape()[..a.ndim() - 2].iter().product::<usize>() > 1
}

/// Batched matmul into one preallocated result. When only one side has a batch, the batch is
/// folded into one large product: one GEMM instead of many small ones, which is what makes a
/// Jacobian's batch of cotangents cheap.
#[allow(clippy::too_many_arguments)]
fn batched<T: Elem>(
    a: &Arr<T>,
    b: &Arr<T>,
    batch: &[usize],
    m: usize,
    n: usize,
    ta: bool,
    tb: bool,
    dot: Dot<T>,
) -> ArrayD<T> {
    let count: usize = batch.iter().product();
    let shape: Vec<usize> = batch.iter().copied().chain([m, n]).collect();
    let mut out = ndarray::Array2::from_elem((count * m, n), T::zero_elem());
    let first = vec![0; batch.len()];
    // Eigen's float32 vector products (oneDNN off) group a matrix's outputs and size their
    // blocks by them, so they run matrix by matrix as TensorFlow's do
    let foldable = T::DTYPE != DType::F32 || crate::engine::cpu::onednn();
    if foldable && count > 1 && is_batched(a) && !is_batched(b) {
        // A's matrices stacked as rows: [count*m, k] times B.
        let k = if ta {
            a.shape()[a.ndim() - 2]
        } else {
            a.shape()[a.ndim() - 1]
        };
        let a_rows = stacked(a, batch, ta, (count * m, k), !ta);
        dot(a_rows.view(), matrix(b, &first, tb), out.view_mut());
    } else if foldable && count > 1 && is_batched(b) && !is_batched(a) && n == 1 {
        // A times many columns b_i: the rows b_i^T A^T of [count, k] x [k, m] are the results.
        let k = if tb {
            b.shape()[b.ndim() - 1]
        } else {
            b.shape()[b.ndim() - 2]
        };
        // Each b_i is [k, 1] (or [1, k] transposed): either way its k values are one row, so
        // the batch as it lies in memory is already [count, k].
        let cols = stacked(b, batch, tb, (count, k), true);
        let out_rows = out
            .view_mut()
            .into_shape_with_order((count, m))
            .expect("n is 1");
        dot(cols.view(), matrix(a, &first, ta).reversed_axes(), out_rows);
    } else {
        for (i, idx) in batch_indices(batch).enumerate() {
            let c = out.slice_axis_mut(Axis(0), ndarray::Slice::from(i * m..(i + 1) * m));
            dot(matrix(a, &idx, ta), matrix(b, &idx, tb), c);
        }
    }
    out.into_shape_with_order(IxDyn(&shape))
        .expect("sizes agree")
}

/// `x`'s matrices (each transposed if `t`) one after another as a [rows, cols] matrix. When
/// `in_place` allows it, its batch is exactly `batch` (nothing broadcast) and its elements are
/// in row-major order, that is a view of `x` itself: a Jacobian's batch of cotangents usually
/// is, and copying it matrix by matrix cost more than the product itself.
fn stacked<'a, T: Elem>(
    x: &'a Arr<T>,
    batch: &[usize],
    t: bool,
    (rows, cols): (usize, usize),
    in_place: bool,
) -> CowArray<'a, T, Ix2> {
    if in_place && &x.shape()[..x.ndim() - 2] == batch && x.is_standard_layout() {
        if let Ok(view) = x.view().into_shape_with_order((rows, cols)) {
            return CowArray::from(view);
        }
    }
    let mut all = Vec::with_capacity(rows * cols);
    for idx in batch_indices(batch) {
        all.extend(matrix(x, &idx, t).iter().copied());
    }
    CowArray::from(ndarray::Array2::from_shape_vec((rows, cols), all).expect("sizes agree"))
}

/// The 2-D matrix of `a` at broadcast batch index `idx` (size-1 batch dimensions repeat).
fn matrix<'a, T: Elem>(a: &'a Arr<T>, idx: &[usize], t: bool) -> ArrayView2<'a, T> {
    let nb = a.ndim() - 2;
    let mut v = a.view();
    for k in 0..nb {
        let i = idx[idx.len() - nb + k];
        let i = if a.shape()[k] == 1 { 0 } else { i };
        v = v.index_axis_move(Axis(0), i);
    }
    let m = v
        .into_dimensionality::<Ix2>()
        .expect("rank 2 after indexing");
    if t {
        m.reversed_axes()
    } else {
        m
    }
}

/// Refuses, before computing, a matmul whose result or multiply-adds pass the limits: one op
/// cannot be interrupted by the request deadline, so its size is bounded up front.
fn check_work(
    a: &Tensor,
    b: &Tensor,
    batch: &[usize],
    m: usize,
    n: usize,
    ta: bool,
    lim: &crate::engine::Limits,
) -> Result<()> {
    let k = if ta {
        a.shape()[a.rank() - 2]
    } else {
        a.shape()[a.rank() - 1]
    };
    let out: Vec<usize> = batch.iter().copied().chain([m, n]).collect();
    crate::engine::tensor::checked_numel(&out, lim.max_tensor_elements)?;
    let work = out
        .iter()
        .map(|&d| d as u64)
        .fold(k as u64, u64::saturating_mul);
    if work > lim.max_matmul_flops {
        return Err(crate::engine::error::limit_err(format!(
            "matmul of {} and {} takes {work} multiply-adds; the limit max_matmul_flops is {}",
            a.describe(),
            b.describe(),
            lim.max_matmul_flops
        )));
    }
    Ok(())
}
