//! Tapes and reverse-mode differentiation, as `tf.GradientTape` does it.
//!
//! Every value has an id. A tape traces the ids it watches; an op run while a tape records, with
//! a traced floating input, is appended to that tape and its output becomes traced. Gradients
//! walk a tape backwards calling each op's VJP *through this same context*, so the gradient ops
//! are recorded by any other tape still recording: that is what makes second derivatives work.
//!
//! - this file: values, tapes and the context that runs ops and records them
//! - `tapes`: opening, pausing, resuming, resetting and using up a tape
//! - `reverse`: `tape.gradient`, the reverse pass over a tape
//! - `ready_order`: the order TensorFlow's tape runs the gradients of its ops in
//! - `jacobian`: `tape.jacobian` and `batch_jacobian`, one reverse pass over a batch of rows

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

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
pub type IdMap<V> = HashMap<ValId, V, BuildHasherDefault<IdHasher>>;

use super::error::Result;
use super::ops::{check_resource_gather, Op, ShapeOp};
use super::tensor::Tensor;
use super::Limits;

pub type ValId = u64;
pub type TapeId = usize;

/// A value in the context: a tensor and the id tapes know it by. The tensor is behind an
/// `Arc`: a value is cloned into every tape entry and gradient map that holds it and moved
/// through every op's result, and a tensor itself is some 100 bytes (ndarray's dynamic shape
/// and strides) whose clone copies both; the `Arc` makes each of those a pointer's worth.
/// Serialized as the tensor itself, so stored sessions read the same.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Val {
    pub id: ValId,
    pub tensor: Arc<Tensor>,
}

impl Val {
    /// The tensor itself, copied only when another value still shares it.
    pub fn into_tensor(self) -> Tensor {
        Arc::unwrap_or_clone(self.tensor)
    }
}

/// One recorded op application.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Entry {
    pub op: Op,
    /// Inline: an op has one or two inputs, and a heap vector per recorded op was an
    /// allocation and a free each. Serialized as the vector was (a sequence), so stored
    /// sessions read the same.
    #[serde(with = "inline_vals")]
    pub inputs: Inputs,
    pub output: Val,
}

/// A recorded op's inputs.
pub type Inputs = smallvec::SmallVec<[Val; 2]>;

/// `Inputs` as a plain sequence, byte for byte what `Vec<Val>` wrote.
mod inline_vals {
    use super::{Inputs, Val};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &Inputs, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(v.iter())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Inputs, D::Error> {
        Vec::<Val>::deserialize(d).map(Inputs::from_vec)
    }
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Tape {
    pub persistent: bool,
    pub watch_accessed_variables: bool,
    pub recording: bool,
    /// A non-persistent tape that already answered one gradient or Jacobian.
    pub exhausted: bool,
    /// The id counter when the tape opened: values with ids up to it were computed before.
    /// This timeline, `awaiting_with` and `watched_ints` travel in a stored session beside the
    /// tapes (`TapeTimeline`, sessions/codec.rs format 5), not inside them, so that the bytes
    /// of the tapes stay those of format 4.
    #[serde(skip)]
    pub opened_at: ValId,
    /// Each stretch the tape did not record after it opened: the id counter when it stopped
    /// and when it resumed (None while still stopped). Every stretch is kept, so an op under
    /// `stop_recording` is still known as paused after the tape stops again.
    #[serde(skip)]
    pub paused: Vec<(ValId, Option<ValId>)>,
    /// A cell's tape made by `tf.GradientTape()` and not yet entered by a `with` block:
    /// TensorFlow has no recorder for it to answer a gradient from (not kept by a stored
    /// session, which then answers as for an entered tape).
    #[serde(skip)]
    pub awaiting_with: bool,
    traced: IdSet,
    /// Integer values the tape was asked to watch (integer variables it saw read): it never
    /// differentiates by them, but TensorFlow lists such variables in `watched_variables()`.
    #[serde(skip)]
    watched_ints: IdSet,
    /// Variables the tape first watched through the object an update returned (a cell's
    /// `_UnreadVariable`): TensorFlow's tape keeps the first object watched for a variable,
    /// and `watched_variables()` lists it by its name, `UnreadVariable`. Not kept by a stored
    /// session, which then lists the variable itself.
    #[serde(skip)]
    watched_unread: IdSet,
    entries: Vec<Entry>,
    /// By output id, the last recorded op of each fused gradient kernel this tape recorded as
    /// several ops, and what that kernel checks of a gradient reaching it (`FusedCheck`).
    /// Travels in a stored session beside the tapes, as the timeline does (format 6).
    #[serde(skip)]
    fused: IdMap<FusedCheck>,
}

/// What one of TensorFlow's fused gradient kernels (`TanhGrad(y, dy)`, `ReluGrad(dy, x)` and
/// their kin) checks of the gradient that reaches it when it is differentiated again: its own
/// gradient function calls the kernel once more on that gradient, whatever else it needs.
/// gradtape computes such a kernel as several recorded ops, which would broadcast a gradient
/// of another shape where the kernel raises.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum FusedCheck {
    /// `SigmoidGrad`, `TanhGrad`, `RsqrtGrad`, `ReciprocalGrad`: a cwise kernel, as many
    /// elements as this shape ("The two arguments to a cwise op must have same number of
    /// elements", invalid_argument).
    SameCount(Vec<usize>),
    /// `ReluGrad`, `Relu6Grad`, `EluGrad`, `SeluGrad`, `LeakyReluGrad`: exactly this shape
    /// ("must have the same size and shape", shape_mismatch).
    SameShape(Vec<usize>),
}

