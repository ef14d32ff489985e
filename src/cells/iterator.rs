//! Python's one-pass iterators that `zip`, `enumerate`, `map` and `reversed` return: lazy, they
//! pull an item from their sources only when asked, and once a pass has used them up they stay
//! empty (`data = zip(xs, ys)` trains once, not in every cell that loops over it).

use std::sync::{Arc, Mutex};

use super::interp::Interp;
use super::raise::{Raise, RaiseKind};
use super::value::{lock, range_len, PyDict, Value, ViewKind};

/// What an iterator makes of the items its sources give.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IterKind {
    /// A tuple of one item of each source.
    Zip,
    /// `(count, item)`, the count going up from `start`.
    Enumerate,
    /// The function of one item of each source.
    Map,
    /// The one source's items as they come (`reversed` walks its sequence from the back).
    Reversed,
}

/// Where an iterator's items come from.
#[derive(Clone, Debug)]
pub enum Source {
    /// A list, tuple or range, walked by index from the front: a list is read as it is when
    /// each item is taken, as Python's list iterator reads it.
    Front(Value, i64),
    /// The same walked from the back (`reversed`), down to index 0.
    Back(Value, i64),
    /// Another iterator, advanced as this one is.
    Iter(Arc<PyIter>),
    /// A source that has run out; it gives nothing more, whatever its sequence gains later.
    Done,
}

/// The part of an iterator that changes as it is used.
#[derive(Clone, Debug)]
pub struct IterState {
    pub sources: Vec<Source>,
    /// `enumerate`'s next count.
    pub count: i64,
    /// `map`'s function.
    pub func: Option<Value>,
}

/// A zip, enumerate, map or reversed object.
#[derive(Debug)]
pub struct PyIter {
    pub kind: IterKind,
    /// `type(it).__name__`: `zip`, `enumerate`, `map`, `list_reverseiterator`, `reversed`,
    /// `range_iterator`.
    pub name: &'static str,
    state: Mutex<IterState>,
}

/// The class names an iterator may have, for reading a kept one back.
pub const NAMES: &[&str] = &[
    "zip",
    "enumerate",
    "map",
    "list_reverseiterator",
    "reversed",
    "range_iterator",
    "dict_reversekeyiterator",
    "dict_reversevalueiterator",
    "dict_reverseitemiterator",
];

impl PyIter {
    pub fn value(kind: IterKind, name: &'static str, state: IterState) -> Value {
        Value::Iter(Arc::new(PyIter {
            kind,
            name,
            state: Mutex::new(state),
        }))
    }

