//! Python's lists and tuples, freed without recursion.
//!
//! A cell can nest containers as deep as its steps allow (`a = [a]` in a loop gives a list
//! 500,000 deep), and the default drop of such a chain recurses once per level, which
//! overflows any thread's stack and aborts the server. The last holder of a list, tuple,
//! function or closure scope instead moves what it holds onto one work list and frees that
//! in a loop (`release`), so freeing costs no stack whatever the nesting.
//!
//! A list can also hold itself (`a.append(a)`): such a cycle is never freed by counting
//! references, so a finished cell's names go through `release_all`, which empties every
//! list they reach first.

use std::collections::HashSet;
use std::ops::Deref;
use std::sync::{Arc, Mutex};

use super::dict::PyDict;
use super::value::{lock, Function, Scope, Value};

/// A Python list: shared and mutable (`append`), as Python lists are.
#[derive(Clone, Debug)]
pub struct PyList(pub(super) Arc<Mutex<Vec<Value>>>);

/// A Python tuple, or a named tuple of one of the classes TensorFlow returns (`TopKV2`).
#[derive(Clone, Debug)]
pub struct PyTuple(
    pub(super) Arc<[Value]>,
    pub(super) Option<&'static NamedTuple>,
);

/// A `collections.namedtuple` class: its name and its fields, in order.
#[derive(Debug, PartialEq, Eq)]
pub struct NamedTuple {
    pub class: &'static str,
    pub fields: &'static [&'static str],
}

/// What `tf.math.top_k` returns.
pub const TOP_K: NamedTuple = NamedTuple {
    class: "TopKV2",
    fields: &["values", "indices"],
};

/// The named tuple classes a cell makes, by name (a session keeps a tuple's class by it).
pub const NAMED_TUPLES: &[&NamedTuple] = &[&TOP_K];

impl PyList {
    pub fn new(items: Vec<Value>) -> PyList {
        PyList(Arc::new(Mutex::new(items)))
    }
}

impl PyTuple {
    pub fn new(items: Vec<Value>) -> PyTuple {
        PyTuple(items.into(), None)
    }

    /// A named tuple of `class` (its items one per field).
    pub fn named(items: Vec<Value>, class: &'static NamedTuple) -> PyTuple {
        PyTuple(items.into(), Some(class))
    }

    /// The named tuple class, None for a plain tuple.
    pub fn class(&self) -> Option<&'static NamedTuple> {
        self.1
    }

    /// A named tuple's field `name`, None for a plain tuple or a name it lacks.
    pub fn field(&self, name: &str) -> Option<Value> {
        let k = self.1?.fields.iter().position(|f| *f == name)?;
        self.0.get(k).cloned()
    }
}

