//! Python's `math` module in a cell (`import math`, `import math as m`): its constants and the
//! functions notebooks use, with CPython 3.11's results and errors (mathmodule.c: a NaN out of a
//! number is `math domain error`, an infinity out of a finite number `math range error` where
//! the function can overflow). A tensor or array is a number here as its `__float__` makes it
//! one: a one-element tensor or array converts, any other is NumPy's TypeError.

use super::*;

/// The functions the subset's `math` has.
pub const FUNCTIONS: &[&str] = &[
    "sqrt", "exp", "log", "log10", "log2", "pow", "sin", "cos", "tan", "tanh", "atan", "floor",
    "ceil", "fabs", "isclose", "isnan", "isinf", "isfinite", "prod", "fsum",
];

/// Every public name of CPython 3.11's `math`: one the subset lacks is refused before the cell
/// runs, as a TensorFlow name the subset lacks is.
const PYTHON_NAMES: &[&str] = &[
    "acos",
    "acosh",
    "asin",
    "asinh",
    "atan",
    "atan2",
    "atanh",
    "cbrt",
    "ceil",
    "comb",
    "copysign",
    "cos",
    "cosh",
    "degrees",
    "dist",
    "e",
    "erf",
    "erfc",
    "exp",
    "exp2",
    "expm1",
    "fabs",
    "factorial",
    "floor",
    "fmod",
    "frexp",
    "fsum",
    "gamma",
    "gcd",
    "hypot",
    "inf",
    "isclose",
    "isfinite",
    "isinf",
    "isnan",
    "isqrt",
    "lcm",
    "ldexp",
    "lgamma",
    "log",
    "log10",
    "log1p",
    "log2",
    "modf",
    "nan",
    "nextafter",
    "perm",
    "pi",
    "pow",
    "prod",
    "radians",
    "remainder",
    "sin",
    "sinh",
    "sqrt",
    "tan",
    "tanh",
    "tau",
    "trunc",
    "ulp",
];

/// `math.name`, if the subset has it.
pub fn attr(name: &str) -> Option<Value> {
    Some(match name {
        "pi" => Value::Float(std::f64::consts::PI),
        "e" => Value::Float(std::f64::consts::E),
        "tau" => Value::Float(std::f64::consts::TAU),
        "inf" => Value::Float(f64::INFINITY),
        "nan" => Value::Float(f64::NAN),
        f if FUNCTIONS.contains(&f) => Value::Builtin(format!("math.{f}").into()),
        _ => return None,
    })
}

/// Why `math.name` cannot be used, when CPython's `math` has it and the subset does not.
pub fn outside_subset(name: &str) -> Option<String> {
    (PYTHON_NAMES.contains(&name) && attr(name).is_none()).then(|| {
        format!(
            "`math.{name}` is Python's, but it is not in the cell subset (a cell's math has {}, pi, e, tau, inf and nan; NumPy's and TensorFlow's functions cover the rest)",
            FUNCTIONS.join(", ")
        )
    })
}

pub fn call(
    it: &mut Interp,
    name: &str,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    match name {
        "isclose" => return isclose(it, args, kwargs),
        "prod" => return prod(it, args, kwargs),
        _ => {}
    }
    if !kwargs.is_empty() {
        return Err(Raise::type_error(format!(
            "math.{name}() takes no keyword arguments"
        )));
    }
    match name {
        "log" => {
            if !(1..=2).contains(&args.len()) {
                return Err(Raise::type_error("math.log requires 1 to 2 arguments"));
            }
            let num = log_of(it, &args[0], f64::ln)?;
            let Some(base) = args.get(1) else {
                return Ok(Value::Float(num));
            };
            let den = log_of(it, base, f64::ln)?;
            if den == 0.0 {
                return Err(Raise::new(
                    RaiseKind::ZeroDivisionError,
                    "float division by zero",
                ));
            }
            Ok(Value::Float(num / den))
        }
        "pow" => {
            let [x, y] = &args[..] else {
                return Err(Raise::type_error(format!(
                    "pow expected 2 arguments, got {}",
                    args.len()
                )));
            };
            let (x, y) = (real(it, x)?, real(it, y)?);
            Ok(Value::Float(pow(x, y)?))
        }
        _ => {
            let [x] = &args[..] else {
                return Err(Raise::type_error(format!(
                    "math.{name}() takes exactly one argument ({} given)",
                    args.len()
                )));
            };
            one(it, name, x)
        }
    }
}

