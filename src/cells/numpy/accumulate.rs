//! `np.cumsum` and `np.cumprod` and the array methods of the same names: NumPy's
//! `add.accumulate` and `multiply.accumulate` along one axis (the flattened array when `axis`
//! is None), in the dtype a sum or product of the elements has (int32 and bool run in int64)
//! unless `dtype=` names another, each running value stored in that dtype as NumPy's loops do.

use crate::engine::dtype::DType;
use crate::engine::ops::{Scan, ScanKind};
use crate::engine::tensor::Tensor;

use super::args::{dtype_arg, int_arg, Args};
use super::reduce::{axes_of, Reduction};
use crate::cells::raise::{Raise, RaiseKind};
use crate::cells::value::Value;

/// The functions and methods this module answers.
pub const NAMES: &[&str] = &["cumsum", "cumprod"];

/// The parameters after the array, in NumPy's order (the function's and the method's).
pub const PARAMS: &[&str] = &["axis", "dtype", "out"];

/// `np.cumsum(a, axis, dtype)` or `np.cumprod(...)` of `t`, the arguments read from the slots
/// `params` names (the array's own slot, if any, already taken).
pub fn accumulate(name: &str, t: &Tensor, a: &mut Args, params: &[&str]) -> Result<Value, Raise> {
    let slot = |n: &str| params.iter().position(|p| *p == n).unwrap_or(params.len());
    let axis = a.take(slot("axis"));
    let dtype = dtype_arg(a.take(slot("dtype")))?;
    if a.given(slot("out")) {
        // NumPy writes the result into `out`; a cell's cumsum answers a new array only
        return Err(Raise::new(
            RaiseKind::NotImplementedError,
            format!("NumPy's {name}() takes `out=`, but the cell subset's does not: assign the result instead (`b = np.{name}(a)`)"),
        ));
    }
    let (kind, reduction) = match name {
        "cumsum" => (ScanKind::Sum, Reduction::Sum),
        _ => (ScanKind::Prod, Reduction::Prod),
    };
    // a 0-d array runs as one element, as NumPy's `PyArray_CheckAxis` ravels it
    let (t, axis) = match axis {
        None => (t.reshape(&[t.len()])?, 0),
        Some(v) => {
            let t = if t.rank() == 0 {
                t.reshape(&[1])?
            } else {
                t.clone()
            };
            let axes = axes_of(Some(&Value::Int(axis_int(&v)?)), t.rank())?;
            (t, axes.and_then(|a| a.first().copied()).unwrap_or(0))
        }
    };
    let acc = dtype.unwrap_or_else(|| reduction.out_dtype(t.dtype()));
    let scan = Scan {
        kind,
        axis,
        exclusive: false,
        reverse: false,
    };
    // the scan has no bool kernel: a running sum of bools is their `or`, a product their `and`,
    // which an int64 scan of the elements as 0s and 1s gives as nonzero and zero
    let run_in = if acc == DType::Bool { DType::I64 } else { acc };
    let out = scan.forward(&t.cast(acc).cast(run_in))?;
    Ok(Value::array(out.cast(acc)))
}

/// NumPy's axis of an accumulation: one integer (a bool is refused, as `PyArray_PyIntAsInt`
/// refuses it there).
fn axis_int(v: &Value) -> Result<i64, Raise> {
    match v {
        Value::Bool(_) => Err(Raise::type_error("an integer is required for the axis")),
        other => int_arg(other),
    }
}
