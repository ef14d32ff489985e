//! Python's dicts: insertion-ordered, keyed by what Python hashes (str, int, float, bool, None,
//! NumPy scalars and tuples of those; `1`, `1.0` and `True` are one key, as they hash and
//! compare equal in Python), shared and mutable as Python's are. A dict is freed with lists
//! (`containers.rs`), so nesting and cycles through dicts cost no stack either.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use super::interp::Interp;
use super::raise::{Raise, RaiseKind};
use super::value::Value;

/// A Python dict.
#[derive(Clone, Debug)]
pub struct PyDict(pub(super) Arc<Mutex<DictItems>>);

/// Which view of a dict `keys()`, `values()` and `items()` return.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ViewKind {
    Keys,
    Values,
    Items,
}

impl ViewKind {
    /// `type(view).__name__`.
    pub fn name(self) -> &'static str {
        match self {
            ViewKind::Keys => "dict_keys",
            ViewKind::Values => "dict_values",
            ViewKind::Items => "dict_items",
        }
    }
}

/// A view object's identity: each `keys()`, `values()` or `items()` call makes a new view,
/// which `is` compares (and a values view's `==`, which is object's).
#[derive(Clone, Debug, Default)]
pub struct ViewId(Arc<()>);

impl ViewId {
    pub fn same(&self, other: &ViewId) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

/// A hashable value as a dict compares keys: numbers equal in Python are one key.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Key {
    None,
    Int(i64),
    /// A float with a fraction (an integral float is its int), by its bits.
    Float(u64),
    Str(Arc<str>),
    Tuple(Vec<Key>),
    /// A `Reference` by the object it wraps: a tensor by its id, a variable by its id, what an
    /// update returned by the object's address (each is a new object).
    TensorRef(u64),
    VariableRef(Arc<str>),
    UnreadRef(usize),
}

/// Why a value cannot be a key.
pub enum Unhashable {
    /// Python's `unhashable type: '...'`.
    Type(String),
    /// A tensor (TensorFlow's own words).
    Tensor,
    /// A variable (TensorFlow's words name it).
    Variable(Value),
    /// Hashable in Python, but not a key a cell's dict takes.
    NotInSubset(String),
    /// Tuples nested past Python's recursion limit.
    TooDeep,
}

/// How deep tuples in a key may nest (each level a call of Python's hash, as of ours).
const MAX_KEY_DEPTH: usize = 900;

/// The key `v` is, or why it is none.
pub fn hash_key(v: &Value) -> Result<Key, Unhashable> {
    key_within(v, MAX_KEY_DEPTH)
}

fn key_within(v: &Value, depth: usize) -> Result<Key, Unhashable> {
    Ok(match v {
        Value::None => Key::None,
        Value::Bool(b) => Key::Int(i64::from(*b)),
        Value::Int(i) => Key::Int(*i),
        Value::Float(f) => float_key(*f),
        Value::Str(s) => Key::Str(s.clone()),
        Value::Tuple(_) if depth == 0 => return Err(Unhashable::TooDeep),
        Value::Tuple(t) => Key::Tuple(
            t.iter()
                .map(|x| key_within(x, depth - 1))
                .collect::<Result<_, _>>()?,
        ),
        Value::NpScalar(t) if t.dtype().is_float() => float_key(t.to_f64_vec()[0]),
        Value::NpScalar(t) => Key::Int(
            t.as_indices()
                .map_or_else(|| t.to_f64_vec()[0] as i64, |v| v[0]),
        ),
        Value::List(_) | Value::Dict(_) => return Err(Unhashable::Type(v.type_name())),
        Value::Array(_) => return Err(Unhashable::Type("numpy.ndarray".into())),
        Value::Ref(r) => ref_key(r),
        Value::Tensor(_) => return Err(Unhashable::Tensor),
        Value::Variable(_) | Value::UnreadVariable(_) => {
            return Err(Unhashable::Variable(v.clone()))
        }
        other => return Err(Unhashable::NotInSubset(other.type_name())),
    })
}

/// The identity of the tensor or variable a `Reference` wraps, which its hash and `==` read.
pub fn ref_key(wrapped: &Value) -> Key {
    match wrapped {
        Value::Tensor(x) => Key::TensorRef(x.id),
        Value::UnreadVariable(id) => Key::UnreadRef(Arc::as_ptr(id) as *const u8 as usize),
        Value::Variable(id) => Key::VariableRef(id.clone()),
        // `ref()` wraps only tensors and variables
        other => Key::Str(other.type_name().into()),
    }
}

fn float_key(f: f64) -> Key {
    // -0.0 == 0 and 2.0 == 2 in Python; past i64's range no int can equal it
    if f.fract() == 0.0 && f.abs() < 9.2e18 {
        Key::Int(f as i64)
    } else {
        Key::Float(f.to_bits())
    }
}

/// The TypeError for a value that is no key, in Python's or TensorFlow's words.
pub fn unhashable(it: &mut Interp, why: Unhashable) -> Raise {
    match why {
        Unhashable::Type(t) => Raise::type_error(format!("unhashable type: '{t}'")),
        Unhashable::Tensor => {
            Raise::type_error("Tensor is unhashable. Instead, use tensor.ref() as the key.")
        }
        Unhashable::Variable(v) => Raise::type_error(format!(
            "Variable is unhashable. Instead, use variable.ref() as the key. (Variable: {})",
            super::print::repr(it, &v)
        )),
        Unhashable::TooDeep => Raise::new(
            RaiseKind::RecursionError,
            "maximum recursion depth exceeded while calling a Python object",
        ),
        Unhashable::NotInSubset(t) => Raise::type_error(format!(
            "a dict key in a cell is a str, int, float, bool, None, NumPy scalar or a tuple of them, not a '{t}'"
        )),
    }
}

