//! The values a session's kernel keeps between cells, as plain data.
//!
//! Python's objects are shared: `b = a` names one list twice, `record = losses.append` holds
//! `losses`, a closure holds the names of the call that made it. So every list, tuple, NumPy
//! array, function and closure scope is kept once, in a table of objects, and whatever holds
//! it holds its index: after the next cell revives them, `b` and `a` are one list again, and a
//! cycle (a list that holds itself) stays one cycle.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use ruff_python_ast::visitor::source_order::{SourceOrderVisitor, TraversalSignal};
use ruff_python_ast::{AnyNodeRef, ModModule, StmtFunctionDef};
use ruff_text_size::{Ranged, TextSize};
use serde::{Deserialize, Serialize};

use crate::cells::iterator::{self, IterKind, IterState, PyIter, Source};
use crate::cells::source::LineIndex;
use crate::cells::value::{
    lock, Function, NdArray, PyDict, PyList, Scope, Slices, ViewId, ViewKind,
};
use crate::cells::Value;
use crate::engine::autodiff::{TapeId, Val};
use crate::engine::dtype::DType;
use crate::engine::tensor::Tensor;

/// A value a cell left that is not a session binding, as plain data.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Kept {
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    /// A list, tuple, array or function: its index in the kernel's objects.
    Object(usize),
    Tensor(Val),
    NpScalar(Tensor),
    Variable(String),
    /// What `v.assign_add(...)` returns: the variable, printed as `UnreadVariable`.
    UnreadVariable(String),
    IndexedSlices {
        indices: Tensor,
        values: Tensor,
        dense_shape: Vec<usize>,
        dense: Box<Val>,
    },
    Tape(TapeId),
    StopRecording(TapeId),
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
    Dimension(i64),
    /// An exception object (`err = e` in an `except` block): its class's path in
    /// `cells::exceptions::CLASSES`, its arguments (values that hold no others), an OpError's
    /// message, its error code and where it was raised.
    Exception {
        class: String,
        args: Vec<Kept>,
        message: Option<String>,
        code: String,
        at: Option<(usize, usize)>,
    },
    /// A dict's `keys()`, `values()` or `items()` (0, 1, 2) of the dict at an object index.
    DictView(usize, u8),
    /// A `Reference` (`t.ref()`) to the tensor or variable kept inside it.
    Ref(Box<Kept>),
}

/// One shared object, kept once however many names and containers hold it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Object {
    List(Vec<Kept>),
    Tuple(Vec<Kept>),
    Array(Tensor),
    /// A NumPy view of the array at `base` (an object index): the flat offsets of its
    /// elements there, and its shape.
    ArrayView {
        base: usize,
        offsets: Vec<usize>,
        shape: Vec<usize>,
    },
    /// A `def` or a `lambda`: the cell text it is in (an index into the kernel's sources),
    /// where it starts, its defaults, and the scope of the call that defined it (a closure's
    /// captured names; an index of an `Object::Scope`).
    Function {
        source: usize,
        start: u32,
        defaults: Vec<Option<Kept>>,
        closure: Option<usize>,
    },
    /// The names of a call a closure reads, and the scope of the call around that one.
    Scope {
        vars: Vec<(String, Kept)>,
        parent: Option<usize>,
    },
    /// A zip, enumerate, map or reversed object (`type(it).__name__`) part way through.
    Iter {
        name: String,
        sources: Vec<KeptSource>,
        count: i64,
        func: Option<Kept>,
    },
    /// A Keras loss or optimizer (its variables are the session's, by id).
    Keras(crate::cells::keras_object::Keras),
    /// A dict's keys and values, in order.
    Dict(Vec<(Kept, Kept)>),
    /// A named tuple: its class's name (one of `value::NAMED_TUPLES`) and its items.
    NamedTuple(String, Vec<Kept>),
    /// An array no write may change (`np.asarray` of an eager tensor), its views read-only too.
    ReadOnlyArray(Tensor),
}

