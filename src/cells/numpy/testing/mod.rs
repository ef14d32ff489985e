//! `np.testing`'s assertions, which graded cells use to check an answer against one computed by
//! hand: `assert_allclose`, `assert_array_equal`, `assert_array_almost_equal`,
//! `assert_array_less` (all through NumPy's `assert_array_compare`), and `assert_equal`,
//! `assert_almost_equal` (scalars, or the array forms for arrays). Each gives None when it holds
//! and raises AssertionError with NumPy 1.26's message when not; `compare` is
//! `assert_array_compare`.

mod compare;

use ruff_python_ast::CmpOp;

use crate::engine::dtype::DType;
use crate::engine::tensor::Tensor;

use super::args::Args;
use crate::cells::format::numpy::array_repr_precision;
use crate::cells::interp::Interp;
use crate::cells::raise::{Raise, RaiseKind};
use crate::cells::value::Value;
use compare::array_compare;

pub const NAMES: &[&str] = &[
    "testing.assert_allclose",
    "testing.assert_array_equal",
    "testing.assert_array_almost_equal",
    "testing.assert_array_less",
    "testing.assert_equal",
    "testing.assert_almost_equal",
];

pub fn call(
    it: &mut Interp,
    name: &str,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let name = name.trim_start_matches("testing.");
    let names: &[&'static str] = match name {
        "assert_allclose" => &[
            "actual",
            "desired",
            "rtol",
            "atol",
            "equal_nan",
            "err_msg",
            "verbose",
        ],
        "assert_array_almost_equal" => &["x", "y", "decimal", "err_msg", "verbose"],
        "assert_almost_equal" => &["actual", "desired", "decimal", "err_msg", "verbose"],
        "assert_equal" => &["actual", "desired", "err_msg", "verbose"],
        "assert_array_equal" => &["x", "y", "err_msg", "verbose", "strict"],
        _ => &["x", "y", "err_msg", "verbose"],
    };
    let mut a = Args::bind(name, names, args, kwargs)?;
    let x = a.required(0, names[0])?;
    let y = a.required(1, names[1])?;
    let pos = |n: &str| names.iter().position(|p| *p == n).unwrap_or(names.len());
    let err_msg = match a.take(pos("err_msg")) {
        Some(Value::Str(s)) => s.to_string(),
        Some(v) => crate::cells::print::str(it, &v),
        None => String::new(),
    };
    let verbose = a.flag(pos("verbose"), true)?;
    match name {
        "assert_allclose" => {
            let (rtol, atol) = (a.float(2, 1e-7)?, a.float(3, 0.0)?);
            let equal_nan = a.flag(4, true)?;
            let c = Compare {
                header: format!("Not equal to tolerance rtol={}, atol={}", g(rtol), g(atol)),
                precision: 6,
                equal_nan,
                equal_inf: true,
                strict: false,
                verbose,
            };
            array_compare(
                it,
                Test::Close {
                    rtol,
                    atol,
                    equal_nan,
                },
                &x,
                &y,
                err_msg,
                &c,
            )?;
        }
        "assert_array_equal" => {
            let strict = a.flag(4, false)?;
            array_compare(
                it,
                Test::Equal,
                &x,
                &y,
                err_msg,
                &Compare::new("Arrays are not equal", verbose).strict(strict),
            )?
        }
        "assert_array_less" => {
            let mut c = Compare::new("Arrays are not less-ordered", verbose);
            c.equal_inf = false;
            array_compare(it, Test::Less, &x, &y, err_msg, &c)?
        }
        "assert_array_almost_equal" => {
            let decimal = a.float(2, 6.0)?;
            array_almost_equal(it, &x, &y, decimal, err_msg, verbose)?
        }
        "assert_almost_equal" => {
            let decimal = a.float(2, 7.0)?;
            almost_equal(it, &x, &y, decimal, err_msg, verbose)?
        }
        _ => equal(it, &x, &y, err_msg, verbose)?,
    }
    Ok(Value::None)
}

