//! The NumPy functions over whole arrays: products (`np.dot`, `np.matmul`, `np.outer`),
//! shapes (`np.reshape`, `np.transpose`, `np.concatenate`, `np.size`, ...), reductions
//! (`np.sum`, `np.argmax`, ...), running sums and products (`np.cumsum`, in `accumulate`) and
//! comparisons (`np.allclose`, `np.array_equal`).

use crate::engine::dtype::DType;
use crate::engine::tensor::Tensor;

use super::args::{dims_arg, dtype_arg, int_arg, Args};
use super::arith::np_wrap;
use super::linalg;
use super::reduce::{self, axes_of, reduce_as, Reduction};
use crate::cells::interp::Interp;
use crate::cells::raise::{Raise, RaiseKind};
use crate::cells::value::Value;

pub const NAMES: &[&str] = &[
    "dot",
    "matmul",
    "inner",
    "outer",
    "transpose",
    "reshape",
    "ravel",
    "squeeze",
    "expand_dims",
    "concatenate",
    "stack",
    "vstack",
    "hstack",
    "size",
    "shape",
    "ndim",
    "allclose",
    "isclose",
    "array_equal",
];

pub fn provides(name: &str) -> bool {
    NAMES.contains(&name)
        || Reduction::parse(name).is_some()
        || super::accumulate::NAMES.contains(&name)
        || super::sorting::NAMES.contains(&name)
}

pub fn call(
    it: &mut Interp,
    name: &str,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    if let Some(r) = Reduction::parse(name) {
        let params: Vec<&'static str> = std::iter::once("a")
            .chain(r.params().iter().copied())
            .collect();
        let mut a = Args::bind(name, &params, args, kwargs)?;
        let t = it.np_tensor(&a.required(0, "a")?)?;
        return reduction(r, &t, &mut a, &params);
    }
    if super::accumulate::NAMES.contains(&name) {
        let params = ["a", "axis", "dtype", "out"];
        let mut a = Args::bind(name, &params, args, kwargs)?;
        let t = it.np_tensor(&a.required(0, "a")?)?;
        return super::accumulate::accumulate(name, &t, &mut a, &params);
    }
    match name {
        "sort" | "argsort" => super::sorting::call(it, name, args, kwargs),
        "dot" | "matmul" | "inner" | "outer" => product(it, name, args, kwargs),
        "transpose" => {
            let mut a = Args::bind(name, &["a", "axes"], args, kwargs)?;
            let t = it.np_tensor(&a.required(0, "a")?)?;
            let perm = a.take(1).map(|v| dims_arg(it, &[v])).transpose()?;
            Ok(np_wrap(linalg::transpose(it, &t, perm)?))
        }
        "reshape" => {
            let mut a = Args::bind(name, &["a", "newshape", "order"], args, kwargs)?;
            let t = it.np_tensor(&a.required(0, "a")?)?;
            let shape = dims_arg(it, &[a.required(1, "newshape")?])?;
            let order = linalg::order_arg(a.take(2).as_ref(), true)?;
            Ok(np_wrap(linalg::reshape_in(&t, &shape, order)?))
        }
        "ravel" => {
            let mut a = Args::bind(name, &["a", "order"], args, kwargs)?;
            let t = it.np_tensor(&a.required(0, "a")?)?;
            let order = linalg::order_arg(a.take(1).as_ref(), false)?;
            Ok(Value::array(linalg::ravel_in(&t, order)?))
        }
        "squeeze" | "expand_dims" => squeeze_or_expand(it, name, args, kwargs),
        "concatenate" | "stack" | "vstack" | "hstack" => join(it, name, args, kwargs),
        "size" | "shape" | "ndim" => size_of(it, name, args, kwargs),
        "allclose" | "isclose" => closeness(it, name, args, kwargs),
        _ => {
            let mut a = Args::bind(name, &["a1", "a2"], args, kwargs)?;
            let x = it.np_tensor(&a.required(0, "a1")?)?;
            let y = it.np_tensor(&a.required(1, "a2")?)?;
            // integers compare as integers: through float64, 2**53 + 1 would equal 2**53
            let same = x.shape() == y.shape()
                && match (super::ints::values(&x), super::ints::values(&y)) {
                    (Some(a), Some(b)) => a == b,
                    _ => x.to_f64_vec() == y.to_f64_vec(),
                };
            Ok(Value::Bool(same))
        }
    }
}

