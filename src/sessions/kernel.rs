//! A session as a notebook kernel: cells run in the session's own context, so what a cell binds
//! is the session's (tensors, variables, None, tapes) for its other routes, and the other way
//! round. Names holding anything else a cell can keep (Python numbers, strings, lists, NumPy
//! arrays, functions, ...) are kept here as plain data, so a kernel survives a shared store.
//!
//! One namespace, as Python has: before a cell, the session's bindings and tapes are its names
//! (a session binding wins over a kept value of the same name: a route's binding is the newer);
//! after it, each name goes back where its value belongs, and a name the cell deleted is gone.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use ruff_python_ast::{Stmt, StmtFunctionDef};
use ruff_text_size::Ranged;
use serde::{Deserialize, Serialize};

use super::session::Session;
use crate::cells::value::{Function, Slices};
use crate::cells::{CellLimits, CellOutcome, Kernel, Refusal, Value};
use crate::engine::autodiff::{TapeId, Val};
use crate::engine::dtype::DType;
use crate::engine::tensor::Tensor;
use crate::engine::workspace::Binding;
use crate::engine::Workspace;

/// A value a cell left that is not a session binding, as plain data.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Kept {
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    /// A list (a copy: two names for one list become two lists when the session is stored).
    List(Vec<Kept>),
    Tuple(Vec<Kept>),
    Tensor(Val),
    Array(Tensor),
    NpScalar(Tensor),
    Variable(String),
    IndexedSlices {
        indices: Tensor,
        values: Tensor,
        dense_shape: Vec<usize>,
        dense: Box<Val>,
    },
    Tape(TapeId),
    StopRecording(TapeId),
    /// A `def`: the cell text it is in (an index into `KernelState::sources`), where it starts,
    /// and its defaults.
    Function {
        source: usize,
        start: u32,
        defaults: Vec<Option<Kept>>,
    },
    Module(String),
    Builtin(String),
    Method(Box<Kept>, String),
    DType(DType),
    NpDType(DType),
    Shape(Vec<usize>),
    Range(i64, i64, i64),
    Ellipsis,
    Unconnected(bool),
    Type(String),
}

/// The kernel's names that are not session bindings, and the text of the cells whose
/// functions are still bound.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct KernelState {
    names: BTreeMap<String, Kept>,
    sources: Vec<String>,
}

/// Most names a kernel keeps besides the session's bindings: past it a cell's answer still
/// comes back, and the cell after it fails with `limit_exceeded` until names are deleted.
pub const MAX_KEPT_NAMES: usize = 10_000;

impl KernelState {
    /// Bytes of data the kept values hold (tensors, arrays, strings, cell texts).
    pub fn memory_bytes(&self) -> usize {
        fn size(k: &Kept) -> usize {
            match k {
                Kept::Str(s) | Kept::Module(s) | Kept::Builtin(s) | Kept::Type(s) => s.len(),
                Kept::List(items) | Kept::Tuple(items) => items.iter().map(size).sum::<usize>() + 8,
                Kept::Tensor(v) => v.tensor.nbytes(),
                Kept::Array(t) | Kept::NpScalar(t) => t.nbytes(),
                Kept::IndexedSlices {
                    indices,
                    values,
                    dense,
                    ..
                } => indices.nbytes() + values.nbytes() + dense.tensor.nbytes(),
                Kept::Function { defaults, .. } => defaults.iter().flatten().map(size).sum(),
                Kept::Method(recv, name) => size(recv) + name.len(),
                _ => 8,
            }
        }
        let names: usize = self.names.iter().map(|(n, k)| n.len() + size(k)).sum();
        names + self.sources.iter().map(String::len).sum::<usize>()
    }

