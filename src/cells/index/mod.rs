//! Subscripts: `tf.Tensor.__getitem__` (ints, slices with steps, `None`, `...`, scalar integer
//! tensors, and a boolean mask as the whole index), NumPy's indexing (the same, plus integer
//! lists, arrays and tensors: advanced indexing, and boolean masks anywhere) and assignment
//! into an array, and Python's indexing of lists, tuples and strings.

use ruff_python_ast::Expr;

use crate::engine::tensor::Tensor;

mod assign;
mod mask;
mod plan;
mod spec;

pub use assign::{assign_slice, SliceOfVariable};
pub use mask::boolean_mask_call;
use mask::{boolean_mask, gather_bare, gather_plan};
use plan::{plan, slice_bounds, slice_indices, slice_len};
pub use spec::operator_index;
use spec::{np_index, seq_index, tf_index, Part, SeqIndex, TfIndex};

use super::interp::Interp;
use super::raise::Raise;
use super::value::{lock, Value};

/// One item of a subscript.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub(super) enum Item {
    Int(i64),
    Slice(Option<i64>, Option<i64>, Option<i64>),
    NewAxis,
    Ellipsis,
    /// An integer list, range or array (NumPy's advanced indexing).
    Adv(Vec<i64>),
    /// A boolean array over as many axes as it has (NumPy's mask); 0-d, a new axis of length
    /// 1 (true) or 0 (false).
    Mask(Tensor),
}

impl Interp<'_> {
    /// The parts of a subscript, evaluated, and whether they were written as a tuple
    /// (`x[a, b]`, where `x[[a, b]]` is one list).
    fn parts_of(&mut self, slice: &Expr) -> Result<(Vec<Part>, bool), Raise> {
        let (exprs, tuple): (Vec<&Expr>, bool) = match slice {
            Expr::Tuple(t) => (t.elts.iter().collect(), true),
            other => (vec![other], false),
        };
        let mut parts = Vec::with_capacity(exprs.len());
        for e in exprs {
            parts.push(match e {
                Expr::Slice(s) => {
                    let mut bound = |b: &Option<Box<Expr>>| -> Result<Option<Value>, Raise> {
                        b.as_ref().map(|b| self.eval(b)).transpose()
                    };
                    Part::Slice(Box::new((
                        bound(&s.lower)?,
                        bound(&s.upper)?,
                        bound(&s.step)?,
                    )))
                }
                other => Part::Value(self.eval(other)?),
            });
        }
        Ok((parts, tuple))
    }
}

/// `container[slice]`; its error is placed where the subscript starts (by the caller's
/// `eval`), as Python places it.
pub fn get_item(it: &mut Interp, container: &Value, slice: &Expr) -> Result<Value, Raise> {
    if let Value::Dict(d) = container {
        let k = dict_key(it, slice)?;
        return it.dict_get(d, &k);
    }
    if let Value::DictView(_, kind, _) = container {
        return Err(Raise::type_error(format!(
            "'{}' object is not subscriptable",
            kind.name()
        )));
    }
    let (parts, tuple) = it.parts_of(slice)?;
    match container {
        Value::Tensor(_) | Value::Variable(_) | Value::UnreadVariable(_) => {
            let index = tf_index(it, parts, tuple)?;
            let x = it.as_val(container)?.expect("tensor");
            match index {
                TfIndex::Mask(m) => boolean_mask(it, x, &m, 0),
                TfIndex::Items { items } => {
                    let p = plan(x.tensor.shape(), &items, true, it.max_elems())?;
                    let slice = gather_plan(it, x, &p)?;
                    assign::remember(it, container, &slice, &items);
                    Ok(Value::Tensor(slice))
                }
            }
        }
        Value::Array(_) | Value::NpScalar(_) => {
            let items = np_index(it, parts, tuple)?;
            let t = &it.np_tensor(container)?;
            let p = match plan(t.shape(), &items, false, it.max_elems()) {
                // a NumPy scalar is no array: NumPy's scalar type words an axis index so
                Err(e)
                    if matches!(container, Value::NpScalar(_))
                        && matches!(e.kind, crate::cells::raise::RaiseKind::IndexError) =>
                {
                    return Err(Raise::index_error("invalid index to scalar variable."))
                }
                other => other?,
            };
            // basic indexing of an array gives a view of it, advanced indexing a copy
            let basic = items
                .iter()
                .all(|i| !matches!(i, Item::Adv(_) | Item::Mask(_)));
            if let (Value::Array(a), true, false) = (container, basic, p.shape.is_empty()) {
                return Ok(Value::Array(a.view(&p.offsets, &p.shape)));
            }
            let out = gather_bare(it, t, &p)?;
            Ok(super::arith::np_wrap(out))
        }
        Value::List(_) | Value::Tuple(_) | Value::Str(_) | Value::Shape(_) | Value::Range(..) => {
            let index = seq_index(it, parts, tuple, &container.type_name())?;
            sequence_item(it, container, index)
        }
        Value::IndexedSlices(_) => Err(Raise::type_error(
            "'IndexedSlices' object is not subscriptable",
        )),
        other => Err(Raise::type_error(format!(
            "'{}' object is not subscriptable",
            other.type_name()
        ))),
    }
}