/// Where a kept iterator's items come from (`cells::iterator::Source`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum KeptSource {
    Front(Kept, i64),
    Back(Kept, i64),
    Iter(Kept),
    Done,
}

/// Bytes of data a kept value holds (tensors, arrays, strings); its objects count apart.
pub fn kept_bytes(k: &Kept) -> usize {
    match k {
        Kept::Str(s) | Kept::Module(s) | Kept::Builtin(s) | Kept::Type(s) => s.len(),
        Kept::Variable(s) | Kept::UnreadVariable(s) => s.len(),
        Kept::Tensor(v) => v.tensor.nbytes(),
        Kept::NpScalar(t) => t.nbytes(),
        Kept::IndexedSlices {
            indices,
            values,
            dense,
            ..
        } => indices.nbytes() + values.nbytes() + dense.tensor.nbytes(),
        Kept::Method(recv, name) => kept_bytes(recv) + name.len(),
        Kept::Ref(wrapped) => kept_bytes(wrapped),
        Kept::Exception { args, message, .. } => {
            args.iter().map(kept_bytes).sum::<usize>() + message.as_ref().map_or(8, String::len)
        }
        _ => 8,
    }
}

/// Bytes of data one object holds, its items' included (not the objects they refer to).
pub fn object_bytes(o: &Object) -> usize {
    match o {
        Object::List(items) | Object::Tuple(items) | Object::NamedTuple(_, items) => {
            items.iter().map(kept_bytes).sum::<usize>() + 8
        }
        Object::Array(t) | Object::ReadOnlyArray(t) => t.nbytes(),
        Object::ArrayView { offsets, .. } => offsets.len() * 8,
        Object::Function { defaults, .. } => {
            defaults.iter().flatten().map(kept_bytes).sum::<usize>() + 8
        }
        Object::Scope { vars, .. } => vars.iter().map(|(n, k)| n.len() + kept_bytes(k)).sum(),
        Object::Iter { sources, func, .. } => {
            func.as_ref().map_or(0, kept_bytes) + 16 * sources.len() + 16
        }
        Object::Keras(_) => 256,
        Object::Dict(entries) => {
            entries
                .iter()
                .map(|(k, v)| kept_bytes(k) + kept_bytes(v))
                .sum::<usize>()
                + 8
        }
    }
}

/// Whether `k` is tape `t` (or a method of it, or its `stop_recording()`).
pub fn kept_holds_tape(k: &Kept, t: TapeId) -> bool {
    match k {
        Kept::Tape(x) | Kept::StopRecording(x) => *x == t,
        Kept::Method(recv, _) => kept_holds_tape(recv, t),
        _ => false,
    }
}

/// Whether one object holds tape `t` directly (the objects it refers to answer for themselves).
pub fn object_holds_tape(o: &Object, t: TapeId) -> bool {
    object_values(o).any(|k| kept_holds_tape(k, t))
}

/// The values one object holds directly (items, defaults, a scope's names, what an iterator
/// walks and calls).
pub fn object_values(o: &Object) -> Box<dyn Iterator<Item = &Kept> + '_> {
    match o {
        Object::List(items) | Object::Tuple(items) | Object::NamedTuple(_, items) => {
            Box::new(items.iter())
        }
        Object::Function { defaults, .. } => Box::new(defaults.iter().flatten()),
        Object::Scope { vars, .. } => Box::new(vars.iter().map(|(_, k)| k)),
        Object::Iter { sources, func, .. } => {
            Box::new(func.iter().chain(sources.iter().filter_map(|s| match s {
                KeptSource::Front(k, _) | KeptSource::Back(k, _) | KeptSource::Iter(k) => Some(k),
                KeptSource::Done => None,
            })))
        }
        Object::Array(_)
        | Object::ReadOnlyArray(_)
        | Object::ArrayView { .. }
        | Object::Keras(_) => Box::new(std::iter::empty()),
        Object::Dict(entries) => Box::new(entries.iter().flat_map(|(k, v)| [k, v])),
    }
}