/// `np.dot`, `np.matmul`, `np.inner`, `np.outer` of `a` and `b`.
fn product(
    it: &mut Interp,
    name: &str,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let mut a = Args::bind(name, &["a", "b"], args, kwargs)?;
    let x = it.np_tensor(&a.required(0, "a")?)?;
    let y = it.np_tensor(&a.required(1, "b")?)?;
    let out = match name {
        "dot" => linalg::dot(it, &x, &y)?,
        "outer" => linalg::outer(it, &x, &y)?,
        "inner" => {
            let yt = linalg::transpose(it, &y, None)?;
            if y.rank() >= 2 {
                linalg::dot(it, &x, &yt)?
            } else {
                linalg::dot(it, &x, &y)?
            }
        }
        _ => linalg::matmul(it, &x, &y)?,
    };
    Ok(np_wrap(out))
}

/// `np.squeeze(a, axis=None)` and `np.expand_dims(a, axis)`.
fn squeeze_or_expand(
    it: &mut Interp,
    name: &str,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let mut a = Args::bind(name, &["a", "axis"], args, kwargs)?;
    let t = it.np_tensor(&a.required(0, "a")?)?;
    let axis = a.take(1);
    let out = if name == "squeeze" {
        squeeze(&t, axis.as_ref())?
    } else {
        expand_dims(
            &t,
            &axis.ok_or_else(|| {
                Raise::type_error("expand_dims() missing required argument 'axis'")
            })?,
        )?
    };
    Ok(np_wrap(out))
}

/// `np.size(a, axis=None)`, `np.shape(a)`, `np.ndim(a)`.
fn size_of(
    it: &mut Interp,
    name: &str,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let mut a = Args::bind(name, &["a", "axis"], args, kwargs)?;
    let t = it.np_tensor(&a.required(0, "a")?)?;
    Ok(match name {
        "size" => match a.take(1) {
            Some(ax) => {
                let axes = axes_of(Some(&ax), t.rank())?.unwrap_or_default();
                Value::Int(axes.iter().map(|&d| t.shape()[d] as i64).product())
            }
            None => Value::Int(t.len() as i64),
        },
        "shape" => Value::tuple(t.shape().iter().map(|&d| Value::Int(d as i64)).collect()),
        _ => Value::Int(t.rank() as i64),
    })
}

/// `np.isclose(a, b, rtol, atol)` elementwise, and `np.allclose` as one bool.
fn closeness(
    it: &mut Interp,
    name: &str,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let names = ["a", "b", "rtol", "atol", "equal_nan"];
    let mut a = Args::bind(name, &names, args, kwargs)?;
    let x = it.np_tensor(&a.required(0, "a")?)?;
    let y = it.np_tensor(&a.required(1, "b")?)?;
    let (rtol, atol) = (a.float(2, 1e-5)?, a.float(3, 1e-8)?);
    let equal_nan = a.flag(4, false)?;
    let close = linalg::isclose(&x, &y, rtol, atol, equal_nan)?;
    if name == "isclose" {
        return Ok(np_wrap(close));
    }
    // `np.allclose` answers `bool(np.all(...))`: a Python bool, not a NumPy one
    Ok(Value::Bool(close.to_f64_vec().iter().all(|&c| c != 0.0)))
}

/// `initial=` as a 0-d tensor in its own dtype: an int stays exact past 2**53.
fn initial_value(v: Option<Value>) -> Result<Tensor, Raise> {
    match v {
        None => Ok(Tensor::scalar(0.0, DType::F64)),
        Some(Value::Int(i)) => Ok(super::ints::tensor(&[], &[i], DType::I64)),
        Some(Value::Float(f)) => Ok(Tensor::scalar(f, DType::F64)),
        Some(Value::Bool(b)) => Ok(Tensor::scalar(f64::from(u8::from(b)), DType::Bool)),
        Some(Value::NpScalar(t)) => Ok(t),
        Some(other) => Err(Raise::type_error(format!(
            "must be real number, not {}",
            other.type_name()
        ))),
    }
}

/// A reduction with its `axis`, `dtype`, `keepdims` and `ddof` read from the slots `params`
/// names (the array's own slot, if any, already taken).
pub fn reduction(r: Reduction, t: &Tensor, a: &mut Args, params: &[&str]) -> Result<Value, Raise> {
    let slot = |n: &str| params.iter().position(|p| *p == n).unwrap_or(params.len());
    let axes = axes_of(a.take(slot("axis")).as_ref(), t.rank())?;
    let dtype = dtype_arg(a.take(slot("dtype")))?;
    let keep = a.flag(slot("keepdims"), false)?;
    let ddof = a.float(slot("ddof"), 0.0)?;
    if a.given(slot("out")) {
        // NumPy writes the result into `out`; a cell's reduction answers a new array only
        return Err(Raise::new(
            RaiseKind::NotImplementedError,
            "NumPy's reductions take `out=`, but the cell subset's do not: assign the result instead (`b = np.sum(a)`)",
        ));
    }
    let initial = match a.given(slot("initial")) {
        true => Some(initial_value(a.take(slot("initial")))?),
        false => None,
    };
    let Some(initial) = initial else {
        return Ok(np_wrap(reduce_as(r, t, axes, keep, ddof, dtype)?));
    };
    let empty = t.is_empty() && matches!(r, Reduction::Max | Reduction::Min);
    if empty {
        // a max or min of nothing is the initial value alone
        let shaped = reduce_as(Reduction::Sum, t, axes, keep, ddof, Some(t.dtype()))?;
        return Ok(np_wrap(reduce::only_initial(&shaped, t.dtype(), &initial)));
    }
    let out = reduce_as(r, t, axes, keep, ddof, dtype)?;
    Ok(np_wrap(reduce::with_initial(r, &out, &initial)?))
}

