//! The notes and checks of one `/v1/evaluate` program, added after it has run. Where a NaN
//! began is found by running the program again with `numerics` on, only when an answer holds a
//! NaN or an infinity: a program whose values are all finite pays one scan of its answers.

use super::numcheck::{budget, central, compare, Check, Clock};
use crate::engine::autodiff::Val;
use crate::engine::error::Result;
use crate::engine::program::{output_grads, Answer, Evaluation, Program, Request, Shaped};
use crate::engine::tensor::Tensor;
use crate::engine::Limits;

fn tensors(a: &Answer) -> Vec<&Tensor> {
    fn shaped(s: &Shaped<Option<Tensor>>) -> Vec<&Tensor> {
        match s {
            Shaped::One(t) => t.iter().collect(),
            Shaped::Many(ts) => ts.iter().flatten().collect(),
        }
    }
    match a {
        Answer::Gradient(s) | Answer::Jacobian(s) | Answer::Hessian(s) => shaped(s),
        Answer::BatchJacobian(t) => t.iter().collect(),
        Answer::Error(_) => Vec::new(),
    }
}

/// Adds the non-finite notes and the numerical checks to `ev`.
pub fn annotate(p: &Program, ev: &mut Evaluation, limits: &Limits) -> Result<()> {
    let bad_outputs = ev.outputs.iter().any(|(_, t)| t.has_non_finite());
    let bad_results: Vec<bool> = ev
        .results
        .iter()
        .map(|a| tensors(a).into_iter().any(Tensor::has_non_finite))
        .collect();
    if bad_outputs || bad_results.contains(&true) {
        non_finite_notes(p, ev, &bad_results, limits);
    }
    if p.requests.iter().any(|r| r.check().is_some()) {
        ev.checks = p
            .requests
            .iter()
            .zip(&ev.results)
            .map(|(r, a)| match r.check() {
                Some(eps) => check(p, r, a, eps, limits),
                None => Ok(None),
            })
            .collect::<Result<_>>()?;
    }
    Ok(())
}

fn non_finite_notes(p: &Program, ev: &mut Evaluation, bad_results: &[bool], limits: &Limits) {
    // the program ran once already: a replay that fails now is no new information
    let Ok((mut ws, tape)) = p.replay(limits, false, true, None) else {
        return;
    };
    for (k, r) in p.requests.iter().enumerate() {
        if let Some(n) = ws.ctx.numerics.as_deref_mut() {
            n.phase = k + 1;
        }
        let _ = p.answer(&mut ws, tape, r, limits);
    }
    let Some(numerics) = ws.ctx.numerics.take() else {
        return;
    };
    // no op made one: the NaN came in with an input
    let forward = numerics.note(&ws, 0).or_else(|| super::input_note(&ws));
    for (k, bad) in bad_results.iter().enumerate() {
        if !bad {
            continue;
        }
        let note = numerics.note(&ws, k + 1).or_else(|| {
            forward.as_ref().map(|f| {
                let mut n = f.clone();
                n.detail = format!(
                    "the forward pass went non-finite first ({}), and the gradient carries it",
                    f.detail
                );
                n
            })
        });
        ev.result_notes[k].extend(note);
    }
    ev.notes.extend(forward);
}

/// The values a replay of `p` gives `names`, with `perturbed` in place of its source.
fn values(
    p: &Program,
    names: &[&str],
    limits: &Limits,
    perturbed: Option<(&str, &Tensor)>,
) -> Result<(crate::engine::Workspace, usize, Vec<Val>)> {
    let (ws, tape) = p.replay(limits, true, false, perturbed)?;
    let vals = names
        .iter()
        .map(|n| ws.value_of(n))
        .collect::<Result<Vec<_>>>()?;
    Ok((ws, tape, vals))
}