/// What a stored session keeps of a tape beside its recording: when it opened, the stretches
/// it was stopped, whether a cell has yet to enter it, and the integer values it watched.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct TapeTimeline {
    opened_at: ValId,
    paused: Vec<(ValId, Option<ValId>)>,
    awaiting_with: bool,
    watched_ints: IdSet,
}

impl Ctx {
    /// Each tape slot's fused-kernel checks (`Tape::fused`), in slot order.
    pub fn tape_fused_checks(&self) -> Vec<Option<IdMap<FusedCheck>>> {
        self.tapes
            .iter()
            .map(|t| t.as_ref().map(|t| t.fused.clone()))
            .collect()
    }

    /// Puts back the checks `tape_fused_checks` gave, slot by slot.
    pub fn restore_tape_fused_checks(&mut self, checks: Vec<Option<IdMap<FusedCheck>>>) {
        for (slot, fused) in self.tapes.iter_mut().zip(checks) {
            if let (Some(t), Some(fused)) = (slot.as_mut(), fused) {
                t.fused = fused;
            }
        }
    }

    /// Notes that `v` is the output of a fused gradient kernel computed as several ops, on
    /// every tape that recorded it (`check` runs only when one did).
    pub fn mark_fused(&mut self, v: &Val, check: impl FnOnce() -> Option<FusedCheck>) {
        let mut recorders = self
            .tapes
            .iter_mut()
            .flatten()
            .filter(|t| t.traced.contains(&v.id))
            .peekable();
        if recorders.peek().is_none() {
            return;
        }
        let Some(check) = check() else { return };
        for tape in recorders {
            tape.fused.insert(v.id, check.clone());
        }
    }

    /// Each tape slot's timeline, in slot order (`None` for a deleted tape).
    pub fn tape_timelines(&self) -> Vec<Option<TapeTimeline>> {
        self.tapes
            .iter()
            .map(|t| {
                t.as_ref().map(|t| TapeTimeline {
                    opened_at: t.opened_at,
                    paused: t.paused.clone(),
                    awaiting_with: t.awaiting_with,
                    watched_ints: t.watched_ints.clone(),
                })
            })
            .collect()
    }