/// A list's, tuple's, string's, shape's or range's item (`s[i]`) or slice (`s[a:b:c]`, of the
/// container's own kind). An item costs what Python's does, and a
/// slice what its items do: neither copies the container.
fn sequence_item(it: &mut Interp, container: &Value, index: SeqIndex) -> Result<Value, Raise> {
    // a string's characters by position: its bytes when it is ASCII (as most are), else its
    // characters listed
    let (ascii, chars): (&[u8], Vec<char>) = match container {
        Value::Str(s) if s.is_ascii() => (s.as_bytes(), Vec::new()),
        Value::Str(s) => (&[], s.chars().collect()),
        _ => (&[], Vec::new()),
    };
    let n = match container {
        Value::Str(_) => ascii.len() + chars.len(),
        Value::Shape(d) => d.len(),
        other => other.seq_len().unwrap_or(0),
    };
    let item = |k: usize| match container {
        Value::Str(_) if chars.is_empty() => Value::str(char::from(ascii[k]).to_string()),
        Value::Str(_) => Value::str(chars[k].to_string()),
        Value::Shape(d) => Value::Int(d[k] as i64),
        other => other.item_at(k).unwrap_or(Value::None),
    };
    match index {
        SeqIndex::Int(i) => {
            let k = if i < 0 { i + n as i64 } else { i };
            if k < 0 || k >= n as i64 {
                // a TensorShape indexes its tuple of dimensions
                let what = match container {
                    Value::Shape(_) => "tuple".to_string(),
                    other => other.type_name(),
                };
                return Err(Raise::index_error(format!("{what} index out of range")));
            }
            Ok(item(k as usize))
        }
        SeqIndex::Slice(a, b, c) => {
            if let Value::Range(start, _, step) = container {
                return range_slice(*start, *step, slice_bounds(n, a, b, c));
            }
            let k = slice_len(n, a, b, c);
            match container {
                Value::Str(_) => it.room_for_str(k)?,
                Value::List(_) => it.room_for_items("list", k)?,
                _ => it.room_for_items("tuple", k)?,
            }
            let at = slice_indices(n, a, b, c);
            // a list's lock is taken once for the slice, not once per item
            let picked: Vec<Value> = match container {
                Value::List(l) => {
                    let items = lock(l);
                    at.into_iter().map(|k| items[k].clone()).collect()
                }
                Value::Tuple(t) => at.into_iter().map(|k| t[k].clone()).collect(),
                _ => at.into_iter().map(item).collect(),
            };
            Ok(same_kind(container, picked))
        }
    }
}