    pub fn len(&self) -> usize {
        self.names.len()
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
    let (names, lines) = names_for_cell(s);
    let ws = std::mem::replace(&mut s.ws, Workspace::new(session_limits.clone()));
    // why a name is None is a note for this cell's answer only: it is not kept
    let mut kernel = Kernel::new(session_limits.clone());
    kernel.ws = ws;
    kernel.names = names;
    let outcome = crate::cells::run(source, limits, &mut kernel, outputs);
    s.ws = kernel.ws;
    s.ws.ctx.limits = session_limits;
    if outcome.is_ok() {
        keep_names(s, kernel.names, source, &lines);
    }
    Ok(outcome)
}

/// The names a cell starts with: kept values, then the session's tapes, then its bindings.
/// Also the line index each kept cell text got, to tell old functions from new ones after.
fn names_for_cell(
    s: &Session,
) -> (
    HashMap<String, Value>,
    Vec<Arc<crate::cells::source::LineIndex>>,
) {
    let lines: Vec<_> = s
        .kernel
        .sources
        .iter()
        .map(|t| Arc::new(crate::cells::source::LineIndex::new(t)))
        .collect();
    let parsed: Vec<_> = s
        .kernel
        .sources
        .iter()
        .map(|t| crate::cells::source::parse(t, usize::MAX).ok())
        .collect();
    let mut names = HashMap::new();
    for (n, k) in &s.kernel.names {
        if let Some(v) = revive(k, &parsed, &lines) {
            names.insert(n.clone(), v);
        }
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
    (names, lines)
}

/// Puts each name the cell left where its value belongs; a binding or tape no name holds any
/// more is dropped (a tape's memory with it).
fn keep_names(
    s: &mut Session,
    names: HashMap<String, Value>,
    source: &str,
    old_lines: &[Arc<crate::cells::source::LineIndex>],
) {
    let old_texts = std::mem::take(&mut s.kernel.sources);
    let mut sources = Sources {
        old: old_lines,
        old_texts: &old_texts,
        current: source,
        kept: Vec::new(),
        index: HashMap::new(),
    };
    let mut kept = BTreeMap::new();
    let mut tapes = BTreeMap::new();
    let mut bound: HashSet<String> = HashSet::new();
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
                if let Some(k) = keep(&other, &mut sources) {
                    kept.insert(n, k);
                }
                continue;
            }
        }
        bound.insert(n);
    }
    let stale: Vec<String> =
        s.ws.names()
            .map(|(n, _)| n.to_string())
            .filter(|n| !bound.contains(n))
            .collect();
    for n in stale {
        s.ws.remove(&n);
    }
    s.replace_tapes(tapes);
    s.kernel = KernelState {
        names: kept,
        sources: sources.kept,
    };
}

/// Cell texts that functions being kept come from, renumbered as they are kept.
struct Sources<'a> {
    old: &'a [Arc<crate::cells::source::LineIndex>],
    old_texts: &'a [String],
    current: &'a str,
    kept: Vec<String>,
    /// Old index (or `usize::MAX` for the current cell) to new index.
    index: HashMap<usize, usize>,
}

impl Sources<'_> {
    fn of(&mut self, f: &Function) -> usize {
        let old = self.old.iter().position(|l| Arc::ptr_eq(l, &f.source));
        let key = old.unwrap_or(usize::MAX);
        if let Some(&i) = self.index.get(&key) {
            return i;
        }
        let text = old.map_or(self.current, |i| self.old_texts[i].as_str());
        self.kept.push(text.to_string());
        self.index.insert(key, self.kept.len() - 1);
        self.kept.len() - 1
    }
}

/// A value as plain data; None for one that cannot be kept (another kind of value).
fn keep(v: &Value, sources: &mut Sources) -> Option<Kept> {
    let all = |items: Vec<Value>, sources: &mut Sources| {
        items
            .iter()
            .map(|x| keep(x, sources))
            .collect::<Option<Vec<_>>>()
    };
    Some(match v {
        Value::None => Kept::None,
        Value::Bool(b) => Kept::Bool(*b),
        Value::Int(i) => Kept::Int(*i),
        Value::Float(f) => Kept::Float(*f),
        Value::Str(s) => Kept::Str(s.to_string()),
        Value::List(_) => Kept::List(all(v.items()?, sources)?),
        Value::Tuple(items) => Kept::Tuple(all(items.to_vec(), sources)?),
        Value::Tensor(x) => Kept::Tensor(x.clone()),
        Value::Array(a) => Kept::Array(a.get()),
        Value::NpScalar(t) => Kept::NpScalar(t.clone()),
        Value::Variable(id) => Kept::Variable(id.to_string()),
        Value::IndexedSlices(sl) => Kept::IndexedSlices {
            indices: sl.indices.clone(),
            values: sl.values.clone(),
            dense_shape: sl.dense_shape.clone(),
            dense: Box::new(sl.dense.clone()),
        },
        Value::Tape(t) => Kept::Tape(*t),
        Value::StopRecording(t) => Kept::StopRecording(*t),
        Value::Function(f) => keep_function(f, sources)?,
        Value::Module(m) => Kept::Module(m.to_string()),
        Value::Builtin(b) => Kept::Builtin(b.to_string()),
        Value::Method(m) => Kept::Method(Box::new(keep(&m.0, sources)?), m.1.clone()),
        Value::DType(d) => Kept::DType(*d),
        Value::NpDType(d) => Kept::NpDType(*d),
        Value::Shape(s) => Kept::Shape(s.clone()),
        Value::Range(a, b, c) => Kept::Range(*a, *b, *c),
        Value::Ellipsis => Kept::Ellipsis,
        Value::Unconnected(z) => Kept::Unconnected(*z),
        Value::Type(t) => Kept::Type(t.to_string()),
        #[allow(unreachable_patterns)]
        _ => return None,
    })
}

