//! `tape.gradient`: reverse accumulation over a tape, each VJP run through the context so an
//! outer tape records it.

use smallvec::SmallVec;

use super::ready_order::{order_is_seen, ready_order};
use super::wrong_cotangent::{fate, Fate};
use super::{fill_unconnected, Ctx, Entry, IdMap, IdSet, TapeId, Val, ValId};
use crate::engine::error::{arg_err, shape_err, Result};
use crate::engine::ops::{FoldedZero, Op, Unary};
use crate::engine::tensor::Tensor;

impl Ctx {
    /// `tape.gradient(targets, sources, output_gradients, unconnected_gradients)`, as
    /// `/v1/evaluate` answers it: output gradients that would give a source a gradient of
    /// another shape than its own are an error, as evaluate.md makes them.
    pub fn gradient(
        &mut self,
        tape: TapeId,
        targets: &[Val],
        sources: &[Val],
        output_gradients: Option<Vec<Tensor>>,
        zero_unconnected: bool,
    ) -> Result<Vec<Option<Val>>> {
        self.gradient_with(
            tape,
            targets,
            sources,
            output_gradients,
            zero_unconnected,
            false,
        )
    }

    /// `tape.gradient` as a cell runs it: where output gradients of another shape than their
    /// targets give sources gradients of other shapes, TensorFlow's answer (`wrong_values`)
    /// wherever its gradient functions are written out.
    pub fn gradient_as_tensorflow(
        &mut self,
        tape: TapeId,
        targets: &[Val],
        sources: &[Val],
        output_gradients: Option<Vec<Tensor>>,
        zero_unconnected: bool,
    ) -> Result<Vec<Option<Val>>> {
        self.gradient_with(
            tape,
            targets,
            sources,
            output_gradients,
            zero_unconnected,
            true,
        )
    }

