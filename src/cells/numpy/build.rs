//! NumPy's array constructors: `np.array`, `np.zeros`/`np.ones`/`np.full` (and `_like`),
//! `np.eye`/`np.identity`, `np.arange`, `np.linspace`, and the scalar types called as
//! functions (`np.float32(0.5)`). NumPy's defaults: float64, and int64 for Python ints.

use crate::engine::dtype::DType;
use crate::engine::tensor::{checked_numel, Tensor};

use super::args::{dtype_arg, int_arg, shape_arg, Args};
use super::arith::np_wrap;
use crate::cells::convert::np_dtype_path;
use crate::cells::interp::Interp;
use crate::cells::raise::Raise;
use crate::cells::value::Value;

pub const NAMES: &[&str] = &[
    "array",
    "asarray",
    "copy",
    "zeros",
    "ones",
    "empty",
    "full",
    "zeros_like",
    "ones_like",
    "full_like",
    "eye",
    "identity",
    "arange",
    "linspace",
    "float32",
    "float64",
    "float_",
    "int32",
    "int64",
    "int_",
    "bool_",
];

pub fn call(
    it: &mut Interp,
    name: &str,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    match name {
        "array" | "asarray" | "copy" => {
            // np.array's keyword-only `copy=` and `ndmin=`
            let (copy, kwargs) = match name {
                "array" => super::args::keyword(kwargs, "copy"),
                _ => (None, kwargs),
            };
            let (ndmin, kwargs) = match name {
                "array" => super::args::keyword(kwargs, "ndmin"),
                _ => (None, kwargs),
            };
            let mut a = Args::bind(name, &["object", "dtype"], args, kwargs)?;
            let v = a.required(0, "object")?;
            let dtype = dtype_arg(a.take(1))?;
            let copy = copy.map(|c| c.truthy()).transpose()?.unwrap_or(true);
            // np.asarray, and np.array(copy=False), of an array of the asked dtype is that
            // array itself
            if let (Value::Array(arr), "asarray" | "array") = (&v, name) {
                let same = dtype.is_none_or(|d| d == arr.get().dtype());
                if same && (name == "asarray" || !copy) {
                    return with_ndmin(v, ndmin);
                }
            }
            let t = it.np_tensor(&v)?;
            // np.asarray of an eager tensor, and np.array(copy=False), view TensorFlow's
            // buffer, read-only
            if let (Value::Tensor(_), "asarray" | "array") = (&v, name) {
                if dtype.is_none_or(|d| d == t.dtype()) && (name == "asarray" || !copy) {
                    let view = Value::Array(crate::cells::value::NdArray::read_only(t));
                    return with_ndmin(view, ndmin);
                }
            }
            let made = Value::array(match dtype {
                Some(d) => t.cast(d),
                None => t,
            });
            with_ndmin(made, ndmin)
        }
        "zeros" | "ones" | "empty" | "full" => {
            let names: &[&str] = if name == "full" {
                &["shape", "fill_value", "dtype"]
            } else {
                &["shape", "dtype"]
            };
            let mut a = Args::bind(name, names, args, kwargs)?;
            let shape = shape_arg(it, &a.required(0, "shape")?)?;
            let (fill, d) = fill_of(it, name, &mut a)?;
            filled(it, &shape, &fill, d)
        }
        "zeros_like" | "ones_like" | "full_like" => {
            let names: &[&str] = if name == "full_like" {
                &["a", "fill_value", "dtype"]
            } else {
                &["a", "dtype"]
            };
            let mut a = Args::bind(name, names, args, kwargs)?;
            let like = it.np_tensor(&a.required(0, "a")?)?;
            let explicit = a.given(names.len() - 1);
            let (fill, d) = fill_of(it, name, &mut a)?;
            let d = if explicit { d } else { like.dtype() };
            filled(it, like.shape(), &fill, d)
        }
        "eye" | "identity" => {
            let names: &[&str] = if name == "eye" {
                &["N", "M", "k", "dtype"]
            } else {
                &["n", "dtype"]
            };
            let mut a = Args::bind(name, names, args, kwargs)?;
            let n = int_arg(&a.required(0, names[0])?)?;
            let (m, k) = if name == "eye" {
                (
                    a.take(1).map(|v| int_arg(&v)).transpose()?.unwrap_or(n),
                    a.take(2).map(|v| int_arg(&v)).transpose()?.unwrap_or(0),
                )
            } else {
                (n, 0)
            };
            let d = dtype_arg(a.take(names.len() - 1))?.unwrap_or(DType::F64);
            eye(it, n, m, k, d)
        }
        "arange" => arange(it, args, kwargs),
        "linspace" => linspace(it, args, kwargs),
        _ => scalar_type(it, name, args),
    }
}

