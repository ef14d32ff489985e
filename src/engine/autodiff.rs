//! Tapes and reverse-mode differentiation, as `tf.GradientTape` does it.
//!
//! Every value has an id. A tape traces the ids it watches; an op run while a tape records, with
//! a traced floating input, is appended to that tape and its output becomes traced. Gradients
//! walk a tape backwards calling each op's VJP *through this same context*, so the gradient ops
//! are recorded by any other tape still recording: that is what makes second derivatives work.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

/// Value ids are distinct counters: hashing them through SipHash (the std default, built to
/// resist adversarial keys) cost a few percent of a small program, for keys nobody chooses.
#[derive(Default)]
pub struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        // spread the counter's low bits over the table (Fibonacci hashing)
        self.0.wrapping_mul(0x9E37_79B9_7F4A_7C15)
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | b as u64;
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = v;
    }
}

type IdSet = HashSet<ValId, BuildHasherDefault<IdHasher>>;
type IdMap<V> = HashMap<ValId, V, BuildHasherDefault<IdHasher>>;

use super::error::{arg_err, shape_err, Code, Error, Result};
use super::ops::Op;
use super::tensor::Tensor;
use super::Limits;

pub type ValId = u64;
pub type TapeId = usize;

/// A value in the context: a tensor and the id tapes know it by.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Val {
    pub id: ValId,
    pub t: Tensor,
}

/// One recorded op application.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Entry {
    pub op: Op,
    pub inputs: Vec<Val>,
    pub output: Val,
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Tape {
    pub persistent: bool,
    pub watch_accessed_variables: bool,
    pub recording: bool,
    /// A non-persistent tape that already answered one gradient or Jacobian.
    pub exhausted: bool,
    /// The id counter when the tape opened: values with ids up to it were computed before.
    /// This timeline and `Ctx::prov` are not in a stored session's bytes (sessions/codec.rs
    /// format 1): a session read back from a shared store explains from its tapes alone.
    #[serde(skip)]
    pub opened_at: ValId,
    /// The id counter when the tape was stopped, if it was.
    #[serde(skip)]
    pub stopped_at: Option<ValId>,
    traced: IdSet,
    entries: Vec<Entry>,
}

impl Tape {
    pub fn entries(&self) -> usize {
        self.entries.len()
    }
    /// The op applications the tape recorded, in order (cells read which ops consumed a
    /// source to answer a gather's gradient as `IndexedSlices`).
    pub fn recorded(&self) -> &[Entry] {
        &self.entries
    }
    /// Whether the tape traces `id`: it watched it, or recorded the op that produced it.
    pub fn traces(&self, id: ValId) -> bool {
        self.traced.contains(&id)
    }
    /// Visits every value the tape keeps alive (inputs and outputs of its entries).
    pub fn for_each_value(&self, mut f: impl FnMut(&Val)) {
        for e in &self.entries {
            f(&e.output);
            e.inputs.iter().for_each(&mut f);
        }
    }
}

/// TensorFlow's message for a second gradient on a non-persistent tape.
pub const TAPE_EXHAUSTED: &str =
    "A non-persistent GradientTape can only be used to compute one set of gradients (or jacobians); open it with persistent=true to ask more than once";

/// The eager context: value ids and the tapes.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Ctx {
    next_id: ValId,
    tapes: Vec<Option<Tape>>,
    pub limits: Limits,
    /// When the current request must stop computing (not state: not serialized).
    #[serde(skip)]
    deadline: Option<std::time::Instant>,
    /// Elements produced by the current request's ops so far.
    #[serde(skip)]
    produced: usize,
    /// How every value was produced, for `explain` (a push per op).
    #[serde(skip)]
    pub prov: super::provenance::Provenance,
    /// Off (None) unless a caller asks where a non-finite value began: then each op's output is
    /// scanned, as `tf.debugging.enable_check_numerics` does.
    #[serde(skip)]
    pub numerics: Option<Box<crate::engine::explain::Numerics>>,
    /// Runs every float32 value as float64 (the numerical gradient check).
    #[serde(skip)]
    pub promote_f64: bool,
}

