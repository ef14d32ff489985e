//! How a subscript's parts become index items: TensorFlow's `Tensor.__getitem__` (a boolean
//! tensor or array as the whole index is a mask, a list is read as a tuple, every other part
//! must be an int, a slice, `None`, `...` or a scalar int tensor), NumPy's indexing (lists,
//! arrays and tensors are advanced indices or masks) and Python's sequences.

use crate::engine::dtype::DType;
use crate::engine::tensor::Tensor;

use super::Item;
use crate::cells::interp::Interp;
use crate::cells::raise::{Raise, RaiseKind};
use crate::cells::value::Value;

/// A slice's start, stop and step as written (`None` where left out).
pub(super) type Bounds = (Option<Value>, Option<Value>, Option<Value>);

/// One part of a subscript as written: a slice's bounds, or a value.
pub(super) enum Part {
    Slice(Box<Bounds>),
    Value(Value),
}

/// What TensorFlow makes of a subscript.
pub(super) enum TfIndex {
    /// `tf.boolean_mask(x, mask)`: the whole index is a boolean tensor, array or Python bool.
    Mask(Value),
    /// A list index's items are these too (`x[[0, 3]]` is read as `x[0, 3]`).
    Items { items: Vec<Item> },
}

const TF_TYPES: &str = "Only integers, slices (`:`), ellipsis (`...`), tf.newaxis (`None`) and scalar tf.int32/tf.int64 tensors are valid indices";
const NP_TYPES: &str = "only integers, slices (`:`), ellipsis (`...`), numpy.newaxis (`None`) and integer or boolean arrays are valid indices";

/// A value's contents when it is a tensor, a variable or a NumPy array or scalar.
fn contents(it: &mut Interp, v: &Value) -> Result<Option<Tensor>, Raise> {
    match v {
        Value::Tensor(_)
        | Value::Variable(_)
        | Value::UnreadVariable(_)
        | Value::Array(_)
        | Value::NpScalar(_) => it.np_tensor(v).map(Some),
        _ => Ok(None),
    }
}

fn scalar_of(t: &Tensor) -> i64 {
    t.to_f64_vec()[0] as i64
}

/// `_check_index`: a Python int or bool, or a 0-d integer tensor or NumPy value.
fn tf_scalar(it: &mut Interp, v: &Value) -> Result<Option<i64>, Raise> {
    Ok(match v {
        Value::Int(i) => Some(*i),
        Value::Bool(b) => Some(i64::from(*b)),
        _ => contents(it, v)?
            .filter(|t| t.rank() == 0 && t.dtype().is_int())
            .map(|t| scalar_of(&t)),
    })
}

/// `operator.index(v)`, as Python sequences, slice bounds, `range()` and list methods take it:
/// ints, bools, NumPy integer (and bool) scalars, 0-d integer arrays, and a tensor through
/// `EagerTensor.__index__`, which is NumPy's `__index__` of its value: a 0-d integer or
/// boolean tensor gives it, a 0-d float one has none (`numpy.float32` has no `__index__`: an
/// AttributeError), and a tensor or array of one or more dimensions refuses. `None` for what
/// has no `__index__` (a float, a NumPy float scalar, a variable): the caller words that error.
pub fn operator_index(v: &Value) -> Result<Option<i64>, Raise> {
    let not_scalar =
        || Raise::type_error("only integer scalar arrays can be converted to a scalar index");
    Ok(match v {
        Value::Int(i) | Value::Dimension(i) => Some(*i),
        Value::Bool(b) => Some(i64::from(*b)),
        Value::NpScalar(t) => (!t.dtype().is_float()).then(|| scalar_of(t)),
        Value::Array(a) => {
            let t = a.get();
            if t.rank() != 0 || !t.dtype().is_int() {
                return Err(not_scalar());
            }
            Some(scalar_of(&t))
        }
        Value::Tensor(x) => {
            let t = &x.tensor;
            if t.rank() != 0 {
                return Err(not_scalar());
            }
            if t.dtype().is_float() {
                return Err(Raise::attr_error(format!(
                    "'numpy.{}' object has no attribute '__index__'",
                    t.dtype().name()
                )));
            }
            Some(scalar_of(t))
        }
        _ => None,
    })
}

fn py_index(_: &mut Interp, v: &Value) -> Result<Option<i64>, Raise> {
    operator_index(v)
}