/// The fill value and dtype of `np.zeros`/`np.full` and their `_like` forms.
/// The fill is a 0-d tensor in its own dtype, so an int64 fill past 2**53 stays exact.
fn fill_of(it: &mut Interp, name: &str, a: &mut Args) -> Result<(Tensor, DType), Raise> {
    let d = dtype_arg(a.take(a.slot_count() - 1))?;
    if name.starts_with("full") {
        let v = it.np_tensor(&a.required(1, "fill_value")?)?;
        let fill = match v.len() {
            0 => Tensor::scalar(0.0, v.dtype()),
            n => v.reshape(&[n])?.take_flat(&[0], &[]),
        };
        return Ok((fill, d.unwrap_or(v.dtype())));
    }
    let fill = if name.starts_with("ones") { 1.0 } else { 0.0 };
    Ok((Tensor::scalar(fill, DType::F64), d.unwrap_or(DType::F64)))
}

fn filled(it: &Interp, shape: &[usize], fill: &Tensor, d: DType) -> Result<Value, Raise> {
    checked_numel(shape, it.max_elems())?;
    let every = fill.cast(d).broadcast_to(shape);
    Ok(Value::array(
        every.unwrap_or_else(|| Tensor::full(shape, 0.0, d)),
    ))
}

fn eye(it: &Interp, n: i64, m: i64, k: i64, d: DType) -> Result<Value, Raise> {
    if n < 0 || m < 0 {
        return Err(Raise::value_error("negative dimensions are not allowed"));
    }
    let (n, m) = (n as usize, m as usize);
    checked_numel(&[n, m], it.max_elems())?;
    let mut vals = vec![0.0; n * m];
    for r in 0..n {
        let c = r as i64 + k;
        if c >= 0 && (c as usize) < m {
            vals[r * m + c as usize] = 1.0;
        }
    }
    Ok(Value::array(Tensor::from_f64s(&[n, m], &vals, d)?))
}

/// `np.array(..., ndmin=n)`: ones put before the shape until it has `n` dimensions, a view of
/// the same elements (of the array itself under `copy=False`, as NumPy gives).
fn with_ndmin(v: Value, ndmin: Option<Value>) -> Result<Value, Raise> {
    let n = ndmin.map(|n| int_arg(&n)).transpose()?.unwrap_or(0);
    if n > 32 {
        return Err(Raise::value_error(
            "ndmin bigger than allowable number of dimensions NPY_MAXDIMS (=32)",
        ));
    }
    let Value::Array(arr) = &v else {
        return Ok(v);
    };
    let t = arr.get();
    let rank = t.rank() as i64;
    if n <= rank {
        return Ok(v);
    }
    let mut dims = vec![1; (n - rank) as usize];
    dims.extend_from_slice(t.shape());
    let every: Vec<usize> = (0..t.len()).collect();
    Ok(Value::Array(arr.view(&every, &dims)))
}