impl Ctx {
    pub fn new(limits: Limits) -> Ctx {
        let mut ctx = Ctx {
            next_id: 1,
            tapes: Vec::new(),
            limits,
            deadline: None,
            produced: 0,
            prov: Default::default(),
            numerics: None,
            promote_f64: false,
        };
        ctx.start_request();
        ctx
    }

    /// Starts the clock and the element budget of one request.
    pub fn start_request(&mut self) {
        let budget = std::time::Duration::from_millis(self.limits.max_compute_ms);
        self.deadline = Some(std::time::Instant::now() + budget);
        self.produced = 0;
    }

    fn check_budget(&self) -> Result<()> {
        // reading the clock costs more than a small op: look at it every 16th value
        if self.next_id.is_multiple_of(16)
            && self.deadline.is_some_and(|d| std::time::Instant::now() > d)
        {
            return Err(super::error::limit_err(format!(
                "the request computed for longer than max_compute_ms = {} ms; make the program smaller",
                self.limits.max_compute_ms
            )));
        }
        if self.produced > self.limits.max_request_elements {
            return Err(super::error::limit_err(format!(
                "the request's ops produced {} elements in all; the limit max_request_elements is {}",
                self.produced, self.limits.max_request_elements
            )));
        }
        Ok(())
    }

    fn fresh(&mut self) -> ValId {
        self.next_id += 1;
        self.next_id
    }

    /// The id counter now: every value made from here on has a larger id.
    pub fn now(&self) -> ValId {
        self.next_id
    }

    /// A value no tape has seen (a constant, a literal, a fresh variable).
    pub fn constant(&mut self, t: Tensor) -> Val {
        let t = self.promoted(t);
        Val {
            id: self.fresh(),
            t,
        }
    }

    /// Runs `op` on `inputs` and records it on every recording tape that traces an input.
    pub fn apply(&mut self, op: &Op, inputs: &[&Val]) -> Result<Val> {
        if let Some(result) = op.expand(self, inputs) {
            return result;
        }
        self.check_budget()?;
        let tensors: Vec<&Tensor> = inputs.iter().map(|v| &v.t).collect();
        let t = op.forward(&tensors, &self.limits)?;
        let t = self.promoted(t);
        self.produced = self.produced.saturating_add(t.len());
        let out = Val {
            id: self.fresh(),
            t,
        };
        self.prov
            .record(out.id, op, inputs, out.t.dtype().is_float());
        if let Some(n) = self.numerics.as_deref_mut() {
            n.observe(op, inputs, &out);
        }
        if out.t.dtype().is_float()
            && op.recorded()
            && self.tapes.iter().flatten().any(|t| t.recording)
        {
            for tape in self.tapes.iter_mut().flatten().filter(|t| t.recording) {
                let traced = inputs
                    .iter()
                    .any(|v| v.t.dtype().is_float() && tape.traced.contains(&v.id));
                if traced {
                    tape.traced.insert(out.id);
                    tape.entries.push(Entry {
                        op: op.clone(),
                        inputs: inputs.iter().map(|v| (*v).clone()).collect(),
                        output: out.clone(),
                    });
                }
            }
        }
        Ok(out)
    }

    fn promoted(&self, t: Tensor) -> Tensor {
        if self.promote_f64 && t.dtype() == super::dtype::DType::F32 {
            t.cast(super::dtype::DType::F64)
        } else {
            t
        }
    }

    pub fn open_tape(&mut self, persistent: bool, watch_accessed_variables: bool) -> TapeId {
        let opened_at = self.next_id;
        self.tapes.push(Some(Tape {
            persistent,
            watch_accessed_variables,
            recording: true,
            exhausted: false,
            opened_at,
            stopped_at: None,
            traced: IdSet::default(),
            entries: Vec::new(),
        }));
        self.tapes.len() - 1
    }