/// How `assert_array_compare` words and treats one assertion.
pub(super) struct Compare {
    header: String,
    precision: usize,
    equal_nan: bool,
    equal_inf: bool,
    strict: bool,
    verbose: bool,
}

impl Compare {
    fn new(header: &str, verbose: bool) -> Compare {
        Compare {
            header: header.to_string(),
            precision: 6,
            equal_nan: true,
            equal_inf: true,
            strict: false,
            verbose,
        }
    }

    fn strict(mut self, strict: bool) -> Compare {
        self.strict = strict;
        self
    }
}

/// The elementwise test an assertion makes of the values left after NaN and inf positions.
#[derive(Clone, Copy)]
pub(super) enum Test {
    Equal,
    Less,
    Almost(f64),
    Close {
        rtol: f64,
        atol: f64,
        equal_nan: bool,
    },
}

pub(super) fn fail(msg: String) -> Raise {
    Raise::new(RaiseKind::AssertionError, msg)
}

/// `assert_array_almost_equal`, its header naming the decimals as `%d` does.
fn array_almost_equal(
    it: &mut Interp,
    x: &Value,
    y: &Value,
    decimal: f64,
    err_msg: String,
    verbose: bool,
) -> Result<(), Raise> {
    let mut c = Compare::new(
        &format!(
            "Arrays are not almost equal to {} decimals",
            decimal.trunc()
        ),
        verbose,
    );
    c.precision = decimal.max(0.0) as usize;
    array_compare(it, Test::Almost(decimal), x, y, err_msg, &c)
}

/// NumPy's `build_err_msg`: the header, the caller's message (on the header's line when short),
/// then each value's repr (an array's with `precision` digits), cut after three lines.
pub(super) fn build_err_msg(
    it: &mut Interp,
    values: [&Value; 2],
    err_msg: &str,
    header: &str,
    names: [&str; 2],
    precision: usize,
    verbose: bool,
) -> String {
    let mut msg = vec![format!("\n{header}")];
    if !err_msg.is_empty() {
        if !err_msg.contains('\n') && err_msg.chars().count() + header.chars().count() < 79 {
            msg[0] = format!("{} {err_msg}", msg[0]);
        } else {
            msg.push(err_msg.to_string());
        }
    }
    if verbose {
        for (v, name) in values.iter().zip(names) {
            let mut r = match v {
                Value::Array(a) => array_repr_precision(&a.get(), precision),
                other => crate::cells::print::repr(it, other),
            };
            if r.matches('\n').count() > 3 {
                r = r.lines().take(3).collect::<Vec<_>>().join("\n") + "...";
            }
            msg.push(format!(" {name}: {r}"));
        }
    }
    msg.join("\n")
}

/// Whether NumPy's `isscalar` holds: Python numbers and strings, NumPy scalars.
fn is_scalar(v: &Value) -> bool {
    matches!(
        v,
        Value::Int(_) | Value::Float(_) | Value::Bool(_) | Value::Str(_) | Value::NpScalar(_)
    )
}

/// One number of a value NumPy reads as a scalar (`isnan(v)` of a number, a 0-d array, a
/// tensor of one element); None for what is not one (a string, several elements).
fn number(it: &mut Interp, v: &Value) -> Option<Tensor> {
    if matches!(v, Value::Str(_)) {
        return None;
    }
    it.np_tensor(v).ok().filter(|t| t.len() == 1)
}

