//! `tape.jacobian` and `tape.batch_jacobian`: one-hot rows of the target pushed back through
//! one batched reverse pass, then laid out as `target.shape + source.shape`.

use smallvec::SmallVec;

use super::{Ctx, Entry, IdSet, TapeId, Val};
use crate::engine::error::{shape_err, Result};
use crate::engine::ops::{Create, LikeFill, Op, ShapeOp};
use crate::engine::tensor::Tensor;

impl Ctx {
    /// `tape.jacobian(target, sources)`: one backward pass per target element.
    pub fn jacobian(
        &mut self,
        tape: TapeId,
        target: &Val,
        sources: &[Val],
        zero_unconnected: bool,
    ) -> Result<Vec<Option<Tensor>>> {
        let jac = self.jacobian_val(tape, target, sources, zero_unconnected)?;
        Ok(jac
            .into_iter()
            .map(|j| j.map(|j| j.into_tensor()))
            .collect())
    }

    /// `jacobian` as values computed through recorded ops: a tape still recording records
    /// them, so its gradient of a Jacobian is a second derivative, as in TensorFlow.
    pub fn jacobian_val(
        &mut self,
        tape: TapeId,
        target: &Val,
        sources: &[Val],
        zero_unconnected: bool,
    ) -> Result<Vec<Option<Val>>> {
        let before = self.next_id;
        let capturing = self.tapes_tracing(target);
        let recorded_before: SmallVec<[usize; 4]> = capturing
            .iter()
            .map(|&t| self.tape(t).map_or(0, |tp| tp.entries.len()))
            .collect();
        let (entries, traced) = self.begin_use(tape)?;
        let result = self.jacobian_rows(&entries, &traced, target, sources, None);
        // TensorFlow traces every row's gradient (using a non-persistent tape up) before pfor
        // vectorizes them, so a vectorizing error comes after the tape is spent
        let vectorized = result
            .is_ok()
            .then(|| self.check_vectorized(&entries, &traced, target, sources));
        self.end_use(tape, entries, traced, result.is_ok());
        let jac = result?;
        vectorized.unwrap_or(Ok(()))?;
        // a tape that records the call builds the function's gradient at once, and an op the
        // gradient pass ran (SoftsignGrad) may have none registered: TensorFlow's LookupError
        for (&t, &n) in capturing.iter().zip(&recorded_before) {
            let missing = self
                .tape(t)
                .and_then(|tp| tp.entries.get(n..))
                .and_then(|new| new.iter().find_map(|e| e.op.without_gradient()));
            if let Some(op) = missing {
                return Err(crate::engine::error::no_gradient_err(op));
            }
        }
        let jac: Vec<Option<Val>> = jac
            .into_iter()
            .zip(sources)
            .map(|(j, s)| {
                j.or_else(|| {
                    zero_unconnected.then(|| self.constant(unconnected_jacobian(target, s)))
                })
            })
            .collect();
        for r in jac.iter().flatten() {
            for &t in &capturing {
                // `watch` ignores integer results, as TensorFlow's tape does
                let _ = self.watch(t, r);
            }
        }
        self.prov.derivative(before, self.next_id, sources);
        Ok(jac)
    }

    /// The recording tapes that trace `target`. TensorFlow's Jacobian is a function call that
    /// captures the flattened target, so each of them records the call: its results are traced
    /// there (`jacobian(J, J)` of such a result is the identity; results no recorded op made are
    /// watched).
    fn tapes_tracing(&self, target: &Val) -> SmallVec<[TapeId; 4]> {
        self.recording_tapes()
            .into_iter()
            .filter(|&t| {
                self.tape(t)
                    .is_some_and(|tp| tp.traced.contains(&target.id))
            })
            .collect()
    }

    /// `tape.batch_jacobian(target, source)`: rows are examples, assumed independent.
    /// TensorFlow's batch_jacobian answers zeros for an unconnected source whatever
    /// `unconnected_gradients` says; the setting decides their dtype only.
    pub fn batch_jacobian(
        &mut self,
        tape: TapeId,
        target: &Val,
        source: &Val,
        zero_unconnected: bool,
    ) -> Result<Tensor> {
        Ok(self
            .batch_jacobian_val(tape, target, source, zero_unconnected)?
            .into_tensor())
    }

