//! The numerical check of a gradient: central differences of the same computation, against
//! the tape's answer, as `tf.test.compute_gradient`, JAX's `check_grads` and PyTorch's
//! `gradcheck` do. Each check costs two evaluations per source element, counted against
//! `Limits::max_check_passes` before any runs, and the whole check against `max_compute_ms`.

use crate::engine::autodiff::{Ctx, Val};
use crate::engine::dtype::DType;
use crate::engine::error::{limit_err, Result};
use crate::engine::tensor::Tensor;
use crate::engine::Limits;

/// The step of `"check": true`: float64 central differences err by about eps² (truncation)
/// plus 1e-16 / eps (rounding), both near 1e-12 here.
pub const DEFAULT_EPS: f64 = 1e-6;

/// `tf.test.compute_gradient`'s default step.
pub const TF_DELTA: f64 = 1.0 / 1024.0;

/// `{max_abs_error, max_rel_error, eps, passed, worst_index}` of one request.
#[derive(Clone, Debug, PartialEq)]
pub struct Check {
    pub max_abs_error: f64,
    pub max_rel_error: f64,
    pub eps: f64,
    pub passed: bool,
    /// Where the two differ most: an index into the gradient (or Jacobian, Hessian).
    pub worst_index: Vec<usize>,
    /// Which source that index belongs to, when the request named a list of them.
    pub worst_source: Option<String>,
}

/// The tolerance a tape answer of `dtype` is held to, absolute and relative alike (JAX's
/// `check_grads` defaults): float32 rounds every op of the tape's pass.
pub fn tolerance(dtype: DType) -> f64 {
    if dtype == DType::F64 {
        1e-5
    } else {
        2e-3
    }
}

/// Refuses a check that would take more than `max_check_passes` evaluations.
pub fn budget(passes: usize, limits: &Limits) -> Result<()> {
    if passes > limits.max_check_passes {
        return Err(limit_err(format!(
            "this check takes {passes} evaluations of the program (two per source element); the limit max_check_passes is {}: check fewer or smaller sources",
            limits.max_check_passes
        )));
    }
    Ok(())
}

/// Stops a check that has run past `max_compute_ms` (each evaluation has its own clock).
pub struct Clock(std::time::Instant, u64);

impl Clock {
    pub fn start(limits: &Limits) -> Clock {
        Clock(std::time::Instant::now(), limits.max_compute_ms)
    }
    pub fn check(&self) -> Result<()> {
        if self.0.elapsed().as_millis() as u64 > self.1 {
            return Err(limit_err(format!(
                "the numerical check computed for longer than max_compute_ms = {} ms; check fewer or smaller sources",
                self.1
            )));
        }
        Ok(())
    }
}

/// `x` with `delta` added at flat position `i`, in float64.
pub fn nudged(x: &Tensor, i: usize, delta: f64) -> Tensor {
    let mut v = x.to_f64_vec();
    v[i] += delta;
    Tensor::from_f64s(x.shape(), &v, DType::F64).expect("same shape")
}

/// Central differences of `f` around `x` (float64): a Jacobian laid out `[out, x]` row-major,
/// with the output's length.
pub fn central(
    x: &Tensor,
    eps: f64,
    clock: &Clock,
    f: &mut dyn FnMut(Tensor) -> Result<Vec<f64>>,
) -> Result<(Vec<f64>, usize)> {
    let n = x.len();
    let mut cols: Vec<Vec<f64>> = Vec::with_capacity(n);
    for i in 0..n {
        clock.check()?;
        let plus = f(nudged(x, i, eps))?;
        let minus = f(nudged(x, i, -eps))?;
        cols.push(
            plus.iter()
                .zip(&minus)
                .map(|(p, m)| (p - m) / (2.0 * eps))
                .collect(),
        );
    }
    let m = cols.first().map_or(0, Vec::len);
    let mut out = vec![0.0; m * n];
    for (i, c) in cols.iter().enumerate() {
        for (r, v) in c.iter().enumerate() {
            out[r * n + i] = *v;
        }
    }
    Ok((out, m))
}

/// Compares each source's tape answer with its numerical one (same layout, flat).
pub fn compare(parts: &[(Option<&str>, &Tensor, Vec<f64>)], eps: f64) -> Check {
    let mut check = Check {
        max_abs_error: 0.0,
        max_rel_error: 0.0,
        eps,
        passed: true,
        worst_index: Vec::new(),
        worst_source: None,
    };
    let mut worst = -1.0;
    for (name, theo, num) in parts {
        let tol = tolerance(theo.dtype());
        for (i, (t, n)) in theo.to_f64_vec().iter().zip(num).enumerate() {
            let abs = (t - n).abs();
            let scale = t.abs().max(n.abs());
            let rel = if scale > 0.0 { abs / scale } else { 0.0 };
            // a NaN on either side fails the check
            if abs.is_nan() || abs > tol + tol * n.abs() {
                check.passed = false;
            }
            let abs = if abs.is_nan() { f64::INFINITY } else { abs };
            check.max_abs_error = check.max_abs_error.max(abs);
            check.max_rel_error =
                check
                    .max_rel_error
                    .max(if rel.is_nan() { f64::INFINITY } else { rel });
            if abs > worst {
                worst = abs;
                check.worst_index = unravel(i, theo.shape());
                check.worst_source = name.map(str::to_string);
            }
        }
    }
    check
}

