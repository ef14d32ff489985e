//! `np.linalg.norm(x, ord=None, axis=None, keepdims=False)` with its default order: the
//! square root of the sum of squares (the 2-norm of a vector, the Frobenius norm of a
//! matrix), over every element or the given axes, in the array's float type.

use crate::engine::dtype::DType;

use super::args::Args;
use super::arith::np_wrap;
use super::math::map;
use super::reduce::{axes_of, reduce, Reduction};
use crate::cells::interp::Interp;
use crate::cells::raise::{Raise, RaiseKind};
use crate::cells::value::Value;

pub const NAMES: &[&str] = &["linalg.norm"];

pub fn call(
    it: &mut Interp,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let mut a = Args::bind("norm", &["x", "ord", "axis", "keepdims"], args, kwargs)?;
    let x = it.np_tensor(&a.required(0, "x")?)?;
    if a.given(1) {
        return Err(Raise::new(
            RaiseKind::NotImplementedError,
            "np.linalg.norm with an `ord` is outside the cell subset: the default (2-norm of a vector, Frobenius norm of a matrix) is in it",
        ));
    }
    let axes = axes_of(a.take(2).as_ref(), x.rank())?;
    let keep = a.flag(3, false)?;
    // NumPy's norm computes in the array's float type; integers and bools become float64
    let d = match x.dtype() {
        DType::F32 => DType::F32,
        _ => DType::F64,
    };
    let squares = map(&x, d, |v| v * v)?;
    let sum = reduce(Reduction::Sum, &squares, axes, keep, 0.0)?;
    Ok(np_wrap(map(&sum, d, f64::sqrt)?))
}
