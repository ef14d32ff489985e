//! NumPy's products and shape functions: `np.dot`, `np.matmul`, `np.outer`, `np.transpose`,
//! `np.reshape`, `np.concatenate`/`np.stack`, and the closeness tests (`np.allclose`).

use crate::engine::dtype::DType;
use crate::engine::lit::Lit;
use crate::engine::tensor::Tensor;

use super::promote::promote;
use crate::cells::interp::Interp;
use crate::cells::raise::Raise;

fn ints_lit(v: &[i64]) -> Lit {
    Lit::List(v.iter().map(|&x| Lit::Int(x)).collect())
}

/// The engine's matmul on NumPy dtypes: booleans multiply as integers and come back as
/// booleans; the operands are promoted first.
fn raw_matmul(it: &mut Interp, a: &Tensor, b: &Tensor) -> Result<Tensor, Raise> {
    let d = promote(a.dtype(), b.dtype());
    let work = if d == DType::Bool { DType::I64 } else { d };
    let (a, b) = (a.cast(work), b.cast(work));
    let out = match (a.shape(), b.shape()) {
        ([m, k], [_, n]) if m * k * n <= SMALL_PRODUCT => in_order(&a, &b, *m, *k, *n)?,
        _ => it.compute("matmul", vec![], &[&a, &b])?,
    };
    Ok(if d == DType::Bool {
        out.cast(DType::Bool)
    } else {
        out
    })
}

fn core_mismatch(k_a: usize, k_b: usize, what: &str) -> Raise {
    Raise::value_error(match what {
        "dot" => format!("shapes not aligned: {k_a} (dim) != {k_b} (dim)"),
        _ => format!(
            "matmul: Input operand 1 has a mismatch in its core dimension 0, with gufunc signature (n?,k),(k,m?)->(n?,m?) (size {k_b} is different from {k_a})"
        ),
    })
}

/// Multiply-adds up to which a 2-D product is summed in order here rather than by the
/// engine's blocked gemm: NumPy's BLAS sums a small product's terms one after the other,
/// and float32 results then agree to the last bit.
const SMALL_PRODUCT: usize = 1 << 16;

/// `a @ b` for 2-D `a` [m, k] and `b` [k, n], each sum taken in order in the dtype.
fn in_order(a: &Tensor, b: &Tensor, m: usize, k: usize, n: usize) -> Result<Tensor, Raise> {
    let (av, bv) = (a.to_f64_vec(), b.to_f64_vec());
    let round: fn(f64) -> f64 = match a.dtype() {
        DType::F32 => |x| f64::from(x as f32),
        DType::I32 => |x| f64::from(x as i64 as i32),
        _ => |x| x,
    };
    let mut out = vec![0.0; m * n];
    let mut terms = Vec::with_capacity(k);
    for i in 0..m {
        for j in 0..n {
            terms.clear();
            terms.extend((0..k).map(|p| round(av[i * k + p] * bv[p * n + j])));
            out[i * n + j] = if n == 1 {
                four_lane_sum(&terms, round)
            } else {
                terms.iter().fold(0.0, |acc, &x| round(acc + x))
            };
        }
    }
    Ok(Tensor::from_f64s(&[m, n], &out, a.dtype())?)
}

/// A matrix-vector product's sum as BLAS's gemv kernel takes it: four running lanes, added
/// pairwise, then the leftover terms in order.
fn four_lane_sum(terms: &[f64], round: fn(f64) -> f64) -> f64 {
    let body = terms.len() / 4 * 4;
    let mut lanes = [0.0; 4];
    for (i, &x) in terms[..body].iter().enumerate() {
        lanes[i % 4] = round(lanes[i % 4] + x);
    }
    let mut acc = round(round(lanes[0] + lanes[1]) + round(lanes[2] + lanes[3]));
    for &x in &terms[body..] {
        acc = round(acc + x);
    }
    acc
}

/// `a.T` / `np.transpose(a, axes)`.
pub fn transpose(it: &mut Interp, t: &Tensor, perm: Option<Vec<i64>>) -> Result<Tensor, Raise> {
    let perm = perm.unwrap_or_else(|| (0..t.rank() as i64).rev().collect());
    if perm.len() != t.rank() {
        return Err(Raise::value_error("axes don't match array"));
    }
    if t.rank() < 2 {
        return Ok(t.clone());
    }
    it.compute("transpose", vec![("perm".into(), ints_lit(&perm))], &[t])
}

/// NumPy's matmul: 1-D operands gain a dimension for the product and lose it after.
pub fn matmul(it: &mut Interp, a: &Tensor, b: &Tensor) -> Result<Tensor, Raise> {
    let (ra, rb) = (a.rank(), b.rank());
    let a2 = if ra == 1 {
        a.reshape(&[1, a.len()])?
    } else {
        a.clone()
    };
    let b2 = if rb == 1 {
        b.reshape(&[b.len(), 1])?
    } else {
        b.clone()
    };
    let (ka, kb) = (a2.shape()[a2.rank() - 1], b2.shape()[b2.rank() - 2]);
    if ka != kb {
        return Err(core_mismatch(ka, kb, "matmul"));
    }
    let out = raw_matmul(it, &a2, &b2)?;
    let mut shape = out.shape().to_vec();
    if rb == 1 {
        shape.pop();
    }
    if ra == 1 {
        let at = shape.len() - usize::from(rb != 1);
        shape.remove(at);
    }
    Ok(out.reshape(&shape)?)
}