/// The id of the tensor `k` is, or a method of it is bound to (`push = row.assign`).
pub fn kept_tensor_id(k: &Kept) -> Option<crate::engine::autodiff::ValId> {
    match k {
        Kept::Tensor(v) => Some(v.id),
        Kept::Method(recv, _) | Kept::Ref(recv) => kept_tensor_id(recv),
        _ => None,
    }
}

/// Cell texts that functions being kept come from, renumbered as they are kept.
pub struct Sources<'a> {
    pub old: &'a [Arc<LineIndex>],
    pub old_texts: &'a [String],
    pub current: &'a str,
    pub kept: Vec<String>,
    /// Old index (or `usize::MAX` for the current cell) to new index.
    pub index: HashMap<usize, usize>,
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

/// What kind of object an address is, so that two kinds never share a key.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    List,
    Tuple,
    Array,
    Function,
    Scope,
    Iter,
    Keras,
    Dict,
}

/// Turns a cell's values into kept data, each shared object once.
pub struct Keeper<'a> {
    pub sources: Sources<'a>,
    pub objects: Vec<Object>,
    /// Each object kept so far, by its kind and address (every value is alive while it is
    /// kept, so an address is one object).
    index: HashMap<(Kind, usize), usize>,
    /// The tapes kept values hold (a tape in a list lives on as a named one does).
    pub tapes: HashSet<TapeId>,
}

