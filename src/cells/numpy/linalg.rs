//! NumPy's products and shape functions: `np.dot`, `np.matmul`, `np.outer`, `np.transpose`,
//! `np.reshape`, `np.concatenate`/`np.stack`, and the closeness tests (`np.allclose`).

use crate::engine::dtype::DType;
use crate::engine::error::Code;
use crate::engine::lit::Lit;
use crate::engine::tensor::Tensor;

use super::promote::promote;
use crate::cells::interp::Interp;
use crate::cells::raise::Raise;
use crate::cells::value::Value;

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

/// NumPy's error for a matmul whose inner sizes differ.
fn core_mismatch(k_a: usize, k_b: usize) -> Raise {
    Raise::value_error(format!(
        "matmul: Input operand 1 has a mismatch in its core dimension 0, with gufunc signature (n?,k),(k,m?)->(n?,m?) (size {k_b} is different from {k_a})"
    ))
}

/// Multiply-adds up to which a 2-D product is summed in order here rather than by the
/// engine's blocked gemm: NumPy's BLAS sums a small product's terms one after the other,
/// and float32 results then agree to the last bit.
const SMALL_PRODUCT: usize = 1 << 16;

/// `a @ b` for 2-D `a` [m, k] and `b` [k, n], each sum taken in order in the dtype.
fn in_order(a: &Tensor, b: &Tensor, m: usize, k: usize, n: usize) -> Result<Tensor, Raise> {
    if let (Some(av), Some(bv)) = (super::ints::values(a), super::ints::values(b)) {
        // integers multiply and add exactly, wrapping as NumPy's integer loops do
        let out: Vec<i64> = (0..m * n)
            .map(|ij| {
                let (i, j) = (ij / n, ij % n);
                (0..k).fold(0i64, |acc, p| {
                    acc.wrapping_add(av[i * k + p].wrapping_mul(bv[p * n + j]))
                })
            })
            .collect();
        return Ok(super::ints::tensor(&[m, n], &out, a.dtype()));
    }
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
    let rank = t.rank() as i64;
    let mut perm = perm.unwrap_or_else(|| (0..rank).rev().collect());
    if perm.len() != t.rank() {
        return Err(Raise::value_error("axes don't match array"));
    }
    for (k, ax) in perm.clone().into_iter().enumerate() {
        if ax < -rank || ax >= rank {
            return Err(Raise::new(
                crate::cells::raise::RaiseKind::AxisError,
                format!("axis {ax} is out of bounds for array of dimension {rank}"),
            ));
        }
        perm[k] = ax.rem_euclid(rank.max(1));
        if perm[..k].contains(&perm[k]) {
            return Err(Raise::value_error(
                "repeated axis in transpose; list each axis once",
            ));
        }
    }
    if t.rank() < 2 {
        return Ok(t.clone());
    }
    it.compute("transpose", vec![("perm".into(), ints_lit(&perm))], &[t])
}

/// NumPy's matmul (`a @ b`, `np.matmul`): a 1-D `a` is a row and a 1-D `b` a column for the
/// product, each losing that dimension after; axes before the last two are batch axes,
/// broadcast against each other, with one matrix product per batch entry.
pub fn matmul(it: &mut Interp, a: &Tensor, b: &Tensor) -> Result<Tensor, Raise> {
    let (ra, rb) = (a.rank(), b.rank());
    if let Some(k) = [ra, rb].iter().position(|&r| r == 0) {
        return Err(Raise::value_error(format!(
            "matmul: Input operand {k} does not have enough dimensions (has 0, gufunc core with signature (n?,k),(k,m?)->(n?,m?) requires 1); a scalar multiplies with `*`"
        )));
    }
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
    let (sa, sb) = (a2.shape(), b2.shape());
    let (ka, kb) = (sa[sa.len() - 1], sb[sb.len() - 2]);
    if ka != kb {
        return Err(core_mismatch(ka, kb));
    }
    let (n, m) = (sa[sa.len() - 2], sb[sb.len() - 1]);
    let (batch_a, batch_b) = (&sa[..sa.len() - 2], &sb[..sb.len() - 2]);
    let batch = crate::engine::kernels::broadcast_shape(batch_a, batch_b)
        .ok_or_else(|| batch_mismatch(a.shape(), b.shape(), batch_a, batch_b, n, m))?;
    let out = if batch.is_empty() {
        raw_matmul(it, &a2, &b2)?
    } else {
        batched(it, &a2, &b2, &batch)?
    };
    let mut shape = batch;
    if ra != 1 {
        shape.push(n);
    }
    if rb != 1 {
        shape.push(m);
    }
    Ok(out.reshape(&shape)?)
}

