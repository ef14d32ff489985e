//! `tape.gradient`: reverse accumulation over a tape, each VJP run through the context so an
//! outer tape records it.

use super::{fill_unconnected, Ctx, Entry, IdMap, IdSet, TapeId, Val, ValId};
use crate::engine::error::{arg_err, shape_err, Result};
use crate::engine::tensor::Tensor;

impl Ctx {
    /// `tape.gradient(targets, sources, output_gradients, unconnected_gradients)`.
    pub fn gradient(
        &mut self,
        tape: TapeId,
        targets: &[Val],
        sources: &[Val],
        output_gradients: Option<Vec<Tensor>>,
        zero_unconnected: bool,
    ) -> Result<Vec<Option<Val>>> {
        let (entries, traced) = self.begin_use(tape)?;
        let result = check_output_gradients(&output_gradients, targets)
            .and_then(|ogs| self.backprop(&entries, &traced, targets, sources, ogs, false));
        self.end_use(tape, entries, traced, result.is_ok());
        let grads = result?;
        Ok(fill_unconnected(self, grads, sources, zero_unconnected))
    }

    /// Reverse accumulation over `entries` from `targets` to `sources`.
    pub(super) fn backprop(
        &mut self,
        entries: &[Entry],
        traced: &IdSet,
        targets: &[Val],
        sources: &[Val],
        output_gradients: Option<Vec<Tensor>>,
        jacobian: bool,
    ) -> Result<Vec<Option<Val>>> {
        let seeded = seeded_sources(targets, sources, jacobian);
        let Some(reach) = reach(entries, traced, sources, &seeded) else {
            return Ok(vec![None; sources.len()]);
        };
        let mut grads = self.seed(targets, output_gradients, &reach, &seeded)?;
        self.walk_back(entries, &reach, &mut grads)?;
        Ok(sources
            .iter()
            .map(|s| {
                if reach.contains(&s.id) || seeded.contains(&s.id) {
                    grads.get(&s.id).cloned()
                } else {
                    None
                }
            })
            .collect())
    }

    /// Each target's output gradient (ones when none is given), where a gradient can flow
    /// from it.
    fn seed(
        &mut self,
        targets: &[Val],
        output_gradients: Option<Vec<Tensor>>,
        reach: &IdSet,
        seeded: &IdSet,
    ) -> Result<IdMap<Val>> {
        if let Some(ogs) = &output_gradients {
            if ogs.len() != targets.len() {
                return Err(arg_err(format!(
                    "{} output_gradients given for {} targets; give one per target",
                    ogs.len(),
                    targets.len()
                )));
            }
        }
        let mut grads: IdMap<Val> = IdMap::default();
        for (k, t) in targets.iter().enumerate() {
            let og = match &output_gradients {
                Some(ogs) => {
                    let og = &ogs[k];
                    // a batch of cotangents leads with extra dimensions; the rest is the target's shape
                    let lead = og.rank().saturating_sub(t.tensor.rank());
                    if og.shape()[lead..] != *t.tensor.shape() {
                        return Err(shape_err(format!(
                            "output_gradients[{k}] has shape {:?} but its target has shape {:?}; they must match",
                            og.shape(),
                            t.tensor.shape()
                        )));
                    }
                    og.cast(t.tensor.dtype())
                }
                None => Tensor::full(t.tensor.shape(), 1.0, t.tensor.dtype()),
            };
            if (t.tensor.dtype().is_float() && reach.contains(&t.id)) || seeded.contains(&t.id) {
                let og = self.constant(og);
                self.accumulate(&mut grads, t.id, og)?;
            }
        }
        Ok(grads)
    }

    /// The tape from its last entry to its first: each entry with a gradient runs its VJP (through
    /// the context, so an outer tape records it) and adds into its reaching inputs.
    fn walk_back(
        &mut self,
        entries: &[Entry],
        reach: &IdSet,
        grads: &mut IdMap<Val>,
    ) -> Result<()> {
        for e in entries.iter().rev() {
            if !reach.contains(&e.output.id) {
                continue;
            }
            let Some(g) = grads.get(&e.output.id).cloned() else {
                continue;
            };
            let inputs: Vec<&Val> = e.inputs.iter().collect();
            let needs: Vec<bool> = e.inputs.iter().map(|i| reach.contains(&i.id)).collect();
            if let Some(n) = self.numerics.as_deref_mut() {
                n.vjp_of = Some((e.output.id, e.op.name()));
            }
            let in_grads = e.op.vjp(self, &inputs, &e.output, &g, &needs)?;
            for (inp, ig) in e.inputs.iter().zip(in_grads) {
                if let Some(ig) = ig {
                    if reach.contains(&inp.id) {
                        self.accumulate(grads, inp.id, ig)?;
                    }
                }
            }
        }
        Ok(())
    }

    /// Gradients accumulate (`+=`), never overwrite: a value used twice gets both paths.
    pub(super) fn accumulate(&mut self, grads: &mut IdMap<Val>, id: ValId, g: Val) -> Result<()> {
        let sum = match grads.remove(&id) {
            Some(prev) => self.add(&prev, &g)?,
            None => g,
        };
        grads.insert(id, sum);
        Ok(())
    }
}

/// The sources that are also targets: TensorFlow seeds every target before walking back, so
/// such a source gets that target's output gradient, watched or not, of any dtype. A Jacobian
/// differentiates a reshaped copy of its target, so it never seeds a source.
fn seeded_sources(targets: &[Val], sources: &[Val], jacobian: bool) -> IdSet {
    targets
        .iter()
        .filter(|_| !jacobian)
        .filter(|t| sources.iter().any(|s| s.id == t.id))
        .map(|t| t.id)
        .collect()
}

/// Every value a gradient can flow to from a watched floating source (only those carry one),
/// or `None` when no source can get a gradient at all.
fn reach(entries: &[Entry], traced: &IdSet, sources: &[Val], seeded: &IdSet) -> Option<IdSet> {
    let mut reach: IdSet = sources
        .iter()
        .filter(|s| s.tensor.dtype().is_float() && traced.contains(&s.id))
        .map(|s| s.id)
        .collect();
    if reach.is_empty() && seeded.is_empty() {
        return None;
    }
    for e in entries {
        if e.inputs.iter().any(|i| reach.contains(&i.id)) {
            reach.insert(e.output.id);
        }
    }
    Some(reach)
}

/// Each output gradient must have its target's shape; a scalar broadcasts to it, as TensorFlow's
/// first VJP multiplies it in.
pub(super) fn check_output_gradients(
    ogs: &Option<Vec<Tensor>>,
    targets: &[Val],
) -> Result<Option<Vec<Tensor>>> {
    let Some(ogs) = ogs else { return Ok(None) };
    ogs.iter()
        .zip(targets)
        .enumerate()
        .map(|(k, (og, t))| {
            if og.shape() == t.tensor.shape() {
                Ok(og.clone())
            } else if og.rank() == 0 {
                Ok(Tensor::full(t.tensor.shape(), og.to_f64_vec()[0], og.dtype()))
            } else {
                Err(shape_err(format!(
                    "output_gradients[{k}] has shape {:?} but its target has shape {:?}; they must match",
                    og.shape(),
                    t.tensor.shape()
                )))
            }
        })
        .collect::<Result<Vec<_>>>()
        .map(Some)
}