/// The one-argument functions.
fn one(it: &mut Interp, name: &str, x: &Value) -> Result<Value, Raise> {
    match name {
        "fsum" => return fsum(it, x),
        // an int is its own floor and ceiling, however large
        "floor" | "ceil" if matches!(x, Value::Int(_) | Value::Bool(_)) => {
            let Value::Int(n) = x else {
                return Ok(Value::Int(i64::from(matches!(x, Value::Bool(true)))));
            };
            return Ok(Value::Int(*n));
        }
        _ => {}
    }
    let v = real(it, x)?;
    Ok(match name {
        "log10" => Value::Float(log_of(it, x, f64::log10)?),
        "log2" => Value::Float(log_of(it, x, f64::log2)?),
        "isnan" => Value::Bool(v.is_nan()),
        "isinf" => Value::Bool(v.is_infinite()),
        "isfinite" => Value::Bool(v.is_finite()),
        "floor" => Value::Int(to_int(v.floor())?),
        "ceil" => Value::Int(to_int(v.ceil())?),
        "sqrt" => Value::Float(math_1(v, v.sqrt(), false)?),
        "exp" => Value::Float(math_1(v, v.exp(), true)?),
        "sin" => Value::Float(math_1(v, v.sin(), false)?),
        "cos" => Value::Float(math_1(v, v.cos(), false)?),
        "tan" => Value::Float(math_1(v, v.tan(), false)?),
        "tanh" => Value::Float(math_1(v, v.tanh(), false)?),
        "atan" => Value::Float(math_1(v, v.atan(), false)?),
        _ => Value::Float(v.abs()),
    })
}

/// A number as the math module reads one (`PyFloat_AsDouble`): Python's ints, floats and bools,
/// and what `__float__` makes of a tensor or array.
fn real(it: &mut Interp, v: &Value) -> Result<f64, Raise> {
    match v {
        Value::Int(_)
        | Value::Bool(_)
        | Value::Float(_)
        | Value::Dimension(_)
        | Value::Tensor(_)
        | Value::Variable(_)
        | Value::UnreadVariable(_)
        | Value::Array(_)
        | Value::NpScalar(_) => number(it, v, "float").map(|(x, _)| x),
        _ => Err(Raise::type_error(format!(
            "must be real number, not {}",
            v.type_name()
        ))),
    }
}

fn domain_error() -> Raise {
    Raise::value_error("math domain error")
}

fn range_error() -> Raise {
    Raise::new(RaiseKind::OverflowError, "math range error")
}

/// mathmodule.c `math_1`: `r` is `f(x)`; a NaN from a number is a domain error, an infinity
/// from a finite number a range error if `f` can overflow, else a domain error.
fn math_1(x: f64, r: f64, can_overflow: bool) -> Result<f64, Raise> {
    if r.is_nan() && !x.is_nan() {
        return Err(domain_error());
    }
    if r.is_infinite() && x.is_finite() {
        return Err(if can_overflow {
            range_error()
        } else {
            domain_error()
        });
    }
    Ok(r)
}

/// mathmodule.c `loghelper`/`m_log`: the logarithm of a positive number (an infinity's is
/// infinite, a NaN's NaN); zero and negatives, `-inf` included, are a domain error.
fn log_of(it: &mut Interp, v: &Value, f: fn(f64) -> f64) -> Result<f64, Raise> {
    let x = real(it, v)?;
    if x.is_nan() || x == f64::INFINITY {
        return Ok(x);
    }
    if x <= 0.0 {
        return Err(domain_error());
    }
    Ok(f(x))
}