/// `np.arange([start,] stop[, step], dtype=None)`: int64 for integers, else float64; the
/// values are `start + i * step`.
fn arange(it: &mut Interp, args: Vec<Value>, kwargs: Vec<(String, Value)>) -> Result<Value, Raise> {
    let mut a = Args::bind("arange", &["start", "stop", "step", "dtype"], args, kwargs)?;
    let d = dtype_arg(a.take(3))?;
    let nums: Vec<Tensor> = (0..3)
        .filter_map(|k| a.take(k).filter(|v| !matches!(v, Value::None)))
        .map(|v| it.np_tensor(&v))
        .collect::<Result<_, _>>()?;
    // NumPy reads each bound as one number: an array or tensor of several is ambiguous
    if nums.iter().any(|t| t.len() > 1) {
        return Err(Raise::value_error(
            "The truth value of an array with more than one element is ambiguous. Use a.any() or a.all()",
        ));
    }
    let val = |t: &Tensor| t.to_f64_vec().first().copied().unwrap_or(0.0);
    let (start, stop, step) = match nums.as_slice() {
        [b] => (0.0, val(b), 1.0),
        [s, b] => (val(s), val(b), 1.0),
        [s, b, st] => (val(s), val(b), val(st)),
        _ => return Err(Raise::type_error("arange() requires stop to be specified.")),
    };
    if step == 0.0 {
        return Err(Raise::new(
            crate::cells::raise::RaiseKind::ZeroDivisionError,
            "division by zero",
        ));
    }
    let all_int = nums.iter().all(|t| !t.dtype().is_float());
    let d = d.unwrap_or(if all_int { DType::I64 } else { DType::F64 });
    if d.is_int() {
        if let Some(t) = int_range(it, &nums, d)? {
            return Ok(Value::array(t));
        }
    }
    let n = ((stop - start) / step).ceil().max(0.0);
    if n > it.max_elems() as f64 {
        checked_numel(&[it.max_elems() + 1], it.max_elems())?;
    }
    let vals: Vec<f64> = (0..n as usize).map(|i| start + i as f64 * step).collect();
    Ok(Value::array(Tensor::from_f64s(&[vals.len()], &vals, d)?))
}

/// `np.linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0)`
/// computed as NumPy does: `i * step + start`, the last value exactly `stop`. Array
/// `start`/`stop` broadcast, each element a column of the result (shape `(num, *broadcast)`).
/// With `retstep`, the pair `(samples, step)`.
fn linspace(
    it: &mut Interp,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let names = [
        "start", "stop", "num", "endpoint", "retstep", "dtype", "axis",
    ];
    let mut a = Args::bind("linspace", &names, args, kwargs)?;
    let start = it.np_tensor(&a.required(0, "start")?)?;
    let stop = it.np_tensor(&a.required(1, "stop")?)?;
    let num = a.take(2).map(|v| int_arg(&v)).transpose()?.unwrap_or(50);
    if num < 0 {
        return Err(Raise::value_error(format!(
            "Number of samples, {num}, must be non-negative."
        )));
    }
    let endpoint = a.take(3).map(|v| v.truthy()).transpose()?.unwrap_or(true);
    let retstep = a.flag(4, false)?;
    let dt = linspace_dtype(&start, &stop);
    let d = dtype_arg(a.take(5))?.unwrap_or(dt);
    let num = num as usize;
    let cols = crate::engine::kernels::broadcast_shape(start.shape(), stop.shape())
        .ok_or_else(|| super::arith::not_broadcastable(&[start.shape(), stop.shape()]))?;
    let mut shape = vec![num];
    shape.extend_from_slice(&cols);
    checked_numel(&shape, it.max_elems())?;
    // the samples run down axis 0; another axis (moveaxis) is outside the subset
    if let Some(axis) = a.take(6) {
        let k = int_arg(&axis)?;
        if k != 0 && k != -(shape.len() as i64) {
            return Err(Raise::new(
                crate::cells::raise::RaiseKind::NotImplementedError,
                "np.linspace's axis other than 0 is not in the cell subset",
            ));
        }
    }
    let starts = crate::cells::arith::broadcast_vals(&start, &cols);
    let stops = crate::cells::arith::broadcast_vals(&stop, &cols);
    let width = starts.len();
    let mut vals = vec![0.0; num * width];
    for (c, (&start, &stop)) in starts.iter().zip(&stops).enumerate() {
        for (i, v) in linspace_column(start, stop, num, endpoint, dt)
            .into_iter()
            .enumerate()
        {
            vals[i * width + c] = if d.is_int() { v.floor() } else { v };
        }
    }
    let samples = Value::array(Tensor::from_f64s(&shape, &vals, d)?);
    if !retstep {
        return Ok(samples);
    }
    Ok(Value::tuple(vec![
        samples,
        linspace_step(&starts, &stops, &cols, num, endpoint, dt)?,
    ]))
}

