//! Gradients TensorFlow gives as `tf.IndexedSlices`: a source whose every use on the way to
//! the target is `tf.gather(source, indices)` along axis 0 (of the source or of a
//! `tf.identity` of it) gets the gathered rows' gradients and their indices (duplicates kept),
//! not a dense tensor. Any other use makes it dense.

use std::sync::Arc;

mod order;

use crate::engine::autodiff::{TapeId, Val, ValId};
use crate::engine::dtype::DType;
use crate::engine::ops::{Op, ShapeOp, Unary};
use crate::engine::tensor::Tensor;

use super::interp::Interp;
use super::raise::Raise;
use super::value::{Slices, Value};

/// A source, or a `tf.identity` of one (`via` the place of the first identity on the tape).
struct Copy {
    id: ValId,
    source: usize,
    via: Option<usize>,
}

/// One op application that reads a source (or a copy of it).
struct Reader {
    /// Its place on the tape.
    entry: usize,
    /// The place of the identity that made the copy it reads, if it reads one.
    via: Option<usize>,
    source: usize,
    output: Val,
    /// The indices, when the reader is a gather of the source along axis 0.
    gather_indices: Option<Tensor>,
}

/// The ops of the tape that read each source: their outputs become extra sources of the one
/// gradient call, so that their gradients tell which uses lead to the target.
pub struct Readers {
    list: Vec<Reader>,
}

impl Readers {
    /// The readers of `sources`, in the order TensorFlow's backprop from `targets` runs them,
    /// the order in which it concatenates their IndexedSlices.
    pub fn find(
        ctx: &crate::engine::autodiff::Ctx,
        tape: TapeId,
        targets: &[Val],
        sources: &[Val],
    ) -> Readers {
        let mut list = Vec::new();
        let Some(t) = ctx.tape(tape) else {
            return Readers { list };
        };
        // each source's value and what `tf.identity` made of it (a copy may be a source too):
        // identity's gradient hands an IndexedSlices on as it is, so a gather of a copy is a
        // gather of the source, reaching it when the first identity's gradient runs
        let mut copies: Vec<Copy> = sources
            .iter()
            .enumerate()
            .map(|(k, s)| Copy {
                id: s.id,
                source: k,
                via: None,
            })
            .collect();
        for (entry, e) in t.recorded().iter().enumerate() {
            if let (Op::Unary(Unary::Identity), [x]) = (&e.op, e.inputs.as_slice()) {
                let made: Vec<Copy> = copies
                    .iter()
                    .filter(|c| c.id == x.id)
                    .map(|c| Copy {
                        id: e.output.id,
                        source: c.source,
                        via: c.via.or(Some(entry)),
                    })
                    .collect();
                if !made.is_empty() {
                    copies.extend(made);
                    continue;
                }
            }
            for k in 0..sources.len() {
                let copy = |x: &Val| copies.iter().find(|c| c.id == x.id && c.source == k);
                let Some(via) = e.inputs.iter().find_map(copy).map(|c| c.via) else {
                    continue;
                };
                let gather_indices = match (&e.op, e.inputs.as_slice()) {
                    (Op::Shape(ShapeOp::Gather { axis: 0 }), [p, i])
                        if copy(p).is_some() && copy(i).is_none() =>
                    {
                        Some(i.tensor.as_ref().clone())
                    }
                    _ => None,
                };
                list.push(Reader {
                    entry,
                    via,
                    source: k,
                    output: e.output.clone(),
                    gather_indices,
                });
            }
        }
        // a target that is a source or a copy of one takes its gradient whole: a dense use
        for c in &copies {
            if let Some(t) = targets.iter().find(|t| t.id == c.id) {
                list.push(Reader {
                    entry: c.via.unwrap_or(0),
                    via: c.via,
                    source: c.source,
                    output: t.clone(),
                    gather_indices: None,
                });
            }
        }
        // a source no gather reads has a dense gradient: its readers need not be sources
        let gathered: Vec<usize> = list
            .iter()
            .filter(|r| r.gather_indices.is_some())
            .map(|r| r.source)
            .collect();
        list.retain(|r| gathered.contains(&r.source));
        if list.len() > 1 {
            let rank: std::collections::HashMap<usize, usize> =
                order::backprop_order(t.recorded(), targets)
                    .into_iter()
                    .enumerate()
                    .map(|(k, entry)| (entry, k))
                    .collect();
            // unreached readers (None) come first, harmlessly: they have no gradient; a gather
            // of a copy reaches the source with the identity that made the copy
            list.sort_by_key(|r| {
                let at = |entry: usize| rank.get(&entry).copied();
                (at(r.via.unwrap_or(r.entry)), at(r.entry))
            });
        }
        Readers { list }
    }

    /// The readers' outputs, to append to the gradient's sources.
    pub fn outputs(&self) -> Vec<Val> {
        self.list.iter().map(|r| r.output.clone()).collect()
    }