/// mathmodule.c `math_pow`: C99's special cases for infinities and NaNs, then `pow` with a NaN
/// out of numbers a domain error and an infinity a range error (a domain error for `0 ** -y`).
fn pow(x: f64, y: f64) -> Result<f64, Raise> {
    if !x.is_finite() || !y.is_finite() {
        let odd_y = y.is_finite() && y.abs() % 2.0 == 1.0;
        return Ok(if x.is_nan() {
            if y == 0.0 {
                1.0
            } else {
                x
            }
        } else if y.is_nan() {
            if x == 1.0 {
                1.0
            } else {
                y
            }
        } else if x.is_infinite() {
            match y {
                y if y > 0.0 => {
                    if odd_y {
                        x
                    } else {
                        x.abs()
                    }
                }
                0.0 => 1.0,
                _ if odd_y => 0.0f64.copysign(x),
                _ => 0.0,
            }
        } else if x.abs() == 1.0 {
            1.0
        } else if (y > 0.0 && x.abs() > 1.0) || (y < 0.0 && x.abs() < 1.0) {
            y.abs()
        } else {
            0.0
        });
    }
    let r = x.powf(y);
    if r.is_nan() || (r.is_infinite() && x == 0.0) {
        return Err(domain_error());
    }
    if r.is_infinite() {
        return Err(range_error());
    }
    Ok(r)
}

/// A float's integer (`floor`, `ceil`, `int()`, `round()`): NaN and infinities have none, and
/// a cell's ints are 64-bit, so one past them is the subset's overflow, not a saturated int.
pub fn to_int(x: f64) -> Result<i64, Raise> {
    if !x.is_finite() {
        return Err(Raise::not_an_integer(x));
    }
    // 2**63 is the first float past i64; -2**63 is its least
    let bound = 2f64.powi(63);
    if !(-bound..bound).contains(&x) {
        return Err(arith::overflow());
    }
    Ok(x as i64)
}

/// `isclose(a, b, *, rel_tol=1e-09, abs_tol=0.0)`.
fn isclose(
    it: &mut Interp,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    if args.len() > 2 {
        return Err(Raise::type_error(format!(
            "isclose() takes exactly 2 positional arguments ({} given)",
            args.len()
        )));
    }
    let mut slots: [Option<Value>; 4] = Default::default();
    for (k, v) in args.into_iter().enumerate() {
        slots[k] = Some(v);
    }
    for (name, v) in kwargs {
        let k = ["a", "b", "rel_tol", "abs_tol"]
            .iter()
            .position(|n| *n == name)
            .ok_or_else(|| {
                Raise::type_error(format!(
                    "'{name}' is an invalid keyword argument for isclose()"
                ))
            })?;
        if slots[k].is_some() {
            return Err(Raise::type_error(format!(
                "argument for isclose() given by name ('{name}') and position ({})",
                k + 1
            )));
        }
        slots[k] = Some(v);
    }
    for (k, n) in [(0, "a"), (1, "b")] {
        if slots[k].is_none() {
            return Err(Raise::type_error(format!(
                "isclose() missing required argument '{n}' (pos {})",
                k + 1
            )));
        }
    }
    let mut number = |k: usize, default: f64| match &slots[k] {
        Some(v) => real(it, v),
        None => Ok(default),
    };
    let (a, b) = (number(0, 0.0)?, number(1, 0.0)?);
    let (rel_tol, abs_tol) = (number(2, 1e-9)?, number(3, 0.0)?);
    if rel_tol < 0.0 || abs_tol < 0.0 {
        return Err(Raise::value_error("tolerances must be non-negative"));
    }
    if a == b {
        return Ok(Value::Bool(true));
    }
    if a.is_infinite() || b.is_infinite() {
        return Ok(Value::Bool(false));
    }
    let diff = (b - a).abs();
    let close = diff <= (rel_tol * b).abs() || diff <= (rel_tol * a).abs() || diff <= abs_tol;
    Ok(Value::Bool(close))
}

