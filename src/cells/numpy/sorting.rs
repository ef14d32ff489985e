//! `np.sort` and `np.argsort` (axis=-1, axis=None for the flattened array, `kind=`). NaN sorts
//! after every number. NumPy 1.26's default quicksort (x86-simd-sort on this CPU) orders equal
//! elements in no fixed way, so where that order shows (`argsort` of a lane holding equal
//! values, `sort` of a lane holding both -0.0 and 0.0) only a stable kind is answered.

use std::cmp::Ordering;

use crate::engine::dtype::DType;
use crate::engine::tensor::Tensor;

use super::args::{int_arg, Args};
use crate::cells::interp::Interp;
use crate::cells::raise::{Raise, RaiseKind};
use crate::cells::value::Value;

pub const NAMES: &[&str] = &["sort", "argsort"];

pub fn call(
    it: &mut Interp,
    name: &str,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let mut a = Args::bind(name, &["a", "axis", "kind", "order"], args, kwargs)?;
    let t = it.np_tensor(&a.required(0, "a")?)?;
    let flatten = a.given_none(1);
    let axis = a.take(1).map(|v| int_arg(&v)).transpose()?.unwrap_or(-1);
    let stable = match a.take(2) {
        None => false,
        Some(Value::Str(s)) => match s.chars().next().map(|c| c.to_ascii_lowercase()) {
            Some('q' | 'h') => false,
            Some('m' | 's') => true,
            _ => {
                return Err(Raise::value_error(format!(
                    "sort kind must be one of 'quick', 'heap', or 'stable' (got '{s}')"
                )))
            }
        },
        Some(other) => {
            return Err(Raise::type_error(format!(
                "sort kind must be str or None (got {})",
                crate::cells::print::repr(it, &other)
            )))
        }
    };
    if a.take(3).is_some() {
        return Err(Raise::value_error(
            "Cannot specify order when the array has no fields.",
        ));
    }
    let t = if flatten { t.reshape(&[t.len()])? } else { t };
    // NumPy's argsort of a 0-d array sorts it as one element (its sort is the AxisError below)
    let t = if t.rank() == 0 && name == "argsort" {
        t.reshape(&[1])?
    } else {
        t
    };
    let argsort = name == "argsort";
    let (order, sorted_flat) = lanes(&t, axis, stable, argsort)
        .map_err(|e| e.unwrap_or_else(|| unstable_refused(name)))?;
    if argsort {
        let vals: Vec<i64> = order.iter().map(|&j| j as i64).collect();
        return Ok(Value::array(super::ints::tensor(
            t.shape(),
            &vals,
            DType::I64,
        )));
    }
    Ok(Value::array(t.take_flat(&sorted_flat, t.shape())))
}

/// `t` sorted along `axis` keeping equal elements in order, as `a.sort()` sorts in place.
pub fn stable_sorted(t: &Tensor, axis: i64) -> Result<Tensor, Raise> {
    let (_, flat) =
        lanes(t, axis, true, false).map_err(|e| e.expect("a stable sort refuses no order"))?;
    Ok(t.take_flat(&flat, t.shape()))
}

/// Each lane along `axis` sorted: for every position, the index along the axis of the element
/// that lands there (argsort's answer) and its flat offset in `t` (sort's). `Err(None)` where
/// an unstable sort would order equal elements in a way that shows (`order_shows`).
fn lanes(
    t: &Tensor,
    axis: i64,
    stable: bool,
    argsort: bool,
) -> Result<(Vec<usize>, Vec<usize>), Option<Raise>> {
    let rank = t.rank() as i64;
    if axis < -rank || axis >= rank {
        return Err(Some(Raise::new(
            RaiseKind::AxisError,
            format!("axis {axis} is out of bounds for array of dimension {rank}"),
        )));
    }
    let ax = axis.rem_euclid(rank) as usize;
    let (n, inner) = (t.shape()[ax], t.shape()[ax + 1..].iter().product::<usize>());
    let keys = Keys::of(t);
    let mut order = vec![0usize; t.len()];
    let mut sorted_flat = vec![0usize; t.len()];
    for block in (0..t.len()).step_by((n * inner).max(1)) {
        for i in 0..inner {
            let lane: Vec<usize> = (0..n).map(|k| block + k * inner + i).collect();
            let mut by: Vec<usize> = (0..n).collect();
            by.sort_by(|&x, &y| keys.cmp(lane[x], lane[y]));
            if !stable && keys.order_shows(&lane, &by, argsort) {
                return Err(None);
            }
            for (k, &j) in by.iter().enumerate() {
                order[block + k * inner + i] = j;
                sorted_flat[block + k * inner + i] = lane[j];
            }
        }
    }
    Ok((order, sorted_flat))
}

fn unstable_refused(name: &str) -> Raise {
    Raise::new(
        RaiseKind::NotImplementedError,
        format!("np.{name} with NumPy's default quicksort of equal elements is outside the cell subset: their order comes from NumPy's SIMD sort and is not reproduced; pass kind='stable' for an order that keeps equal elements as they were"),
    )
}

/// An array's elements compared as NumPy compares them to sort: ints as ints, floats with NaN
/// after every number.
enum Keys {
    Int(Vec<i64>),
    Float(Vec<f64>),
}

impl Keys {
    fn of(t: &Tensor) -> Keys {
        match super::ints::values(t) {
            Some(v) => Keys::Int(v),
            None => Keys::Float(t.to_f64_vec()),
        }
    }

    fn cmp(&self, a: usize, b: usize) -> Ordering {
        match self {
            Keys::Int(v) => v[a].cmp(&v[b]),
            Keys::Float(v) => match (v[a].is_nan(), v[b].is_nan()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                _ => v[a].partial_cmp(&v[b]).unwrap_or(Ordering::Equal),
            },
        }
    }

    /// Whether the order of equal elements in a sorted lane shows in the answer: any two equal
    /// for argsort, a -0.0 next to a 0.0 for sort.
    fn order_shows(&self, lane: &[usize], by: &[usize], argsort: bool) -> bool {
        by.windows(2).any(|w| {
            let (a, b) = (lane[w[0]], lane[w[1]]);
            self.cmp(a, b) == Ordering::Equal
                && (argsort
                    || matches!(self, Keys::Float(v) if v[a].is_sign_negative() != v[b].is_sign_negative() && v[a] == 0.0))
        })
    }
}
