//! An array's methods that change it in place and return None: `a.sort(axis=-1)` (NaN last)
//! and `a.fill(value)` (the value cast to the array's dtype). A view writes through to its base.

use std::cmp::Ordering;

use crate::engine::dtype::DType;
use crate::engine::tensor::Tensor;

use super::args::{int_arg, Args};
use crate::cells::interp::Interp;
use crate::cells::raise::{Raise, RaiseKind};
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
        sorted(&t, axis)?
    } else {
        let mut a = Args::bind(name, &["value"], args, kwargs)?;
        let v = a.required(0, "value")?;
        filled(it, &t, &v)?
    };
    // a NumPy scalar is immutable: its `fill` changes nothing
    if let Value::Array(arr) = recv {
        arr.set(out);
    }
    Ok(Value::None)
}

/// `t` sorted along `axis`, NaN after every number, equal values keeping their order.
fn sorted(t: &Tensor, axis: i64) -> Result<Tensor, Raise> {
    let rank = t.rank() as i64;
    if axis < -rank || axis >= rank {
        return Err(Raise::new(
            RaiseKind::AxisError,
            format!("axis {axis} is out of bounds for array of dimension {rank}"),
        ));
    }
    let ax = axis.rem_euclid(rank) as usize;
    let (n, inner): (usize, usize) = (t.shape()[ax], t.shape()[ax + 1..].iter().product());
    if let Some(mut ints) = super::ints::values(t) {
        // integers sort as integers: through float64, 2**53 + 1 would become 2**53
        sort_lanes(&mut ints, n, inner, &i64::cmp);
        return Ok(super::ints::tensor(t.shape(), &ints, t.dtype()));
    }
    let mut vals = t.to_f64_vec();
    let order = |a: &f64, b: &f64| match (a.is_nan(), b.is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        _ => a.partial_cmp(b).unwrap_or(Ordering::Equal),
    };
    sort_lanes(&mut vals, n, inner, &order);
    Ok(Tensor::from_f64s(t.shape(), &vals, t.dtype())?)
}

/// Row-major `vals` sorted along an axis of length `n` with `inner` elements after it.
fn sort_lanes<T: Copy>(vals: &mut [T], n: usize, inner: usize, order: &dyn Fn(&T, &T) -> Ordering) {
    for block in vals.chunks_mut((n * inner).max(1)) {
        for i in 0..inner {
            let mut lane: Vec<T> = (0..n).map(|k| block[k * inner + i]).collect();
            lane.sort_by(order);
            for (k, v) in lane.into_iter().enumerate() {
                block[k * inner + i] = v;
            }
        }
    }
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
