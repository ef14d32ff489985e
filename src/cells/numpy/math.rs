//! NumPy's elementwise functions: `np.exp`, `np.log`, `np.sqrt`, `np.abs`, `np.round`, ...
//! (integers become float64 where NumPy's ufunc has no integer loop, float32 stays float32),
//! the two-argument ufuncs (`np.maximum`, `np.add`, ...), `np.clip` and `np.where`.

use crate::engine::dtype::DType;
use crate::engine::tensor::Tensor;

use super::args::{int_arg, Args};
use super::arith::{np_wrap, operand, ufunc};
use super::promote::result_type;
use crate::cells::interp::Interp;
use crate::cells::raise::Raise;
use crate::cells::value::Value;

/// The float functions: f64 in, f64 out (float32 inputs are rounded back to float32).
fn float_fn(name: &str) -> Option<fn(f64) -> f64> {
    Some(match name {
        "exp" => f64::exp,
        "exp2" => f64::exp2,
        "expm1" => f64::exp_m1,
        "log" => f64::ln,
        "log2" => f64::log2,
        "log10" => f64::log10,
        "log1p" => f64::ln_1p,
        "sqrt" => f64::sqrt,
        "fabs" => f64::abs,
        "cbrt" => f64::cbrt,
        "sin" => f64::sin,
        "cos" => f64::cos,
        "tan" => f64::tan,
        "arcsin" => f64::asin,
        "arccos" => f64::acos,
        "arctan" => f64::atan,
        "sinh" => f64::sinh,
        "cosh" => f64::cosh,
        "tanh" => f64::tanh,
        "floor" => f64::floor,
        "ceil" => f64::ceil,
        "trunc" => f64::trunc,
        "rint" => f64::round_ties_even,
        "reciprocal" => |x| 1.0 / x,
        _ => return None,
    })
}

/// The functions that keep an integer dtype.
fn same_type_fn(name: &str) -> Option<fn(f64) -> f64> {
    Some(match name {
        "abs" | "absolute" => f64::abs,
        "square" => |x| x * x,
        "negative" => |x| -x,
        "positive" => |x| x,
        "sign" => |x| {
            if x > 0.0 {
                1.0
            } else if x < 0.0 {
                -1.0
            } else {
                x
            }
        },
        _ => return None,
    })
}

const BINARY: &[(&str, &str)] = &[
    ("add", "add"),
    ("subtract", "subtract"),
    ("multiply", "multiply"),
    ("divide", "divide"),
    ("true_divide", "divide"),
    ("floor_divide", "floor_divide"),
    ("mod", "mod"),
    ("remainder", "mod"),
    ("power", "pow"),
    ("maximum", "maximum"),
    ("minimum", "minimum"),
    ("greater", "greater"),
    ("less", "less"),
    ("equal", "equal"),
    ("not_equal", "not_equal"),
    ("greater_equal", "greater_equal"),
    ("less_equal", "less_equal"),
];

pub fn provides(name: &str) -> bool {
    float_fn(name).is_some()
        || same_type_fn(name).is_some()
        || BINARY.iter().any(|(n, _)| *n == name)
        || matches!(name, "round" | "around" | "clip" | "where")
}

/// Maps every element, computing in float64 and storing in `out`.
pub fn map(t: &Tensor, out: DType, f: fn(f64) -> f64) -> Result<Tensor, Raise> {
    let vals: Vec<f64> = t.to_f64_vec().into_iter().map(f).collect();
    Ok(Tensor::from_f64s(t.shape(), &vals, out)?)
}

pub fn call(
    it: &mut Interp,
    name: &str,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    if let Some(&(_, op)) = BINARY.iter().find(|(n, _)| *n == name) {
        let mut a = Args::bind(name, &["x1", "x2"], args, kwargs)?;
        let (x, y) = (a.required(0, "x1")?, a.required(1, "x2")?);
        return ufunc(it, op, &x, &y);
    }
    match name {
        "round" | "around" => {
            let mut a = Args::bind(name, &["a", "decimals"], args, kwargs)?;
            let t = it.np_tensor(&a.required(0, "a")?)?;
            let decimals = a.take(1).map(|v| int_arg(&v)).transpose()?.unwrap_or(0);
            Ok(np_wrap(round(&t, decimals)?))
        }
        "clip" => {
            // NumPy 1.26's np.clip takes a_min and a_max by position or name, None allowed
            let given = |k: usize, n: &str| args.len() > k || kwargs.iter().any(|(p, _)| p == n);
            let missing: Vec<&str> = [(1, "a_min"), (2, "a_max")]
                .into_iter()
                .filter(|&(k, n)| !given(k, n))
                .map(|(_, n)| n)
                .collect();
            if !missing.is_empty() {
                return Err(Raise::type_error(format!(
                    "clip() missing {} required positional argument{}: '{}' (give None for no bound)",
                    missing.len(),
                    if missing.len() == 1 { "" } else { "s" },
                    missing.join("' and '")
                )));
            }
            let mut a = Args::bind(name, &["a", "a_min", "a_max"], args, kwargs)?;
            let x = a.required(0, "a")?;
            clip(it, x, a.take(1), a.take(2))
        }
        "where" => {
            let mut a = Args::bind(name, &["condition", "x", "y"], args, kwargs)?;
            let c = it.np_tensor(&a.required(0, "condition")?)?;
            match (a.given(1), a.given(2)) {
                (false, false) => return Ok(nonzero(&c)),
                (true, true) => {}
                _ => {
                    return Err(Raise::value_error(
                        "either both or neither of x and y should be given",
                    ))
                }
            }
            let (x, y) = (a.required(1, "x")?, a.required(2, "y")?);
            let (x, y) = (operand(it, &x)?, operand(it, &y)?);
            let d = result_type(&[&x, &y]);
            let c = c.cast(DType::Bool);
            let out = it.compute("where", vec![], &[&c, &x.tensor.cast(d), &y.tensor.cast(d)])?;
            Ok(np_wrap(out))
        }
        _ => {
            let mut a = Args::bind(name, &["x"], args, kwargs)?;
            let t = it.np_tensor(&a.required(0, "x")?)?;
            unary(name, &t).map(np_wrap)
        }
    }
}