    pub fn tape(&self, id: TapeId) -> Option<&Tape> {
        self.tapes.get(id).and_then(|t| t.as_ref())
    }

    fn tape_mut(&mut self, id: TapeId) -> Result<&mut Tape> {
        self.tapes
            .get_mut(id)
            .and_then(|t| t.as_mut())
            .ok_or_else(|| {
                Error::new(
                    Code::NotFound,
                    format!("tape {id} does not exist (it was deleted or never opened)"),
                )
            })
    }

    pub fn stop_tape(&mut self, id: TapeId) -> Result<()> {
        let now = self.next_id;
        let tape = self.tape_mut(id)?;
        if tape.recording {
            tape.stopped_at = Some(now);
        }
        tape.recording = false;
        Ok(())
    }

    /// Records again: entering a tape's `with` block, or leaving `stop_recording()`.
    pub fn resume_tape(&mut self, id: TapeId) -> Result<()> {
        self.tape_mut(id)?.recording = true;
        Ok(())
    }

    /// `tape.reset()`: forgets what the tape recorded and watched, as a new tape would.
    pub fn reset_tape(&mut self, id: TapeId) -> Result<()> {
        let tape = self.tape_mut(id)?;
        tape.entries.clear();
        tape.traced.clear();
        tape.exhausted = false;
        Ok(())
    }

    /// Whether a tape traces the value with this id (`watched_variables()` asks of each variable).
    pub fn traces(&self, id: TapeId, value: ValId) -> bool {
        self.tape(id).is_some_and(|t| t.traced.contains(&value))
    }

    pub fn delete_tape(&mut self, id: TapeId) -> Result<()> {
        self.tape_mut(id)?;
        self.tapes[id] = None;
        Ok(())
    }

    pub fn recording_tapes(&self) -> Vec<TapeId> {
        (0..self.tapes.len())
            .filter(|&i| self.tape(i).is_some_and(|t| t.recording))
            .collect()
    }

    /// Whether some recording tape traces `v`.
    pub fn traced_by_a_recording_tape(&self, v: &Val) -> bool {
        self.tapes
            .iter()
            .flatten()
            .any(|t| t.recording && t.traced.contains(&v.id))
    }

    /// `tape.watch(x)`: floating values only, as TensorFlow ignores integer ones.
    pub fn watch(&mut self, id: TapeId, v: &Val) -> Result<()> {
        let tape = self.tape_mut(id)?;
        if v.t.dtype().is_float() {
            tape.traced.insert(v.id);
        }
        Ok(())
    }

    /// A used-up non-persistent tape refuses a request before anything else in it is checked,
    /// as `GradientTape.gradient` / `jacobian` / `batch_jacobian` test that first.
    pub fn check_usable(&mut self, id: TapeId) -> Result<()> {
        if self.tape_mut(id)?.exhausted {
            return Err(Error::new(Code::TapeExhausted, TAPE_EXHAUSTED));
        }
        Ok(())
    }

    /// Takes the tape's record for one gradient computation, enforcing the non-persistent rule.
    fn begin_use(&mut self, id: TapeId) -> Result<(Vec<Entry>, IdSet)> {
        self.check_usable(id)?;
        let tape = self.tape_mut(id)?;
        if !tape.persistent {
            // TensorFlow pops a non-persistent tape before differentiating with it.
            tape.recording = false;
        }
        // A persistent tape still recording records its own gradient computation (TensorFlow
        // does, inside the `with` block): it keeps its traced set while it is differentiated.
        let traced = if tape.recording {
            tape.traced.clone()
        } else {
            std::mem::take(&mut tape.traced)
        };
        Ok((std::mem::take(&mut tape.entries), traced))
    }