impl<'a> Keeper<'a> {
    pub fn new(sources: Sources<'a>) -> Keeper<'a> {
        Keeper {
            sources,
            objects: Vec::new(),
            index: HashMap::new(),
            tapes: HashSet::new(),
        }
    }

    pub fn keep(&mut self, v: &Value) -> Kept {
        match v {
            Value::None => Kept::None,
            Value::Bool(b) => Kept::Bool(*b),
            Value::Int(i) => Kept::Int(*i),
            Value::Float(f) => Kept::Float(*f),
            Value::Str(s) => Kept::Str(s.to_string()),
            Value::List(l) => {
                let at = Arc::as_ptr(l) as usize;
                Kept::Object(self.object(Kind::List, at, |k| {
                    // the items are copied out first: the list may hold itself
                    let items = lock(l).clone();
                    Object::List(items.iter().map(|x| k.keep(x)).collect())
                }))
            }
            Value::Dict(d) => Kept::Object(self.dict(d)),
            Value::DictView(d, kind, _) => Kept::DictView(self.dict(d), *kind as u8),
            Value::Tuple(items) => {
                let at = Arc::as_ptr(items) as *const Value as usize;
                Kept::Object(self.object(Kind::Tuple, at, |k| {
                    let kept = items.iter().map(|x| k.keep(x)).collect();
                    match items.class() {
                        Some(c) => Object::NamedTuple(c.class.to_string(), kept),
                        None => Object::Tuple(kept),
                    }
                }))
            }
            Value::Array(a) => match a.as_view() {
                None => {
                    Kept::Object(
                        self.object(Kind::Array, a.addr(), |_| match a.is_read_only() {
                            true => Object::ReadOnlyArray(a.get()),
                            false => Object::Array(a.get()),
                        }),
                    )
                }
                Some((base, offsets, shape)) => {
                    Kept::Object(self.object(Kind::Array, a.addr(), |k| {
                        let Kept::Object(base) = k.keep(&Value::Array(base)) else {
                            unreachable!("an array is kept as an object")
                        };
                        Object::ArrayView {
                            base,
                            offsets: offsets.to_vec(),
                            shape: shape.to_vec(),
                        }
                    }))
                }
            },
            Value::Function(f) => Kept::Object(self.function(f)),
            Value::Tensor(x) => Kept::Tensor(x.clone()),
            Value::NpScalar(t) => Kept::NpScalar(t.clone()),
            Value::Variable(id) => Kept::Variable(id.to_string()),
            Value::UnreadVariable(id) => Kept::UnreadVariable(id.to_string()),
            Value::IndexedSlices(sl) => Kept::IndexedSlices {
                indices: sl.indices.clone(),
                values: sl.values.clone(),
                dense_shape: sl.dense_shape.clone(),
                dense: Box::new(sl.dense.clone()),
            },
            Value::Tape(t) => {
                self.tapes.insert(*t);
                Kept::Tape(*t)
            }
            Value::StopRecording(t) => {
                self.tapes.insert(*t);
                Kept::StopRecording(*t)
            }
            Value::Module(m) => Kept::Module(m.to_string()),
            Value::Builtin(b) => Kept::Builtin(b.to_string()),
            Value::Method(m) => Kept::Method(Box::new(self.keep(&m.0)), m.1.clone()),
            Value::Ref(r) => Kept::Ref(Box::new(self.keep(r))),
            Value::DType(d) => Kept::DType(*d),
            Value::NpDType(d) => Kept::NpDType(*d),
            Value::Shape(s) => Kept::Shape(s.clone()),
            Value::Range(a, b, c) => Kept::Range(*a, *b, *c),
            Value::Ellipsis => Kept::Ellipsis,
            Value::Unconnected(z) => Kept::Unconnected(*z),
            Value::Type(t) => Kept::Type(t.to_string()),
            Value::Dimension(n) => Kept::Dimension(*n),
            Value::Iter(p) => Kept::Object(self.iter(p)),
            Value::Keras(k) => {
                Kept::Object(self.object(Kind::Keras, Arc::as_ptr(k) as usize, |_| {
                    Object::Keras(crate::cells::keras_object::lock(k).clone())
                }))
            }
            Value::Exception(e) => Kept::Exception {
                class: e.class.path.to_string(),
                args: e.args.iter().map(|a| self.keep(a)).collect(),
                message: e.message.clone(),
                code: e.code.as_str().to_string(),
                at: e.at,
            },
        }
    }

    /// The index of the object at `at`, kept by `make` the first time it is met. Its index is
    /// taken before `make` runs, so an object reached again from inside itself is that index.
    fn object(&mut self, kind: Kind, at: usize, make: impl FnOnce(&mut Self) -> Object) -> usize {
        if let Some(&i) = self.index.get(&(kind, at)) {
            return i;
        }
        let i = self.objects.len();
        self.objects.push(Object::List(Vec::new()));
        self.index.insert((kind, at), i);
        let o = make(self);
        self.objects[i] = o;
        i
    }

    /// A dict with its entries (copied out first: the dict may hold itself).
    fn dict(&mut self, d: &PyDict) -> usize {
        self.object(Kind::Dict, d.address(), |k| {
            let entries = d.snapshot();
            Object::Dict(
                entries
                    .iter()
                    .map(|(key, v)| (k.keep(key), k.keep(v)))
                    .collect(),
            )
        })
    }

    /// A function with its defaults and the scopes it closes over.
    fn function(&mut self, f: &Arc<Function>) -> usize {
        self.object(Kind::Function, Arc::as_ptr(f) as usize, |k| {
            let defaults = f
                .defaults
                .iter()
                .map(|d| d.as_ref().map(|d| k.keep(d)))
                .collect();
            let closure = f.closure.as_ref().map(|c| k.scope(c));
            Object::Function {
                source: k.sources.of(f),
                start: f.def.range().start().to_u32(),
                defaults,
                closure,
            }
        })
    }

    /// An iterator with where it has got to in each source.
    fn iter(&mut self, p: &Arc<PyIter>) -> usize {
        self.object(Kind::Iter, Arc::as_ptr(p) as usize, |k| {
            let state = p.state();
            let sources = state
                .sources
                .iter()
                .map(|s| match s {
                    Source::Front(v, i) => KeptSource::Front(k.keep(v), *i),
                    Source::Back(v, i) => KeptSource::Back(k.keep(v), *i),
                    Source::Iter(q) => KeptSource::Iter(Kept::Object(k.iter(q))),
                    Source::Done => KeptSource::Done,
                })
                .collect();
            Object::Iter {
                name: p.name.to_string(),
                sources,
                count: state.count,
                func: state.func.as_ref().map(|f| k.keep(f)),
            }
        })
    }

    fn scope(&mut self, s: &Arc<Scope>) -> usize {
        self.object(Kind::Scope, Arc::as_ptr(s) as usize, |k| {
            let mut vars: Vec<(String, Value)> = s
                .vars()
                .iter()
                .map(|(n, v)| (n.clone(), v.clone()))
                .collect();
            vars.sort_by(|a, b| a.0.cmp(&b.0));
            let vars = vars.iter().map(|(n, v)| (n.clone(), k.keep(v))).collect();
            let parent = s.parent.as_ref().map(|p| k.scope(p));
            Object::Scope { vars, parent }
        })
    }
}

/// Turns kept data back into a cell's values, each object once, shared as it was.
pub struct Reviver<'a> {
    objects: &'a [Object],
    parsed: &'a [Option<ModModule>],
    lines: &'a [Arc<LineIndex>],
    values: Vec<Option<Value>>,
    scopes: Vec<Option<Arc<Scope>>>,
}