/// One product per entry of the broadcast `batch`, each operand's matrix taken at the
/// entry's index (an axis of size one repeats), stacked in row-major order of the batch.
fn batched(it: &mut Interp, a: &Tensor, b: &Tensor, batch: &[usize]) -> Result<Tensor, Raise> {
    let core = |t: &Tensor| t.shape()[t.rank() - 2..].to_vec();
    let (ca, cb) = (core(a), core(b));
    let (la, lb) = (ca[0] * ca[1], cb[0] * cb[1]);
    let (ia, ib) = (
        batch_offsets(&a.shape()[..a.rank() - 2], batch),
        batch_offsets(&b.shape()[..b.rank() - 2], batch),
    );
    // each batch entry's matrix taken by flat offsets, in the operand's own dtype (exact
    // for integers)
    let (a, b) = (&a.reshape(a.shape())?, &b.reshape(b.shape())?);
    let entry = |t: &Tensor, o: usize, len: usize, core: &[usize]| {
        let offsets: Vec<usize> = (o * len..(o + 1) * len).collect();
        t.take_flat(&offsets, core)
    };
    let mut products = Vec::with_capacity(ia.len());
    for (&oa, &ob) in ia.iter().zip(&ib) {
        let (x, y) = (entry(a, oa, la, &ca), entry(b, ob, lb, &cb));
        products.push(raw_matmul(it, &x, &y)?.reshape(&[1, ca[0], cb[1]])?);
    }
    let mut shape = batch.to_vec();
    shape.extend([ca[0], cb[1]]);
    if products.is_empty() {
        return Ok(Tensor::full(&shape, 0.0, promote(a.dtype(), b.dtype())));
    }
    Ok(Tensor::concat_rows(&products)?.reshape(&shape)?)
}

/// For each index of `batch` in row-major order, the index of the matrix of an operand
/// whose batch axes are `own` (aligned at the right, size-one axes broadcast).
fn batch_offsets(own: &[usize], batch: &[usize]) -> Vec<usize> {
    let total: usize = batch.iter().product();
    let lead = batch.len() - own.len();
    (0..total)
        .map(|flat| {
            let (mut rest, mut off, mut stride) = (flat, 0, 1);
            for k in (0..batch.len()).rev() {
                let i = rest % batch[k];
                rest /= batch[k];
                if k >= lead {
                    let dim = own[k - lead];
                    off += if dim == 1 { 0 } else { i } * stride;
                    stride *= dim;
                }
            }
            off
        })
        .collect()
}

/// NumPy's error for batch axes that do not broadcast, with the shapes as it remaps them.
fn batch_mismatch(
    a: &[usize],
    b: &[usize],
    batch_a: &[usize],
    batch_b: &[usize],
    n: usize,
    m: usize,
) -> Raise {
    let remapped = |orig: &[usize], batch: &[usize]| {
        let mut parts: Vec<String> = batch.iter().map(usize::to_string).collect();
        parts.extend(["newaxis".to_string(), "newaxis".to_string()]);
        format!("{}->({})", np_tuple(orig), parts.join(","))
    };
    Raise::value_error(format!(
        "operands could not be broadcast together with remapped shapes [original->remapped]: {} {}  and requested shape ({n},{m}); the axes before the last two must broadcast",
        remapped(a, batch_a),
        remapped(b, batch_b)
    ))
}

/// A shape as NumPy writes it in its messages: `(2,3)`, `(3,)`.
fn np_tuple(s: &[usize]) -> String {
    let dims: Vec<String> = s.iter().map(usize::to_string).collect();
    match dims.len() {
        1 => format!("({},)", dims[0]),
        _ => format!("({})", dims.join(",")),
    }
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
        return Err(Raise::value_error(format!(
            "shapes {} and {} not aligned: {k} (dim {}) != {kb} (dim {})",
            np_tuple(a.shape()),
            np_tuple(b.shape()),
            ra - 1,
            rb.saturating_sub(2)
        )));
    }
    let rows: usize = a.shape()[..ra - 1].iter().product();
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

/// The index order a reshape reads and writes elements in: `order='C'` (last index fastest)
/// or `order='F'` (first index fastest). `'A'` and `'K'` follow memory, which is C here.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Order {
    C,
    F,
}

/// An `order=` argument; `'K'` is refused when `reshaping`, as NumPy refuses it there.
pub fn order_arg(v: Option<&Value>, reshaping: bool) -> Result<Order, Raise> {
    let s = match v {
        None | Some(Value::None) => return Ok(Order::C),
        Some(Value::Str(s)) => s.to_ascii_uppercase(),
        Some(other) => {
            return Err(Raise::type_error(format!(
                "order must be str, not {}",
                other.type_name()
            )))
        }
    };
    match s.as_str() {
        "C" | "A" => Ok(Order::C),
        "K" if !reshaping => Ok(Order::C),
        "F" => Ok(Order::F),
        "K" => Err(Raise::value_error(
            "order 'K' is not permitted for reshaping; use 'C' or 'F'",
        )),
        _ => Err(Raise::value_error(format!(
            "order must be one of 'C', 'F', 'A', or 'K' (got '{}')",
            match v {
                Some(Value::Str(s)) => s.to_string(),
                _ => String::new(),
            }
        ))),
    }
}

