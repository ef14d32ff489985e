//! Opening, pausing, resuming, resetting, watching with and using up a tape.

use smallvec::SmallVec;

use super::{
    Ctx, Entry, IdMap, IdSet, Tape, TapeId, Val, ValId, TAPE_EXHAUSTED, TAPE_STILL_RECORDING,
};
use crate::engine::error::{Code, Error, Result};

impl Tape {
    /// Whether the value with this id was made while the tape was stopped after it opened.
    pub fn made_while_paused(&self, value: ValId) -> bool {
        self.paused
            .iter()
            .any(|&(stopped, resumed)| value > stopped && resumed.is_none_or(|r| value <= r))
    }
}

impl Ctx {
    pub fn open_tape(&mut self, persistent: bool, watch_accessed_variables: bool) -> TapeId {
        let opened_at = self.next_id;
        self.tapes.push(Some(Tape {
            persistent,
            watch_accessed_variables,
            recording: true,
            exhausted: false,
            opened_at,
            paused: Vec::new(),
            awaiting_with: false,
            // room for a small program's traced values, so the set does not rehash as it grows
            traced: IdSet::with_capacity_and_hasher(16, Default::default()),
            watched_ints: IdSet::default(),
            watched_unread: IdSet::default(),
            entries: Vec::new(),
            fused: IdMap::default(),
        }));
        self.tapes.len() - 1
    }

    pub fn tape(&self, id: TapeId) -> Option<&Tape> {
        self.tapes.get(id).and_then(|t| t.as_ref())
    }

    pub(super) fn tape_mut(&mut self, id: TapeId) -> Result<&mut Tape> {
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
            tape.paused.push((now, None));
        }
        tape.recording = false;
        Ok(())
    }

    /// A cell's new tape: stopped until its `with` block enters it.
    pub fn await_with(&mut self, id: TapeId) -> Result<()> {
        self.stop_tape(id)?;
        self.tape_mut(id)?.awaiting_with = true;
        Ok(())
    }

    /// Records again: entering a tape's `with` block, or leaving `stop_recording()`. A used-up
    /// tape starts afresh, as TensorFlow pushes a new one where its `_tape` is None; a tape
    /// recording already cannot be entered again.
    pub fn resume_tape(&mut self, id: TapeId) -> Result<()> {
        if self.tape_mut(id)?.recording {
            return Err(Error::new(Code::InvalidArgument, TAPE_STILL_RECORDING));
        }
        if self.tape_mut(id)?.exhausted {
            self.reset_tape(id)?;
        }
        let now = self.next_id;
        let tape = self.tape_mut(id)?;
        if tape.awaiting_with {
            // a cell's tape opens when its first `with` enters it: what ran before is
            // recorded_before_tape, not paused
            tape.opened_at = tape.opened_at.max(now);
            tape.paused.retain(|(_, resumed)| resumed.is_some());
        } else if let Some(open) = tape.paused.last_mut().filter(|(_, r)| r.is_none()) {
            open.1 = Some(now);
        }
        tape.recording = true;
        tape.awaiting_with = false;
        Ok(())
    }

    /// `tape.reset()`: forgets what the tape recorded and watched, as a new tape would.
    pub fn reset_tape(&mut self, id: TapeId) -> Result<()> {
        let now = self.next_id;
        let tape = self.tape_mut(id)?;
        // what ran before a reset is to the tape as what ran before it opened
        tape.opened_at = tape.opened_at.max(now);
        tape.entries.clear();
        tape.traced.clear();
        tape.watched_ints.clear();
        tape.watched_unread.clear();
        tape.fused.clear();
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

    /// Every tape not deleted.
    pub fn tape_ids(&self) -> Vec<TapeId> {
        (0..self.tapes.len())
            .filter(|&i| self.tapes[i].is_some())
            .collect()
    }

    /// The tapes recording now (inline: a program has one or two, and each variable read asks).
    pub fn recording_tapes(&self) -> SmallVec<[TapeId; 4]> {
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
        if v.tensor.dtype().is_float() {
            tape.traced.insert(v.id);
        } else {
            tape.watched_ints.insert(v.id);
        }
        Ok(())
    }

    /// A variable read by a tape that watches accessed variables, or `tape.watch(v)`: the tape
    /// watches its resource handle, which TensorFlow counts as trainable whatever the
    /// variable's dtype. An int or bool variable's value is traced only so that the variable's
    /// own ops record (`Ctx::apply_resource`); no other op records on an int or bool input.
    pub fn watch_variable(&mut self, id: TapeId, v: &Val) -> Result<()> {
        self.tape_mut(id)?.traced.insert(v.id);
        Ok(())
    }

    /// `tape.watch(v.assign(..))`: the variable's handle, watched through the object the
    /// update returned if the tape did not watch the variable yet.
    pub fn watch_unread_variable(&mut self, id: TapeId, v: &Val) -> Result<()> {
        let tape = self.tape_mut(id)?;
        if tape.traced.insert(v.id) {
            tape.watched_unread.insert(v.id);
        }
        Ok(())
    }

    /// Whether a tape first watched the variable with this value through an update's result.
    pub fn watches_as_unread(&self, id: TapeId, value: ValId) -> bool {
        self.tape(id)
            .is_some_and(|t| t.watched_unread.contains(&value))
    }

    /// Whether a tape watches the value with this id, an integer one included: which variables
    /// `watched_variables()` lists.
    pub fn watches(&self, id: TapeId, value: ValId) -> bool {
        self.tape(id)
            .is_some_and(|t| t.traced.contains(&value) || t.watched_ints.contains(&value))
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
    pub(super) fn begin_use(&mut self, id: TapeId) -> Result<(Vec<Entry>, IdSet)> {
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

    /// Gives the record back. A non-persistent tape is used up only by a computation that
    /// succeeded: TensorFlow drops its tape after the gradient is computed, so one that raised
    /// leaves the tape usable for the next request, but without a recorded op (TensorFlow
    /// clears them as the computation starts): only what it watched is left.
    pub(super) fn end_use(
        &mut self,
        id: TapeId,
        entries: Vec<Entry>,
        traced: IdSet,
        succeeded: bool,
    ) {
        if let Some(n) = self.numerics.as_deref_mut() {
            n.vjp_of = None;
        }
        if let Ok(tape) = self.tape_mut(id) {
            let mut entries = entries;
            entries.append(&mut tape.entries);
            tape.entries = entries;
            // a tape that gave its set away gets it back whole, without rehashing it
            if tape.traced.is_empty() {
                tape.traced = traced;
            } else {
                tape.traced.extend(traced);
            }
            if !tape.persistent {
                tape.exhausted = succeeded;
                tape.entries.clear();
                tape.fused.clear();
            }
        }
    }
}