    /// Puts back the timelines `tape_timelines` gave, slot by slot.
    pub fn restore_tape_timelines(&mut self, timelines: Vec<Option<TapeTimeline>>) {
        for (slot, line) in self.tapes.iter_mut().zip(timelines) {
            if let (Some(t), Some(line)) = (slot.as_mut(), line) {
                t.opened_at = line.opened_at;
                t.paused = line.paused;
                t.awaiting_with = line.awaiting_with;
                t.watched_ints = line.watched_ints;
            }
        }
    }
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

/// Entries a tape makes room for when it records its first (`Ctx::apply`).
const ENTRIES_AT_FIRST: usize = 16;

/// TensorFlow's message for a second gradient on a non-persistent tape.
pub const TAPE_EXHAUSTED: &str =
    "A non-persistent GradientTape can only be used to compute one set of gradients (or jacobians); open it with persistent=true to ask more than once";

/// TensorFlow's message for entering a tape's `with` block while the tape records (`with g:`
/// inside `with g:`); cells raise it as the ValueError TensorFlow's `_push_tape` raises.
pub const TAPE_STILL_RECORDING: &str =
    "Tape is still recording, This can happen if you try to re-enter an already-active tape.";

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
            tensor: Arc::new(t),
        }
    }

    /// Runs `op` on `inputs` and records it on every recording tape that traces an input.
    pub fn apply(&mut self, op: &Op, inputs: &[&Val]) -> Result<Val> {
        self.apply_op(Cow::Borrowed(op), inputs, false)
    }

    /// One of a variable's own ops on `inputs[0]`, the variable's value: `ReadVariableOp`
    /// (`op` an identity) or `ResourceGather` (a gather along axis 0). Its input is the
    /// variable's resource handle, a dtype TensorFlow's tape counts as trainable whatever the
    /// variable holds, so a tape that watches an int or bool variable records it too; an op
    /// on its int or bool output is not recorded (`apply`).
    pub fn apply_resource(&mut self, op: &Op, inputs: &[&Val]) -> Result<Val> {
        self.apply_op(Cow::Borrowed(op), inputs, true)
    }

    /// `apply` for an op the caller built for this one call (the VJPs' building blocks): the
    /// tape that records it takes it, where a borrowed op is cloned (its shape or axes a heap
    /// vector again).
    pub fn apply_owned(&mut self, op: Op, inputs: &[&Val]) -> Result<Val> {
        self.apply_op(Cow::Owned(op), inputs, false)
    }

    fn apply_op(&mut self, op: Cow<'_, Op>, inputs: &[&Val], resource: bool) -> Result<Val> {
        if let Some(result) = op.expand(self, inputs) {
            return result;
        }
        self.check_budget()?;
        if let (true, Op::Shape(ShapeOp::Gather { axis: 0 }), [params, indices]) =
            (resource, &*op, inputs)
        {
            check_resource_gather(&params.tensor, &indices.tensor)?;
        }
        // most ops take one or two inputs: those need no vector of references
        let t = match inputs {
            [a] => op.forward(&[&a.tensor], &self.limits)?,
            [a, b] => op.forward(&[&a.tensor, &b.tensor], &self.limits)?,
            _ => {
                let tensors: Vec<&Tensor> = inputs.iter().map(|v| &*v.tensor).collect();
                op.forward(&tensors, &self.limits)?
            }
        };
        let t = self.promoted(t);
        self.produced = self.produced.saturating_add(t.len());
        let out = Val {
            id: self.fresh(),
            tensor: Arc::new(t),
        };
        self.prov
            .record(out.id, &op, inputs, out.tensor.dtype().is_float());
        if let Some(n) = self.numerics.as_deref_mut() {
            n.observe(&op, inputs, &out);
        }
        // a tape records an op with a watched input of a trainable dtype (floats, and a
        // variable's handle); an op with a float input and no float output has no gradient
        let handle = inputs
            .first()
            .filter(|v| resource && !v.tensor.dtype().is_float());
        if (out.tensor.dtype().is_float() || handle.is_some())
            && op.recorded()
            && self.tapes.iter().flatten().any(|t| t.recording)
        {
            let trainable =
                |v: &Val| v.tensor.dtype().is_float() || handle.is_some_and(|h| h.id == v.id);
            let mut recorders = self
                .tapes
                .iter_mut()
                .flatten()
                .filter(|t| t.recording)
                .filter(|tape| {
                    inputs
                        .iter()
                        .any(|v| trainable(v) && tape.traced.contains(&v.id))
                })
                .peekable();
            let mut op = Some(op);
            while let Some(tape) = recorders.next() {
                tape.traced.insert(out.id);
                if tape.entries.capacity() == 0 {
                    // a tape records a dozen entries or more (a node can expand into
                    // three): room for 16 at once skips growing through 4 and 8
                    tape.entries.reserve(ENTRIES_AT_FIRST);
                }
                // the last tape to record takes the op itself
                let op = match recorders.peek() {
                    Some(_) => op.as_deref().cloned(),
                    None => op.take().map(Cow::into_owned),
                };
                tape.entries.push(Entry {
                    op: op.expect("taken by the last tape only"),
                    inputs: inputs.iter().map(|v| (*v).clone()).collect(),
                    output: out.clone(),
                });
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
}

mod jacobian;
mod pfor;
mod ready_order;
mod reverse;
mod tapes;
mod tf_forms;
mod wrong_cotangent;
mod wrong_values;

pub use jacobian::{fill_unconnected, unconnected_jacobian};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::ops::{Binary, Unary};
    use crate::engine::Code;

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
        let xx = ctx.binary(Binary::Mul, &x, &x).unwrap();
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
        assert_eq!(g[0].as_ref().unwrap().tensor.to_f64_vec(), vec![7.0]);
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
        let y = ctx.unary(Unary::Exp, &a).unwrap();
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
        assert_eq!(z[1].as_ref().unwrap().tensor.to_f64_vec(), vec![0.0]);
    }

    #[test]
    fn a_gradient_recorded_by_an_outer_tape_differentiates_again() {
        // f = sin(x): the outer tape sees f' = cos(x), so f'' = -sin(x)
        let mut ctx = Ctx::new(Limits::default());
        let (outer, inner) = (ctx.open_tape(true, true), ctx.open_tape(true, true));
        let x = scalar(&mut ctx, 0.5);
        ctx.watch(outer, &x).unwrap();
        ctx.watch(inner, &x).unwrap();
        let f = ctx.unary(Unary::Sin, &x).unwrap();
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
        assert!((d2.tensor.to_f64_vec()[0] + 0.5f64.sin()).abs() < 1e-15);
    }
}
