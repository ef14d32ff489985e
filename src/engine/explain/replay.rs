//! The numerical check of a gradient or Jacobian a tape answered outside a program (a session's
//! tape, built call by call, so there is no program to run again): the ops the tape recorded are
//! run again in float64 with one source nudged, and central differences of the target are held
//! against the tape's answer, as `evaluate`'s check does for a program.
//!
//! What is run again is the computation the tape differentiates: every recorded op that depends
//! on the nudged source, in the order it was recorded. What the tape did not record keeps the
//! value it had (a value made while the tape was stopped or paused, and integer or bool values
//! such as a comparison's, which no tape records), as it does for the tape's own answer; a
//! recorded op that depends on no source keeps its value too (a random draw is not drawn again).

use super::numcheck::{budget, central, compare, Check, Clock};
use crate::engine::autodiff::{Ctx, Entry, IdMap, Val};
use crate::engine::dtype::DType;
use crate::engine::error::Result;
use crate::engine::tensor::Tensor;
use crate::engine::Limits;

/// What the answer differentiates.
pub enum Of<'a> {
    /// `tape.gradient(targets, ...)`: the targets' sum, each weighted by its output gradient.
    Gradient {
        targets: &'a [Val],
        output_gradients: Option<&'a [Tensor]>,
    },
    /// `tape.jacobian(target, ...)`: each element of the target.
    Jacobian { target: &'a Val },
    /// `tape.batch_jacobian(target, source)`: each element of the target by the elements of its
    /// own row of the source.
    BatchJacobian { target: &'a Val },
}

/// Checks `answer` (one tensor or None per source, as the call answered it) against central
/// differences with step `eps` of the ops `recorded`; None when no source has a float answer.
pub fn check(
    recorded: &[Entry],
    of: Of,
    sources: &[(&str, &Val)],
    answer: &[Option<&Tensor>],
    eps: f64,
    limits: &Limits,
) -> Result<Option<Check>> {
    let checked: Vec<usize> = (0..sources.len())
        .filter(|&i| answer[i].is_some() && sources[i].1.tensor.dtype().is_float())
        .collect();
    if checked.is_empty() {
        return Ok(None);
    }
    budget(
        checked.iter().map(|&i| 2 * sources[i].1.tensor.len()).sum(),
        limits,
    )?;
    let clock = Clock::start(limits);
    let many = sources.len() > 1;
    let mut parts = Vec::new();
    for &i in &checked {
        let (name, source) = sources[i];
        let x = source.tensor.cast(DType::F64);
        let mut f = |xp: Tensor| evaluate_at(recorded, &of, source, xp, limits);
        let (num, _) = central(&x, eps, &clock, &mut f)?;
        let theo = answer[i].expect("filtered above");
        let num = match of {
            Of::BatchJacobian { target } => rows_of(&num, target, source),
            _ => num,
        };
        parts.push((many.then_some(name), theo, num));
    }
    Ok(Some(compare(&parts, eps)))
}

/// What `of` differentiates, with `source` set to `x`: the recorded ops that depend on it run
/// again in a context of their own, in float64.
fn evaluate_at(
    recorded: &[Entry],
    of: &Of,
    source: &Val,
    x: Tensor,
    limits: &Limits,
) -> Result<Vec<f64>> {
    let mut ctx = Ctx::new(limits.clone());
    ctx.promote_f64 = true;
    let mut now: IdMap<Val> = IdMap::default();
    now.insert(source.id, ctx.constant(x));
    for e in recorded {
        if now.contains_key(&e.output.id) || !e.inputs.iter().any(|v| now.contains_key(&v.id)) {
            continue;
        }
        let inputs: Vec<Val> = e
            .inputs
            .iter()
            .map(|v| match now.get(&v.id) {
                Some(n) => n.clone(),
                None => ctx.constant(v.tensor.as_ref().clone()),
            })
            .collect();
        let refs: Vec<&Val> = inputs.iter().collect();
        let out = ctx.apply(&e.op, &refs)?;
        now.insert(e.output.id, out);
    }
    let value = |t: &Val| match now.get(&t.id) {
        Some(v) => v.tensor.to_f64_vec(),
        None => t.tensor.to_f64_vec(),
    };
    Ok(match of {
        Of::Gradient {
            targets,
            output_gradients,
        } => {
            let mut sum = 0.0;
            for (k, t) in targets.iter().enumerate() {
                let tv = value(t);
                match output_gradients {
                    Some(ogs) => {
                        let og = ogs[k].to_f64_vec();
                        let og = |j: usize| if og.len() == 1 { og[0] } else { og[j] };
                        sum += tv.iter().enumerate().map(|(j, v)| v * og(j)).sum::<f64>();
                    }
                    None => sum += tv.iter().sum::<f64>(),
                }
            }
            vec![sum]
        }
        Of::Jacobian { target } | Of::BatchJacobian { target } => value(target),
    })
}

/// The blocks of a full numerical Jacobian (`[target elements, source elements]`, row-major)
/// that a batch Jacobian holds: each row `b` of the target by row `b` of the source.
pub(super) fn rows_of(full: &[f64], target: &Val, source: &Val) -> Vec<f64> {
    let batch = target.tensor.shape().first().copied().unwrap_or(1).max(1);
    let (t_row, s_row) = (target.tensor.len() / batch, source.tensor.len() / batch);
    let s_len = source.tensor.len();
    let mut out = Vec::with_capacity(batch * t_row * s_row);
    for b in 0..batch {
        for i in 0..t_row {
            let row = (b * t_row + i) * s_len + b * s_row;
            out.extend_from_slice(&full[row..row + s_row]);
        }
    }
    out
}