impl Deref for PyList {
    type Target = Arc<Mutex<Vec<Value>>>;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl Deref for PyTuple {
    type Target = Arc<[Value]>;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl Drop for PyList {
    fn drop(&mut self) {
        if let Some(items) = Arc::get_mut(&mut self.0) {
            let items = items.get_mut().unwrap_or_else(|e| e.into_inner());
            release(items.drain(..).map(Held::Value).collect());
        }
    }
}

impl Drop for PyTuple {
    fn drop(&mut self) {
        if let Some(items) = Arc::get_mut(&mut self.0) {
            release(items.iter_mut().map(taken).collect());
        }
    }
}

impl Drop for PyDict {
    fn drop(&mut self) {
        if let Some(items) = Arc::get_mut(&mut self.0) {
            let items = items.get_mut().unwrap_or_else(|e| e.into_inner());
            release(entries_held(items.take()));
        }
    }
}

/// A dict's keys and values, to be freed or walked.
fn entries_held(entries: Vec<(Value, Value)>) -> Vec<Held> {
    entries
        .into_iter()
        .flat_map(|(k, v)| [Held::Value(k), Held::Value(v)])
        .collect()
}

impl Drop for Function {
    fn drop(&mut self) {
        let mut held: Vec<Held> = self
            .defaults
            .iter_mut()
            .filter_map(Option::take)
            .map(Held::Value)
            .collect();
        held.extend(self.closure.take().map(Held::Scope));
        release(held);
    }
}

impl Drop for Scope {
    fn drop(&mut self) {
        let vars = self.vars.get_mut().unwrap_or_else(|e| e.into_inner());
        let mut held: Vec<Held> = vars.drain().map(|(_, v)| Held::Value(v)).collect();
        held.extend(self.parent.take().map(Held::Scope));
        release(held);
    }
}

/// What a container being freed held: values, and the scopes of closures.
enum Held {
    Value(Value),
    Scope(Arc<Scope>),
}

fn taken(v: &mut Value) -> Held {
    Held::Value(std::mem::replace(v, Value::None))
}

/// Frees `held`, moving what each container held onto the same work list when this is its
/// last holder, so that no drop below recurses into a nested container.
fn release(mut held: Vec<Held>) {
    while let Some(h) = held.pop() {
        match h {
            Held::Value(Value::List(mut l)) => {
                if let Some(items) = Arc::get_mut(&mut l.0) {
                    let items = items.get_mut().unwrap_or_else(|e| e.into_inner());
                    held.extend(items.drain(..).map(Held::Value));
                }
            }
            Held::Value(Value::Tuple(mut t)) => {
                if let Some(items) = Arc::get_mut(&mut t.0) {
                    held.extend(items.iter_mut().map(taken));
                }
            }
            Held::Value(Value::Dict(mut d)) => {
                if let Some(items) = Arc::get_mut(&mut d.0) {
                    let items = items.get_mut().unwrap_or_else(|e| e.into_inner());
                    held.extend(entries_held(items.take()));
                }
            }
            Held::Value(Value::Function(mut f)) => {
                if let Some(f) = Arc::get_mut(&mut f) {
                    held.extend(
                        f.defaults
                            .iter_mut()
                            .filter_map(Option::take)
                            .map(Held::Value),
                    );
                    held.extend(f.closure.take().map(Held::Scope));
                }
            }
            Held::Scope(mut s) => {
                if let Some(s) = Arc::get_mut(&mut s) {
                    let vars = s.vars.get_mut().unwrap_or_else(|e| e.into_inner());
                    held.extend(vars.drain().map(|(_, v)| Held::Value(v)));
                    held.extend(s.parent.take().map(Held::Scope));
                }
            }
            Held::Value(_) => {}
        }
    }
}

/// Frees a finished cell's names, first emptying every list and dict they reach (a walk that
/// keeps its own stack), so that lists and dicts holding themselves or one another are freed too.
pub fn release_all(names: impl IntoIterator<Item = Value>) {
    let mut todo: Vec<Held> = names.into_iter().map(Held::Value).collect();
    let mut seen: HashSet<usize> = HashSet::new();
    let mut lists: Vec<PyList> = Vec::new();
    let mut dicts: Vec<PyDict> = Vec::new();
    let mut i = 0;
    while i < todo.len() {
        match &todo[i] {
            Held::Value(Value::List(l)) => lists.push(l.clone()),
            Held::Value(Value::Dict(d)) => dicts.push(d.clone()),
            _ => {}
        }
        if let Some(children) = children_once(&todo[i], &mut seen) {
            todo.extend(children);
        }
        i += 1;
    }
    for l in &lists {
        let items = std::mem::take(&mut *lock(l));
        release(items.into_iter().map(Held::Value).collect());
    }
    for d in &dicts {
        let entries = d.lock().take();
        release(entries_held(entries));
    }
    drop(lists);
    drop(dicts);
    release(todo);
}

/// How deep a walk that enters each container once, items in order (as a session keeps and
/// revives a cell's values, one call per level), nests below `v`: 1 for a flat list, 0 for
/// what holds no container. Walked with a stack of its own; stops counting past `cap`.
pub fn walk_depth(v: &Value, cap: usize) -> usize {
    let mut seen: HashSet<usize> = HashSet::new();
    // each open container with the items it has left to visit
    let mut open: Vec<std::vec::IntoIter<Held>> = Vec::new();
    let mut deepest = 0;
    let mut next = Some(Held::Value(v.clone()));
    loop {
        if let Some(h) = next.take() {
            if let Some(children) = children_once(&h, &mut seen) {
                open.push(children.into_iter());
                deepest = deepest.max(open.len());
                if deepest > cap {
                    return deepest;
                }
            }
        }
        match open.last_mut() {
            None => return deepest,
            Some(items) => match items.next() {
                Some(h) => next = Some(h),
                None => {
                    open.pop();
                }
            },
        }
    }
}

/// What a container holds, the first time it is met; None for a value that holds nothing or
/// a container met before.
fn children_once(h: &Held, seen: &mut HashSet<usize>) -> Option<Vec<Held>> {
    let mut first = |p: Option<usize>| p.is_some_and(|p| seen.insert(p));
    match h {
        Held::Value(v @ Value::List(l)) if first(address(v)) => {
            Some(lock(l).iter().cloned().map(Held::Value).collect())
        }
        Held::Value(v @ Value::Tuple(t)) if first(address(v)) => {
            Some(t.iter().cloned().map(Held::Value).collect())
        }
        Held::Value(v @ Value::Dict(d)) if first(address(v)) => Some(entries_held(d.snapshot())),
        Held::Value(Value::DictView(d, _, _)) => Some(vec![Held::Value(Value::Dict(d.clone()))]),
        Held::Value(Value::Function(f)) if first(Some(Arc::as_ptr(f) as *const u8 as usize)) => {
            let mut c: Vec<Held> = f
                .defaults
                .iter()
                .flatten()
                .cloned()
                .map(Held::Value)
                .collect();
            c.extend(f.closure.clone().map(Held::Scope));
            Some(c)
        }
        Held::Scope(s) if first(Some(Arc::as_ptr(s) as *const u8 as usize)) => {
            let mut c: Vec<Held> = s.vars().values().cloned().map(Held::Value).collect();
            c.extend(s.parent.clone().map(Held::Scope));
            Some(c)
        }
        Held::Value(Value::Method(m)) => Some(vec![Held::Value(m.0.clone())]),
        _ => None,
    }
}

/// What `nesting_within` found wrong with a value's lists and tuples.
#[derive(Debug, PartialEq)]
pub enum Nesting {
    /// A list holds itself, directly or through others.
    Cycle,
    /// Lists and tuples nest deeper than asked.
    Deeper,
}

/// Checks that `v`'s lists and tuples hold no cycle and nest at most `max` deep (a flat list
/// is 1), before a recursive walk (a conversion to a tensor) meets them. Walked with a stack of
/// its own, each container once, so it costs what the value holds whatever its shape.
pub fn nesting_within(v: &Value, max: usize) -> Result<(), Nesting> {
    if address(v).is_none() {
        return Ok(());
    }
    let mut depth_of: std::collections::HashMap<usize, usize> = Default::default();
    // each open container: its address, its child containers left to visit, its depth so far
    let mut open: Vec<(usize, std::vec::IntoIter<Value>, usize)> = Vec::new();
    let mut next = Some(v.clone());
    loop {
        if let Some(c) = next.take() {
            let at = address(&c).expect("only containers are visited");
            if open.iter().any(|(o, _, _)| *o == at) {
                return Err(Nesting::Cycle);
            }
            match depth_of.get(&at) {
                Some(&d) => {
                    if let Some(top) = open.last_mut() {
                        top.2 = top.2.max(d + 1);
                    }
                }
                None => {
                    if open.len() >= max {
                        return Err(Nesting::Deeper);
                    }
                    open.push((at, child_containers(&c).into_iter(), 1));
                }
            }
        }
        let Some(top) = open.last_mut() else {
            return Ok(());
        };
        match top.1.next() {
            Some(child) => next = Some(child),
            None => {
                let (at, _, d) = open.pop().expect("an open container");
                depth_of.insert(at, d);
                if d > max {
                    return Err(Nesting::Deeper);
                }
                if let Some(parent) = open.last_mut() {
                    parent.2 = parent.2.max(d + 1);
                }
            }
        }
        if open.is_empty() && next.is_none() {
            return Ok(());
        }
    }
}

/// A list's, tuple's or dict's identity (Python's `id`), by which every walk over containers
/// tells a container met again (a cycle, a shared one) from another; None for anything else.
/// A view stands a byte or so past its dict (each view kind one identity).
pub fn address(v: &Value) -> Option<usize> {
    match v {
        Value::List(l) => Some(Arc::as_ptr(&l.0) as *const u8 as usize),
        Value::Tuple(t) => Some(Arc::as_ptr(&t.0) as *const u8 as usize),
        Value::Dict(d) => Some(d.address()),
        Value::DictView(d, kind, _) => Some(d.address() + 1 + *kind as usize),
        _ => None,
    }
}

/// The lists, tuples and dicts among a container's items (a flat list gives none, and no
/// copies).
fn child_containers(v: &Value) -> Vec<Value> {
    let is_container = |x: &&Value| matches!(x, Value::List(_) | Value::Tuple(_) | Value::Dict(_));
    match v {
        Value::List(l) => lock(l).iter().filter(is_container).cloned().collect(),
        Value::Tuple(t) => t.iter().filter(is_container).cloned().collect(),
        Value::Dict(d) => d
            .lock()
            .entries()
            .iter()
            .flat_map(|(k, x)| [k, x])
            .filter(is_container)
            .cloned()
            .collect(),
        _ => Vec::new(),
    }
}

/// The deepest a list may nest to become a tensor: TensorFlow's most dimensions. (Past them
/// TensorFlow 2.15 aborts its own process: "Too many dimensions in tensor".)
const MAX_TENSOR_NESTING: usize = 254;

/// Python lists and tuples handed to TensorFlow or NumPy (`numpy` for the latter): a list
/// that holds itself is ValueError, as TensorFlow's and NumPy's conversions raise, and one
/// nested past `MAX_TENSOR_NESTING` too, before any recursive conversion meets it.
pub fn convertible<'v>(
    values: impl IntoIterator<Item = &'v Value>,
    numpy: bool,
) -> Result<(), super::raise::Raise> {
    for v in values {
        let detail = match nesting_within(v, MAX_TENSOR_NESTING) {
            Ok(()) => continue,
            Err(Nesting::Cycle) if numpy => "setting an array element with a sequence. The requested array has an inhomogeneous shape: a list in it holds itself".to_string(),
            Err(Nesting::Cycle) => "Can't convert Python sequence with mixed types to Tensor.".to_string(),
            Err(Nesting::Deeper) => format!("a list nested more than {MAX_TENSOR_NESTING} deep cannot become a tensor: TensorFlow's tensors have at most {MAX_TENSOR_NESTING} dimensions"),
        };
        return Err(super::raise::Raise::value_error(detail));
    }
    Ok(())
}
