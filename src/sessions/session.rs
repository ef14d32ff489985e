//! One session's state and operations, written against the engine only.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use crate::engine::dtype::DType;
use crate::engine::error::{arg_err, dtype_err, shape_err, Code, Error, Result};
use crate::engine::lit::tensor_from_lit;
use crate::engine::ops::Binary;
use crate::engine::program::output_grads;
use crate::engine::workspace::{Binding, NodeSpec, Variable};
use crate::engine::{Limits, Lit, Names, Shaped, TapeId, Tensor, Val, Workspace};

/// Where a variable's (or an assignment's) value comes from.
#[derive(Clone, Debug)]
pub enum Source {
    Literal(Lit),
    /// A session tensor or variable by name: `tf.Variable(a)` copies its value.
    Tensor(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AssignKind {
    Assign,
    Add,
    Sub,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Session {
    pub ws: Workspace,
    /// Public tape ids ("t1") to the context's tapes.
    tapes: BTreeMap<String, TapeId>,
    next_var: u64,
    next_tape: u64,
    /// What its cells keep besides tensors, variables and tapes (sessions/kernel.rs).
    pub kernel: super::kernel::KernelState,
    /// Why each name bound to a None gradient is None; stored after the session (codec.rs).
    #[serde(skip)]
    pub none_why: super::none_why::NoneWhy,
}

/// A session as formats 1 and 2 wrote it (before cells): read back with an empty kernel.
#[derive(Deserialize)]
pub struct SessionV2 {
    ws: Workspace,
    tapes: BTreeMap<String, TapeId>,
    next_var: u64,
    next_tape: u64,
}

impl From<SessionV2> for Session {
    fn from(s: SessionV2) -> Session {
        Session {
            ws: s.ws,
            tapes: s.tapes,
            next_var: s.next_var,
            next_tape: s.next_tape,
            kernel: Default::default(),
            none_why: Default::default(),
        }
    }
}

/// A session as format 3 wrote it: its kernel kept each name's values apart (no sharing) and
/// no `tf.random` state; read back with its values as objects of their own and the state a
/// new session starts with.
#[derive(Deserialize)]
pub struct SessionV3 {
    ws: Workspace,
    tapes: BTreeMap<String, TapeId>,
    next_var: u64,
    next_tape: u64,
    kernel: super::kernel_v3::KernelStateV3,
}

impl From<SessionV3> for Session {
    fn from(s: SessionV3) -> Session {
        Session {
            ws: s.ws,
            tapes: s.tapes,
            next_var: s.next_var,
            next_tape: s.next_tape,
            kernel: s.kernel.into(),
            none_why: Default::default(),
        }
    }
}

fn not_recording(tape: &str) -> Error {
    arg_err(format!(
        "tape \"{tape}\" is not recording (it was stopped or paused); TensorFlow: Tape is not recording."
    ))
}

fn not_found(what: &str, id: &str) -> Error {
    Error::new(
        Code::NotFound,
        format!("this session has no {what} \"{id}\""),
    )
}

impl Session {
    pub fn new(limits: Limits) -> Session {
        Session {
            ws: Workspace::new(limits),
            tapes: BTreeMap::new(),
            next_var: 0,
            next_tape: 0,
            kernel: Default::default(),
            none_why: Default::default(),
        }
    }

    fn resolve(&self, src: &Source, hint: Option<DType>) -> Result<Tensor> {
        match src {
            Source::Literal(l) => tensor_from_lit(l, hint, self.ws.ctx.limits.max_tensor_elements),
            Source::Tensor(n) => Ok(self.ws.value(n)?.tensor.as_ref().clone()),
        }
    }

    /// `tf.Variable(value, trainable=..., name=...)`, bound to `bind` (default: its name, else its id).
    pub fn create_variable(
        &mut self,
        value: &Source,
        dtype: Option<DType>,
        trainable: bool,
        name: Option<&str>,
        bind: Option<&str>,
    ) -> Result<String> {
        let t = self.resolve(value, dtype)?;
        if let (Some(d), Source::Tensor(from)) = (dtype, value) {
            // tf.Variable(a, dtype=d) converts a without casting: another dtype is refused
            if t.dtype() != d {
                return Err(dtype_err(format!(
                    "cannot make a {d} variable from \"{from}\", a {} tensor: TensorFlow does not cast it (initial_value: Tensor conversion requested dtype {d} for Tensor with dtype {}); cast it first, or leave out \"dtype\"",
                    t.dtype(),
                    t.dtype()
                )));
            }
        }
        self.next_var += 1;
        let id = format!("v{}", self.next_var);
        let name = name.unwrap_or("Variable");
        let bind = bind.map(str::to_string).unwrap_or_else(|| {
            if name == "Variable" {
                id.clone()
            } else {
                name.to_string()
            }
        });
        let val = self.ws.add_variable(&bind, &id, t, trainable, name);
        self.note_assign(val.id, value);
        Ok(id)
    }

    /// A variable by the name it is bound to, else by its id: the rule every route reads a
    /// name by, so a name rebound to a tensor (or to None) no longer means the variable.
    pub fn variable_id(&self, key: &str) -> Result<String> {
        let rebound = |what: &str| {
            Error::new(
                Code::NotFound,
                format!("\"{key}\" is bound to {what} now, not to a variable (a later graph node or gradient rebound the name, as Python rebinds it); GET /v1/sessions/{{session}} lists each variable by id"),
            )
        };
        match self.ws.binding(key) {
            Some(Binding::Variable(id)) => Ok(id.clone()),
            Some(Binding::Tensor(_)) => Err(rebound("a tensor")),
            Some(Binding::None) => Err(rebound("None")),
            None if self.ws.variable(key).is_some() => Ok(key.to_string()),
            None => Err(not_found("variable", key)),
        }
    }

    pub fn variable(&self, key: &str) -> Result<(String, &Variable)> {
        let id = self.variable_id(key)?;
        let v = self.ws.variable(&id).expect("resolved above");
        Ok((id, v))
    }

    /// `assign`, `assign_add`, `assign_sub`: in place, same dtype and shape, same variable.
    pub fn assign(&mut self, key: &str, kind: AssignKind, value: &Source) -> Result<()> {
        let (id, var) = self.variable(key)?;
        let cur = var.val.tensor.clone();
        let v = self.resolve(value, Some(cur.dtype()))?;
        if v.dtype() != cur.dtype() {
            return Err(dtype_err(format!(
                "cannot assign a {} value to the {} variable \"{key}\" (add a cast)",
                v.dtype(),
                cur.dtype()
            )));
        }
        if v.shape() != cur.shape() {
            return Err(shape_err(format!(
                "cannot assign to variable \"{key}\": its shape {:?} and the value's shape {:?} are incompatible",
                cur.shape(),
                v.shape()
            )));
        }
        let new = match kind {
            AssignKind::Assign => v,
            AssignKind::Add => Binary::Add.forward(&cur, &v)?,
            AssignKind::Sub => Binary::Sub.forward(&cur, &v)?,
        };
        let var_id = var.val.id;
        self.ws.assign(&id, new)?;
        self.note_assign(var_id, value);
        Ok(())
    }

    /// Records `variable <- tensor` for `explain` (a gradient through it is `through_assign`).
    fn note_assign(&mut self, variable: u64, value: &Source) {
        if let Source::Tensor(n) = value {
            if let Ok(from) = self.ws.value(n).map(|v| v.id) {
                let now = self.ws.ctx.now();
                self.ws.ctx.prov.assign(now, variable, from);
            }
        }
    }

    /// `g = tf.GradientTape(...)` entered: named `name` (as `g` is in Python), else `t<n>`.
    pub fn open_tape(
        &mut self,
        persistent: bool,
        watch_accessed_variables: bool,
        name: Option<&str>,
    ) -> Result<String> {
        let id = match name {
            Some(n) => {
                crate::engine::workspace::check_name(n)?;
                if n.is_empty() {
                    // a tape is addressed by its name in a path (.../tapes/NAME)
                    return Err(arg_err("a tape's name cannot be empty"));
                }
                if self.tapes.contains_key(n) {
                    return Err(Error::new(
                        Code::DuplicateName,
                        format!("this session already has a tape \"{n}\"; delete it first (DELETE .../tapes/{n}) or choose another name"),
                    ));
                }
                n.to_string()
            }
            None => loop {
                self.next_tape += 1;
                let id = format!("t{}", self.next_tape);
                if !self.tapes.contains_key(&id) {
                    break id;
                }
            },
        };
        let t = self.ws.ctx.open_tape(persistent, watch_accessed_variables);
        self.tapes.insert(id.clone(), t);
        Ok(id)
    }

    pub fn tape_index(&self, tape: &str) -> Result<TapeId> {
        self.tapes
            .get(tape)
            .copied()
            .ok_or_else(|| not_found("tape", tape))
    }

    /// Each tape's public name and its id in the context.
    pub fn tape_ids(&self) -> impl Iterator<Item = (&String, TapeId)> {
        self.tapes.iter().map(|(k, &t)| (k, t))
    }

    /// The tapes a cell left bound, by name, and those its kept values hold (a tape in a list);
    /// a context tape nothing holds any more is deleted (its memory released), as Python drops
    /// a tape nothing refers to.
    pub fn replace_tapes(
        &mut self,
        tapes: BTreeMap<String, TapeId>,
        held: &std::collections::HashSet<TapeId>,
    ) {
        let mut live = held.clone();
        live.extend(tapes.values().copied());
        for t in self.ws.ctx.tape_ids() {
            if !live.contains(&t) {
                let _ = self.ws.ctx.delete_tape(t);
            }
        }
        self.tapes = tapes;
    }

    pub fn tapes(&self) -> impl Iterator<Item = (&String, &crate::engine::autodiff::Tape)> {
        self.tapes
            .iter()
            .filter_map(|(k, &i)| self.ws.ctx.tape(i).map(|t| (k, t)))
    }

    /// `g.watch(x)` on this one tape, recording or stopped; a used-up non-persistent tape has
    /// nothing left to watch on. TensorFlow's `TFE_Py_TapeWatch` does nothing while no tape
    /// records (`CouldBackprop()`), so a stopped tape takes the watch only while another tape
    /// records, as a cell's `g.watch(x)` between `with` blocks does.
    pub fn watch(&mut self, tape: &str, names: &[String]) -> Result<()> {
        let t = self.tape_index(tape)?;
        if self.ws.ctx.tape(t).is_some_and(|t| t.exhausted) {
            return Err(Error::new(
                Code::TapeExhausted,
                format!("tape \"{tape}\" is used up: a non-persistent tape answers one gradient or Jacobian and then holds nothing to watch on (TensorFlow raises AttributeError: 'NoneType' object has no attribute '_tape'); open a new tape"),
            ));
        }
        if self.ws.ctx.recording_tapes().is_empty() {
            // the names must still exist: an unknown one is the client's mistake either way
            return names
                .iter()
                .try_for_each(|n| self.ws.value(n).map(drop).map_err(|e| e.at(Some(n))));
        }
        names
            .iter()
            .try_for_each(|n| self.ws.watch(Some(t), n).map_err(|e| e.at(Some(n))))
    }

    pub fn stop(&mut self, tape: &str) -> Result<()> {
        let t = self.tape_index(tape)?;
        self.ws.ctx.stop_tape(t)
    }

    /// Entering `with g.stop_recording():` pauses a recording tape.
    pub fn pause(&mut self, tape: &str) -> Result<()> {
        let t = self.tape_index(tape)?;
        let (exhausted, recording) = self.tape_state(t);
        if exhausted {
            return Err(Error::new(
                Code::TapeExhausted,
                format!("tape \"{tape}\" is used up; TensorFlow: Trying to stop recording a tape which is not recording."),
            ));
        }
        if !recording {
            return Err(not_recording(tape));
        }
        self.ws.ctx.stop_tape(t)
    }

    /// Leaving `with g.stop_recording():`, or entering `with g:` again: the tape records
    /// again (a used-up tape starts afresh, as TensorFlow pushes a new one).
    pub fn resume(&mut self, tape: &str) -> Result<()> {
        let t = self.tape_index(tape)?;
        let (exhausted, recording) = self.tape_state(t);
        if recording {
            return Err(arg_err(format!("tape \"{tape}\" is recording already; TensorFlow: Tape is still recording, This can happen if you try to re-enter an already-active tape.")));
        }
        if exhausted {
            self.ws.ctx.reset_tape(t)?;
        }
        self.ws.ctx.resume_tape(t)
    }

    /// `g.reset()`: a recording tape forgets what it recorded and watched.
    pub fn reset(&mut self, tape: &str) -> Result<()> {
        let t = self.tape_index(tape)?;
        if !self.tape_state(t).1 {
            return Err(not_recording(tape));
        }
        self.ws.ctx.reset_tape(t)
    }

    /// (used up, recording) of a tape that exists.
    fn tape_state(&self, t: TapeId) -> (bool, bool) {
        self.ws
            .ctx
            .tape(t)
            .map_or((false, false), |t| (t.exhausted, t.recording))
    }

    /// `del g`: the name goes; the tape's memory goes with it unless another name or a kept
    /// value (`h = [g]`, `g2 = g` in a cell) still holds the tape, as Python frees an object
    /// only when nothing refers to it.
    pub fn delete_tape(&mut self, tape: &str) -> Result<()> {
        let t = self.tape_index(tape)?;
        self.tapes.remove(tape);
        if self.tapes.values().any(|&other| other == t) || self.kernel.holds_tape(t) {
            return Ok(());
        }
        self.ws.ctx.delete_tape(t)
    }

    /// Runs nodes in order; each result is bound to its name (rebinding is allowed, as in
    /// Python) and recorded by every tape still recording. Returns the names bound.
    pub fn run_graph(&mut self, nodes: &[NodeSpec]) -> Result<Vec<String>> {
        if nodes.len() > self.ws.ctx.limits.max_nodes {
            return Err(crate::engine::error::limit_err(format!(
                "{} nodes in one call; the limit max_nodes is {}",
                nodes.len(),
                self.ws.ctx.limits.max_nodes
            )));
        }
        let mut bound = Vec::new();
        for n in nodes {
            if let Some((name, v)) = self.ws.run_node(n)? {
                bound.push(name.to_string());
                self.ws.bind_node(name, v);
            }
        }
        Ok(bound)
    }

    /// `g.gradient(target, sources, output_gradients, unconnected_gradients)`.
    pub fn gradient(
        &mut self,
        tape: &str,
        target: &Names,
        sources: &Names,
        og: &Option<Lit>,
        zero: bool,
    ) -> Result<Shaped<Option<Val>>> {
        let t = self.tape_index(tape)?;
        let (ts, ss) = (self.ws.values_of(target)?, self.ws.values_of(sources)?);
        let og = output_grads(target, og, &ts, &self.ws.ctx.limits)?;
        let g = self.ws.ctx.gradient(t, &ts, &ss, og, false)?;
        let g = self.ws.fill_unconnected(g, sources, &ss, zero);
        Ok(sources.shape(g))
    }

    /// `g.jacobian(target, sources)`, or `g.batch_jacobian(target, source)` with `batch`.
    pub fn jacobian(
        &mut self,
        tape: &str,
        target: &str,
        sources: &Names,
        zero: bool,
        batch: bool,
    ) -> Result<Shaped<Option<Val>>> {
        let t = self.tape_index(tape)?;
        self.ws.watch_variable_target(t, target);
        let tv = self.ws.value_of(target)?;
        let ss = self.ws.values_of(sources)?;
        // the results are recorded by tapes still recording, as a gradient's are
        let j = if batch {
            if ss.len() != 1 {
                return Err(arg_err("batch_jacobian takes one source"));
            }
            vec![Some(self.ws.ctx.batch_jacobian_val(t, &tv, &ss[0], zero)?)]
        } else {
            self.ws.ctx.jacobian_val(t, &tv, &ss, zero)?
        };
        Ok(sources.shape(j))
    }

    pub fn bind(&mut self, name: &str, v: Val) {
        self.ws.bind(name, v);
    }

    /// `e` with why the name it found bound to None is None, when the session knows.
    pub fn explain_none(&self, e: Error) -> Error {
        self.none_why.explain(&self.ws, e)
    }

    /// Binds `name` to None (a gradient that came out None, for the reason `why` gives), as
    /// Python's assignment does.
    pub fn bind_none(&mut self, name: &str, why: Option<&crate::engine::explain::Note>) {
        self.ws.bind_none(name);
        self.none_why.retain_bound(&self.ws);
        self.none_why.record(name, why);
    }

    /// Bytes of tensor data the session keeps alive, each tensor counted once.
    pub fn memory_bytes(&self) -> usize {
        let mut seen: HashMap<u64, usize> = HashMap::new();
        for (_, b) in self.ws.names() {
            if let Binding::Tensor(v) = b {
                seen.insert(v.id, v.tensor.nbytes());
            }
        }
        for (_, v) in self.ws.variables() {
            seen.insert(v.val.id, v.val.tensor.nbytes());
        }
        for (_, t) in self.tapes() {
            t.for_each_value(|v| {
                seen.insert(v.id, v.tensor.nbytes());
            });
        }
        seen.values().sum::<usize>() + self.kernel.memory_bytes()
    }
}