/// The key `v` is, or the TypeError Python raises for it.
pub fn key(it: &mut Interp, v: &Value) -> Result<Key, Raise> {
    hash_key(v).map_err(|why| unhashable(it, why))
}

/// The KeyError for a missing key: its `args` hold the key, its text is the key's repr.
pub fn key_error(it: &mut Interp, k: &Value) -> Raise {
    let Some(class) = super::exceptions::class_at("KeyError") else {
        return Raise::new(RaiseKind::KeyError, super::print::repr(it, k));
    };
    let e = Arc::new(super::exceptions::PyException {
        class,
        args: vec![k.clone()],
        message: None,
        code: crate::engine::error::Code::InvalidArgument,
        at: None,
    });
    super::exceptions::raise_of(it, &e)
}

/// A dict's entries in insertion order, and where each key is among them.
#[derive(Debug, Default)]
pub struct DictItems {
    entries: Vec<(Value, Value)>,
    index: HashMap<Key, usize>,
}

impl DictItems {
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn get(&self, k: &Key) -> Option<&Value> {
        self.index.get(k).map(|&i| &self.entries[i].1)
    }

    pub fn contains(&self, k: &Key) -> bool {
        self.index.contains_key(k)
    }

    /// Sets `k` to `v`; a key already there keeps its first object (`d[1] = 'a'; d[1.0] = 'b'`
    /// leaves the key `1`) and its place. True when the key is new.
    pub fn insert(&mut self, k: Key, key: Value, v: Value) -> bool {
        match self.index.get(&k) {
            Some(&i) => {
                self.entries[i].1 = v;
                false
            }
            None => {
                self.index.insert(k, self.entries.len());
                self.entries.push((key, v));
                true
            }
        }
    }

    /// Takes `k` out, the entries after it moving up one place.
    pub fn remove(&mut self, k: &Key) -> Option<(Value, Value)> {
        let i = self.index.remove(k)?;
        let entry = self.entries.remove(i);
        for slot in self.index.values_mut() {
            if *slot > i {
                *slot -= 1;
            }
        }
        Some(entry)
    }

    /// Takes the last entry out (`popitem`).
    pub fn pop_last(&mut self) -> Option<(Value, Value)> {
        let (k, v) = self.entries.pop()?;
        self.index.retain(|_, i| *i < self.entries.len());
        Some((k, v))
    }

    pub fn entries(&self) -> &[(Value, Value)] {
        &self.entries
    }

    /// Every entry taken out, the dict left empty.
    pub fn take(&mut self) -> Vec<(Value, Value)> {
        self.index.clear();
        std::mem::take(&mut self.entries)
    }
}

impl PyDict {
    pub fn new() -> PyDict {
        PyDict(Arc::new(Mutex::new(DictItems::default())))
    }

    /// The entries; a poisoned lock (a panic elsewhere) still holds valid values.
    pub fn lock(&self) -> MutexGuard<'_, DictItems> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A copy of the entries (the values shared), to walk without holding the lock: what a
    /// walk calls may reach this dict again.
    pub fn snapshot(&self) -> Vec<(Value, Value)> {
        self.lock().entries.clone()
    }

    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    pub fn address(&self) -> usize {
        Arc::as_ptr(&self.0) as *const u8 as usize
    }

    pub fn same(&self, other: &PyDict) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }

    /// The items a view of this dict walks.
    pub fn view_items(&self, kind: ViewKind) -> Vec<Value> {
        let d = self.lock();
        d.entries
            .iter()
            .map(|(k, v)| match kind {
                ViewKind::Keys => k.clone(),
                ViewKind::Values => v.clone(),
                ViewKind::Items => Value::tuple(vec![k.clone(), v.clone()]),
            })
            .collect()
    }
}

impl Default for PyDict {
    fn default() -> Self {
        PyDict::new()
    }
}

impl Interp<'_> {
    /// `d[k] = v`, counting a new key against the cell's budget and the item cap.
    pub fn dict_set(&mut self, d: &PyDict, k: Value, v: Value) -> Result<(), Raise> {
        let key = key(self, &k)?;
        let (len, new) = {
            let items = d.lock();
            (items.len(), !items.contains(&key))
        };
        if new {
            self.room_for_entries(len, 1)?;
        }
        d.lock().insert(key, k, v);
        Ok(())
    }

    /// `d[k]`, or KeyError.
    pub fn dict_get(&mut self, d: &PyDict, k: &Value) -> Result<Value, Raise> {
        let key = key(self, k)?;
        let found = d.lock().get(&key).cloned();
        found.ok_or_else(|| key_error(self, k))
    }

    /// A new dict of `pairs`, later ones replacing earlier ones of an equal key.
    pub fn new_dict(&mut self, pairs: Vec<(Value, Value)>) -> Result<Value, Raise> {
        let d = PyDict::new();
        for (k, v) in pairs {
            self.dict_set(&d, k, v)?;
        }
        Ok(Value::Dict(d))
    }
}