/// A range's slice, a range again as CPython's `compute_slice` makes it: the slice's bounds
/// within the range's length mapped through the range's own start and step (`range(3)[::-1]`
/// is `range(2, -1, -1)`).
fn range_slice(start: i64, step: i64, (lo, hi, by): (i64, i64, i64)) -> Result<Value, Raise> {
    let at = |k: i64| k.checked_mul(step).and_then(|d| start.checked_add(d));
    match (at(lo), at(hi), step.checked_mul(by)) {
        (Some(a), Some(b), Some(s)) => Ok(Value::Range(a, b, s)),
        _ => Err(super::arith::overflow()),
    }
}

/// `picked` as a sequence of `container`'s kind.
fn same_kind(container: &Value, picked: Vec<Value>) -> Value {
    match container {
        Value::List(_) => Value::list(picked),
        Value::Shape(_) => Value::Shape(
            picked
                .iter()
                .map(|v| match v {
                    Value::Int(i) => *i as usize,
                    _ => 0,
                })
                .collect(),
        ),
        Value::Str(_) => Value::str(
            picked
                .iter()
                .map(|v| match v {
                    Value::Str(s) => s.to_string(),
                    _ => String::new(),
                })
                .collect::<String>(),
        ),
        _ => Value::tuple(picked),
    }
}

/// The key `d[...]` names: the subscript's value (`d[1, 2]` is the key `(1, 2)`); a slice is
/// no key, as in Python.
fn dict_key(it: &mut Interp, slice: &Expr) -> Result<Value, Raise> {
    let has_slice = match slice {
        Expr::Slice(_) => true,
        Expr::Tuple(t) => t.elts.iter().any(|e| matches!(e, Expr::Slice(_))),
        _ => false,
    };
    if has_slice {
        return Err(Raise::type_error("unhashable type: 'slice'"));
    }
    it.eval(slice)
}

/// `container[slice] = v`: an array gives back its updated self (the caller rebinds the
/// name); a list is changed in place; a tensor refuses, as TensorFlow's does.
pub fn set_item(
    it: &mut Interp,
    container: &Value,
    slice: &Expr,
    v: Value,
) -> Result<Option<Value>, Raise> {
    match container {
        Value::Dict(d) => {
            let k = dict_key(it, slice)?;
            it.dict_set(d, k, v)?;
            Ok(None)
        }
        Value::Array(a) => {
            let t = &a.get();
            let (parts, tuple) = it.parts_of(slice)?;
            a.check_writable("assignment destination is read-only")?;
            let items = np_index(it, parts, tuple)?;
            let p = plan(t.shape(), &items, false, it.max_elems())?;
            let src = it.np_tensor(&v)?;
            let shape_ok = crate::engine::kernels::broadcast_shape(src.shape(), &p.shape)
                .is_some_and(|s| s == p.shape);
            if !shape_ok {
                return Err(Raise::value_error(format!(
                    "shape mismatch: value array of shape {} could not be broadcast to indexing result of shape {}",
                    super::print::tuple_text(src.shape()),
                    super::print::tuple_text(&p.shape)
                )));
            }
            // written in the array's dtype, element for element (int64 exactly)
            let src = src.cast(t.dtype());
            let spread = src.broadcast_to(&p.shape).unwrap_or(src);
            let out = t.put_flat(&p.offsets, &spread);
            // in place: every name holding this array sees the change
            a.set(out);
            Ok(None)
        }
        Value::List(l) => {
            let (parts, tuple) = it.parts_of(slice)?;
            let index = seq_index(it, parts, tuple, "list")?;
            // a slice takes the items of any iterable, read before the list is locked
            // (`xs[:] = xs` reads the list itself)
            let new_items = match index {
                SeqIndex::Slice(..) => Some(
                    super::builtins::iterate(it, &v)
                        .map_err(|_| Raise::type_error("can only assign an iterable"))?,
                ),
                SeqIndex::Int(_) => None,
            };
            if let Some(new) = &new_items {
                // at most, the slice replaced is empty
                let len = lock(l).len();
                it.room_to_grow(len, new.len())?;
            }
            let mut items = lock(l);
            match (index, new_items) {
                (SeqIndex::Int(i), _) => {
                    let k = list_slot(i, items.len())?;
                    items[k] = v;
                    Ok(None)
                }
                (SeqIndex::Slice(a, b, None | Some(1)), Some(new)) => {
                    // a plain slice is replaced by the new items, whatever their number
                    let n = items.len() as i64;
                    let norm = |x: i64| (if x < 0 { x + n } else { x }).clamp(0, n) as usize;
                    let start = a.map_or(0, norm);
                    let stop = b.map_or(n as usize, norm).max(start);
                    items.splice(start..stop, new);
                    Ok(None)
                }
                (SeqIndex::Slice(a, b, c), new) => {
                    let at = slice_indices(items.len(), a, b, c);
                    let new = new.unwrap_or_default();
                    if new.len() != at.len() {
                        return Err(Raise::value_error(format!(
                            "attempt to assign sequence of size {} to extended slice of size {}",
                            new.len(),
                            at.len()
                        )));
                    }
                    for (k, x) in at.into_iter().zip(new) {
                        items[k] = x;
                    }
                    Ok(None)
                }
            }
        }
        Value::Tensor(_) => Err(Raise::type_error(
            "'tensorflow.python.framework.ops.EagerTensor' object does not support item assignment",
        )),
        Value::Variable(_) | Value::UnreadVariable(_) => Err(Raise::type_error(
            "'ResourceVariable' object does not support item assignment",
        )),
        other => Err(Raise::type_error(format!(
            "'{}' object does not support item assignment",
            other.type_name()
        ))),
    }
}