/// Central differences of the same program in float64 against the tape's answer `a`.
fn check(p: &Program, r: &Request, a: &Answer, eps: f64, limits: &Limits) -> Result<Option<Check>> {
    let (sources, theo) = match (r, a) {
        (Request::Gradient { sources, .. }, Answer::Gradient(s))
        | (Request::Jacobian { sources, .. }, Answer::Jacobian(s))
        | (Request::Hessian { sources, .. }, Answer::Hessian(s)) => (sources, s),
        (Request::BatchJacobian { target, source, .. }, Answer::BatchJacobian(Some(j))) => {
            return batch_check(p, r, target, source, j, eps, limits).map(Some)
        }
        _ => return Ok(None),
    };
    let theo: Vec<Option<&Tensor>> = match theo {
        Shaped::One(t) => vec![t.as_ref()],
        Shaped::Many(ts) => ts.iter().map(Option::as_ref).collect(),
    };
    let names = sources.list();
    let (_, _, base) = values(p, &names, limits, None)?;
    let checked: Vec<usize> = (0..names.len())
        .filter(|&i| theo[i].is_some() && base[i].tensor.dtype().is_float())
        .collect();
    if checked.is_empty() {
        return Ok(None);
    }
    budget(
        checked.iter().map(|&i| 2 * base[i].tensor.len()).sum(),
        limits,
    )?;
    let clock = Clock::start(limits);
    let many = names.len() > 1;
    let mut parts = Vec::new();
    for &i in &checked {
        let src = names[i];
        let x = base[i].tensor.cast(crate::engine::DType::F64);
        let mut f = |xp: Tensor| -> Result<Vec<f64>> { evaluate_at(p, r, src, &xp, limits) };
        let (num, _) = central(&x, eps, &clock, &mut f)?;
        let t = theo[i].expect("filtered above");
        parts.push((many.then_some(src), t, num));
    }
    Ok(Some(compare(&parts, eps)))
}

/// A batch Jacobian's check: the full Jacobian by central differences, of which each batch
/// row's own block is the batch Jacobian (the rows are independent, as batch_jacobian
/// assumes).
fn batch_check(
    p: &Program,
    r: &Request,
    target: &str,
    source: &str,
    theo: &Tensor,
    eps: f64,
    limits: &Limits,
) -> Result<Check> {
    let (_, _, base) = values(p, &[target, source], limits, None)?;
    let x = base[1].tensor.cast(crate::engine::DType::F64);
    budget(2 * x.len(), limits)?;
    let clock = Clock::start(limits);
    let mut f = |xp: Tensor| -> Result<Vec<f64>> { evaluate_at(p, r, source, &xp, limits) };
    let (full, _) = central(&x, eps, &clock, &mut f)?;
    let num = super::replay::rows_of(&full, &base[0], &base[1]);
    Ok(compare(&[(None, theo, num)], eps))
}

/// What the request differentiates, evaluated with `src` set to `x`: the weighted sum of the
/// targets (gradient), the target's elements (Jacobian), the first derivative (Hessian).
fn evaluate_at(
    p: &Program,
    r: &Request,
    src: &str,
    x: &Tensor,
    limits: &Limits,
) -> Result<Vec<f64>> {
    match r {
        Request::Gradient {
            target,
            output_gradients,
            ..
        } => {
            let (_, _, ts) = values(p, &target.list(), limits, Some((src, x)))?;
            let ogs = output_grads(target, output_gradients, &ts, limits)?;
            let mut sum = 0.0;
            for (k, t) in ts.iter().enumerate() {
                let tv = t.tensor.to_f64_vec();
                match &ogs {
                    Some(ogs) => {
                        let og = ogs[k].to_f64_vec();
                        let og = |j: usize| if og.len() == 1 { og[0] } else { og[j] };
                        sum += tv.iter().enumerate().map(|(j, v)| v * og(j)).sum::<f64>();
                    }
                    None => sum += tv.iter().sum::<f64>(),
                }
            }
            Ok(vec![sum])
        }
        Request::Jacobian { target, .. } | Request::BatchJacobian { target, .. } => {
            let (_, _, ts) = values(p, &[target.as_str()], limits, Some((src, x)))?;
            Ok(ts[0].tensor.to_f64_vec())
        }
        Request::Hessian { target, .. } => {
            let (mut ws, tape, vals) = values(p, &[target.as_str(), src], limits, Some((src, x)))?;
            let g = ws.ctx.gradient(tape, &vals[..1], &vals[1..], None, true)?;
            Ok(g.into_iter()
                .next()
                .flatten()
                .map(|g| g.tensor.to_f64_vec())
                .unwrap_or_else(|| vec![0.0; x.len()]))
        }
    }
}
