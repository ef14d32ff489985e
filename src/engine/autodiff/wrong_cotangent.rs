//! An output gradient of another shape than its target's. TensorFlow never checks one: its
//! tape runs every recorded op's gradient function backwards from the targets on whatever
//! arrives, so the call either raises inside one of those functions (and the tape stays
//! usable) or succeeds (and a non-persistent tape is used up). This walks the tape at the
//! level of shapes, each op's function given by `Op::wrong_cotangent`, to say which. A raise
//! carries TensorFlow's code. A success whose gradients all come out in their sources' shapes
//! is the gradient of the output gradients broadcast to their targets' shapes (the functions
//! broadcast a smaller cotangent as they multiply and sum it), and is answered; one whose
//! gradients come out in other shapes is computed by `wrong_values`, TensorFlow's functions
//! run on the values, where they are written out there, and refused otherwise (the README
//! lists it).
//!
//! Two things raise whatever the shapes: an op TensorFlow has no gradient function for, once the
//! walk reaches it, and a fused gradient kernel's own check (`FusedCheck`), met where gradtape
//! recorded that kernel as several ops.

use smallvec::SmallVec;

use super::{Entry, FusedCheck, IdMap, IdSet, Val};
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
    /// Nothing raises, and every source's gradient comes out in the source's own shape: the
    /// gradient functions broadcast (or reshape) the output gradient as they go, so the
    /// answer is the one for each output gradient broadcast (or reshaped) to its target's
    /// shape (these).
    Broadcasts(Vec<Tensor>),
    /// Nothing raises, but a source's gradient comes out in another shape than the source's:
    /// `wrong_values` computes it, or the request is refused (this error); either way the call
    /// uses a non-persistent tape up.
    Succeeds(Error),
}

pub(super) fn fate(
    ogs: &Option<Vec<Tensor>>,
    targets: &[Val],
    sources: &[Val],
    entries: &[Entry],
    traced: &IdSet,
    fused: &IdMap<FusedCheck>,
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
    match walk(ogs, targets, sources, entries, traced, fused) {
        Err(Stop::Code(code)) => Fate::Raises(refusal(code)),
        Err(Stop::Raised(e)) => Fate::Raises(e),
        Ok(reaching) => {
            // a target that is also a source gets its output gradient as it is
            let seeded_as_is = ogs.iter().zip(targets).all(|(og, t)| {
                og.shape() == t.tensor.shape() || sources.iter().all(|s| s.id != t.id)
            });
            let own_shapes = seeded_as_is
                && reaching
                    .iter()
                    .zip(sources)
                    .all(|(r, s)| r.as_ref().is_none_or(|r| r == s.tensor.shape()));
            let broadcast: Option<Vec<Tensor>> = ogs
                .iter()
                .zip(targets)
                .map(|(og, t)| {
                    let shape = t.tensor.shape();
                    // as many elements in another shape (`[1]` for a scalar target): the
                    // functions reshape it, as a sum's gradient does
                    og.broadcast_to(shape).or_else(|| og.reshape(shape).ok())
                })
                .collect();
            match broadcast {
                Some(ogs) if own_shapes => Fate::Broadcasts(ogs),
                _ => Fate::Succeeds(refusal(Code::ShapeMismatch)),
            }
        }
    }
}

/// TensorFlow's backward pass over shapes: from the targets' output gradients, each recorded
/// op (last first) whose output has gradients adds them up (AddN: "must have the same size
/// and shape") and runs its gradient function, which passes shapes on to the inputs the tape
/// traces. A gradient of the right shape stays right; only its shape takes part in a sum.
/// The shape of the gradient reaching each source, where one does.
fn walk(
    ogs: &[Tensor],
    targets: &[Val],
    sources: &[Val],
    entries: &[Entry],
    traced: &IdSet,
    fused: &IdMap<FusedCheck>,
) -> Result<Vec<Option<Shape>>, Stop> {
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
        let inputs: SmallVec<[&Tensor; 4]> = e.inputs.iter().map(|i| &*i.tensor).collect();
        let traced_inputs: SmallVec<[bool; 4]> =
            e.inputs.iter().map(|i| traced.contains(&i.id)).collect();
        if let Some(err) = e.op.gradient_error(&inputs, &traced_inputs) {
            return Err(Stop::Raised(err));
        }
        if !e.op.differentiable() {
            continue;
        }
        match fused.get(&e.output.id) {
            Some(FusedCheck::SameCount(s))
                if g.iter().product::<usize>() != s.iter().product::<usize>() =>
            {
                return Err(Stop::Code(Code::InvalidArgument))
            }
            Some(FusedCheck::SameShape(s)) if g != *s => {
                return Err(Stop::Code(Code::ShapeMismatch))
            }
            _ => {}
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
            e.op.wrong_cotangent(&g, &site).map_err(Stop::Code)?
        };
        for ((input, need), shape) in e.inputs.iter().zip(&needs).zip(passed) {
            if let (true, Some(shape)) = (*need, shape) {
                pending.entry(input.id).or_default().push(shape);
            }
        }
    }
    // what reaches a source is added up once more
    sources
        .iter()
        .map(|s| pending.get(&s.id).map(|grads| sum(grads)).transpose())
        .collect::<Result<_, Code>>()
        .map_err(Stop::Code)
}

/// Why the walk stopped: a kernel's error (its code), or an error of its own that a gradient
/// function raises (an op without one).
enum Stop {
    Code(Code),
    Raised(Error),
}

impl From<Code> for Stop {
    fn from(code: Code) -> Stop {
        Stop::Code(code)
    }
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
