//! A session as a notebook kernel: cells run in the session's own context, so what a cell binds
//! is the session's (tensors, variables, None, tapes) for its other routes, and the other way
//! round. Names holding anything else a cell can keep (Python numbers, strings, lists, NumPy
//! arrays, functions, ...) are kept here as plain data, so a kernel survives a shared store;
//! each object once (`kept.rs`), so what two names shared before a cell they share after it.
//!
//! One namespace, as Python has: before a cell, the session's bindings and tapes are its names
//! (a session binding wins over a kept value of the same name: a route's binding is the newer);
//! after it, each name goes back where its value belongs, and a name the cell deleted is gone.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::kept::{
    kept_bytes, kept_holds_tape, kept_tensor_id, object_bytes, object_holds_tape, object_values,
    Keeper, Kept, Object, Reviver, Sources,
};
use super::session::Session;
use crate::cells::source::LineIndex;
use crate::cells::SliceOfVariable;
use crate::cells::{CellError, CellLimits, CellOutcome, Kernel, RandomState, Refusal, Value};
use crate::engine::autodiff::{TapeId, ValId};
use crate::engine::lit::Lit;
use crate::engine::workspace::Binding;
use crate::engine::Workspace;

/// The kernel's names that are not session bindings, the objects they hold (each once, so
/// what two names shared they share again), the text of the cells whose functions are still
/// bound, and `tf.random`'s state, which goes on from cell to cell as in one Python process.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct KernelState {
    pub(super) names: BTreeMap<String, Kept>,
    pub(super) objects: Vec<Object>,
    pub(super) sources: Vec<String>,
    pub(super) random: RandomState,
    /// The variable and index each kept slice of a variable was read with (`row = W[0]`, so
    /// that `row.assign(...)` writes into `W` in a later cell), by the slice's tensor id.
    /// Stored after the session's other parts (format 8), so it is not serialized here.
    #[serde(skip)]
    pub(super) slices: BTreeMap<ValId, SliceOfVariable>,
    /// What each variable was given as a `trainable` that is no bool (`tf.Variable(1.0,
    /// 'bias')`), by variable id, so `.trainable` reads it back in a later cell. Stored after
    /// the reasons a name is None (format 10).
    #[serde(skip)]
    pub(super) trainables: BTreeMap<String, Lit>,
}

/// Most names a kernel keeps besides the session's bindings: past it a cell's answer still
/// comes back, and the cell after it fails with `limit_exceeded` until names are deleted.
pub const MAX_KEPT_NAMES: usize = 10_000;