/// `np.clip(x, lo, hi)` and `x.clip(lo, hi)`: either bound may be None, not both.
pub fn clip(
    it: &mut Interp,
    x: Value,
    lo: Option<Value>,
    hi: Option<Value>,
) -> Result<Value, Raise> {
    if lo.is_none() && hi.is_none() {
        return Err(Raise::value_error("One of max or min must be given"));
    }
    let mut out = x;
    if let Some(lo) = lo {
        out = ufunc(it, "maximum", &out, &lo)?;
    }
    if let Some(hi) = hi {
        out = ufunc(it, "minimum", &out, &hi)?;
    }
    Ok(out)
}

/// `np.where(condition)`: a tuple with, per axis, the int64 indices of the nonzero elements.
fn nonzero(c: &Tensor) -> Value {
    let shape = if c.rank() == 0 {
        vec![1]
    } else {
        c.shape().to_vec()
    };
    let vals = c.to_f64_vec();
    let hits: Vec<usize> = (0..vals.len()).filter(|&i| vals[i] != 0.0).collect();
    let axes = (0..shape.len())
        .map(|k| {
            let inner: usize = shape[k + 1..].iter().product();
            let idx: Vec<f64> = hits
                .iter()
                .map(|&i| ((i / inner) % shape[k]) as f64)
                .collect();
            Value::array(
                Tensor::from_f64s(&[idx.len()], &idx, DType::I64)
                    .unwrap_or_else(|_| Tensor::full(&[0], 0.0, DType::I64)),
            )
        })
        .collect();
    Value::tuple(axes)
}

/// `np.NAME(t)` for a one-argument ufunc.
pub fn unary(name: &str, t: &Tensor) -> Result<Tensor, Raise> {
    if let Some(f) = same_type_fn(name) {
        let d = match (name, t.dtype()) {
            ("negative", DType::Bool) => {
                return Err(Raise::type_error(
                    "The numpy boolean negative, the `-` operator, is not supported, use the `~` operator or the logical_not function instead.",
                ))
            }
            (_, d) => d,
        };
        if let Some(exact) = super::ints::unary(name, t) {
            return Ok(exact);
        }
        return map(t, d, f);
    }
    let f = float_fn(name)
        .ok_or_else(|| Raise::attr_error(format!("module 'numpy' has no attribute '{name}'")))?;
    let d = if t.dtype().is_float() {
        t.dtype()
    } else {
        DType::F64
    };
    match (name, d) {
        ("log", DType::F32) => map_f32(t, super::simd::log),
        ("exp", DType::F32) => map_f32(t, super::simd::exp),
        _ => map(t, d, f),
    }
}

/// Maps every element of a float32 tensor with a float32 function.
fn map_f32(t: &Tensor, f: fn(f32) -> f32) -> Result<Tensor, Raise> {
    let vals: Vec<f64> = t
        .to_f64_vec()
        .into_iter()
        .map(|x| f(x as f32) as f64)
        .collect();
    Ok(Tensor::from_f64s(t.shape(), &vals, DType::F32)?)
}

/// `np.round(t, decimals)`: half to even, as NumPy scales, rounds and scales back, in the
/// array's own dtype (a float32 array is scaled in float32: 1.725f32 * 100 is 172.5, so 1.72).
pub fn round(t: &Tensor, decimals: i64) -> Result<Tensor, Raise> {
    if !t.dtype().is_float() && decimals >= 0 {
        return Ok(t.clone());
    }
    let d = t.dtype();
    let p = 10f64.powi(decimals.unsigned_abs().min(300) as i32);
    let vals: Vec<f64> = t
        .to_f64_vec()
        .into_iter()
        .map(|x| match (d, decimals >= 0) {
            (DType::F32, true) => ((x as f32 * p as f32).round_ties_even() / p as f32) as f64,
            (DType::F32, false) => ((x as f32 / p as f32).round_ties_even() * p as f32) as f64,
            (_, true) => (x * p).round_ties_even() / p,
            (_, false) => (x / p).round_ties_even() * p,
        })
        .collect();
    Ok(Tensor::from_f64s(t.shape(), &vals, d)?)
}