    /// `batch_jacobian` through recorded ops, as `jacobian_val`.
    pub fn batch_jacobian_val(
        &mut self,
        tape: TapeId,
        target: &Val,
        source: &Val,
        zero_unconnected: bool,
    ) -> Result<Val> {
        self.batch_jacobian_connected(tape, target, source, zero_unconnected)
            .map(|(j, _)| j)
    }

    /// `batch_jacobian_val`, and whether the source is connected to the target at all (its
    /// zeros are then TensorFlow's answer for an unconnected source, which a note explains).
    pub fn batch_jacobian_connected(
        &mut self,
        tape: TapeId,
        target: &Val,
        source: &Val,
        zero_unconnected: bool,
    ) -> Result<(Val, bool)> {
        self.check_usable(tape)?;
        let (ts, ss) = (
            target.tensor.shape().to_vec(),
            source.tensor.shape().to_vec(),
        );
        if ts.len() < 2 || ss.len() < 2 || ts[0] != ss[0] {
            return Err(shape_err(format!(
                "batch_jacobian: target shape {ts:?} and source shape {ss:?} must both have rank at least 2 and the same first dimension"
            )));
        }
        let (entries, traced) = self.begin_use(tape)?;
        // an empty target the source reaches: pfor's zero iterations still give the loop's
        // gradient dtype, the source's
        let empty_but_connected = target.tensor.is_empty()
            && super::reverse::reach(
                &entries,
                &traced,
                std::slice::from_ref(source),
                &IdSet::default(),
            )
            .is_some_and(|r| r.contains(&target.id));
        let result = self.jacobian_rows(
            &entries,
            &traced,
            target,
            std::slice::from_ref(source),
            Some(ts[0]),
        );
        self.end_use(tape, entries, traced, result.is_ok());
        let j = result?.pop().flatten();
        let shape: Vec<usize> = ts.iter().chain(&ss[1..]).copied().collect();
        // with "none" every row's gradient is None and TensorFlow answers zeros of the target's
        // dtype (bool and integer included); with "zero" each row is `zeros_like(source)`
        let dtype = if zero_unconnected || empty_but_connected {
            source.tensor.dtype()
        } else {
            target.tensor.dtype()
        };
        Ok(match j {
            Some(j) => (j, true),
            None => (self.constant(Tensor::full(&shape, 0.0, dtype)), false),
        })
    }

    /// Jacobian rows by reverse passes over batches of one-hot cotangents: row r of the Jacobian
    /// is the VJP of the r-th unit vector, and a batch of them goes through the tape at once.
    /// With `batch = Some(b)`, row r seeds element r of every example at once and the result is
    /// laid out `[b] + target[1:] + source[1:]`.
    pub(super) fn jacobian_rows(
        &mut self,
        entries: &[Entry],
        traced: &IdSet,
        target: &Val,
        sources: &[Val],
        batch: Option<usize>,
    ) -> Result<Vec<Option<Val>>> {
        let n_out = target.tensor.len();
        if n_out == 0 && batch.is_none() {
            return self.empty_target_jacobian(entries, traced, target, sources);
        }
        let rows = match batch {
            Some(b) if b > 0 => n_out / b,
            Some(_) => 0,
            None => n_out,
        };
        self.check_jacobian_size(sources, rows)?;
        let chunk = self.rows_per_pass(entries, traced, target, sources, rows);
        let dtype = target.tensor.dtype();
        let mut parts: Vec<Vec<Val>> = vec![Vec::new(); sources.len()];
        let mut connected = vec![false; sources.len()];
        for start in (0..rows).step_by(chunk) {
            let b = chunk.min(rows - start);
            let og = one_hot_rows(target, start, b, rows, batch, dtype);
            let grads = self.backprop(
                entries,
                traced,
                std::slice::from_ref(target),
                sources,
                Some(vec![og]),
                true,
            )?;
            for (k, (g, s)) in grads.into_iter().zip(sources).enumerate() {
                let rows_shape: Vec<usize> = std::iter::once(b)
                    .chain(s.tensor.shape().iter().copied())
                    .collect();
                parts[k].push(match g {
                    Some(g) => {
                        connected[k] = true;
                        g
                    }
                    None => self.constant(Tensor::full(&rows_shape, 0.0, s.tensor.dtype())),
                });
            }
        }
        let mut out = Vec::new();
        for ((s, p), c) in sources.iter().zip(parts).zip(connected) {
            out.push(match c {
                true => Some(self.assemble_jacobian(&p, target, s, rows, batch)?),
                false => None,
            });
        }
        Ok(out)
    }