impl KernelState {
    /// Bytes of data the kept values hold (tensors, arrays, strings, cell texts).
    pub fn memory_bytes(&self) -> usize {
        let names: usize = self
            .names
            .iter()
            .map(|(n, k)| n.len() + kept_bytes(k))
            .sum();
        let objects: usize = self.objects.iter().map(object_bytes).sum();
        names + objects + self.sources.iter().map(String::len).sum::<usize>()
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether a kept value (a list, a closure, ...) holds tape `t`.
    pub fn holds_tape(&self, t: TapeId) -> bool {
        self.names.values().any(|k| kept_holds_tape(k, t))
            || self.objects.iter().any(|o| object_holds_tape(o, t))
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

/// Runs one cell in the session. A refused cell (syntax, outside the subset) changes nothing.
pub fn run_cell(
    s: &mut Session,
    source: &str,
    limits: &CellLimits,
    outputs: Option<&[String]>,
) -> crate::engine::Result<Result<CellOutcome, Refusal>> {
    if s.kernel.len() > MAX_KEPT_NAMES {
        return Err(crate::engine::error::limit_err(format!(
            "this session keeps {} names from its cells; the limit is {MAX_KEPT_NAMES}: delete some (`del name`) in a cell",
            s.kernel.len()
        )));
    }
    let session_limits = s.ws.ctx.limits.clone();
    let (names, lines) = names_for_cell(s)?;
    let ws = std::mem::replace(&mut s.ws, Workspace::new(session_limits.clone()));
    // why a name is None goes on from what the session knew, as the cell rebinds names
    let mut kernel = Kernel::new(session_limits.clone());
    kernel.ws = ws;
    kernel.names = names;
    kernel.why_none = s.none_why.to_cell_notes();
    kernel.random = Some(std::mem::take(&mut s.kernel.random));
    kernel.sliced_variables = std::mem::take(&mut s.kernel.slices).into_iter().collect();
    kernel.trainable_given = std::mem::take(&mut s.kernel.trainables)
        .into_iter()
        .map(|(id, l)| (id.into(), l))
        .collect();
    let mut outcome = crate::cells::run(source, limits, &mut kernel, outputs);
    s.ws = std::mem::replace(&mut kernel.ws, Workspace::new(session_limits.clone()));
    s.ws.ctx.limits = session_limits;
    s.kernel.random = kernel.random.take().unwrap_or_default();
    s.kernel.slices = std::mem::take(&mut kernel.sliced_variables)
        .into_iter()
        .collect();
    // a variable the session no longer holds needs no record of how it was made
    s.kernel.trainables = std::mem::take(&mut kernel.trainable_given)
        .into_iter()
        .filter(|(id, _)| s.ws.variable(id).is_some())
        .map(|(id, l)| (id.to_string(), l))
        .collect();
    if let Ok(o) = &mut outcome {
        let names = std::mem::take(&mut kernel.names);
        let names = too_deep_to_keep(names, o, source);
        keep_names(s, names, source, &lines);
        keep_held_slices(s);
        s.none_why = super::none_why::NoneWhy::from_cell_notes(&kernel.why_none, &s.ws);
    }
    Ok(outcome)
}

/// How deep a session keeps a value's lists and tuples: keeping and reviving one recurses once
/// a level (`kept.rs`) on a server thread's stack. Python cannot print or pickle a list nested
/// past its recursion limit of 1,000 either.
const MAX_KEPT_DEPTH: usize = 10_000;

/// The names a session can keep. One whose value nests deeper than `MAX_KEPT_DEPTH` is freed
/// instead, and the cell's answer says so (a RuntimeError, `limit_exceeded`, at its last line)
/// unless the cell raised something first.
fn too_deep_to_keep(mut names: Names, o: &mut CellOutcome, source: &str) -> Names {
    let mut deep: Vec<String> = names
        .iter()
        .filter(|(_, v)| crate::cells::walk_depth(v, MAX_KEPT_DEPTH) > MAX_KEPT_DEPTH)
        .map(|(n, _)| n.clone())
        .collect();
    deep.sort();
    crate::cells::release_all(deep.iter().filter_map(|n| names.remove(n)));
    if let (Some(first), None) = (deep.first(), &o.error) {
        o.error = Some(CellError {
            kind: "RuntimeError",
            code: "limit_exceeded",
            line: source.lines().count().max(1),
            column: 1,
            detail: format!(
                "`{first}` holds lists or tuples nested more than {MAX_KEPT_DEPTH} deep, which a session does not keep: `{first}` is gone after this cell (nest less deeply, or `del {first}`)"
            ),
        });
    }
    names
}

/// Drops the slices of variables that no name, binding or kept object holds any more.
fn keep_held_slices(s: &mut Session) {
    if s.kernel.slices.is_empty() {
        return;
    }
    let mut held: HashSet<ValId> =
        s.ws.names()
            .filter_map(|(_, b)| match b {
                Binding::Tensor(v) => Some(v.id),
                _ => None,
            })
            .collect();
    let kept = s.kernel.names.values();
    let in_objects = s.kernel.objects.iter().flat_map(object_values);
    held.extend(kept.chain(in_objects).filter_map(kept_tensor_id));
    s.kernel.slices.retain(|id, _| held.contains(id));
}

/// A cell's names and their values.
type Names = HashMap<String, Value>;

/// The names a cell starts with: kept values, then the session's tapes, then its bindings.
/// Also the line index each kept cell text got, to tell old functions from new ones after.
/// A kept value that cannot be had again is an error naming it, not a name gone missing.
fn names_for_cell(s: &Session) -> crate::engine::Result<(Names, Vec<Arc<LineIndex>>)> {
    let lines: Vec<_> = s
        .kernel
        .sources
        .iter()
        .map(|t| Arc::new(LineIndex::new(t)))
        .collect();
    let parsed: Vec<_> = s
        .kernel
        .sources
        .iter()
        .map(|t| crate::cells::source::parse(t, usize::MAX).ok())
        .collect();
    let mut reviver = Reviver::new(&s.kernel.objects, &parsed, &lines);
    let mut names = HashMap::new();
    for (n, k) in &s.kernel.names {
        let v = reviver.revive(k).map_err(|why| {
            crate::engine::error::Error::new(
                crate::engine::error::Code::Internal,
                format!("`{n}`, kept from an earlier cell, cannot be restored: {why}; delete the session or bind `{n}` again in a new one"),
            )
        })?;
        names.insert(n.clone(), v);
    }
    for (n, t) in s.tape_ids() {
        names.insert(n.clone(), Value::Tape(t));
    }
    for (n, b) in s.ws.names() {
        let v = match b {
            Binding::Tensor(v) => Value::Tensor(v.clone()),
            Binding::Variable(id) => Value::Variable(Arc::from(id.as_str())),
            Binding::None => Value::None,
        };
        names.insert(n.to_string(), v);
    }
    Ok((names, lines))
}

/// Puts each name the cell left where its value belongs; a binding or tape nothing holds any
/// more is dropped (a tape's memory with it).
fn keep_names(
    s: &mut Session,
    names: HashMap<String, Value>,
    source: &str,
    old_lines: &[Arc<LineIndex>],
) {
    let old_texts = std::mem::take(&mut s.kernel.sources);
    let mut keeper = Keeper::new(Sources {
        old: old_lines,
        old_texts: &old_texts,
        current: source,
        kept: Vec::new(),
        index: HashMap::new(),
    });
    let mut kept = BTreeMap::new();
    let mut tapes = BTreeMap::new();
    let mut bound: HashSet<String> = HashSet::new();
    let mut freed: Vec<Value> = Vec::new();
    // in name order, so that a session's objects are numbered the same way every time
    let mut names: Vec<(String, Value)> = names.into_iter().collect();
    names.sort_by(|a, b| a.0.cmp(&b.0));
    for (n, v) in names {
        match v {
            Value::Tensor(val) => s.ws.bind(&n, val),
            Value::Variable(id) => s.ws.bind_variable(&n, &id),
            Value::None => s.ws.bind_none(&n),
            Value::Tape(t) => {
                tapes.insert(n, t);
                continue;
            }
            other => {
                kept.insert(n, keeper.keep(&other));
                freed.push(other);
                continue;
            }
        }
        bound.insert(n);
    }
    crate::cells::release_all(freed);
    let stale: Vec<String> =
        s.ws.names()
            .map(|(n, _)| n.to_string())
            .filter(|n| !bound.contains(n))
            .collect();
    for n in stale {
        s.ws.remove(&n);
    }
    s.replace_tapes(tapes, &keeper.tapes);
    s.kernel.names = kept;
    s.kernel.objects = keeper.objects;
    s.kernel.sources = keeper.sources.kept;
}
