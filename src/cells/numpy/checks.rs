//! NumPy's tests of values: `np.isnan`, `np.isinf`, `np.isfinite` (elementwise, bool).

use crate::engine::dtype::DType;
use crate::engine::tensor::Tensor;

use super::args::Args;
use super::arith::np_wrap;
use crate::cells::interp::Interp;
use crate::cells::raise::Raise;
use crate::cells::value::Value;

pub const NAMES: &[&str] = &["isnan", "isinf", "isfinite"];

pub fn call(
    it: &mut Interp,
    name: &str,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let mut a = Args::bind(name, &["x"], args, kwargs)?;
    let t = it.np_tensor(&a.required(0, "x")?)?;
    let test: fn(f64) -> bool = match name {
        "isnan" => f64::is_nan,
        "isinf" => f64::is_infinite,
        _ => f64::is_finite,
    };
    let vals: Vec<f64> = t
        .to_f64_vec()
        .into_iter()
        .map(|x| f64::from(u8::from(test(x))))
        .collect();
    Ok(np_wrap(Tensor::from_f64s(t.shape(), &vals, DType::Bool)?))
}