/// The dtype `np.linspace` computes in, `result_type(start * 1.0, stop * 1.0)`: float32 when
/// the arrays among the bounds are float32 (a 0-d one times 1.0 is float64), else float64.
fn linspace_dtype(start: &Tensor, stop: &Tensor) -> DType {
    let arrays: Vec<&Tensor> = [start, stop].into_iter().filter(|t| t.rank() > 0).collect();
    if !arrays.is_empty() && arrays.iter().all(|t| t.dtype() == DType::F32) {
        DType::F32
    } else {
        DType::F64
    }
}

/// A value rounded to `d`, the dtype linspace computes in.
fn rounded(x: f64, d: DType) -> f64 {
    if d == DType::F32 {
        f64::from(x as f32)
    } else {
        x
    }
}

/// `np.linspace`'s step: `(stop - start) / div` in the dtype it computes in, a NumPy scalar for
/// scalar bounds; Python's `nan` when there is no step to take (`div` is 0).
fn linspace_step(
    starts: &[f64],
    stops: &[f64],
    cols: &[usize],
    num: usize,
    endpoint: bool,
    d: DType,
) -> Result<Value, Raise> {
    let div = if endpoint { num.saturating_sub(1) } else { num };
    if div == 0 {
        return Ok(Value::Float(f64::NAN));
    }
    let steps: Vec<f64> = starts
        .iter()
        .zip(stops)
        .map(|(&a, &b)| rounded(rounded(b - a, d) / div as f64, d))
        .collect();
    Ok(np_wrap(Tensor::from_f64s(cols, &steps, d)?))
}

/// One run of `np.linspace` between two numbers, each operation rounded to `d`.
fn linspace_column(start: f64, stop: f64, num: usize, endpoint: bool, d: DType) -> Vec<f64> {
    let div = if endpoint { num.saturating_sub(1) } else { num } as f64;
    let delta = rounded(stop - start, d);
    let step = rounded(delta / div, d);
    let r = |x: f64| rounded(x, d);
    let mut vals: Vec<f64> = (0..num)
        .map(|i| {
            if div == 0.0 {
                // NumPy multiplies by the NaN step only where there is a step to take
                r(r(i as f64 * delta) + start)
            } else if step == 0.0 || !step.is_finite() {
                r(r(r(i as f64 / div) * delta) + start)
            } else {
                r(r(i as f64 * step) + start)
            }
        })
        .collect();
    if endpoint && num > 1 {
        vals[num - 1] = stop;
    }
    vals
}