    /// A copy of its state, for keeping it between cells.
    pub fn state(&self) -> IterState {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Puts back a kept state (a revived iterator is made before what it walks).
    pub fn set_state(&self, state: IterState) {
        *self.state.lock().unwrap_or_else(|e| e.into_inner()) = state;
    }
}

/// The source that walks `v` from the front: a list, tuple or range by index, an iterator by
/// advancing it, anything else iterable (a string, a tensor's rows) as its items now.
pub fn source(it: &mut Interp, v: &Value) -> Result<Source, Raise> {
    Ok(match v {
        Value::Iter(p) => Source::Iter(p.clone()),
        Value::List(_) | Value::Tuple(_) | Value::Range(..) => Source::Front(v.clone(), 0),
        _ => Source::Front(Value::tuple(super::builtins::iterate(it, v)?), 0),
    })
}

/// `reversed(v)`: a list from its last item as it is then, a range as the range of its items
/// last first, any other sequence as its items now.
pub fn reversed(it: &mut Interp, v: &Value) -> Result<Value, Raise> {
    let state = |source| IterState {
        sources: vec![source],
        count: 0,
        func: None,
    };
    let (name, source) = match v {
        Value::List(l) => {
            let last = lock(l).len() as i64 - 1;
            ("list_reverseiterator", Source::Back(v.clone(), last))
        }
        Value::Range(a, b, s) => {
            let n = range_len(*a, *b, *s);
            let last = a + (n - 1) * s;
            let back = Value::Range(last, a.saturating_sub(*s), s.saturating_neg());
            ("range_iterator", Source::Front(back, 0))
        }
        Value::Dict(_) | Value::DictView(..) => {
            let (items, name) = match v {
                Value::DictView(d, ViewKind::Values, _) => {
                    (d.view_items(ViewKind::Values), "dict_reversevalueiterator")
                }
                Value::DictView(d, ViewKind::Items, _) => {
                    (d.view_items(ViewKind::Items), "dict_reverseitemiterator")
                }
                _ => (super::builtins::iterate(it, v)?, "dict_reversekeyiterator"),
            };
            let last = items.len() as i64 - 1;
            (name, Source::Back(Value::tuple(items), last))
        }
        Value::Iter(_)
        | Value::None
        | Value::Bool(_)
        | Value::Int(_)
        | Value::Float(_)
        | Value::Function(_)
        | Value::Variable(_)
        | Value::UnreadVariable(_) => {
            return Err(Raise::type_error(format!(
                "'{}' object is not reversible",
                v.type_name()
            )))
        }
        _ => {
            let items = super::builtins::iterate(it, v)?;
            let last = items.len() as i64 - 1;
            ("reversed", Source::Back(Value::tuple(items), last))
        }
    };
    Ok(PyIter::value(IterKind::Reversed, name, state(source)))
}

/// The next item of `p`, or None once it is used up.
pub fn next(it: &mut Interp, p: &Arc<PyIter>) -> Result<Option<Value>, Raise> {
    // a map's function may reach the iterator it is running for; Python would advance it
    // from inside itself, which a cell has no need for
    let Ok(mut state) = p.state.try_lock() else {
        return Err(Raise::new(
            RaiseKind::ValueError,
            format!(
                "a {} object was advanced from inside its own next step",
                p.name
            ),
        ));
    };
    if state.sources.is_empty() {
        // `zip()` of nothing is empty
        return Ok(None);
    }
    let mut row = Vec::with_capacity(state.sources.len());
    for s in state.sources.iter_mut() {
        match pull(it, s)? {
            Some(v) => row.push(v),
            None => return Ok(None),
        }
    }
    Ok(Some(match p.kind {
        IterKind::Zip => Value::tuple(row),
        IterKind::Enumerate => {
            let count = state.count;
            state.count += 1;
            Value::tuple(vec![Value::Int(count), row.swap_remove(0)])
        }
        IterKind::Reversed => row.swap_remove(0),
        IterKind::Map => {
            let f = state.func.clone().unwrap_or(Value::None);
            it.call(f, row, vec![])?
        }
    }))
}

/// One item of a source, marking it done when it has none.
fn pull(it: &mut Interp, s: &mut Source) -> Result<Option<Value>, Raise> {
    let item = match s {
        Source::Done => None,
        Source::Iter(p) => {
            let p = p.clone();
            next(it, &p)?
        }
        Source::Front(seq, k) => {
            let item = at(seq, *k);
            *k += 1;
            item
        }
        Source::Back(seq, k) => {
            let item = if *k >= 0 { at(seq, *k) } else { None };
            *k -= 1;
            item
        }
    };
    if item.is_none() {
        *s = Source::Done;
    }
    Ok(item)
}

/// Item `k` of a list, tuple or range, if it has one.
fn at(seq: &Value, k: i64) -> Option<Value> {
    let k_us = usize::try_from(k).ok()?;
    match seq {
        Value::List(l) => lock(l).get(k_us).cloned(),
        Value::Tuple(t) => t.get(k_us).cloned(),
        Value::Range(a, b, s) => (k < range_len(*a, *b, *s)).then(|| Value::Int(a + k * s)),
        _ => None,
    }
}

/// A walk over the items of an iterable: a copy of a sequence's items, or an iterator
/// advanced one item at a time (so a loop that breaks leaves the rest in it).
pub enum Walk {
    Items(std::vec::IntoIter<Value>),
    Iter(Arc<PyIter>),
    /// A dict (or a view of it) read entry by entry as the walk goes, as Python's dict
    /// iterator reads it: a dict whose size changes under the walk is RuntimeError.
    Dict {
        dict: PyDict,
        kind: ViewKind,
        at: usize,
        len: usize,
    },
}

impl Walk {
    pub fn of(it: &mut Interp, v: &Value) -> Result<Walk, Raise> {
        let dict = |d: &PyDict, kind| Walk::Dict {
            dict: d.clone(),
            kind,
            at: 0,
            len: d.len(),
        };
        Ok(match v {
            Value::Iter(p) => Walk::Iter(p.clone()),
            Value::Dict(d) => dict(d, ViewKind::Keys),
            Value::DictView(d, kind, _) => dict(d, *kind),
            _ => Walk::Items(super::builtins::iterate(it, v)?.into_iter()),
        })
    }

    pub fn next(&mut self, it: &mut Interp) -> Result<Option<Value>, Raise> {
        match self {
            Walk::Items(items) => Ok(items.next()),
            Walk::Iter(p) => next(it, p),
            Walk::Dict {
                dict,
                kind,
                at,
                len,
            } => {
                let items = dict.lock();
                if items.len() != *len {
                    // once: the walk is over, as Python's exhausted iterator is
                    *len = usize::MAX;
                    return Err(Raise::new(
                        RaiseKind::RuntimeError,
                        "dictionary changed size during iteration",
                    ));
                }
                let Some((k, v)) = items.entries().get(*at) else {
                    return Ok(None);
                };
                *at += 1;
                Ok(Some(match kind {
                    ViewKind::Keys => k.clone(),
                    ViewKind::Values => v.clone(),
                    ViewKind::Items => Value::tuple(vec![k.clone(), v.clone()]),
                }))
            }
        }
    }
}

/// Every item left in `p`, at most `max` of them.
pub fn drain(it: &mut Interp, p: &Arc<PyIter>, max: usize) -> Result<Vec<Value>, Raise> {
    let mut out = Vec::new();
    while let Some(v) = next(it, p)? {
        if out.len() >= max {
            return Err(Raise::new(
                RaiseKind::LimitExceeded,
                format!("an iterator turned into a list holds at most {max} items; loop over it with `for` instead"),
            ));
        }
        out.push(v);
    }
    Ok(out)
}