impl<'a> Reviver<'a> {
    pub fn new(
        objects: &'a [Object],
        parsed: &'a [Option<ModModule>],
        lines: &'a [Arc<LineIndex>],
    ) -> Reviver<'a> {
        Reviver {
            objects,
            parsed,
            lines,
            values: vec![None; objects.len()],
            scopes: vec![None; objects.len()],
        }
    }

    /// The value `k` stands for; Err says why it cannot be had again.
    pub fn revive(&mut self, k: &Kept) -> Result<Value, String> {
        Ok(match k {
            Kept::None => Value::None,
            Kept::Bool(b) => Value::Bool(*b),
            Kept::Int(i) => Value::Int(*i),
            Kept::Float(f) => Value::Float(*f),
            Kept::Str(s) => Value::str(s.as_str()),
            Kept::Object(i) => self.object(*i)?,
            Kept::Tensor(v) => Value::Tensor(v.clone()),
            Kept::NpScalar(t) => Value::NpScalar(t.clone()),
            Kept::Variable(id) => Value::Variable(Arc::from(id.as_str())),
            Kept::UnreadVariable(id) => Value::UnreadVariable(Arc::from(id.as_str())),
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
            Kept::Module(m) => Value::Module(Arc::from(m.as_str())),
            Kept::Builtin(b) => Value::Builtin(Arc::from(b.as_str())),
            Kept::Method(recv, name) => Value::Method(Arc::new((self.revive(recv)?, name.clone()))),
            Kept::Ref(wrapped) => Value::Ref(Arc::new(self.revive(wrapped)?)),
            Kept::DType(d) => Value::DType(*d),
            Kept::NpDType(d) => Value::NpDType(*d),
            Kept::Shape(s) => Value::Shape(s.clone()),
            Kept::Range(a, b, c) => Value::Range(*a, *b, *c),
            Kept::Ellipsis => Value::Ellipsis,
            Kept::Unconnected(z) => Value::Unconnected(*z),
            Kept::Type(t) => Value::Type(Arc::from(t.as_str())),
            Kept::Dimension(n) => Value::Dimension(*n),
            Kept::DictView(i, kind) => {
                let Value::Dict(d) = self.object(*i)? else {
                    return Err("a kept dict view's dict is not a dict".into());
                };
                let kind = match kind {
                    0 => ViewKind::Keys,
                    1 => ViewKind::Values,
                    _ => ViewKind::Items,
                };
                // names that held one view hold views of their own once restored
                Value::DictView(d, kind, ViewId::default())
            }
            Kept::Exception {
                class,
                args,
                message,
                code,
                at,
            } => {
                let class = crate::cells::exceptions::class_at(class).ok_or_else(|| {
                    format!("an exception of a class this gradtape lacks ({class})")
                })?;
                let args = args
                    .iter()
                    .map(|a| self.revive(a))
                    .collect::<Result<_, _>>()?;
                Value::Exception(Arc::new(crate::cells::exceptions::PyException {
                    class,
                    args,
                    message: message.clone(),
                    code: crate::engine::error::Code::named(code)
                        .unwrap_or(crate::engine::error::Code::InvalidArgument),
                    at: *at,
                }))
            }
        })
    }

    fn object(&mut self, i: usize) -> Result<Value, String> {
        if let Some(v) = self.values.get(i).and_then(Option::as_ref) {
            return Ok(v.clone());
        }
        let objects = self.objects;
        let v = match objects
            .get(i)
            .ok_or("the session's kept objects are incomplete")?
        {
            Object::List(items) => {
                // the list exists before its items, which may hold it
                let list = PyList::new(Vec::new());
                self.values[i] = Some(Value::List(list.clone()));
                let items = items
                    .iter()
                    .map(|x| self.revive(x))
                    .collect::<Result<Vec<_>, _>>()?;
                *lock(&list) = items;
                return Ok(Value::List(list));
            }
            Object::Dict(entries) => {
                // the dict exists before its entries, which may hold it
                let d = PyDict::new();
                self.values[i] = Some(Value::Dict(d.clone()));
                for (k, v) in entries {
                    let key = self.revive(k)?;
                    let value = self.revive(v)?;
                    let hashed = crate::cells::dict::hash_key(&key)
                        .map_err(|_| "a kept dict's key is not one a dict takes".to_string())?;
                    d.lock().insert(hashed, key, value);
                }
                return Ok(Value::Dict(d));
            }
            Object::NamedTuple(class, items) => {
                let class = crate::cells::value::NAMED_TUPLES
                    .iter()
                    .find(|c| c.class == class)
                    .ok_or_else(|| format!("a kept named tuple of an unknown class {class}"))?;
                let items = items
                    .iter()
                    .map(|x| self.revive(x))
                    .collect::<Result<Vec<_>, _>>()?;
                Value::Tuple(crate::cells::value::PyTuple::named(items, class))
            }
            Object::Tuple(items) => Value::tuple(
                items
                    .iter()
                    .map(|x| self.revive(x))
                    .collect::<Result<Vec<_>, _>>()?,
            ),
            Object::Array(t) => Value::Array(NdArray::new(t.clone())),
            Object::ReadOnlyArray(t) => Value::Array(NdArray::read_only(t.clone())),
            Object::ArrayView {
                base,
                offsets,
                shape,
            } => {
                let Value::Array(base) = self.object(*base)? else {
                    return Err("a kept view's base is not an array".into());
                };
                let fits = {
                    let n = base.get().len();
                    offsets.iter().all(|&o| o < n)
                        && shape.iter().product::<usize>() == offsets.len()
                };
                if !fits {
                    return Err("a kept view does not fit its base".into());
                }
                Value::Array(base.view(offsets, shape))
            }
            Object::Function {
                source,
                start,
                defaults,
                closure,
            } => {
                let module = self
                    .parsed
                    .get(*source)
                    .and_then(Option::as_ref)
                    .ok_or("the text of the cell that defined it no longer parses")?;
                let def = find_function(module, *start)
                    .ok_or("its definition is not in the cell text kept for it")?;
                let defaults = defaults
                    .iter()
                    .map(|d| d.as_ref().map(|d| self.revive(d)).transpose())
                    .collect::<Result<Vec<_>, _>>()?;
                let closure = closure.map(|c| self.scope(c)).transpose()?;
                let lines = self.lines.get(*source).ok_or("its cell text is missing")?;
                Value::Function(Arc::new(Function::new(
                    def.name.as_str().to_string(),
                    def,
                    lines.clone(),
                    defaults,
                    closure,
                )))
            }
            Object::Scope { .. } => return Err("a closure's scope is not a value".into()),
            Object::Keras(k) => Value::Keras(k.clone().shared()),
            Object::Iter {
                name,
                sources,
                count,
                func,
            } => {
                let name = *iterator::NAMES
                    .iter()
                    .find(|n| **n == name.as_str())
                    .ok_or("a kept iterator's class is not one a cell makes")?;
                let kind = match name {
                    "zip" => IterKind::Zip,
                    "enumerate" => IterKind::Enumerate,
                    "map" => IterKind::Map,
                    _ => IterKind::Reversed,
                };
                // the iterator exists before its sources, which may hold it
                let empty = IterState {
                    sources: Vec::new(),
                    count: 0,
                    func: None,
                };
                let made = PyIter::value(kind, name, empty);
                let Value::Iter(p) = &made else {
                    unreachable!("PyIter::value makes an iterator")
                };
                self.values[i] = Some(made.clone());
                let mut revived = Vec::with_capacity(sources.len());
                for s in sources {
                    revived.push(match s {
                        KeptSource::Front(k, i) => Source::Front(self.revive(k)?, *i),
                        KeptSource::Back(k, i) => Source::Back(self.revive(k)?, *i),
                        KeptSource::Iter(k) => match self.revive(k)? {
                            Value::Iter(q) => Source::Iter(q),
                            _ => return Err("a kept iterator's source is not an iterator".into()),
                        },
                        KeptSource::Done => Source::Done,
                    });
                }
                let func = func.as_ref().map(|f| self.revive(f)).transpose()?;
                p.set_state(IterState {
                    sources: revived,
                    count: *count,
                    func,
                });
                return Ok(made);
            }
        };
        // an object reached again through a list inside it is the one made then
        Ok(self.values[i].get_or_insert(v).clone())
    }

    fn scope(&mut self, i: usize) -> Result<Arc<Scope>, String> {
        if let Some(s) = self.scopes.get(i).and_then(Option::as_ref) {
            return Ok(s.clone());
        }
        let objects = self.objects;
        let Some(Object::Scope { vars, parent }) = objects.get(i) else {
            return Err("a closure's kept scope is missing".into());
        };
        // a scope's parents are the calls (and comprehensions) around it: a chain, never a
        // cycle, though two scopes may share a parent kept before either of them
        let mut up = *parent;
        for _ in 0..objects.len() {
            let Some(p) = up else { break };
            up = match objects.get(p) {
                Some(Object::Scope { parent, .. }) => *parent,
                _ => return Err("a closure's kept scope has a parent that is no scope".into()),
            };
        }
        if up.is_some() {
            return Err("a closure's kept scopes form a cycle".into());
        }
        let parent = parent.map(|p| self.scope(p)).transpose()?;
        let scope = Arc::new(Scope {
            vars: Mutex::new(HashMap::new()),
            parent,
        });
        self.scopes[i] = Some(scope.clone());
        let mut revived = HashMap::with_capacity(vars.len());
        for (n, k) in vars {
            revived.insert(n.clone(), self.revive(k)?);
        }
        *scope.vars() = revived;
        Ok(scope)
    }
}

/// The `def` or `lambda` starting at byte `start` of a cell, as the function a cell makes of it.
fn find_function(module: &ModModule, start: u32) -> Option<StmtFunctionDef> {
    struct Find {
        start: TextSize,
        found: Option<StmtFunctionDef>,
    }
    impl<'a> SourceOrderVisitor<'a> for Find {
        fn enter_node(&mut self, node: AnyNodeRef<'a>) -> TraversalSignal {
            if self.found.is_some() || !node.range().contains_inclusive(self.start) {
                return TraversalSignal::Skip;
            }
            match node {
                AnyNodeRef::StmtFunctionDef(f) if f.range.start() == self.start => {
                    self.found = Some(f.clone());
                }
                AnyNodeRef::ExprLambda(l) if l.range.start() == self.start => {
                    self.found = Some(crate::cells::lambda_def(l));
                }
                _ => {}
            }
            TraversalSignal::Traverse
        }
    }
    let mut find = Find {
        start: TextSize::new(start),
        found: None,
    };
    find.visit_body(&module.body);
    find.found
}
