//! Attributes and methods of NumPy arrays and scalars: `.shape`, `.dtype`, `.T`, `.reshape`,
//! `.flatten()`, `.astype()`, `.tolist()`, `.sum()`, ...

use crate::engine::dtype::DType;
use crate::engine::tensor::Tensor;

use super::args::{dims_arg, dtype_arg, int_arg, Args};
use super::arith::np_wrap;
use super::funcs::{reduction, squeeze};
use super::linalg;
use super::reduce::Reduction;
use crate::cells::interp::Interp;
use crate::cells::raise::Raise;
use crate::cells::value::Value;

/// The methods an array has in a cell.
pub const METHODS: &[&str] = &[
    "reshape",
    "flatten",
    "ravel",
    "squeeze",
    "tolist",
    "item",
    "astype",
    "copy",
    "transpose",
    "dot",
    "sum",
    "prod",
    "mean",
    "max",
    "min",
    "std",
    "var",
    "argmax",
    "argmin",
    "cumsum",
    "cumprod",
    "any",
    "all",
    "round",
    "clip",
    "diagonal",
    "trace",
    "sort",
    "argsort",
    "fill",
];

/// The attributes an array has in a cell that are not methods (`attr` answers them).
const ATTRS: &[&str] = &["shape", "dtype", "ndim", "size", "itemsize", "nbytes", "T"];

/// What an ndarray shares with the other values a cell holds (a list's `sort`, an int's
/// `real`, a tensor's `shape`), so that `x.sort()` alone does not say `x` is an array.
const SHARED: &[&str] = &[
    "conjugate",
    "copy",
    "dtype",
    "flatten",
    "imag",
    "max",
    "min",
    "ndim",
    "partition",
    "real",
    "shape",
    "size",
    "sort",
];

/// Whether `x.NAME` can only be NumPy's array's attribute (`x.cumsum()`, `x.argsort()`) and the
/// subset lacks it: a cell naming it is refused before it runs, as `np.cumsum` is.
pub fn array_only_outside_subset(name: &str) -> bool {
    crate::cells::missing::known(&format!("np.ndarray.{name}"))
        && !SHARED.contains(&name)
        && !METHODS.contains(&name)
        && !ATTRS.contains(&name)
}

/// An array's attribute that is not a method; None when it has no such attribute.
pub fn attr(it: &mut Interp, v: &Value, name: &str) -> Result<Option<Value>, Raise> {
    let t = &it.np_tensor(v)?;
    Ok(Some(match name {
        "shape" => Value::tuple(t.shape().iter().map(|&d| Value::Int(d as i64)).collect()),
        "dtype" => Value::NpDType(t.dtype()),
        "ndim" => Value::Int(t.rank() as i64),
        "size" => Value::Int(t.len() as i64),
        "itemsize" => Value::Int(t.dtype().size() as i64),
        "nbytes" => Value::Int((t.dtype().size() * t.len()) as i64),
        "T" => transposed(it, v, t, None)?,
        _ => return Ok(None),
    }))
}

/// `a.T` and `a.transpose(...)`: of an array, a view of it (NumPy moves strides, not elements).
fn transposed(
    it: &mut Interp,
    v: &Value,
    t: &Tensor,
    perm: Option<Vec<i64>>,
) -> Result<Value, Raise> {
    let Value::Array(a) = v else {
        return Ok(np_wrap(linalg::transpose(it, t, perm)?));
    };
    if t.rank() == 0 {
        return Ok(np_wrap(linalg::transpose(it, t, perm)?));
    }
    // where each element of the result lies in `a`: the same transpose of `a`'s own offsets
    let iota: Vec<f64> = (0..t.len()).map(|i| i as f64).collect();
    let at = Tensor::from_f64s(t.shape(), &iota, DType::I64).map_err(Raise::from)?;
    let moved = linalg::transpose(it, &at, perm)?;
    let offsets: Vec<usize> = moved.to_f64_vec().iter().map(|&o| o as usize).collect();
    Ok(Value::Array(a.view(&offsets, moved.shape())))
}

/// A result holding `v`'s elements in their order (`squeeze`, and `reshape`/`ravel` in C
/// order): of an array, a view where NumPy gives one (`contiguous_only`: reshape copies a
/// view whose elements are spread out).
fn same_order(v: &Value, out: Tensor, contiguous_only: bool) -> Value {
    match v {
        Value::Array(a) if out.rank() > 0 => Value::Array(if contiguous_only {
            a.reshaped(out)
        } else {
            let iota: Vec<usize> = (0..out.len()).collect();
            a.view(&iota, out.shape())
        }),
        _ => np_wrap(out),
    }
}