    /// The sources' gradients: `grads` holds the sources' then the readers' outputs'.
    pub fn answer(&self, grads: Vec<Option<Val>>, n_sources: usize) -> Result<Vec<Value>, Raise> {
        let (own, of_readers) = grads.split_at(n_sources);
        let mut out = Vec::with_capacity(n_sources);
        for (k, g) in own.iter().enumerate() {
            let Some(dense) = g else {
                out.push(Value::None);
                continue;
            };
            let used: Vec<(&Reader, &Val)> = self
                .list
                .iter()
                .zip(of_readers)
                .filter(|(r, g)| r.source == k && g.is_some())
                .filter_map(|(r, g)| g.as_ref().map(|g| (r, g)))
                .collect();
            let all_gathers =
                !used.is_empty() && used.iter().all(|(r, _)| r.gather_indices.is_some());
            out.push(if all_gathers {
                Value::IndexedSlices(Arc::new(slices(&used, dense)?))
            } else {
                Value::Tensor(dense.clone())
            });
        }
        Ok(out)
    }
}

fn slices(used: &[(&Reader, &Val)], dense: &Val) -> Result<Slices, Raise> {
    let shape = dense.tensor.shape().to_vec();
    let row: Vec<usize> = shape[1..].to_vec();
    let mut indices = Vec::new();
    let mut values = Vec::new();
    let mut index_dtype = DType::I32;
    for (r, g) in used {
        let idx = r.gather_indices.as_ref().expect("filtered to gathers");
        // TensorFlow casts int32 indices to int64 when it sums them with int64 ones
        if idx.dtype() == DType::I64 {
            index_dtype = DType::I64;
        }
        indices.extend(idx.to_f64_vec());
        values.extend(g.tensor.to_f64_vec());
    }
    let n = indices.len();
    let mut values_shape = vec![n];
    values_shape.extend(row);
    Ok(Slices {
        indices: Tensor::from_f64s(&[n], &indices, index_dtype)?,
        values: Tensor::from_f64s(&values_shape, &values, dense.tensor.dtype())?,
        dense_shape: shape,
        dense: dense.clone(),
    })
}

/// `-dE`: `IndexedSlices.__neg__`, the negated values at the same indices.
pub fn negate(it: &mut Interp, s: &Slices) -> Result<Value, Raise> {
    Ok(Value::IndexedSlices(Arc::new(Slices {
        indices: s.indices.clone(),
        values: it.compute("negative", vec![], &[&s.values])?,
        dense_shape: s.dense_shape.clone(),
        dense: negated_dense(it, &s.dense)?,
    })))
}

/// TensorFlow densifies `-dE` by summing its negated values into zeros, so rows no index
/// names are `0.`, not `-0.`: adding a zero turns the negated dense gradient's `-0.` into `0.`
/// and leaves every other element as it is (`-(a + b)` is `-a + -b` exactly).
fn negated_dense(it: &mut Interp, dense: &Val) -> Result<Val, Raise> {
    let negated = it.apply("negative", vec![], vec![dense.clone()])?;
    let zero = Tensor::from_f64s(&[], &[0.0], dense.tensor.dtype())?;
    let zero = it.ws.ctx.constant(zero);
    it.apply("add", vec![], vec![negated, zero])
}

/// `tf.cast(dE, dtype)` and `tf.identity(dE)` keep an IndexedSlices: TensorFlow's cast casts
/// its values, identity maps over its parts, so the call runs on the values (and on the dense
/// gradient this crate keeps beside them) and the indices stay. `None` when the call's tensor
/// argument is not an IndexedSlices.
pub fn cast_or_identity(
    it: &mut Interp,
    path: &str,
    args: &[Value],
    kwargs: &[(String, Value)],
) -> Result<Option<Value>, Raise> {
    let name = if path == "tf.identity" { "input" } else { "x" };
    let keyword = kwargs.iter().position(|(k, _)| k == name);
    let (s, at) = match (args.first(), keyword) {
        (Some(Value::IndexedSlices(s)), _) => (s.clone(), Arg::Positional),
        (None, Some(k)) => match &kwargs[k].1 {
            Value::IndexedSlices(s) => (s.clone(), Arg::Keyword(k)),
            _ => return Ok(None),
        },
        _ => return Ok(None),
    };
    let values = it.ws.ctx.constant(s.values.clone());
    let values = call_on_part(it, path, args, kwargs, at, values)?.into_tensor();
    let dense = call_on_part(it, path, args, kwargs, at, s.dense.clone())?;
    Ok(Some(Value::IndexedSlices(Arc::new(Slices {
        indices: s.indices.clone(),
        values,
        dense_shape: s.dense_shape.clone(),
        dense,
    }))))
}

#[derive(Clone, Copy)]
enum Arg {
    Positional,
    Keyword(usize),
}

fn call_on_part(
    it: &mut Interp,
    path: &str,
    args: &[Value],
    kwargs: &[(String, Value)],
    at: Arg,
    part: Val,
) -> Result<Val, Raise> {
    let (mut a, mut k) = (args.to_vec(), kwargs.to_vec());
    match at {
        Arg::Positional => a[0] = Value::Tensor(part),
        Arg::Keyword(i) => k[i].1 = Value::Tensor(part),
    }
    match super::tf::call(it, path, a, k)? {
        Value::Tensor(v) => Ok(v),
        other => Err(Raise::type_error(format!(
            "{path} of an IndexedSlices' part gave a {}",
            other.type_name()
        ))),
    }
}