/// The position `i` names in a list of `n` items being assigned to or deleted from.
fn list_slot(i: i64, n: usize) -> Result<usize, Raise> {
    let k = if i < 0 { i + n as i64 } else { i };
    if k < 0 || k >= n as i64 {
        return Err(Raise::index_error("list assignment index out of range"));
    }
    Ok(k as usize)
}

/// `del container[slice]`: a list loses the item or the slice's items in place; NumPy arrays,
/// tensors, tuples and strings refuse, as Python does.
pub fn del_item(it: &mut Interp, container: &Value, slice: &Expr) -> Result<(), Raise> {
    match container {
        Value::Dict(d) => {
            let k = dict_key(it, slice)?;
            let key = super::dict::key(it, &k)?;
            let gone = d.lock().remove(&key);
            match gone {
                Some(_) => Ok(()),
                None => Err(super::dict::key_error(it, &k)),
            }
        }
        Value::List(l) => {
            let (parts, tuple) = it.parts_of(slice)?;
            let index = seq_index(it, parts, tuple, "list")?;
            let mut items = lock(l);
            match index {
                SeqIndex::Int(i) => {
                    let k = list_slot(i, items.len())?;
                    items.remove(k);
                }
                SeqIndex::Slice(a, b, c) => {
                    // a mark per item: a long list loses a strided slice in one pass
                    let mut gone = vec![false; items.len()];
                    for k in slice_indices(items.len(), a, b, c) {
                        gone[k] = true;
                    }
                    let mut marks = gone.into_iter();
                    items.retain(|_| !marks.next().unwrap_or(false));
                }
            }
            Ok(())
        }
        Value::Array(_) => Err(Raise::value_error("cannot delete array elements")),
        other => {
            let what = match other {
                Value::Tensor(_) => "tensorflow.python.framework.ops.EagerTensor".to_string(),
                other => other.type_name(),
            };
            Err(Raise::type_error(format!(
                "'{what}' object doesn't support item deletion"
            )))
        }
    }
}