    /// The whole Jacobian must fit `max_jacobian_elements`, checked before any pass runs.
    fn check_jacobian_size(&self, sources: &[Val], rows: usize) -> Result<()> {
        let jac_elems: usize = sources
            .iter()
            .map(|s| s.tensor.len().saturating_mul(rows))
            .fold(0usize, |a, b| a.saturating_add(b));
        if jac_elems > self.limits.max_jacobian_elements {
            return Err(crate::engine::error::limit_err(format!(
                "this Jacobian has {jac_elems} elements; the limit max_jacobian_elements is {}",
                self.limits.max_jacobian_elements
            )));
        }
        Ok(())
    }

    /// Rows per pass, so that every batched intermediate stays within max_tensor_elements.
    /// Cotangents exist for traced values only (outputs, and inputs that can carry a gradient),
    /// so constants such as a weight matrix do not shrink the batch.
    fn rows_per_pass(
        &self,
        entries: &[Entry],
        traced: &IdSet,
        target: &Val,
        sources: &[Val],
        rows: usize,
    ) -> usize {
        let widest = entries
            .iter()
            .flat_map(|e| {
                std::iter::once(&e.output).chain(e.inputs.iter().filter(|i| traced.contains(&i.id)))
            })
            .chain(sources)
            .chain(std::iter::once(target))
            .map(|v| v.tensor.len())
            .max()
            .unwrap_or(1)
            .max(1);
        (self.limits.max_tensor_elements / widest).clamp(1, rows.max(1))
    }

    /// Err where TensorFlow's vectorized loop (`pfor`) of this Jacobian mistakes a shape. A
    /// tape without zero-size tensors passes before the reach is computed.
    fn check_vectorized(
        &self,
        entries: &[Entry],
        traced: &IdSet,
        target: &Val,
        sources: &[Val],
    ) -> Result<()> {
        if !super::pfor::has_zero_size(entries, target) {
            return Ok(());
        }
        match super::reverse::reach(entries, traced, sources, &IdSet::default()) {
            Some(reach) => super::pfor::check_jacobian_shapes(entries, &reach, target, sources),
            None => Ok(()),
        }
    }

    /// An empty target: TensorFlow answers zeros of shape target.shape + source.shape for a
    /// connected source, None for an unconnected one.
    pub(super) fn empty_target_jacobian(
        &mut self,
        entries: &[Entry],
        traced: &IdSet,
        target: &Val,
        sources: &[Val],
    ) -> Result<Vec<Option<Val>>> {
        let og = Tensor::full(target.tensor.shape(), 0.0, target.tensor.dtype());
        let connected = self.backprop(
            entries,
            traced,
            std::slice::from_ref(target),
            sources,
            Some(vec![og]),
            true,
        )?;
        Ok(sources
            .iter()
            .zip(connected)
            .map(|(s, c)| c.map(|_| self.constant(unconnected_jacobian(target, s))))
            .collect())
    }

    /// The Jacobian of one source from its chunks of rows, joined and laid out by recorded ops
    /// (concat, reshape, transpose), so a tape still recording traces the result.
    pub(super) fn assemble_jacobian(
        &mut self,
        parts: &[Val],
        target: &Val,
        source: &Val,
        rows: usize,
        batch: Option<usize>,
    ) -> Result<Val> {
        if !parts.iter().any(|p| self.traced_by_a_recording_tape(p)) {
            // nothing records it: the layout need not be ops (nor meet their element limit)
            let parts: Vec<Tensor> = parts.iter().map(|p| p.tensor.as_ref().clone()).collect();
            let j = layout_jacobian(Tensor::concat_rows(&parts)?, target, source, rows, batch)?;
            return Ok(self.constant(j));
        }
        // the rows, stacked: [rows] + source.shape
        let stacked = match parts {
            [one] => one.clone(),
            _ => {
                let refs: Vec<&Val> = parts.iter().collect();
                self.apply(&Op::Shape(ShapeOp::Concat { axis: 0 }), &refs)?
            }
        };
        let Some(nb) = batch else {
            let shape: Vec<usize> = target
                .tensor
                .shape()
                .iter()
                .chain(source.tensor.shape())
                .copied()
                .collect();
            return self.reshape(&stacked, &shape);
        };
        // row r holds d target[i, r] / d source[i, :] for every example i:
        // [rows, b, inner...] becomes [b, rows, inner...]
        let inner = &source.tensor.shape()[1..];
        let split: Vec<usize> = [rows, nb].iter().chain(inner).copied().collect();
        let mut perm: Vec<usize> = (0..split.len()).collect();
        perm.swap(0, 1);
        let split = self.reshape(&stacked, &split)?;
        let swapped = self.transpose(&split, &perm)?;
        let shape: Vec<usize> = target.tensor.shape().iter().chain(inner).copied().collect();
        self.reshape(&swapped, &shape)
    }
}