/// `np.dot(a, b)`: a product over the last axis of `a` and the second-to-last of `b` (the
/// only one of a 1-D `b`); a 0-d operand multiplies elementwise.
pub fn dot(it: &mut Interp, a: &Tensor, b: &Tensor) -> Result<Tensor, Raise> {
    let (ra, rb) = (a.rank(), b.rank());
    if ra == 0 || rb == 0 {
        let d = promote(a.dtype(), b.dtype());
        let work = if d == DType::Bool { DType::I64 } else { d };
        let out = it.compute("multiply", vec![], &[&a.cast(work), &b.cast(work)])?;
        return Ok(out.cast(d));
    }
    let k = a.shape()[ra - 1];
    let kb = if rb == 1 {
        b.shape()[0]
    } else {
        b.shape()[rb - 2]
    };
    if k != kb {
        return Err(core_mismatch(k, kb, "dot"));
    }
    let rows = a.len() / k.max(1);
    let a2 = a.reshape(&[rows, k])?;
    // b as (k, rest): its second-to-last axis moved to the front
    let (b2, b_rest): (Tensor, Vec<usize>) = if rb == 1 {
        (b.reshape(&[k, 1])?, vec![])
    } else {
        let mut perm: Vec<i64> = (0..rb as i64).collect();
        perm.remove(rb - 2);
        perm.insert(0, rb as i64 - 2);
        let moved = transpose(it, b, Some(perm))?;
        let mut rest = b.shape().to_vec();
        rest.remove(rb - 2);
        let n: usize = rest.iter().product();
        (moved.reshape(&[k, n])?, rest)
    };
    let out = raw_matmul(it, &a2, &b2)?;
    let mut shape = a.shape()[..ra - 1].to_vec();
    shape.extend(b_rest);
    Ok(out.reshape(&shape)?)
}

/// `np.outer(a, b)`: every element of flattened `a` times every element of flattened `b`.
pub fn outer(it: &mut Interp, a: &Tensor, b: &Tensor) -> Result<Tensor, Raise> {
    let col = a.reshape(&[a.len(), 1])?;
    let row = b.reshape(&[1, b.len()])?;
    raw_matmul(it, &col, &row)
}

/// NumPy's reshape: one -1 inferred; the size must match.
pub fn reshape(t: &Tensor, shape: &[i64]) -> Result<Tensor, Raise> {
    let n = t.len();
    let shown = || {
        let parts: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
        if parts.len() == 1 {
            format!("({},)", parts[0])
        } else {
            format!("({})", parts.join(", "))
        }
    };
    let bad = || {
        Raise::value_error(format!(
            "cannot reshape array of size {n} into shape {}",
            shown()
        ))
    };
    if shape.iter().filter(|&&d| d == -1).count() > 1 {
        return Err(Raise::value_error("can only specify one unknown dimension"));
    }
    if shape.iter().any(|&d| d < -1) {
        return Err(Raise::value_error("negative dimensions not allowed"));
    }
    let known: i64 = shape.iter().filter(|&&d| d != -1).product();
    let dims = shape
        .iter()
        .map(|&d| {
            if d != -1 {
                Ok(d as usize)
            } else if known == 0 || n as i64 % known != 0 {
                Err(bad())
            } else {
                Ok((n as i64 / known) as usize)
            }
        })
        .collect::<Result<Vec<usize>, Raise>>()?;
    if dims.iter().product::<usize>() != n {
        return Err(bad());
    }
    Ok(t.reshape(&dims)?)
}

/// `np.concatenate(arrays, axis)` (and `np.stack` when `new_axis`), promoting the dtypes.
pub fn join(it: &mut Interp, parts: &[Tensor], axis: i64, new_axis: bool) -> Result<Tensor, Raise> {
    let Some(first) = parts.first() else {
        return Err(Raise::value_error("need at least one array to concatenate"));
    };
    let d = parts
        .iter()
        .map(Tensor::dtype)
        .reduce(promote)
        .unwrap_or(DType::F64);
    let rank = first.rank() as i64 + i64::from(new_axis);
    if rank == 0 {
        return Err(Raise::value_error(
            "zero-dimensional arrays cannot be concatenated",
        ));
    }
    let ax = if axis < 0 { axis + rank } else { axis };
    if ax < 0 || ax >= rank {
        return Err(Raise::new(
            crate::cells::raise::RaiseKind::AxisError,
            format!("axis {axis} is out of bounds for array of dimension {rank}"),
        ));
    }
    let cast: Vec<Tensor> = parts.iter().map(|t| t.cast(d)).collect();
    let refs: Vec<&Tensor> = cast.iter().collect();
    let op = if new_axis { "stack" } else { "concat" };
    it.compute(op, vec![("axis".into(), Lit::Int(ax))], &refs)
}

/// `np.isclose(a, b, rtol, atol)` elementwise: `|a - b| <= atol + rtol * |b|`.
pub fn isclose(a: &Tensor, b: &Tensor, rtol: f64, atol: f64) -> Result<Tensor, Raise> {
    let shape = crate::engine::kernels::broadcast_shape(a.shape(), b.shape()).ok_or_else(|| {
        Raise::value_error(format!(
            "operands could not be broadcast together with shapes {} {}",
            crate::cells::print::tuple_text(a.shape()),
            crate::cells::print::tuple_text(b.shape())
        ))
    })?;
    let av = crate::cells::arith::broadcast_vals(a, &shape);
    let bv = crate::cells::arith::broadcast_vals(b, &shape);
    let out: Vec<f64> = av
        .iter()
        .zip(&bv)
        .map(|(x, y)| {
            let close = x == y || (x - y).abs() <= atol + rtol * y.abs();
            f64::from(u8::from(close))
        })
        .collect();
    Ok(Tensor::from_f64s(&shape, &out, DType::Bool)?)
}