/// A `def` as where it is in its cell's text, with its defaults kept.
fn keep_function(f: &Function, sources: &mut Sources) -> Option<Kept> {
    let mut defaults = Vec::with_capacity(f.defaults.len());
    for d in &f.defaults {
        defaults.push(match d {
            Some(d) => Some(keep(d, sources)?),
            None => None,
        });
    }
    Some(Kept::Function {
        source: sources.of(f),
        start: f.def.range().start().to_u32(),
        defaults,
    })
}

type Parsed = Option<ruff_python_ast::ModModule>;

/// A kept value as a cell's value again; None if its function's text no longer parses.
fn revive(
    k: &Kept,
    parsed: &[Parsed],
    lines: &[Arc<crate::cells::source::LineIndex>],
) -> Option<Value> {
    let all = |items: &[Kept]| {
        items
            .iter()
            .map(|x| revive(x, parsed, lines))
            .collect::<Option<Vec<_>>>()
    };
    Some(match k {
        Kept::None => Value::None,
        Kept::Bool(b) => Value::Bool(*b),
        Kept::Int(i) => Value::Int(*i),
        Kept::Float(f) => Value::Float(*f),
        Kept::Str(s) => Value::str(s.as_str()),
        Kept::List(items) => Value::list(all(items)?),
        Kept::Tuple(items) => Value::tuple(all(items)?),
        Kept::Tensor(v) => Value::Tensor(v.clone()),
        Kept::Array(t) => Value::Array(crate::cells::value::NdArray::new(t.clone())),
        Kept::NpScalar(t) => Value::NpScalar(t.clone()),
        Kept::Variable(id) => Value::Variable(Arc::from(id.as_str())),
        Kept::IndexedSlices {
            indices,
            values,
            dense_shape,
            dense,
        } => Value::IndexedSlices(Arc::new(Slices {
            indices: indices.clone(),
            values: values.clone(),
            dense_shape: dense_shape.clone(),
            dense: Val::clone(dense),
        })),
        Kept::Tape(t) => Value::Tape(*t),
        Kept::StopRecording(t) => Value::StopRecording(*t),
        Kept::Function {
            source,
            start,
            defaults,
        } => {
            let module = parsed.get(*source)?.as_ref()?;
            let def = find_def(&module.body, *start)?;
            let defaults = defaults
                .iter()
                .map(|d| match d {
                    Some(d) => revive(d, parsed, lines).map(Some),
                    None => Some(None),
                })
                .collect::<Option<Vec<_>>>()?;
            Value::Function(Arc::new(Function::new(
                def.name.as_str().to_string(),
                def.clone(),
                lines.get(*source)?.clone(),
                defaults,
                None,
            )))
        }
        Kept::Module(m) => Value::Module(Arc::from(m.as_str())),
        Kept::Builtin(b) => Value::Builtin(Arc::from(b.as_str())),
        Kept::Method(recv, name) => {
            Value::Method(Arc::new((revive(recv, parsed, lines)?, name.clone())))
        }
        Kept::DType(d) => Value::DType(*d),
        Kept::NpDType(d) => Value::NpDType(*d),
        Kept::Shape(s) => Value::Shape(s.clone()),
        Kept::Range(a, b, c) => Value::Range(*a, *b, *c),
        Kept::Ellipsis => Value::Ellipsis,
        Kept::Unconnected(z) => Value::Unconnected(*z),
        Kept::Type(t) => Value::Type(Arc::from(t.as_str())),
    })
}

/// The `def` starting at byte `start` among `body` and the blocks inside it.
fn find_def(body: &[Stmt], start: u32) -> Option<&StmtFunctionDef> {
    body.iter().find_map(|s| match s {
        Stmt::FunctionDef(f) if f.range().start().to_u32() == start => Some(f),
        Stmt::FunctionDef(f) => find_def(&f.body, start),
        Stmt::If(i) => find_def(&i.body, start).or_else(|| {
            i.elif_else_clauses
                .iter()
                .find_map(|c| find_def(&c.body, start))
        }),
        Stmt::For(f) => find_def(&f.body, start).or_else(|| find_def(&f.orelse, start)),
        Stmt::While(w) => find_def(&w.body, start).or_else(|| find_def(&w.orelse, start)),
        Stmt::With(w) => find_def(&w.body, start),
        _ => None,
    })
}
