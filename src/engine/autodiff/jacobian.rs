//! Jacobians by reverse passes over batches of one-hot cotangents: `tape.jacobian` and
//! `tape.batch_jacobian`, each step of building the rows a named function.

use super::{Ctx, Entry, IdSet, TapeId, Val};
use crate::engine::error::{limit_err, shape_err, Result};
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
        let (entries, traced) = self.begin_use(tape)?;
        let result = self.jacobian_rows(&entries, &traced, target, sources, None);
        self.end_use(tape, entries, traced);
        let jac = result?;
        Ok(jac
            .into_iter()
            .zip(sources)
            .map(|(j, s)| {
                let shape: Vec<usize> = target
                    .tensor
                    .shape()
                    .iter()
                    .chain(s.tensor.shape())
                    .copied()
                    .collect();
                j.or_else(|| zero_unconnected.then(|| Tensor::full(&shape, 0.0, s.tensor.dtype())))
            })
            .collect())
    }

    /// `tape.batch_jacobian(target, source)`: rows are examples, assumed independent. An
    /// unconnected source gets zeros whatever `unconnected_gradients` says, as in TensorFlow.
    pub fn batch_jacobian(
        &mut self,
        tape: TapeId,
        target: &Val,
        source: &Val,
    ) -> Result<Option<Tensor>> {
        let (ts, ss) = (
            target.tensor.shape().to_vec(),
            source.tensor.shape().to_vec(),
        );
        if ts.is_empty() || ss.is_empty() || ts[0] != ss[0] {
            return Err(shape_err(format!(
                "batch_jacobian: need first dimension of target shape {ts:?} and source shape {ss:?} to match (both at least rank 1)"
            )));
        }
        let (entries, traced) = self.begin_use(tape)?;
        let result = self.jacobian_rows(
            &entries,
            &traced,
            target,
            std::slice::from_ref(source),
            Some(ts[0]),
        );
        self.end_use(tape, entries, traced);
        let j = result?.pop().flatten();
        let shape: Vec<usize> = ts.iter().chain(&ss[1..]).copied().collect();
        Ok(Some(j.unwrap_or_else(|| {
            Tensor::full(&shape, 0.0, source.tensor.dtype())
        })))
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
    ) -> Result<Vec<Option<Tensor>>> {
        let n_out = target.tensor.len();
        if n_out == 0 && batch.is_none() {
            return Ok(empty_target_jacobian(target, sources));
        }
        let rows = row_count(n_out, batch);
        self.check_jacobian_size(sources, rows)?;
        let chunk = self.rows_per_pass(entries, traced, target, sources, rows);
        let mut parts: Vec<Vec<Tensor>> = vec![Vec::new(); sources.len()];
        let mut connected = vec![false; sources.len()];
        for start in (0..rows).step_by(chunk) {
            let b = chunk.min(rows - start);
            let og = seed_rows(target, rows, start, b, batch);
            let grads = self.backprop(
                entries,
                traced,
                std::slice::from_ref(target),
                sources,
                Some(vec![og]),
            )?;
            for (k, (g, s)) in grads.into_iter().zip(sources).enumerate() {
                let rows_shape: Vec<usize> = std::iter::once(b)
                    .chain(s.tensor.shape().iter().copied())
                    .collect();
                parts[k].push(match g {
                    Some(g) => {
                        connected[k] = true;
                        g.tensor
                    }
                    None => Tensor::full(&rows_shape, 0.0, s.tensor.dtype()),
                });
            }
        }
        let mut out = Vec::new();
        for ((s, p), c) in sources.iter().zip(parts).zip(connected) {
            if !c {
                out.push(None);
                continue;
            }
            // the rows, stacked: [rows] + source.shape
            let stacked = Tensor::concat_rows(&p)?;
            out.push(Some(match batch {
                None => stacked.reshape(
                    &target
                        .tensor
                        .shape()
                        .iter()
                        .chain(s.tensor.shape())
                        .copied()
                        .collect::<Vec<_>>(),
                )?,
                Some(nb) => {
                    // row r holds d target[i, r] / d source[i, :] for every example i:
                    // [rows, b, inner...] becomes [b, rows, inner...]
                    let inner = &s.tensor.shape()[1..];
                    let split: Vec<usize> = [rows, nb].iter().chain(inner).copied().collect();
                    let mut perm: Vec<usize> = (0..split.len()).collect();
                    perm.swap(0, 1);
                    let swapped = stacked.reshape(&split)?.permuted(&perm);
                    swapped.reshape(
                        &target
                            .tensor
                            .shape()
                            .iter()
                            .chain(inner)
                            .copied()
                            .collect::<Vec<_>>(),
                    )?
                }
            }));
        }
        Ok(out)
    }

    /// A Jacobian over `max_jacobian_elements` is refused before any pass runs.
    fn check_jacobian_size(&self, sources: &[Val], rows: usize) -> Result<()> {
        let elems: usize = sources
            .iter()
            .map(|s| s.tensor.len().saturating_mul(rows))
            .fold(0usize, |a, b| a.saturating_add(b));
        if elems > self.limits.max_jacobian_elements {
            return Err(limit_err(format!(
                "this Jacobian has {elems} elements; the limit max_jacobian_elements is {}",
                self.limits.max_jacobian_elements
            )));
        }
        Ok(())
    }

    /// Rows per reverse pass, so that every batched intermediate stays within
    /// max_tensor_elements. Cotangents exist for traced values only (outputs, and inputs that
    /// can carry a gradient), so constants such as a weight matrix do not shrink the batch.
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
}

/// An empty target: TensorFlow answers zeros of shape target.shape + source.shape.
fn empty_target_jacobian(target: &Val, sources: &[Val]) -> Vec<Option<Tensor>> {
    sources
        .iter()
        .map(|s| {
            let shape: Vec<usize> = target
                .tensor
                .shape()
                .iter()
                .chain(s.tensor.shape())
                .copied()
                .collect();
            Some(Tensor::full(&shape, 0.0, s.tensor.dtype()))
        })
        .collect()
}

/// The Jacobian's rows: one per target element, or with a batch one per element of an example.
fn row_count(n_out: usize, batch: Option<usize>) -> usize {
    match batch {
        Some(b) if b > 0 => n_out / b,
        Some(_) => 0,
        None => n_out,
    }
}

/// The cotangents of rows `start..start + b`, `[b] + target.shape`: row r is one-hot at target
/// element r, or with a batch at element r of every example.
fn seed_rows(target: &Val, rows: usize, start: usize, b: usize, batch: Option<usize>) -> Tensor {
    let n_out = target.tensor.len();
    let mut ones = Vec::with_capacity(b * batch.unwrap_or(1));
    for k in 0..b {
        match batch {
            None => ones.push(k * n_out + start + k),
            Some(nb) => ones.extend((0..nb).map(|i| k * n_out + i * rows + start + k)),
        }
    }
    let shape: Vec<usize> = std::iter::once(b)
        .chain(target.tensor.shape().iter().copied())
        .collect();
    Tensor::unit_rows(&shape, &ones, target.tensor.dtype())
}
