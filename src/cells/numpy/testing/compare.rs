//! NumPy's `assert_array_compare`, under `assert_allclose`, `assert_array_equal`,
//! `assert_array_almost_equal` and `assert_array_less`: shapes, NaN and inf positions, the
//! elementwise test, and the summary of what differs.

use crate::engine::dtype::DType;
use crate::engine::tensor::Tensor;

use super::super::arith::ufunc;
use super::{build_err_msg, fail, py_format, Compare, Test};
use crate::cells::format::numpy::array2string_default;
use crate::cells::interp::Interp;
use crate::cells::raise::Raise;
use crate::cells::value::Value;

/// Whether a value is one `assert_array_compare` finds the positions of (NaN, +inf, -inf).
type Position = fn(f64) -> bool;

/// Where NaN (or +inf, -inf) stands in `x` and `y`, which must agree: one flag for a 0-d side,
/// else one per element.
#[derive(Clone)]
enum Flag {
    One(bool),
    Each(Vec<bool>),
}

impl Flag {
    fn or(self, other: Flag) -> Flag {
        match (self, other) {
            (Flag::One(a), Flag::One(b)) => Flag::One(a || b),
            (Flag::One(a), Flag::Each(v)) | (Flag::Each(v), Flag::One(a)) => {
                Flag::Each(v.into_iter().map(|b| a || b).collect())
            }
            (Flag::Each(v), Flag::Each(w)) => {
                Flag::Each(v.into_iter().zip(w).map(|(a, b)| a || b).collect())
            }
        }
    }
}

/// NumPy's `assert_array_compare`: shapes must match (or one side be 0-d), NaN and inf must
/// stand in the same places (those places then skipped), and `test` must hold everywhere else.
pub(super) fn array_compare(
    it: &mut Interp,
    test: Test,
    xv: &Value,
    yv: &Value,
    err_msg: String,
    c: &Compare,
) -> Result<(), Raise> {
    let (x, y) = (it.np_tensor(xv)?, it.np_tensor(yv)?);
    let (ox, oy) = (Value::array(x.clone()), Value::array(y.clone()));
    let msg = |it: &mut Interp, err: &str, a: &Value, b: &Value| {
        fail(build_err_msg(
            it,
            [a, b],
            err,
            &c.header,
            ["x", "y"],
            c.precision,
            c.verbose,
        ))
    };
    let same = x.shape() == y.shape();
    let cond = if c.strict {
        same && x.dtype() == y.dtype()
    } else {
        x.rank() == 0 || y.rank() == 0 || same
    };
    if !cond {
        let reason = if !same {
            format!(
                "\n(shapes {}, {} mismatch)",
                crate::cells::print::tuple_text(x.shape()),
                crate::cells::print::tuple_text(y.shape())
            )
        } else {
            format!(
                "\n(dtypes {}, {} mismatch)",
                x.dtype().name(),
                y.dtype().name()
            )
        };
        return Err(msg(it, &format!("{err_msg}{reason}"), &ox, &oy));
    }
    let (xs, ys) = (x.to_f64_vec(), y.to_f64_vec());
    let mut flagged = Flag::One(false);
    let mut tests: Vec<(&str, Position)> = Vec::new();
    if c.equal_nan {
        tests.push(("nan", f64::is_nan));
    }
    if c.equal_inf {
        tests.push(("+inf", |v| v == f64::INFINITY));
        tests.push(("-inf", |v| v == f64::NEG_INFINITY));
    }
    for (what, at) in tests {
        let xi: Vec<bool> = xs.iter().map(|&v| at(v)).collect();
        let yi: Vec<bool> = ys.iter().map(|&v| at(v)).collect();
        let agree = match (xi.len(), yi.len()) {
            _ if x.rank() == 0 => yi.iter().all(|&b| b == xi[0]),
            _ if y.rank() == 0 => xi.iter().all(|&b| b == yi[0]),
            _ => xi == yi,
        };
        if !agree {
            let err = format!("{err_msg}\nx and y {what} location mismatch:");
            return Err(msg(it, &err, &ox, &oy));
        }
        let flag = if x.rank() == 0 {
            Flag::One(xi[0])
        } else if y.rank() == 0 {
            Flag::One(yi[0])
        } else {
            Flag::Each(yi)
        };
        flagged = flagged.or(flag);
    }
    let (x, y, n_elements) = match &flagged {
        Flag::One(true) => return Ok(()),
        Flag::One(false) => (x, y, None),
        Flag::Each(f) => {
            let keep = |t: &Tensor| -> Result<Tensor, Raise> {
                let kept: Vec<f64> = t
                    .to_f64_vec()
                    .into_iter()
                    .zip(f)
                    .filter(|(_, &skip)| !skip)
                    .map(|(v, _)| v)
                    .collect();
                Ok(Tensor::from_f64s(&[kept.len()], &kept, t.dtype())?)
            };
            let (x, y) = (keep(&x)?, keep(&y)?);
            if x.is_empty() {
                return Ok(());
            }
            (x, y, Some(f.len()))
        }
    };
    let ok = holds(it, test, &x, &y)?;
    let n_mismatch = ok.iter().filter(|&&b| !b).count();
    if n_mismatch == 0 {
        return Ok(());
    }
    let total = n_elements.unwrap_or(ok.len());
    let pct = 100.0 * n_mismatch as f64 / total as f64;
    let mut remarks = vec![format!(
        "Mismatched elements: {n_mismatch} / {total} ({}%)",
        py_format("%.3g", pct)
    )];
    remarks.extend(differences(it, &x, &y));
    let err = format!("{err_msg}\n{}", remarks.join("\n"));
    Err(msg(it, &err, &ox, &oy))
}