/// `np.float32(x)` and the other scalar types: a NumPy scalar of a number, an array of a list.
fn scalar_type(it: &mut Interp, name: &str, args: Vec<Value>) -> Result<Value, Raise> {
    let path = match name {
        "float_" => "np.float64".to_string(),
        "int_" => "np.int64".to_string(),
        other => format!("np.{other}"),
    };
    let d =
        np_dtype_path(&path).ok_or_else(|| Raise::type_error(format!("np.{name} is no type")))?;
    let v = args.into_iter().next().unwrap_or(Value::Int(0));
    if let Value::Str(s) = &v {
        let x: f64 = s
            .trim()
            .parse()
            .map_err(|_| Raise::value_error(format!("could not convert string to float: '{s}'")))?;
        return Ok(Value::NpScalar(Tensor::scalar(x, d)));
    }
    let t = it.np_tensor(&v)?;
    if d.is_int() && t.dtype().is_float() {
        let truncated: Vec<f64> = t.to_f64_vec().iter().map(|x| x.trunc()).collect();
        return Ok(np_wrap(Tensor::from_f64s(t.shape(), &truncated, d)?));
    }
    Ok(np_wrap(t.cast(d)))
}

/// Whether a (nested) list holds arrays, tensors or NumPy scalars, which `np.array` stacks.
pub fn holds_arrays(v: &Value) -> bool {
    v.items().is_some_and(|items| {
        items.iter().any(|x| {
            matches!(
                x,
                Value::Array(_)
                    | Value::NpScalar(_)
                    | Value::Tensor(_)
                    | Value::Variable(_)
                    | Value::UnreadVariable(_)
            ) || holds_arrays(x)
        })
    })
}

/// `np.array([a, b, ...])` of arrays, tensors and numbers: the items, of one shape, stacked
/// in their promoted dtype (a float32 and a float64 array give float64).
pub fn from_sequence(it: &mut Interp, v: &Value) -> Result<Tensor, Raise> {
    let items = v.items().unwrap_or_default();
    let mut parts = Vec::with_capacity(items.len());
    for x in &items {
        parts.push(it.np_tensor(x)?);
    }
    let Some(first) = parts.first() else {
        return Ok(Tensor::full(&[0], 0.0, DType::F64));
    };
    if parts.iter().any(|p| p.shape() != first.shape()) {
        return Err(Raise::value_error(
            "setting an array element with a sequence. The requested array has an inhomogeneous shape after 1 dimensions.",
        ));
    }
    let d = parts
        .iter()
        .map(Tensor::dtype)
        .reduce(super::promote::promote)
        .unwrap_or(DType::F64);
    let mut shape = vec![parts.len()];
    shape.extend_from_slice(first.shape());
    checked_numel(&shape, it.max_elems())?;
    // stacked in the promoted dtype itself (int64 items stay exact)
    let mut row_shape = vec![1];
    row_shape.extend_from_slice(first.shape());
    let rows: Vec<Tensor> = parts
        .iter()
        .map(|p| p.cast(d).reshape(&row_shape))
        .collect::<Result<_, _>>()?;
    Ok(Tensor::concat_rows(&rows)?.reshape(&shape)?)
}

/// `np.arange` of integer bounds in an integer dtype, counted exactly (float64 steps lose
/// the units past 2**53); None when a bound is not an integer.
fn int_range(it: &Interp, nums: &[Tensor], d: DType) -> Result<Option<Tensor>, Raise> {
    let ints: Option<Vec<i128>> = nums
        .iter()
        .map(|t| super::ints::values(t).and_then(|v| v.first().map(|&x| i128::from(x))))
        .collect();
    let Some(ints) = ints else {
        return Ok(None);
    };
    let (start, stop, step) = match ints.as_slice() {
        [b] => (0, *b, 1),
        [s, b] => (*s, *b, 1),
        [s, b, st] => (*s, *b, *st),
        _ => return Ok(None),
    };
    // ceil((stop - start) / step), at least 0; step is nonzero (checked by the caller)
    let span = stop - start;
    let n = (span / step + i128::from(span % step != 0 && (span < 0) == (step < 0))).max(0);
    if n > it.max_elems() as i128 {
        checked_numel(&[it.max_elems() + 1], it.max_elems())?;
    }
    let vals: Vec<i64> = (0..n).map(|i| (start + i * step) as i64).collect();
    Ok(Some(super::ints::tensor(&[vals.len()], &vals, d)))
}