fn bound(
    it: &mut Interp,
    b: &Option<Value>,
    bad: impl Fn(&mut Interp, &Value) -> Raise,
    read: fn(&mut Interp, &Value) -> Result<Option<i64>, Raise>,
) -> Result<Option<i64>, Raise> {
    match b {
        None | Some(Value::None) => Ok(None),
        Some(v) => read(it, v)?.map(Some).ok_or_else(|| bad(it, v)),
    }
}

fn tf_type_error(it: &mut Interp, v: &Value) -> Raise {
    let shown = crate::cells::print::repr(it, v);
    let hint = match v {
        Value::List(_) | Value::Tuple(_) => "; to pick several elements use tf.gather(x, indices)",
        _ => "",
    };
    Raise::type_error(format!("{TF_TYPES}, got {shown}{hint}"))
}

/// Whether TensorFlow reads a whole index as a boolean mask (`_slice_helper`).
fn is_tf_mask(v: &Value) -> bool {
    match v {
        Value::Bool(_) => true,
        Value::Tensor(x) => x.tensor.dtype() == DType::Bool,
        Value::Array(a) => a.get().dtype() == DType::Bool,
        _ => false,
    }
}

/// TensorFlow's reading of a subscript; `tuple` says the parts were written `x[a, b]`.
pub(super) fn tf_index(
    it: &mut Interp,
    mut parts: Vec<Part>,
    tuple: bool,
) -> Result<TfIndex, Raise> {
    if !tuple {
        if let [Part::Value(v)] = parts.as_slice() {
            if is_tf_mask(v) {
                return Ok(TfIndex::Mask(v.clone()));
            }
            // a list or tuple value is the tuple of its items: x[[0, 3]] is x[0, 3]
            if let Value::List(_) | Value::Tuple(_) = v {
                let items = v.items().unwrap_or_default();
                parts = items.into_iter().map(Part::Value).collect();
            }
        }
    }
    let mut items = Vec::with_capacity(parts.len());
    for p in &parts {
        items.push(match p {
            Part::Slice(bounds) => Item::Slice(
                bound(it, &bounds.0, tf_type_error, tf_scalar)?,
                bound(it, &bounds.1, tf_type_error, tf_scalar)?,
                bound(it, &bounds.2, tf_type_error, tf_scalar)?,
            ),
            Part::Value(Value::None) => Item::NewAxis,
            Part::Value(Value::Ellipsis) => Item::Ellipsis,
            Part::Value(v) => match tf_scalar(it, v)? {
                Some(i) => Item::Int(i),
                None => return Err(tf_type_error(it, v)),
            },
        });
    }
    bool_begins(it, &parts)?;
    Ok(TfIndex::Items { items })
}

/// TensorFlow stacks the parts' begins (a slice's start, an int, 0 for the rest) into one
/// tensor whose dtype its first begin sets: a Python bool first makes it bool, which
/// StridedSlice refuses, or which the next int cannot join.
fn bool_begins(it: &mut Interp, parts: &[Part]) -> Result<(), Raise> {
    let begins: Vec<Value> = parts
        .iter()
        .map(|p| match p {
            Part::Slice(bounds) => match &bounds.0 {
                Some(a) if !matches!(a, Value::None) => a.clone(),
                _ => Value::Int(0),
            },
            Part::Value(v) if !matches!(v, Value::None | Value::Ellipsis) => v.clone(),
            _ => Value::Int(0),
        })
        .collect();
    if !matches!(begins.first(), Some(Value::Bool(_))) {
        return Ok(());
    }
    match begins.iter().find(|b| !matches!(b, Value::Bool(_))) {
        Some(other) => {
            let shown = crate::cells::print::repr(it, other);
            Err(Raise::type_error(format!(
                "Cannot convert {shown} to EagerTensor of dtype bool (a Python bool first in an index makes TensorFlow read the index as bool; use 1 or 0)"
            )))
        }
        None => Err(Raise::new(
            RaiseKind::InvalidArgumentError,
            "Value for attr 'Index' of bool is not in the list of allowed values: int16, int32, int64 (TensorFlow reads a Python bool index as a bool begin, not a mask; use 1 or 0, or tf.boolean_mask)",
        )),
    }
}