/// `prod(iterable, /, *, start=1)`: Python's `*` from `start` over the items, so a tensor
/// among them makes a tensor.
fn prod(it: &mut Interp, args: Vec<Value>, kwargs: Vec<(String, Value)>) -> Result<Value, Raise> {
    let mut start = Value::Int(1);
    for (name, v) in kwargs {
        if name != "start" {
            return Err(Raise::type_error(format!(
                "'{name}' is an invalid keyword argument for prod()"
            )));
        }
        start = v;
    }
    let [iterable] = &args[..] else {
        if args.is_empty() {
            return Err(Raise::type_error(
                "prod() missing required argument 'iterable' (pos 1)",
            ));
        }
        return Err(Raise::type_error(format!(
            "prod() takes exactly 1 positional argument ({} given)",
            args.len()
        )));
    };
    let mut items = crate::cells::iterator::Walk::of(it, iterable)?;
    let mut product = start;
    while let Some(x) = items.next(it)? {
        it.step()?;
        product = arith::binary(it, ruff_python_ast::Operator::Mult, product, x)?;
    }
    Ok(product)
}

/// `fsum(iterable)`: the correctly rounded sum, by mathmodule.c's partial sums (Shewchuk), with
/// its errors for an overflow on the way and for `inf + -inf`.
fn fsum(it: &mut Interp, iterable: &Value) -> Result<Value, Raise> {
    let mut items = crate::cells::iterator::Walk::of(it, iterable)?;
    let mut partials: Vec<f64> = Vec::new();
    let (mut special_sum, mut inf_sum) = (0.0f64, 0.0f64);
    while let Some(item) = items.next(it)? {
        it.step()?;
        let mut x = real(it, &item)?;
        let xsave = x;
        let mut kept = 0;
        for j in 0..partials.len() {
            let mut y = partials[j];
            if x.abs() < y.abs() {
                std::mem::swap(&mut x, &mut y);
            }
            let hi = x + y;
            let lo = y - (hi - x);
            if lo != 0.0 {
                partials[kept] = lo;
                kept += 1;
            }
            x = hi;
        }
        partials.truncate(kept);
        if x != 0.0 {
            if !x.is_finite() {
                // an infinity or NaN among the items, or an overflow of finite ones
                if xsave.is_finite() {
                    return Err(Raise::new(
                        RaiseKind::OverflowError,
                        "intermediate overflow in fsum",
                    ));
                }
                if xsave.is_infinite() {
                    inf_sum += xsave;
                }
                special_sum += xsave;
                partials.clear();
            } else {
                partials.push(x);
            }
        }
    }
    if special_sum != 0.0 {
        if inf_sum.is_nan() {
            return Err(Raise::value_error("-inf + inf in fsum"));
        }
        return Ok(Value::Float(special_sum));
    }
    let mut n = partials.len();
    let mut hi = 0.0;
    let mut lo = 0.0;
    if n > 0 {
        n -= 1;
        hi = partials[n];
        // sum from the top, stopping when the sum becomes inexact
        while n > 0 {
            let x = hi;
            n -= 1;
            let y = partials[n];
            hi = x + y;
            lo = y - (hi - x);
            if lo != 0.0 {
                break;
            }
        }
        // half-even rounding across the partials left
        if n > 0 && ((lo < 0.0 && partials[n - 1] < 0.0) || (lo > 0.0 && partials[n - 1] > 0.0)) {
            let y = lo * 2.0;
            let x = hi + y;
            if y == x - hi {
                hi = x;
            }
        }
    }
    Ok(Value::Float(hi))
}
