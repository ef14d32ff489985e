//! Exact integer arithmetic for NumPy's int64 and int32 arrays: the values as `i64`, never
//! through float64 (which holds integers only up to 2**53), and results that wrap as NumPy's
//! C loops do (two's complement, at 32 bits for int32: the low 32 bits of a wrapping i64
//! sum or product are the int32 one's).

use crate::engine::dtype::DType;
use crate::engine::tensor::Tensor;

/// An integer tensor's elements, row-major; None for floats and bools.
pub fn values(t: &Tensor) -> Option<Vec<i64>> {
    t.as_indices()
}

/// A tensor of `shape` holding `vals` stored in `d` (int32 keeps the low 32 bits).
pub fn tensor(shape: &[usize], vals: &[i64], d: DType) -> Tensor {
    let dims = ndarray::IxDyn(shape);
    match d {
        DType::I32 => {
            let v: Vec<i32> = vals.iter().map(|&x| x as i32).collect();
            Tensor::from_array(ndarray::ArrayD::from_shape_vec(dims, v).expect("sized by shape"))
        }
        DType::I64 => Tensor::from_array(
            ndarray::ArrayD::from_shape_vec(dims, vals.to_vec()).expect("sized by shape"),
        ),
        other => {
            let f: Vec<f64> = vals.iter().map(|&x| x as f64).collect();
            Tensor::from_f64s(shape, &f, other).expect("sized by shape")
        }
    }
}

/// `t`'s elements broadcast to `shape`, row-major, as i64; None unless `t` holds integers.
pub fn broadcast(t: &Tensor, shape: &[usize]) -> Option<Vec<i64>> {
    t.broadcast_to(shape).and_then(|b| values(&b))
}

/// NumPy's one-argument integer ufuncs that keep the dtype: `negative`, `abs`, `square`,
/// `positive`, `sign`; None for any other name or a non-integer tensor.
pub fn unary(name: &str, t: &Tensor) -> Option<Tensor> {
    let f: fn(i64) -> i64 = match name {
        "abs" | "absolute" => i64::wrapping_abs,
        "square" => |x| x.wrapping_mul(x),
        "negative" => i64::wrapping_neg,
        "positive" => |x| x,
        "sign" => i64::signum,
        _ => return None,
    };
    let d = t.dtype();
    if !d.is_int() {
        return None;
    }
    let vals: Vec<i64> = values(t)?.into_iter().map(f).collect();
    Some(tensor(t.shape(), &vals, d))
}