/// `a.tolist()`: nested Python lists of Python numbers (integers exactly, not through float64).
pub fn tolist(t: &Tensor) -> Value {
    fn nest<T: Copy>(vals: &[T], shape: &[usize], leaf: &dyn Fn(T) -> Value) -> Value {
        match shape.split_first() {
            None => leaf(vals[0]),
            Some((&n, rest)) => {
                let step: usize = rest.iter().product();
                Value::list(
                    (0..n)
                        .map(|k| nest(&vals[k * step..], rest, leaf))
                        .collect(),
                )
            }
        }
    }
    if let Some(ints) = super::ints::values(t) {
        return nest(&ints, t.shape(), &Value::Int);
    }
    let d = t.dtype();
    nest(&t.to_f64_vec(), t.shape(), &|x| match d {
        DType::Bool => Value::Bool(x != 0.0),
        _ => Value::Float(x),
    })
}

/// `a.item()`, `a.item(k)` (a flat index) and `a.item(i, j)` / `a.item((i, j))`.
fn item(it: &mut Interp, t: &Tensor, args: &[Value]) -> Result<Value, Raise> {
    let out_of_bounds = |msg: String| Raise::new(crate::cells::raise::RaiseKind::IndexError, msg);
    let flat = match args {
        [] if t.len() == 1 => 0,
        [] => {
            return Err(Raise::value_error(
                "can only convert an array of size 1 to a Python scalar",
            ))
        }
        [k @ (Value::Int(_) | Value::Bool(_) | Value::NpScalar(_))] => {
            let k = int_arg(k)?;
            let n = t.len() as i64;
            if k < -n || k >= n {
                return Err(out_of_bounds(format!(
                    "index {k} is out of bounds for size {n}"
                )));
            }
            k.rem_euclid(n.max(1)) as usize
        }
        many => {
            let idx = dims_arg(it, many)?;
            if idx.len() != t.rank() {
                return Err(Raise::value_error("incorrect number of indices for array"));
            }
            let mut flat = 0usize;
            for (axis, (&i, &d)) in idx.iter().zip(t.shape()).enumerate() {
                if i < -(d as i64) || i >= d as i64 {
                    return Err(out_of_bounds(format!(
                        "index {i} is out of bounds for axis {axis} with size {d}"
                    )));
                }
                flat = flat * d + i.rem_euclid(d as i64) as usize;
            }
            flat
        }
    };
    let flat_t = t.reshape(&[t.len()])?;
    Ok(tolist(&flat_t.take_flat(&[flat], &[])))
}