fn unravel(mut flat: usize, shape: &[usize]) -> Vec<usize> {
    let mut idx = vec![0; shape.len()];
    for (k, &d) in shape.iter().enumerate().rev() {
        if d > 0 {
            idx[k] = flat % d;
            flat /= d;
        }
    }
    idx
}

/// `tf.test.compute_gradient(f, xs, delta)`: for each `x`, the theoretical Jacobian (one
/// backward pass per element of `y = f(xs)`, a `None` gradient read as a row of zeros) and the
/// numerical one (central differences in `x`'s own dtype, step `delta`, default 1/1024), each
/// `[y_size, x_size]` in `x`'s dtype, exactly as TensorFlow 2.15 computes them.
///
/// `f` runs the function on the given inputs in the given context (the cells interpreter
/// passes a closure that evaluates the Python callable); it is called `y_size + 2 * x_size`
/// times per `x`.
pub fn compute_gradient(
    ctx: &mut Ctx,
    xs: &[Tensor],
    delta: Option<f64>,
    f: &mut dyn FnMut(&mut Ctx, &[Val]) -> Result<Val>,
) -> Result<(Vec<Tensor>, Vec<Tensor>)> {
    let delta = delta.unwrap_or(TF_DELTA);
    let clock = Clock::start(&ctx.limits);
    let consts = |ctx: &mut Ctx, xs: &[Tensor]| -> Vec<Val> {
        xs.iter().map(|x| ctx.constant(x.clone())).collect()
    };
    let vals = consts(ctx, xs);
    let y = f(ctx, &vals)?;
    let (y_size, y_dtype, y_shape) = (y.tensor.len(), y.tensor.dtype(), y.tensor.shape().to_vec());
    let passes: usize = xs.iter().map(|x| y_size + 2 * x.len()).sum();
    budget(passes, &ctx.limits)?;
    let (mut theoretical, mut numerical) = (Vec::new(), Vec::new());
    for (p, x) in xs.iter().enumerate() {
        let x_size = x.len();
        let mut jt = vec![0.0; y_size * x_size];
        for row in 0..y_size {
            clock.check()?;
            let tape = ctx.open_tape(false, true);
            let vals = consts(ctx, xs);
            ctx.watch(tape, &vals[p])?;
            let y = f(ctx, &vals)?;
            ctx.stop_tape(tape)?;
            let dy = Tensor::unit_rows(&y_shape, &[row], y_dtype);
            let g = ctx.gradient(tape, &[y], &vals[p..=p], Some(vec![dy]), false)?;
            ctx.delete_tape(tape)?;
            if let Some(g) = g.into_iter().next().flatten() {
                jt[row * x_size..(row + 1) * x_size].copy_from_slice(&g.tensor.to_f64_vec());
            }
        }
        let mut jn = vec![0.0; y_size * x_size];
        let x_vals = x.to_f64_vec();
        // in x's dtype: the nudged value rounds to it, and the difference is taken in y's
        let round = |v: f64| Tensor::scalar(v, x.dtype()).to_f64_vec()[0];
        let in_y = |v: f64| Tensor::scalar(v, y_dtype).to_f64_vec()[0];
        let scale = in_y(2.0 * delta);
        for col in 0..x_size {
            clock.check()?;
            let mut run = |d: f64| -> Result<Vec<f64>> {
                let mut v = x_vals.clone();
                v[col] = round(v[col] + d);
                let mut inputs = xs.to_vec();
                inputs[p] = Tensor::from_f64s(x.shape(), &v, x.dtype())?;
                let vals = consts(ctx, &inputs);
                Ok(f(ctx, &vals)?.tensor.to_f64_vec())
            };
            let (pos, neg) = (run(delta)?, run(-delta)?);
            for (r, (a, b)) in pos.iter().zip(&neg).enumerate() {
                jn[r * x_size + col] = in_y(in_y(a - b) / scale);
            }
        }
        let shape = [y_size, x_size];
        theoretical.push(Tensor::from_f64s(&shape, &jt, x.dtype())?);
        numerical.push(Tensor::from_f64s(&shape, &jn, x.dtype())?);
    }
    Ok((theoretical, numerical))
}