/// `t.reshape(shape, order=...)`: in Fortran order the elements are read with the first
/// index fastest and written into the new shape the same way.
pub fn reshape_in(t: &Tensor, shape: &[i64], order: Order) -> Result<Tensor, Raise> {
    let out = reshape(t, shape)?;
    if order == Order::C {
        return Ok(out);
    }
    let flat = fortran_values(t);
    let dims = out.shape().to_vec();
    // the C-order position of each element of `dims`, from its Fortran-order position
    let mut vals = vec![0.0; flat.len()];
    for (c, slot) in vals.iter_mut().enumerate() {
        *slot = flat[fortran_index(c, &dims)];
    }
    Ok(Tensor::from_f64s(&dims, &vals, t.dtype())?)
}

/// `t.ravel(order=...)` / `t.flatten(order=...)`.
pub fn ravel_in(t: &Tensor, order: Order) -> Result<Tensor, Raise> {
    reshape_in(t, &[-1], order)
}

/// The elements of `t` listed with the first index fastest.
fn fortran_values(t: &Tensor) -> Vec<f64> {
    let vals = t.to_f64_vec();
    let mut out = vec![0.0; vals.len()];
    for (c, &v) in vals.iter().enumerate() {
        out[fortran_index(c, t.shape())] = v;
    }
    out
}

/// The Fortran-order position of the element at C-order position `c` of an array of `dims`.
fn fortran_index(c: usize, dims: &[usize]) -> usize {
    let (mut rest, mut f, mut stride) = (c, 0, 1);
    let mut strides = Vec::with_capacity(dims.len());
    for &d in dims {
        strides.push(stride);
        stride *= d;
    }
    for (k, &d) in dims.iter().enumerate().rev() {
        f += (rest % d.max(1)) * strides[k];
        rest /= d.max(1);
    }
    f
}

/// A requested shape as NumPy's `convert_shape_to_string` writes it in a reshape's error: no
/// spaces, a -1 as `newaxis`, leading -1s left out, and a trailing comma after a lone size.
fn shape_text(shape: &[i64]) -> String {
    let first = shape.iter().position(|&d| d >= 0).unwrap_or(shape.len());
    let parts: Vec<String> = shape[first..]
        .iter()
        .map(|&d| {
            if d < 0 {
                "newaxis".into()
            } else {
                d.to_string()
            }
        })
        .collect();
    match parts.len() {
        0 => "()".into(),
        _ if shape.len() == 1 => format!("({},)", parts[0]),
        _ => format!("({})", parts.join(",")),
    }
}

/// NumPy's reshape: one -1 inferred; the size must match.
pub fn reshape(t: &Tensor, shape: &[i64]) -> Result<Tensor, Raise> {
    let n = t.len();
    let bad = || {
        Raise::value_error(format!(
            "cannot reshape array of size {n} into shape {}",
            shape_text(shape)
        ))
        .with_code(Code::ShapeMismatch)
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
    check_joinable(parts, ax as usize, new_axis)?;
    let cast: Vec<Tensor> = parts.iter().map(|t| t.cast(d)).collect();
    let refs: Vec<&Tensor> = cast.iter().collect();
    let op = if new_axis { "stack" } else { "concat" };
    it.compute(op, vec![("axis".into(), Lit::Int(ax))], &refs)
}

/// NumPy's errors for arrays that do not join: `np.stack` needs one shape; `np.concatenate`
/// one rank and equal sizes off the joining axis.
fn check_joinable(parts: &[Tensor], axis: usize, new_axis: bool) -> Result<(), Raise> {
    let first = parts[0].shape();
    for (i, p) in parts.iter().enumerate().skip(1) {
        let s = p.shape();
        if new_axis {
            if s != first {
                return Err(Raise::value_error(format!(
                    "all input arrays must have the same shape (array 0 is {}, array {i} is {})",
                    np_tuple(first),
                    np_tuple(s)
                )));
            }
        } else if s.len() != first.len() {
            return Err(Raise::value_error(format!(
                "all the input arrays must have same number of dimensions, but the array at index 0 has {} dimension(s) and the array at index {i} has {} dimension(s)",
                first.len(),
                s.len()
            )));
        } else if let Some(k) = (0..s.len()).find(|&k| k != axis && s[k] != first[k]) {
            return Err(Raise::value_error(format!(
                "all the input array dimensions except for the concatenation axis must match exactly, but along dimension {k}, the array at index 0 has size {} and the array at index {i} has size {}",
                first[k], s[k]
            )));
        }
    }
    Ok(())
}

/// `np.isclose(a, b, rtol, atol, equal_nan)` elementwise: `|a - b| <= atol + rtol * |b|`
/// (two NaNs close only with `equal_nan`).
pub fn isclose(
    a: &Tensor,
    b: &Tensor,
    rtol: f64,
    atol: f64,
    equal_nan: bool,
) -> Result<Tensor, Raise> {
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
            let close = x == y
                || (x - y).abs() <= atol + rtol * y.abs()
                || (equal_nan && x.is_nan() && y.is_nan());
            f64::from(u8::from(close))
        })
        .collect();
    Ok(Tensor::from_f64s(&shape, &out, DType::Bool)?)
}