    fn gradient_with(
        &mut self,
        tape: TapeId,
        targets: &[Val],
        sources: &[Val],
        output_gradients: Option<Vec<Tensor>>,
        zero_unconnected: bool,
        answer_other_shapes: bool,
    ) -> Result<Vec<Option<Val>>> {
        let before = self.next_id;
        let (entries, traced) = self.begin_use(tape)?;
        let fused = self.tape(tape).map(|t| &t.fused);
        let no_checks = IdMap::default();
        let verdict = fate(
            &output_gradients,
            targets,
            sources,
            &entries,
            &traced,
            fused.unwrap_or(&no_checks),
        );
        let (result, used_up) = match verdict {
            Fate::Fits => {
                let result =
                    self.backprop(&entries, &traced, targets, sources, output_gradients, false);
                let ok = result.is_ok();
                (result, ok)
            }
            Fate::Broadcasts(ogs) => {
                let result = self.backprop(&entries, &traced, targets, sources, Some(ogs), false);
                let ok = result.is_ok();
                (result, ok)
            }
            Fate::Raises(e) => (Err(e), false),
            Fate::Succeeds(refusal) if !answer_other_shapes => (Err(refusal), true),
            // TensorFlow's answer where its functions are written out, else the refusal
            Fate::Succeeds(refusal) => {
                let ogs = output_gradients.unwrap_or_default();
                match self.backprop_wrong_shapes(&entries, &traced, targets, sources, &ogs) {
                    Ok(grads) => (Ok(grads), true),
                    Err(_) => (Err(refusal), true),
                }
            }
        };
        self.end_use(tape, entries, traced, used_up);
        let grads = fill_unconnected(self, result?, sources, zero_unconnected);
        self.prov.derivative(before, self.next_id, sources);
        Ok(grads)
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
        refuse_failing_gradients(entries, traced, targets)?;
        let seeded = seeded_sources(targets, sources, jacobian);
        let Some(reach) = reach(entries, traced, sources, &seeded) else {
            return Ok(vec![None; sources.len()]);
        };
        let mut grads = self.seed(targets, output_gradients, &reach, &seeded, jacobian)?;
        // a Jacobian's gradients come from a graph function, which keeps the tape's order; a
        // gradient that TensorFlow's order cannot change walks the tape's order too
        let tf_order = !jacobian
            && (order_is_seen(entries, targets)
                || self.numerics.is_some()
                || self.tapes.iter().flatten().any(|t| t.recording));
        let order: Vec<usize> = match tf_order {
            true => ready_order(entries, traced, targets),
            false => (0..entries.len()).rev().collect(),
        };
        self.walk_back(entries, &order, &reach, &mut grads, jacobian)?;
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
    /// from it. An int or bool target is reached only as the output of a variable's own op
    /// (`apply_resource`): TensorFlow seeds it with its own dtype's ones, or with the output
    /// gradient given, uncast; a Jacobian reshapes its target first, which for such a target
    /// records nothing, so no gradient flows.
    fn seed(
        &mut self,
        targets: &[Val],
        output_gradients: Option<Vec<Tensor>>,
        reach: &IdSet,
        seeded: &IdSet,
        jacobian: bool,
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
        // a gradient for at most each reached or seeded value: the map never grows (and
        // rehashes) on the way
        let room = reach.len() + seeded.len();
        let mut grads: IdMap<Val> = IdMap::with_capacity_and_hasher(room, Default::default());
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
                    match t.tensor.dtype().is_float() {
                        true => og.cast(t.tensor.dtype()),
                        false => og.clone(),
                    }
                }
                None => Tensor::full(t.tensor.shape(), 1.0, t.tensor.dtype()),
            };
            let flows = reach.contains(&t.id) && (t.tensor.dtype().is_float() || !jacobian);
            if flows || seeded.contains(&t.id) {
                let og = self.constant(og);
                self.accumulate(&mut grads, t.id, og)?;
            }
        }
        Ok(grads)
    }

    /// The tape's entries in `order`: each entry with a gradient runs its VJP (through the
    /// context, so an outer tape records it) and adds into its reaching inputs.
    /// TensorFlow computes a Jacobian in a graph function whose constant folding rewrites a
    /// product with a constant zero to zero: there a cotangent that is a constant zero (sign's
    /// gradient) stays exactly zero through products and linear ops, even against NaN.
    /// `consts` are the cotangents that graph holds as constants: the seeds, and what only
    /// moves or adds them (`keeps_a_constant_cotangent`).
    fn walk_back(
        &mut self,
        entries: &[Entry],
        order: &[usize],
        reach: &IdSet,
        grads: &mut IdMap<Val>,
        jacobian: bool,
    ) -> Result<()> {
        let mut zeros = IdSet::default();
        let mut negated: IdMap<ValId> = IdMap::default();
        let mut consts: IdSet = if jacobian {
            grads.values().map(|g| g.id).collect()
        } else {
            IdSet::default()
        };
        for e in order.iter().map(|&i| &entries[i]) {
            if !reach.contains(&e.output.id) {
                continue;
            }
            let Some(g) = grads.get(&e.output.id).cloned() else {
                continue;
            };
            // an op has a few inputs: these stay on the stack
            let inputs: SmallVec<[&Val; 4]> = e.inputs.iter().collect();
            // an int or bool input takes a gradient only from a variable's own op (`reach`)
            let resource = !e.output.tensor.dtype().is_float();
            let needs: SmallVec<[bool; 4]> = e
                .inputs
                .iter()
                .map(|i| reach.contains(&i.id) && (resource || i.tensor.dtype().is_float()))
                .collect();
            if let Some(n) = self.numerics.as_deref_mut() {
                n.vjp_of = Some((e.output.id, e.op.name()));
            }
            let in_grads = e.op.vjp(self, &inputs, &e.output, &g, &needs)?;
            let zero_in = jacobian && zeros.contains(&g.id);
            let negation = matches!(e.op, Op::Unary(Unary::Negative));
            let stays_constant = consts.contains(&g.id) && e.op.keeps_a_constant_cotangent();
            for (k, (inp, ig)) in e.inputs.iter().zip(in_grads).enumerate() {
                let Some(ig) = ig.filter(|_| needs[k]) else {
                    continue;
                };
                let folded = jacobian
                    && (e.op.zero_gradient()
                        || (zero_in && e.op.folds_a_zero_cotangent(k, inp.tensor.rank())));
                let ig = match (folded, e.op.folded_zero(k)) {
                    (false, _) | (true, FoldedZero::AsComputed) => ig,
                    (true, FoldedZero::Positive) => self.zeros_like(&ig),
                    (true, FoldedZero::Negative) => {
                        let z = self.zeros_like(&ig);
                        self.neg(&z)?
                    }
                };
                if jacobian && negation {
                    negated.insert(ig.id, g.id);
                }
                let ig_const = stays_constant || folded;
                if ig_const {
                    consts.insert(ig.id);
                }
                let prev = grads.get(&inp.id);
                // c + (-c) of a constant c: Grappler folds the sum to a constant zero (`w - w`
                // used as a value, differentiated twice)
                let cancels = jacobian
                    && ig_const
                    && prev.is_some_and(|p| {
                        consts.contains(&p.id)
                            && (negated.get(&ig.id) == Some(&p.id)
                                || negated.get(&p.id) == Some(&ig.id))
                    });
                let was_zero = prev.is_none_or(|p| zeros.contains(&p.id));
                let sum_const = ig_const && prev.is_none_or(|p| consts.contains(&p.id));
                self.accumulate(grads, inp.id, ig)?;
                if cancels {
                    let z = self.zeros_like(&grads[&inp.id]);
                    zeros.insert(z.id);
                    consts.insert(z.id);
                    grads.insert(inp.id, z);
                } else {
                    if folded && was_zero {
                        zeros.insert(grads[&inp.id].id);
                    }
                    if sum_const {
                        consts.insert(grads[&inp.id].id);
                    }
                }
            }
        }
        Ok(())
    }

    /// Gradients accumulate (`+=`), never overwrite: a value used twice gets both paths.
    pub(super) fn accumulate(&mut self, grads: &mut IdMap<Val>, id: ValId, g: Val) -> Result<()> {
        match grads.get_mut(&id) {
            Some(prev) => *prev = self.add_n(prev, &g)?,
            None => {
                grads.insert(id, g);
            }
        }
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

/// Every value a gradient can flow to from a watched source, or `None` when no source can get
/// a gradient at all. A tape traces floating values, and int or bool ones only as a
/// variable's handle or its own ops' outputs (`Ctx::apply_resource`): a gradient reaches an
/// int or bool input only through such an op (one with an int or bool output), as
/// TensorFlow's tape records no other op of one.
pub(super) fn reach(
    entries: &[Entry],
    traced: &IdSet,
    sources: &[Val],
    seeded: &IdSet,
) -> Option<IdSet> {
    // room for every source and entry, so the set never grows (and rehashes) on the way
    let mut reach =
        IdSet::with_capacity_and_hasher(sources.len() + entries.len(), Default::default());
    reach.extend(
        sources
            .iter()
            .filter(|s| traced.contains(&s.id))
            .map(|s| s.id),
    );
    if reach.is_empty() && seeded.is_empty() {
        return None;
    }
    for e in entries {
        let resource = !e.output.tensor.dtype().is_float();
        let flows = |i: &Val| reach.contains(&i.id) && (resource || i.tensor.dtype().is_float());
        if e.inputs.iter().any(flows) {
            reach.insert(e.output.id);
        }
    }
    Some(reach)
}

/// TensorFlow runs the gradient function of every recorded op a gradient reaches from the
/// targets, whether or not a source needs it: one it has no gradient for raises `LookupError`,
/// and one that fails for its inputs (`Op::gradient_error`) raises its error.
fn refuse_failing_gradients(entries: &[Entry], traced: &IdSet, targets: &[Val]) -> Result<()> {
    if !entries.iter().any(|e| e.op.may_fail_its_gradient()) {
        return Ok(());
    }
    let mut flows: IdSet = targets.iter().map(|t| t.id).collect();
    for e in entries.iter().rev() {
        if !flows.contains(&e.output.id) {
            continue;
        }
        let inputs: SmallVec<[&Tensor; 4]> = e.inputs.iter().map(|i| &*i.tensor).collect();
        let traced_inputs: SmallVec<[bool; 4]> =
            e.inputs.iter().map(|i| traced.contains(&i.id)).collect();
        if let Some(err) = e.op.gradient_error(&inputs, &traced_inputs) {
            return Err(err);
        }
        if e.op.differentiable() {
            flows.extend(e.inputs.iter().map(|i| i.id));
        }
    }
    Ok(())
}
