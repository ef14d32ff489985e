//! NumPy's tests of values: `np.isnan`, `np.isinf`, `np.isfinite` (elementwise, bool) and
//! `np.testing.assert_allclose`, which a graded cell uses to compare its answer with one
//! computed by hand (None when close, AssertionError with NumPy's summary when not).

use crate::engine::dtype::DType;
use crate::engine::tensor::Tensor;

use super::args::Args;
use super::arith::np_wrap;
use crate::cells::interp::Interp;
use crate::cells::raise::{Raise, RaiseKind};
use crate::cells::value::Value;

pub const NAMES: &[&str] = &["isnan", "isinf", "isfinite", "testing.assert_allclose"];

pub fn call(
    it: &mut Interp,
    name: &str,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    if name == "testing.assert_allclose" {
        return assert_allclose(it, args, kwargs);
    }
    let mut a = Args::bind(name, &["x"], args, kwargs)?;
    let t = it.np_tensor(&a.required(0, "x")?)?;
    let test: fn(f64) -> bool = match name {
        "isnan" => f64::is_nan,
        "isinf" => f64::is_infinite,
        _ => f64::is_finite,
    };
    let vals: Vec<f64> = t
        .to_f64_vec()
        .into_iter()
        .map(|x| f64::from(u8::from(test(x))))
        .collect();
    Ok(np_wrap(Tensor::from_f64s(t.shape(), &vals, DType::Bool)?))
}

/// `np.testing.assert_allclose(actual, desired, rtol=1e-7, atol=0, equal_nan=True,
/// err_msg='', verbose=True)`: |actual - desired| <= atol + rtol * |desired| everywhere,
/// the shapes broadcast against each other.
fn assert_allclose(
    it: &mut Interp,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let names = [
        "actual",
        "desired",
        "rtol",
        "atol",
        "equal_nan",
        "err_msg",
        "verbose",
    ];
    let mut a = Args::bind("assert_allclose", &names, args, kwargs)?;
    let x = it.np_tensor(&a.required(0, "actual")?)?;
    let y = it.np_tensor(&a.required(1, "desired")?)?;
    let (rtol, atol) = (a.float(2, 1e-7)?, a.float(3, 0.0)?);
    let equal_nan = a.flag(4, true)?;
    let err_msg = match a.take(5) {
        Some(Value::Str(s)) => s.to_string(),
        _ => String::new(),
    };
    let Some(shape) = crate::engine::kernels::broadcast_shape(x.shape(), y.shape()) else {
        return Err(Raise::new(
            RaiseKind::AssertionError,
            format!(
                "\nNot equal to tolerance rtol={}, atol={}\n{err_msg}\n(shapes {}, {} mismatch)",
                g(rtol),
                g(atol),
                super::super::print::tuple_text(x.shape()),
                super::super::print::tuple_text(y.shape())
            ),
        ));
    };
    let xs = crate::cells::arith::broadcast_vals(&x, &shape);
    let ys = crate::cells::arith::broadcast_vals(&y, &shape);
    let (mut bad, mut max_abs, mut max_rel) = (0usize, 0f64, 0f64);
    for (p, q) in xs.iter().zip(&ys) {
        let close = if p.is_nan() || q.is_nan() {
            equal_nan && p.is_nan() && q.is_nan()
        } else if p.is_infinite() || q.is_infinite() {
            p == q
        } else {
            (p - q).abs() <= atol + rtol * q.abs()
        };
        if !close {
            bad += 1;
            let d = (p - q).abs();
            max_abs = max_abs.max(d);
            if *q != 0.0 {
                max_rel = max_rel.max(d / q.abs());
            }
        }
    }
    if bad == 0 {
        return Ok(Value::None);
    }
    let total = xs.len().max(1);
    Err(Raise::new(
        RaiseKind::AssertionError,
        format!(
            "\nNot equal to tolerance rtol={}, atol={}\n{err_msg}\nMismatched elements: {bad} / {total} ({}%)\nMax absolute difference: {}\nMax relative difference: {}",
            g(rtol),
            g(atol),
            percent(bad, total),
            g(max_abs),
            g(max_rel)
        ),
    ))
}

/// A number as NumPy's message shows a tolerance or difference (Python's `%g`).
fn g(x: f64) -> String {
    use crate::cells::format::py::FmtArg;
    crate::cells::format::py::percent("%g", &[FmtArg::Float(x)]).unwrap_or_else(|_| x.to_string())
}

fn percent(bad: usize, total: usize) -> String {
    let p = 100.0 * bad as f64 / total as f64;
    if p.fract() == 0.0 {
        format!("{p:.0}")
    } else {
        format!("{p:.3}")
    }
}