    fn end_use(&mut self, id: TapeId, entries: Vec<Entry>, traced: IdSet, _ok: bool) {
        if let Some(n) = self.numerics.as_deref_mut() {
            n.vjp_of = None;
        }
        if let Ok(tape) = self.tape_mut(id) {
            let mut entries = entries;
            entries.append(&mut tape.entries);
            tape.entries = entries;
            tape.traced.extend(traced);
            if !tape.persistent {
                tape.exhausted = true;
                tape.entries.clear();
            }
        }
    }

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

    /// `tape.jacobian(target, sources)`: one backward pass per target element.
    pub fn jacobian(
        &mut self,
        tape: TapeId,
        target: &Val,
        sources: &[Val],
        zero_unconnected: bool,
    ) -> Result<Vec<Option<Tensor>>> {
        let jac = self.jacobian_val(tape, target, sources, zero_unconnected)?;
        Ok(jac.into_iter().map(|j| j.map(|j| j.t)).collect())
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
        let (entries, traced) = self.begin_use(tape)?;
        let result = self.jacobian_rows(&entries, &traced, target, sources, None);
        self.end_use(tape, entries, traced, result.is_ok());
        let jac = result?;
        Ok(jac
            .into_iter()
            .zip(sources)
            .map(|(j, s)| {
                j.or_else(|| {
                    zero_unconnected.then(|| self.constant(unconnected_jacobian(target, s)))
                })
            })
            .collect())
    }

    /// `tape.batch_jacobian(target, source)`: rows are examples, assumed independent.
    pub fn batch_jacobian(
        &mut self,
        tape: TapeId,
        target: &Val,
        source: &Val,
        zero_unconnected: bool,
    ) -> Result<Option<Tensor>> {
        let j = self.batch_jacobian_val(tape, target, source, zero_unconnected)?;
        Ok(j.map(|j| j.t))
    }

