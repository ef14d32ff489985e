//! An array's methods that change it in place and return None: `a.sort(axis=-1)` (NaN last,
//! equal elements in order, through `np.sort`'s lanes) and `a.fill(value)` (the value cast to
//! the array's dtype). A view writes through to its base.

use crate::engine::dtype::DType;
use crate::engine::tensor::Tensor;

use super::args::{int_arg, Args};
use crate::cells::interp::Interp;
use crate::cells::raise::Raise;
use crate::cells::value::Value;

pub const NAMES: &[&str] = &["sort", "fill"];

pub fn call(
    it: &mut Interp,
    recv: &Value,
    name: &str,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let t = it.np_tensor(recv)?;
    let out = if name == "sort" {
        let mut a = Args::bind(name, &["axis", "kind", "order"], args, kwargs)?;
        let axis = a.take(0).map(|v| int_arg(&v)).transpose()?.unwrap_or(-1);
        super::sorting::stable_sorted(&t, axis)?
    } else {
        let mut a = Args::bind(name, &["value"], args, kwargs)?;
        let v = a.required(0, "value")?;
        filled(it, &t, &v)?
    };
    // a NumPy scalar is immutable: its `fill` changes nothing
    if let Value::Array(arr) = recv {
        arr.check_writable(match name {
            "sort" => "sort array is read-only",
            _ => "assignment destination is read-only",
        })?;
        arr.set(out);
    }
    Ok(Value::None)
}

/// `t` with every element `v`, cast as NumPy casts a scalar into the array's dtype.
fn filled(it: &mut Interp, t: &Tensor, v: &Value) -> Result<Tensor, Raise> {
    let sequence = || Raise::value_error("setting an array element with a sequence.");
    if matches!(v, Value::List(_) | Value::Tuple(_)) {
        return Err(sequence());
    }
    let x = it.np_tensor(v)?;
    if x.len() != 1 {
        return Err(sequence());
    }
    let x = x.to_f64_vec()[0];
    if t.dtype().is_int() && !x.is_finite() {
        let what = if x.is_nan() { "NaN" } else { "infinity" };
        return Err(Raise::value_error(format!(
            "cannot convert float {what} to integer"
        )));
    }
    let x = match t.dtype() {
        DType::Bool => f64::from(u8::from(x != 0.0)),
        _ => x,
    };
    Ok(Tensor::full(t.shape(), x, t.dtype()))
}
