//! NumPy's functions in a cell (`np.array`, `np.dot`, `np.exp`, ...), with NumPy's dtypes and
//! promotion. The evaluator calls `call` for every `np.NAME(...)`.
//!
//! What a function gets: `Interp` (for `np_tensor` conversions of any value with NumPy's typing,
//! and `compute` to run an engine op outside every tape), the positional and keyword arguments
//! as cell values. What it gives back: a `Value` (`Value::Array` for arrays,
//! `Value::NpScalar` for NumPy scalars, `arith::np_wrap` picks between them), `Ok(None)` when
//! NAME is no function of the subset, or a `Raise` as NumPy would raise it.

use super::interp::Interp;
use super::raise::Raise;
use super::value::Value;

/// `np.NAME(*args, **kwargs)`; `Ok(None)` when the subset has no such function.
pub fn call(
    it: &mut Interp,
    name: &str,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Option<Value>, Raise> {
    super::numpy_ops::call(it, name, args, kwargs)
}