/// `np.squeeze(a, axis=None)`: drops the axes of size one (only `axis` when given).
pub fn squeeze(t: &Tensor, axis: Option<&Value>) -> Result<Tensor, Raise> {
    let axes = axes_of(axis, t.rank())?;
    if let Some(axes) = &axes {
        if axes.iter().any(|&d| t.shape()[d] != 1) {
            return Err(Raise::value_error(
                "cannot select an axis to squeeze out which has size not equal to one",
            ));
        }
    }
    let dims: Vec<usize> = (0..t.rank())
        .filter(|&d| match &axes {
            Some(axes) => !axes.contains(&d),
            None => t.shape()[d] != 1,
        })
        .map(|d| t.shape()[d])
        .collect();
    Ok(t.reshape(&dims)?)
}

/// `np.expand_dims(a, axis)`: an axis of size 1 at each place `axis` names in the result.
fn expand_dims(t: &Tensor, axis: &Value) -> Result<Tensor, Raise> {
    // NumPy's normalize_axis_tuple over the result's rank: one axis or a tuple or list of them
    let given = match axis {
        Value::Tuple(_) | Value::List(_) => axis.items().unwrap_or_default(),
        one => vec![one.clone()],
    };
    let rank = t.rank() + given.len();
    let mut new_axes = Vec::with_capacity(given.len());
    for v in &given {
        let ax = int_arg(v)?;
        let k = if ax < 0 { ax + rank as i64 } else { ax };
        if k < 0 || k >= rank as i64 {
            return Err(Raise::new(
                crate::cells::raise::RaiseKind::AxisError,
                format!("axis {ax} is out of bounds for array of dimension {rank}"),
            ));
        }
        if new_axes.contains(&(k as usize)) {
            return Err(Raise::value_error("repeated axis"));
        }
        new_axes.push(k as usize);
    }
    let mut old = t.shape().iter();
    let dims: Vec<usize> = (0..rank)
        .map(|k| match new_axes.contains(&k) {
            true => 1,
            false => old.next().copied().unwrap_or(1),
        })
        .collect();
    Ok(t.reshape(&dims)?)
}

/// `np.concatenate`, `np.stack`, `np.vstack`, `np.hstack`.
fn join(
    it: &mut Interp,
    name: &str,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let mut a = Args::bind(name, &["arrays", "axis"], args, kwargs)?;
    let seq = a.required(0, "arrays")?;
    let items = seq
        .items()
        .ok_or_else(|| Raise::type_error(format!("{name}() takes a sequence of arrays")))?;
    let mut parts = Vec::with_capacity(items.len());
    for v in &items {
        parts.push(it.np_tensor(v)?);
    }
    // concatenate's axis=None joins the arrays flattened; stack's axis is an int or an error
    if a.given_none(1) {
        if name == "stack" {
            return Err(int_arg(&Value::None).unwrap_err());
        }
        if name == "concatenate" {
            parts = parts
                .iter()
                .map(|t| t.reshape(&[t.len()]))
                .collect::<Result<_, _>>()?;
        }
    }
    let axis = a.take(1).map(|v| int_arg(&v)).transpose()?;
    let out = match name {
        "stack" => linalg::join(it, &parts, axis.unwrap_or(0), true)?,
        "vstack" => {
            let rows: Vec<Tensor> = parts
                .iter()
                .map(|t| {
                    if t.rank() < 2 {
                        t.reshape(&[1, t.len()])
                    } else {
                        Ok(t.clone())
                    }
                })
                .collect::<Result<_, _>>()?;
            linalg::join(it, &rows, 0, false)?
        }
        "hstack" => {
            // np.atleast_1d first: a 0-d part is one element
            let parts: Vec<Tensor> = parts
                .iter()
                .map(|t| {
                    if t.rank() == 0 {
                        t.reshape(&[1])
                    } else {
                        Ok(t.clone())
                    }
                })
                .collect::<Result<_, _>>()?;
            let ax = if parts.iter().all(|t| t.rank() == 1) {
                0
            } else {
                1
            };
            linalg::join(it, &parts, ax, false)?
        }
        _ => linalg::join(it, &parts, axis.unwrap_or(0), false)?,
    };
    Ok(Value::array(out))
}