/// The Jacobian's rows stacked (`[rows] + source.shape`) laid out as `target.shape +
/// source.shape`, or for a batch Jacobian `target.shape + source.shape[1:]`.
fn layout_jacobian(
    stacked: Tensor,
    target: &Val,
    source: &Val,
    rows: usize,
    batch: Option<usize>,
) -> Result<Tensor> {
    let Some(nb) = batch else {
        let shape: Vec<usize> = target
            .tensor
            .shape()
            .iter()
            .chain(source.tensor.shape())
            .copied()
            .collect();
        return stacked.reshape(&shape);
    };
    // row r holds d target[i, r] / d source[i, :] for every example i:
    // [rows, b, inner...] becomes [b, rows, inner...]
    let inner = &source.tensor.shape()[1..];
    let split: Vec<usize> = [rows, nb].iter().chain(inner).copied().collect();
    let mut perm: Vec<usize> = (0..split.len()).collect();
    perm.swap(0, 1);
    let swapped = stacked.reshape(&split)?.permuted(&perm);
    let shape: Vec<usize> = target.tensor.shape().iter().chain(inner).copied().collect();
    swapped.reshape(&shape)
}

/// The zeros an unconnected source's Jacobian is with `unconnected_gradients="zero"`.
pub fn unconnected_jacobian(target: &Val, source: &Val) -> Tensor {
    let shape: Vec<usize> = target
        .tensor
        .shape()
        .iter()
        .chain(source.tensor.shape())
        .copied()
        .collect();
    Tensor::full(&shape, 0.0, source.tensor.dtype())
}

/// `unconnected_gradients="zero"`: zeros of each source's shape where a gradient is None.
pub fn fill_unconnected(
    ctx: &mut Ctx,
    grads: Vec<Option<Val>>,
    sources: &[Val],
    zero: bool,
) -> Vec<Option<Val>> {
    grads
        .into_iter()
        .zip(sources)
        .map(|(g, s)| {
            // TensorFlow fills with `zeros_like(source)`, an op a recording tape that traces the
            // source records: the zeros are then a tensor that tape can differentiate by
            g.or_else(|| {
                zero.then(|| {
                    let like = Op::Create(Box::new(Create::Like {
                        fill: LikeFill::Zeros,
                    }));
                    ctx.apply(&like, &[s]).unwrap_or_else(|_| {
                        ctx.constant(Tensor::full(s.tensor.shape(), 0.0, s.tensor.dtype()))
                    })
                })
            })
        })
        .collect()
}

/// The output gradients of one pass: rows `start..start + b` of the identity over the target
/// (for a batch Jacobian, the same row of every batch member), as a `[b] + target.shape` tensor.
fn one_hot_rows(
    target: &Val,
    start: usize,
    b: usize,
    rows: usize,
    batch: Option<usize>,
    dtype: crate::engine::DType,
) -> Tensor {
    let n_out = target.tensor.len();
    let mut ones = Vec::with_capacity(b * batch.unwrap_or(1));
    for k in 0..b {
        match batch {
            None => ones.push(k * n_out + start + k),
            Some(nb) => ones.extend((0..nb).map(|i| k * n_out + i * rows + start + k)),
        }
    }
    let og_shape: Vec<usize> = std::iter::once(b)
        .chain(target.tensor.shape().iter().copied())
        .collect();
    Tensor::unit_rows(&og_shape, &ones, dtype)
}