    /// `batch_jacobian` through recorded ops, as `jacobian_val`.
    pub fn batch_jacobian_val(
        &mut self,
        tape: TapeId,
        target: &Val,
        source: &Val,
        zero_unconnected: bool,
    ) -> Result<Option<Val>> {
        self.check_usable(tape)?;
        let (ts, ss) = (target.t.shape().to_vec(), source.t.shape().to_vec());
        if ts.len() < 2 || ss.len() < 2 || ts[0] != ss[0] {
            return Err(shape_err(format!(
                "batch_jacobian: target shape {ts:?} and source shape {ss:?} must both have rank at least 2 and the same first dimension"
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
        self.end_use(tape, entries, traced, result.is_ok());
        let j = result?.pop().flatten();
        let shape: Vec<usize> = ts.iter().chain(&ss[1..]).copied().collect();
        // TensorFlow's batch_jacobian answers zeros for an unconnected source even with "none"
        let _ = zero_unconnected;
        Ok(Some(j.unwrap_or_else(|| {
            self.constant(Tensor::full(&shape, 0.0, target.t.dtype()))
        })))
    }

    /// Jacobian rows by reverse passes over batches of one-hot cotangents: row r of the Jacobian
    /// is the VJP of the r-th unit vector, and a batch of them goes through the tape at once.
    /// With `batch = Some(b)`, row r seeds element r of every example at once and the result is
    /// laid out `[b] + target[1:] + source[1:]`.
    fn jacobian_rows(
        &mut self,
        entries: &[Entry],
        traced: &IdSet,
        target: &Val,
        sources: &[Val],
        batch: Option<usize>,
    ) -> Result<Vec<Option<Val>>> {
        let n_out = target.t.len();
        if n_out == 0 && batch.is_none() {
            return self.empty_target_jacobian(entries, traced, target, sources);
        }
        let rows = match batch {
            Some(b) if b > 0 => n_out / b,
            Some(_) => 0,
            None => n_out,
        };
        let jac_elems: usize = sources
            .iter()
            .map(|s| s.t.len().saturating_mul(rows))
            .fold(0usize, |a, b| a.saturating_add(b));
        if jac_elems > self.limits.max_jacobian_elements {
            return Err(super::error::limit_err(format!(
                "this Jacobian has {jac_elems} elements; the limit max_jacobian_elements is {}",
                self.limits.max_jacobian_elements
            )));
        }
        // Rows per pass, so that every batched intermediate stays within max_tensor_elements.
        // Cotangents exist for traced values only (outputs, and inputs that can carry a
        // gradient), so constants such as a weight matrix do not shrink the batch.
        let widest = entries
            .iter()
            .flat_map(|e| {
                std::iter::once(&e.output).chain(e.inputs.iter().filter(|i| traced.contains(&i.id)))
            })
            .chain(sources)
            .chain(std::iter::once(target))
            .map(|v| v.t.len())
            .max()
            .unwrap_or(1)
            .max(1);
        let chunk = (self.limits.max_tensor_elements / widest).clamp(1, rows.max(1));
        let dtype = target.t.dtype();
        let mut parts: Vec<Vec<Val>> = vec![Vec::new(); sources.len()];
        let mut connected = vec![false; sources.len()];
        for start in (0..rows).step_by(chunk) {
            let b = chunk.min(rows - start);
            let mut ones = Vec::with_capacity(b * batch.unwrap_or(1));
            for k in 0..b {
                match batch {
                    None => ones.push(k * n_out + start + k),
                    Some(nb) => ones.extend((0..nb).map(|i| k * n_out + i * rows + start + k)),
                }
            }
            let og_shape: Vec<usize> = std::iter::once(b)
                .chain(target.t.shape().iter().copied())
                .collect();
            let og = Tensor::unit_rows(&og_shape, &ones, dtype);
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
                    .chain(s.t.shape().iter().copied())
                    .collect();
                parts[k].push(match g {
                    Some(g) => {
                        connected[k] = true;
                        g
                    }
                    None => self.constant(Tensor::full(&rows_shape, 0.0, s.t.dtype())),
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

    /// An empty target: TensorFlow answers zeros of shape target.shape + source.shape for a
    /// connected source, None for an unconnected one.
    fn empty_target_jacobian(
        &mut self,
        entries: &[Entry],
        traced: &IdSet,
        target: &Val,
        sources: &[Val],
    ) -> Result<Vec<Option<Val>>> {
        let og = Tensor::full(target.t.shape(), 0.0, target.t.dtype());
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
    fn assemble_jacobian(
        &mut self,
        parts: &[Val],
        target: &Val,
        source: &Val,
        rows: usize,
        batch: Option<usize>,
    ) -> Result<Val> {
        if !parts.iter().any(|p| self.traced_by_a_recording_tape(p)) {
            // nothing records it: the layout need not be ops (nor meet their element limit)
            let parts: Vec<Tensor> = parts.iter().map(|p| p.t.clone()).collect();
            let j = layout_jacobian(Tensor::concat_rows(&parts)?, target, source, rows, batch)?;
            return Ok(self.constant(j));
        }
        // the rows, stacked: [rows] + source.shape
        let stacked = match parts {
            [one] => one.clone(),
            _ => {
                let refs: Vec<&Val> = parts.iter().collect();
                self.apply(&Op::Shape(super::ops::ShapeOp::Concat { axis: 0 }), &refs)?
            }
        };
        let Some(nb) = batch else {
            let shape: Vec<usize> = target
                .t
                .shape()
                .iter()
                .chain(source.t.shape())
                .copied()
                .collect();
            return self.reshape(&stacked, &shape);
        };
        // row r holds d target[i, r] / d source[i, :] for every example i:
        // [rows, b, inner...] becomes [b, rows, inner...]
        let inner = &source.t.shape()[1..];
        let split: Vec<usize> = [rows, nb].iter().chain(inner).copied().collect();
        let mut perm: Vec<usize> = (0..split.len()).collect();
        perm.swap(0, 1);
        let split = self.reshape(&stacked, &split)?;
        let swapped = self.transpose(&split, &perm)?;
        let shape: Vec<usize> = target.t.shape().iter().chain(inner).copied().collect();
        self.reshape(&swapped, &shape)
    }

    /// Reverse accumulation over `entries` from `targets` to `sources`.
    fn backprop(
        &mut self,
        entries: &[Entry],
        traced: &IdSet,
        targets: &[Val],
        sources: &[Val],
        output_gradients: Option<Vec<Tensor>>,
        jacobian: bool,
    ) -> Result<Vec<Option<Val>>> {
        // Only what flows from a watched floating source can carry a gradient to it.
        let mut reach: IdSet = sources
            .iter()
            .filter(|s| s.t.dtype().is_float() && traced.contains(&s.id))
            .map(|s| s.id)
            .collect();
        // TensorFlow seeds every target before walking back, so a source that is itself a
        // target of `gradient` gets that target's output gradient, watched or not, of any dtype.
        // A Jacobian differentiates a reshaped copy of its target, so it never seeds a source.
        let seeded: IdSet = targets
            .iter()
            .filter(|_| !jacobian)
            .filter(|t| sources.iter().any(|s| s.id == t.id))
            .map(|t| t.id)
            .collect();
        if reach.is_empty() && seeded.is_empty() {
            return Ok(vec![None; sources.len()]);
        }
        for e in entries {
            if e.inputs.iter().any(|i| reach.contains(&i.id)) {
                reach.insert(e.output.id);
            }
        }
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
                    let lead = og.rank().saturating_sub(t.t.rank());
                    if og.shape()[lead..] != *t.t.shape() {
                        return Err(shape_err(format!(
                            "output_gradients[{k}] has shape {:?} but its target has shape {:?}; they must match",
                            og.shape(),
                            t.t.shape()
                        )));
                    }
                    og.cast(t.t.dtype())
                }
                None => Tensor::full(t.t.shape(), 1.0, t.t.dtype()),
            };
            if (t.t.dtype().is_float() && reach.contains(&t.id)) || seeded.contains(&t.id) {
                let og = self.constant(og);
                self.accumulate(&mut grads, t.id, og)?;
            }
        }
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
                        self.accumulate(&mut grads, inp.id, ig)?;
                    }
                }
            }
        }
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

    /// Gradients accumulate (`+=`), never overwrite: a value used twice gets both paths.
    fn accumulate(&mut self, grads: &mut IdMap<Val>, id: ValId, g: Val) -> Result<()> {
        let sum = match grads.remove(&id) {
            Some(prev) => self.add(&prev, &g)?,
            None => g,
        };
        grads.insert(id, sum);
        Ok(())
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
            .t
            .shape()
            .iter()
            .chain(source.t.shape())
            .copied()
            .collect();
        return stacked.reshape(&shape);
    };
    // row r holds d target[i, r] / d source[i, :] for every example i:
    // [rows, b, inner...] becomes [b, rows, inner...]
    let inner = &source.t.shape()[1..];
    let split: Vec<usize> = [rows, nb].iter().chain(inner).copied().collect();
    let mut perm: Vec<usize> = (0..split.len()).collect();
    perm.swap(0, 1);
    let swapped = stacked.reshape(&split)?.permuted(&perm);
    let shape: Vec<usize> = target.t.shape().iter().chain(inner).copied().collect();
    swapped.reshape(&shape)
}

/// Each output gradient must have its target's shape; a scalar broadcasts to it, as TensorFlow's
/// first VJP multiplies it in.
fn check_output_gradients(
    ogs: &Option<Vec<Tensor>>,
    targets: &[Val],
) -> Result<Option<Vec<Tensor>>> {
    let Some(ogs) = ogs else { return Ok(None) };
    ogs.iter()
        .zip(targets)
        .enumerate()
        .map(|(k, (og, t))| {
            if og.shape() == t.t.shape() {
                Ok(og.clone())
            } else if og.rank() == 0 {
                Ok(Tensor::full(t.t.shape(), og.to_f64_vec()[0], og.dtype()))
            } else {
                Err(shape_err(format!(
                    "output_gradients[{k}] has shape {:?} but its target has shape {:?}; they must match",
                    og.shape(),
                    t.t.shape()
                )))
            }
        })
        .collect::<Result<Vec<_>>>()
        .map(Some)
}

/// The zeros an unconnected source's Jacobian is with `unconnected_gradients="zero"`.
pub fn unconnected_jacobian(target: &Val, source: &Val) -> Tensor {
    let shape: Vec<usize> = target
        .t
        .shape()
        .iter()
        .chain(source.t.shape())
        .copied()
        .collect();
    Tensor::full(&shape, 0.0, source.t.dtype())
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
            g.or_else(|| zero.then(|| ctx.constant(Tensor::full(s.t.shape(), 0.0, s.t.dtype()))))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::ops::{Binary, Unary};

    fn scalar(ctx: &mut Ctx, v: f64) -> Val {
        ctx.constant(Tensor::scalar(v, crate::engine::DType::F64))
    }

    #[test]
    fn gradients_accumulate_over_every_path() {
        // y = x * x + x at x = 3: dy/dx = 2x + 1 = 7
        let mut ctx = Ctx::new(Limits::default());
        let tape = ctx.open_tape(false, true);
        let x = scalar(&mut ctx, 3.0);
        ctx.watch(tape, &x).unwrap();
        let xx = ctx.bin(Binary::Mul, &x, &x).unwrap();
        let y = ctx.add(&xx, &x).unwrap();
        let g = ctx
            .gradient(
                tape,
                std::slice::from_ref(&y),
                std::slice::from_ref(&x),
                None,
                false,
            )
            .unwrap();
        assert_eq!(g[0].as_ref().unwrap().t.to_f64_vec(), vec![7.0]);
        // a non-persistent tape answers once
        let again = ctx.gradient(tape, &[y], &[x], None, false).unwrap_err();
        assert_eq!(again.code, Code::TapeExhausted);
    }

    #[test]
    fn unwatched_and_unconnected_sources_get_none_or_zeros() {
        let mut ctx = Ctx::new(Limits::default());
        let tape = ctx.open_tape(true, true);
        let (a, b) = (scalar(&mut ctx, 1.0), scalar(&mut ctx, 2.0));
        ctx.watch(tape, &a).unwrap();
        let y = ctx.un(Unary::Exp, &a).unwrap();
        let g = ctx
            .gradient(
                tape,
                std::slice::from_ref(&y),
                &[a.clone(), b.clone()],
                None,
                false,
            )
            .unwrap();
        assert!(g[0].is_some() && g[1].is_none());
        let z = ctx.gradient(tape, &[y], &[a, b], None, true).unwrap();
        assert_eq!(z[1].as_ref().unwrap().t.to_f64_vec(), vec![0.0]);
    }

    #[test]
    fn a_gradient_recorded_by_an_outer_tape_differentiates_again() {
        // f = sin(x): the outer tape sees f' = cos(x), so f'' = -sin(x)
        let mut ctx = Ctx::new(Limits::default());
        let (outer, inner) = (ctx.open_tape(true, true), ctx.open_tape(true, true));
        let x = scalar(&mut ctx, 0.5);
        ctx.watch(outer, &x).unwrap();
        ctx.watch(inner, &x).unwrap();
        let f = ctx.un(Unary::Sin, &x).unwrap();
        ctx.stop_tape(inner).unwrap();
        let d1 = ctx
            .gradient(inner, &[f], std::slice::from_ref(&x), None, false)
            .unwrap()
            .remove(0)
            .unwrap();
        ctx.stop_tape(outer).unwrap();
        let d2 = ctx
            .gradient(outer, &[d1], &[x], None, false)
            .unwrap()
            .remove(0)
            .unwrap();
        assert!((d2.t.to_f64_vec()[0] + 0.5f64.sin()).abs() < 1e-15);
    }
}