/// Whether `test` holds at each element of `x` and `y` broadcast together.
fn holds(it: &mut Interp, test: Test, x: &Tensor, y: &Tensor) -> Result<Vec<bool>, Raise> {
    let (xv, yv) = (Value::array(x.clone()), Value::array(y.clone()));
    let out = match test {
        Test::Equal => ufunc(it, "equal", &xv, &yv)?,
        Test::Less => ufunc(it, "less", &xv, &yv)?,
        Test::Almost(decimal) => {
            // `y` made inexact first, so an integer `x - y` cannot overflow
            let yf = if y.dtype().is_float() {
                y.clone()
            } else {
                y.cast(DType::F64)
            };
            let z = ufunc(it, "subtract", &xv, &Value::array(yf))?;
            let z = abs(&it.np_tensor(&z)?)?;
            let limit = Value::Float(1.5 * 10f64.powf(-decimal));
            ufunc(it, "less", &Value::array(z), &limit)?
        }
        Test::Close {
            rtol,
            atol,
            equal_nan,
        } => {
            return Ok(is_close(x, y, rtol, atol, equal_nan));
        }
    };
    Ok(it
        .np_tensor(&out)?
        .to_f64_vec()
        .iter()
        .map(|&b| b != 0.0)
        .collect())
}

/// `np.isclose`: `|x - y| <= atol + rtol * |y|` where both are finite, equality elsewhere, and
/// two NaNs close when `equal_nan`; the tolerance is computed in `y`'s float dtype.
fn is_close(x: &Tensor, y: &Tensor, rtol: f64, atol: f64, equal_nan: bool) -> Vec<bool> {
    let shape = crate::engine::kernels::broadcast_shape(x.shape(), y.shape()).unwrap_or_default();
    let xs = crate::cells::arith::broadcast_vals(x, &shape);
    let ys = crate::cells::arith::broadcast_vals(y, &shape);
    let f32_tol = y.dtype() == DType::F32 && y.rank() > 0;
    xs.iter()
        .zip(&ys)
        .map(|(&p, &q)| {
            if p.is_nan() || q.is_nan() {
                equal_nan && p.is_nan() && q.is_nan()
            } else if p.is_infinite() || q.is_infinite() {
                p == q
            } else {
                let tol = if f32_tol {
                    f64::from(atol as f32 + rtol as f32 * (q as f32).abs())
                } else {
                    atol + rtol * q.abs()
                };
                (p - q).abs() <= tol
            }
        })
        .collect()
}

/// `abs(t)` in `t`'s dtype.
fn abs(t: &Tensor) -> Result<Tensor, Raise> {
    let vals: Vec<f64> = t.to_f64_vec().iter().map(|v| v.abs()).collect();
    Ok(Tensor::from_f64s(t.shape(), &vals, t.dtype())?)
}

/// NumPy's "Max absolute difference" and "Max relative difference" lines, none when `x - y`
/// is not defined (booleans).
fn differences(it: &mut Interp, x: &Tensor, y: &Tensor) -> Vec<String> {
    let (xv, yv) = (Value::array(x.clone()), Value::array(y.clone()));
    let Ok(diff) = ufunc(it, "subtract", &xv, &yv).and_then(|d| it.np_tensor(&d)) else {
        return Vec::new();
    };
    let d = diff.dtype();
    let err = diff
        .to_f64_vec()
        .iter()
        .map(|v| v.abs())
        .collect::<Vec<_>>();
    let ys = crate::cells::arith::broadcast_vals(y, diff.shape());
    let rel_dtype = match (d.is_float(), y.dtype().is_float()) {
        (false, false) => DType::F64,
        _ => super::super::promote::promote(d, y.dtype()),
    };
    let rel: Vec<f64> = err
        .iter()
        .zip(&ys)
        .filter(|(_, &q)| q != 0.0)
        .map(|(&e, &q)| match rel_dtype {
            DType::F32 => f64::from(e as f32 / (q as f32).abs()),
            _ => e / q.abs(),
        })
        .collect();
    let max_rel = if rel.is_empty() {
        f64::INFINITY
    } else {
        nan_max(&rel)
    };
    let shown = |v: f64, d: DType| {
        Tensor::from_f64s(&[], &[v], d)
            .map(|t| array2string_default(&t))
            .unwrap_or_default()
    };
    vec![
        format!("Max absolute difference: {}", shown(nan_max(&err), d)),
        format!("Max relative difference: {}", shown(max_rel, rel_dtype)),
    ]
}

/// `np.max`: NaN when any value is NaN.
fn nan_max(v: &[f64]) -> f64 {
    v.iter().copied().fold(f64::NEG_INFINITY, |m, x| {
        if m.is_nan() || x.is_nan() {
            f64::NAN
        } else {
            m.max(x)
        }
    })
}