pub fn call(
    it: &mut Interp,
    recv: &Value,
    name: &str,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let t = &it.np_tensor(recv)?;
    if let Some(r) = Reduction::parse(name) {
        let mut a = Args::bind(name, r.params(), args, kwargs)?;
        return reduction(r, t, &mut a, r.params());
    }
    if super::accumulate::NAMES.contains(&name) {
        let params = super::accumulate::PARAMS;
        let mut a = Args::bind(name, params, args, kwargs)?;
        return super::accumulate::accumulate(name, t, &mut a, params);
    }
    match name {
        "reshape" => {
            // `a.reshape(3, 2)` or `a.reshape((3, 2))`, then `shape=` and `order=` by keyword
            let (mut args, mut order) = (args, None);
            super::args::refuse_keywords_outside_subset(name, &["shape", "order"], &kwargs)?;
            for (k, v) in kwargs {
                match k.as_str() {
                    "shape" if args.is_empty() => args = vec![v],
                    "order" => order = Some(v),
                    _ => {
                        return Err(Raise::type_error(format!(
                            "'{k}' is an invalid keyword argument for reshape(); it takes shape and order"
                        )))
                    }
                }
            }
            let order = linalg::order_arg(order.as_ref(), true)?;
            let out = linalg::reshape_in(t, &dims_arg(it, &args)?, order)?;
            Ok(match order {
                linalg::Order::C => same_order(recv, out, true),
                linalg::Order::F => np_wrap(out),
            })
        }
        "flatten" | "ravel" => {
            let mut a = Args::bind(name, &["order"], args, kwargs)?;
            let order = linalg::order_arg(a.take(0).as_ref(), false)?;
            let out = linalg::ravel_in(t, order)?;
            Ok(match (name, order) {
                ("ravel", linalg::Order::C) => same_order(recv, out, true),
                _ => Value::array(out),
            })
        }
        "squeeze" => {
            let mut a = Args::bind(name, &["axis"], args, kwargs)?;
            Ok(same_order(recv, squeeze(t, a.take(0).as_ref())?, false))
        }
        "tolist" => {
            no_keywords(name, &kwargs)?;
            if !args.is_empty() {
                return Err(Raise::type_error(format!(
                    "function takes exactly 0 arguments ({} given)",
                    args.len()
                )));
            }
            // its numbers, all of them Python values, count as one list's items
            it.room_for_items("list", t.len())?;
            Ok(tolist(t))
        }
        "item" => {
            no_keywords(name, &kwargs)?;
            item(it, t, &args)
        }
        "astype" => {
            let (copy, kwargs) = super::args::keyword(kwargs, "copy");
            let mut a = Args::bind(name, &["dtype"], args, kwargs)?;
            let d = dtype_arg(a.take(0))?
                .ok_or_else(|| Raise::type_error("astype() missing required argument 'dtype'"))?;
            // `copy=False` gives the array itself when it already has the dtype
            let copy = copy.map(|v| v.truthy()).transpose()?.unwrap_or(true);
            if !copy && d == t.dtype() {
                return Ok(recv.clone());
            }
            Ok(np_wrap(t.cast(d)))
        }
        "copy" => {
            let mut a = Args::bind(name, &["order"], args, kwargs)?;
            copy_order(a.take(0).as_ref())?;
            Ok(np_wrap(t.clone()))
        }
        "transpose" => {
            no_keywords(name, &kwargs)?;
            let perm = if args.is_empty() {
                None
            } else {
                Some(dims_arg(it, &args)?)
            };
            transposed(it, recv, t, perm)
        }
        "diagonal" | "trace" => super::diag::call(it, Some(recv), name, args, kwargs),
        "sort" | "fill" => super::in_place::call(it, recv, name, args, kwargs),
        "argsort" => {
            let args = std::iter::once(recv.clone()).chain(args).collect();
            super::sorting::call(it, name, args, kwargs)
        }
        "dot" => {
            let mut a = Args::bind(name, &["b"], args, kwargs)?;
            let b = it.np_tensor(&a.required(0, "b")?)?;
            Ok(np_wrap(linalg::dot(it, t, &b)?))
        }
        "round" => {
            let mut a = Args::bind(name, &["decimals"], args, kwargs)?;
            let decimals = a.take(0).map(|v| int_arg(&v)).transpose()?.unwrap_or(0);
            Ok(np_wrap(super::math::round(t, decimals)?))
        }
        "clip" => {
            let mut a = Args::bind(name, &["min", "max"], args, kwargs)?;
            super::math::clip(it, np_wrap(t.clone()), a.take(0), a.take(1))
        }
        _ => Err(Raise::attr_error(format!(
            "'numpy.ndarray' object has no attribute '{name}'"
        ))),
    }
}

/// The methods NumPy writes in C with positional parameters only refuse any keyword.
fn no_keywords(name: &str, kwargs: &[(String, Value)]) -> Result<(), Raise> {
    match kwargs.is_empty() {
        true => Ok(()),
        false => Err(Raise::type_error(format!(
            "ndarray.{name}() takes no keyword arguments"
        ))),
    }
}

/// `a.copy(order=)`: a cell's arrays are laid out in C order, so a C-ordered copy is the only
/// one whose later reads (`ravel('K')`, `.flags`) the subset answers as NumPy does; another
/// order is refused by name, as `Args::bind` refuses a NumPy keyword the subset lacks.
fn copy_order(order: Option<&Value>) -> Result<(), Raise> {
    let given = match order {
        Some(Value::Str(s)) => s.to_ascii_uppercase(),
        _ => "C".to_string(),
    };
    linalg::order_arg(order, false)?;
    if given == "C" {
        return Ok(());
    }
    Err(Raise::new(
        crate::cells::raise::RaiseKind::NotImplementedError,
        format!("NumPy's copy() takes `order='{given}'`, but the cell subset's copy() makes C-ordered copies only: write the call without `order=` (or with `order='C'`)"),
    ))
}