/// `assert_equal`: sequences item by item, arrays as `assert_array_equal`, anything else as
/// `desired == actual`, with NaN equal to NaN and 0.0 unequal to -0.0.
fn equal(
    it: &mut Interp,
    actual: &Value,
    desired: &Value,
    err_msg: String,
    verbose: bool,
) -> Result<(), Raise> {
    let seq = |v: &Value| matches!(v, Value::List(_) | Value::Tuple(_));
    if seq(actual) && seq(desired) {
        let (a, d) = (
            actual.items().unwrap_or_default(),
            desired.items().unwrap_or_default(),
        );
        let len = |n: usize| Value::Int(n as i64);
        equal(it, &len(a.len()), &len(d.len()), err_msg.clone(), verbose)?;
        for (k, (p, q)) in a.iter().zip(&d).enumerate() {
            equal(it, p, q, format!("item={k}\n{err_msg}"), verbose)?;
        }
        return Ok(());
    }
    if matches!(actual, Value::Array(_)) || matches!(desired, Value::Array(_)) {
        let c = Compare::new("Arrays are not equal", verbose);
        return array_compare(it, Test::Equal, actual, desired, err_msg, &c);
    }
    let names = ["ACTUAL", "DESIRED"];
    let header = "Items are not equal:";
    let msg = |it: &mut Interp| {
        fail(build_err_msg(
            it,
            [actual, desired],
            &err_msg,
            header,
            names,
            8,
            verbose,
        ))
    };
    if is_scalar(actual) != is_scalar(desired) {
        return Err(msg(it));
    }
    if let (Some(a), Some(d)) = (number(it, actual), number(it, desired)) {
        let (a, d) = (a.to_f64_vec()[0], d.to_f64_vec()[0]);
        if a.is_nan() && d.is_nan() {
            return Ok(());
        }
        if a == 0.0 && d == 0.0 && a.is_sign_negative() != d.is_sign_negative() {
            return Err(msg(it));
        }
    }
    let same = crate::cells::arith::compare(it, CmpOp::Eq, desired.clone(), actual.clone())?;
    if !same.truthy()? {
        return Err(msg(it));
    }
    Ok(())
}

/// `assert_almost_equal`: arrays and sequences as `assert_array_almost_equal`, numbers as
/// `abs(desired - actual) < 1.5 * 10**-decimal`, NaN equal to NaN and inf only to itself.
fn almost_equal(
    it: &mut Interp,
    actual: &Value,
    desired: &Value,
    decimal: f64,
    err_msg: String,
    verbose: bool,
) -> Result<(), Raise> {
    let many = |v: &Value| matches!(v, Value::Array(_) | Value::List(_) | Value::Tuple(_));
    if many(actual) || many(desired) {
        return array_almost_equal(it, actual, desired, decimal, err_msg, true);
    }
    let header = format!(
        "Arrays are not almost equal to {} decimals",
        decimal.trunc()
    );
    let names = ["ACTUAL", "DESIRED"];
    let msg = |it: &mut Interp| {
        fail(build_err_msg(
            it,
            [actual, desired],
            &err_msg,
            &header,
            names,
            8,
            verbose,
        ))
    };
    let (a, d) = (it.np_tensor(actual)?, it.np_tensor(desired)?);
    if a.len() != 1 || d.len() != 1 {
        return Err(Raise::value_error(
            "The truth value of an array with more than one element is ambiguous. Use a.any() or a.all()",
        ));
    }
    let (p, q) = (a.to_f64_vec()[0], d.to_f64_vec()[0]);
    if !(p.is_finite() && q.is_finite()) {
        let ok = if p.is_nan() || q.is_nan() {
            p.is_nan() && q.is_nan()
        } else {
            p == q
        };
        return if ok { Ok(()) } else { Err(msg(it)) };
    }
    let diff = if a.dtype() == DType::F32 && d.dtype() == DType::F32 {
        f64::from((q as f32 - p as f32).abs())
    } else {
        (q - p).abs()
    };
    if diff >= 1.5 * 10f64.powf(-decimal) {
        return Err(msg(it));
    }
    Ok(())
}

/// A number as Python's `%`-format writes it (`%g` for tolerances, `%.3g` for percentages).
pub(super) fn py_format(spec: &str, x: f64) -> String {
    use crate::cells::format::py::FmtArg;
    crate::cells::format::py::percent(spec, &[FmtArg::Float(x)]).unwrap_or_else(|_| x.to_string())
}

fn g(x: f64) -> String {
    py_format("%g", x)
}