/// NumPy's reading of a subscript; a tuple value is its items, a list is one advanced index.
pub(super) fn np_index(
    it: &mut Interp,
    mut parts: Vec<Part>,
    tuple: bool,
) -> Result<Vec<Item>, Raise> {
    if !tuple {
        if let [Part::Value(Value::Tuple(t))] = parts.as_slice() {
            parts = t.iter().cloned().map(Part::Value).collect();
        }
    }
    let slice_error = |_: &mut Interp, _: &Value| {
        Raise::type_error("slice indices must be integers or None or have an __index__ method")
    };
    let mut items = Vec::with_capacity(parts.len());
    for p in &parts {
        items.push(match p {
            Part::Slice(bounds) => Item::Slice(
                bound(it, &bounds.0, slice_error, py_index)?,
                bound(it, &bounds.1, slice_error, py_index)?,
                bound(it, &bounds.2, slice_error, py_index)?,
            ),
            Part::Value(v) => np_item(it, v)?,
        });
    }
    Ok(items)
}

fn bool_scalar(b: bool) -> Tensor {
    Tensor::from_f64s(&[], &[f64::from(u8::from(b))], DType::Bool).expect("scalar")
}

/// One NumPy index that is not a slice.
fn np_item(it: &mut Interp, v: &Value) -> Result<Item, Raise> {
    let t = match v {
        Value::None => return Ok(Item::NewAxis),
        Value::Ellipsis => return Ok(Item::Ellipsis),
        Value::Int(i) => return Ok(Item::Int(*i)),
        // a Python bool is a 0-d mask: a new axis of length 1 (True) or 0 (False)
        Value::Bool(b) => return Ok(Item::Mask(bool_scalar(*b))),
        Value::List(_) | Value::Tuple(_) | Value::Range(..) => {
            if v.items().is_some_and(|i| i.is_empty()) {
                return Ok(Item::Adv(Vec::new()));
            }
            it.np_tensor(v).map_err(|_| Raise::index_error(NP_TYPES))?
        }
        _ => match contents(it, v)? {
            Some(t) => t,
            None => return Err(Raise::index_error(NP_TYPES)),
        },
    };
    let tensor_like = matches!(
        v,
        Value::Tensor(_) | Value::Variable(_) | Value::UnreadVariable(_)
    );
    match (t.dtype(), t.rank()) {
        // a 0-d tensor is read through its __index__: a bool one is 0 or 1
        (DType::Bool, 0) if tensor_like => Ok(Item::Int(scalar_of(&t))),
        (DType::Bool, _) => Ok(Item::Mask(t)),
        (d, 0) if d.is_int() => Ok(Item::Int(scalar_of(&t))),
        (d, 1) if d.is_int() => Ok(Item::Adv(
            t.to_f64_vec().into_iter().map(|x| x as i64).collect(),
        )),
        (d, _) if d.is_int() => Err(Raise::index_error(
            "a cell's integer index arrays have one dimension (index with a 1-d array, or reshape first)",
        )),
        (_, r) if r > 0 && matches!(v, Value::Array(_)) => Err(Raise::index_error(
            "arrays used as indices must be of integer (or boolean) type",
        )),
        _ => Err(Raise::index_error(NP_TYPES)),
    }
}

/// Python's reading of a list's, tuple's or string's subscript: one int or one slice.
pub(super) enum SeqIndex {
    Int(i64),
    Slice(Option<i64>, Option<i64>, Option<i64>),
}

pub(super) fn seq_index(
    it: &mut Interp,
    parts: Vec<Part>,
    tuple: bool,
    kind: &str,
) -> Result<SeqIndex, Raise> {
    let slice_error = |_: &mut Interp, _: &Value| {
        Raise::type_error("slice indices must be integers or None or have an __index__ method")
    };
    match parts.as_slice() {
        [Part::Slice(bounds)] if !tuple => {
            let (a, b, c) = &**bounds;
            let c = bound(it, c, slice_error, py_index)?;
            if c == Some(0) {
                return Err(Raise::value_error("slice step cannot be zero"));
            }
            Ok(SeqIndex::Slice(
                bound(it, a, slice_error, py_index)?,
                bound(it, b, slice_error, py_index)?,
                c,
            ))
        }
        [Part::Value(v)] if !tuple => py_index(it, v)?.map(SeqIndex::Int).ok_or_else(|| {
            Raise::type_error(format!(
                "{kind} indices must be integers or slices, not {}",
                v.type_name()
            ))
        }),
        _ => Err(Raise::type_error(format!(
            "{kind} indices must be integers or slices, not tuple"
        ))),
    }
}
