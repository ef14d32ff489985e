//! An output gradient of the wrong shape. The spec makes it an error; TensorFlow never checks
//! one: its tape runs every recorded op's gradient function backwards from the targets on
//! whatever arrives, so the call either raises inside one of those functions (and the tape
//! stays usable) or succeeds with gradients of odd shapes (and a non-persistent tape is used
//! up). This walks the tape at the level of shapes, each op's function given by
//! `Op::wrong_cotangent`, to say which: the error then carries TensorFlow's code, and the tape
//! ends as TensorFlow's does.

use super::{Entry, IdMap, IdSet, Val};
use crate::engine::error::{Code, Error};
use crate::engine::ops::{Shape, Site};
use crate::engine::tensor::Tensor;

/// What TensorFlow's call does with the output gradients.
#[derive(Debug, PartialEq)]
pub(super) enum Fate {
    /// Every output gradient has its target's shape.
    Fits,
    /// A gradient function raises: the error carries its kernel's code.
    Raises(Error),
    /// Nothing raises; the spec still refuses the request, and the call uses a
    /// non-persistent tape up.
    Succeeds(Error),
}

pub(super) fn fate(
    ogs: &Option<Vec<Tensor>>,
    targets: &[Val],
    sources: &[Val],
    entries: &[Entry],
    traced: &IdSet,
) -> Fate {
    let Some(ogs) = ogs else { return Fate::Fits };
    let Some(k) = ogs
        .iter()
        .zip(targets)
        .position(|(og, t)| og.shape() != t.tensor.shape())
    else {
        return Fate::Fits;
    };
    let refusal = |code| {
        Error::new(
            code,
            format!(
                "output_gradients[{k}] has shape {:?} but its target has shape {:?}; give it the target's shape (TensorFlow does not broadcast it)",
                ogs[k].shape(),
                targets[k].tensor.shape()
            ),
        )
    };
    match walk(ogs, targets, sources, entries, traced) {
        Err(code) => Fate::Raises(refusal(code)),
        Ok(()) => Fate::Succeeds(refusal(Code::ShapeMismatch)),
    }
}

/// TensorFlow's backward pass over shapes: from the targets' output gradients, each recorded
/// op (last first) whose output has gradients adds them up (AddN: "must have the same size
/// and shape") and runs its gradient function, which passes shapes on to the inputs the tape
/// traces. A gradient of the right shape stays right; only its shape takes part in a sum.
fn walk(
    ogs: &[Tensor],
    targets: &[Val],
    sources: &[Val],
    entries: &[Entry],
    traced: &IdSet,
) -> Result<(), Code> {
    let needed = |v: &Val| traced.contains(&v.id) || sources.iter().any(|s| s.id == v.id);
    let mut pending: IdMap<Vec<Shape>> = IdMap::default();
    for (og, t) in ogs.iter().zip(targets) {
        pending.entry(t.id).or_default().push(og.shape().to_vec());
    }
    for e in entries.iter().rev() {
        let Some(grads) = pending.remove(&e.output.id) else {
            continue;
        };
        let g = sum(&grads)?;
        if !e.op.differentiable() {
            continue;
        }
        let ins: Vec<&[usize]> = e.inputs.iter().map(|i| i.tensor.shape()).collect();
        let needs: Vec<bool> = e.inputs.iter().map(needed).collect();
        let passed: Vec<Option<Shape>> = if g == e.output.tensor.shape() {
            ins.iter().map(|s| Some(s.to_vec())).collect()
        } else {
            let site = Site {
                ins: &ins,
                out: e.output.tensor.shape(),
                needs: &needs,
            };
            e.op.wrong_cotangent(&g, &site)?
        };
        for ((input, need), shape) in e.inputs.iter().zip(&needs).zip(passed) {
            if let (true, Some(shape)) = (*need, shape) {
                pending.entry(input.id).or_default().push(shape);
            }
        }
    }
    // what reaches a source is added up once more
    for s in sources {
        if let Some(grads) = pending.get(&s.id) {
            sum(grads)?;
        }
    }
    Ok(())
}

/// AddN over the gradients reaching one tensor.
fn sum(grads: &[Shape]) -> Result<Shape, Code> {
    let first = grads[0].clone();
    if grads.iter().all(|g| *g == first) {
        Ok(first)
    } else {
        Err(Code::ShapeMismatch)
    }
}
